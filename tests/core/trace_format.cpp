#include "trace_format.hpp"

#include <charconv>
#include <sstream>
#include <stdexcept>

namespace processkit::testing {
namespace {

using std::chrono::milliseconds;

long long to_ms(Duration d) {
    return std::chrono::duration_cast<milliseconds>(d).count();
}

std::string ms(Duration d) {
    return std::to_string(to_ms(d)) + "ms";
}

std::string_view target_name(Target t) {
    return t == Target::Tree ? "tree" : "child";
}

Stream stream_of(const std::string& s) {
    if (s == "stdout") {
        return Stream::Stdout;
    }
    if (s == "stderr") {
        return Stream::Stderr;
    }
    throw std::runtime_error("trace: not a stream: " + s);
}

ProcessGroupStats stats_of(const std::vector<std::string>& w) {
    ProcessGroupStats s;
    s.active_process_count = static_cast<std::size_t>(number(value_of(w, "procs")));
    if (auto cpu = value_of(w, "cpu"); !cpu.empty()) {
        s.total_cpu_time = milliseconds(number(cpu));
    }
    if (auto mem = value_of(w, "mem"); !mem.empty()) {
        s.peak_memory_bytes = static_cast<std::uint64_t>(number(mem));
    }
    return s;
}

std::string describe_stats(const ProcessGroupStats& s) {
    std::string d = "procs=" + std::to_string(s.active_process_count);
    d += " cpu=" + (s.total_cpu_time ? ms(*s.total_cpu_time) : "-");
    d += " mem=" + (s.peak_memory_bytes ? std::to_string(*s.peak_memory_bytes) : "-");
    return d;
}

Input parse_input(const std::vector<std::string>& w, const std::string& program) {
    const std::string& verb = w.at(0);
    if (verb == "start") {
        return input::Start{};
    }
    if (verb == "spawned") {
        return input::Spawned{};
    }
    if (verb == "spawn-failed") {
        return input::SpawnFailed{Error(ErrorKind::NotFound, program, "no such file")};
    }
    if (verb == "out") {
        // The view must outlive handle(); words are kept alive by the caller.
        return input::Output{stream_of(w.at(1)), w.at(2)};
    }
    if (verb == "eof") {
        return input::OutputClosed{stream_of(w.at(1))};
    }
    if (verb == "stdin-drained") {
        return input::StdinDrained{};
    }
    if (verb == "stdin-broken") {
        return input::StdinBroken{};
    }
    if (verb == "exit") {
        input::Exited e{w.at(1) == "signal"
                            ? ExitStatus::signalled(static_cast<int>(number(w.at(2))))
                            : ExitStatus::exited(static_cast<int>(number(w.at(1)))),
                        std::nullopt, std::nullopt};
        if (auto cpu = value_of(w, "cpu"); !cpu.empty()) {
            e.cpu_time = milliseconds(number(cpu));
        }
        if (auto rss = value_of(w, "rss"); !rss.empty()) {
            e.peak_memory_bytes = static_cast<std::uint64_t>(number(rss));
        }
        return e;
    }
    if (verb == "group-empty") {
        return input::GroupEmpty{};
    }
    if (verb == "stats") {
        return input::StatsSampled{stats_of(w)};
    }
    if (verb == "stats-failed") {
        return input::StatsFailed{};
    }
    if (verb == "tick") {
        return input::Tick{};
    }
    if (verb == "cancel") {
        return input::Cancel{};
    }
    if (verb == "terminate") {
        return input::Terminate{};
    }
    if (verb == "kill") {
        return input::Kill{};
    }
    if (verb == "write") {
        return input::WriteStdin{w.at(1)};
    }
    if (verb == "close-stdin") {
        return input::CloseStdin{};
    }
    if (verb == "abort-stdin") {
        return input::CloseStdin{/*discard_queued=*/true};
    }
    if (verb == "handler-failed") {
        return input::HandlerFailed{stream_of(w.at(1))};
    }
    throw std::runtime_error("trace: unknown input: " + verb);
}

struct Config {
    Command command{"prog"};
    RunOptions options;
};

void apply_config(const std::vector<std::string>& w, Config& c) {
    for (std::size_t i = 1; i < w.size(); ++i) {
        const auto& kv = w[i];
        auto eq = kv.find('=');
        std::string key = kv.substr(0, eq);
        std::string val = eq == std::string::npos ? "" : kv.substr(eq + 1);
        if (key == "program") {
            c.command = Command(val);
        } else if (key == "timeout") {
            c.command.timeout(milliseconds(number(val)));
        } else if (key == "grace") {
            c.command.grace(milliseconds(number(val)));
        } else if (key == "drain") {
            c.command.drain_timeout(milliseconds(number(val)));
        } else if (key == "signal") {
            c.command.timeout_signal(*Signal::parse(val));
        } else if (key == "stdin") {
            c.command.stdin_bytes(val);
        } else if (key == "stdin-interactive") {
            c.command.stdin_interactive();
        } else if (key == "sample") {
            c.options.sample_every = milliseconds(number(val));
        } else if (key == "shared") {
            c.options.owns_group = false;
        } else if (key == "lines") {
            c.options.deliver_lines[0] = true;
            c.options.deliver_lines[1] = true;
        } else if (key == "stdout-keep-newest-lines") {
            c.command.stdout_policy(
                BufferPolicy::keep_newest_lines(static_cast<std::size_t>(number(val))));
        } else if (key == "stdout-fail-bytes") {
            c.command.stdout_policy(
                BufferPolicy::fail_past_bytes(static_cast<std::size_t>(number(val))));
        } else if (key == "stderr") {
            c.command.stderr_mode(val == "inherit" ? StdioMode::Inherit : StdioMode::Capture);
        } else if (key == "arg-with-nul") {
            c.command.arg(std::string("a\0b", 3));
        } else {
            throw std::runtime_error("trace: unknown config key: " + key);
        }
    }
}

} // namespace

std::vector<std::string> words(std::string_view line) {
    // Splits on spaces. Double quotes (anywhere in a word) group text that may
    // hold spaces, with the escapes \n, \r, \", \\ and \xHH; they are removed.
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < line.size()) {
        if (line[i] == ' ') {
            ++i;
            continue;
        }
        std::string w;
        bool quoted = false;
        while (i < line.size() && (quoted || line[i] != ' ')) {
            char c = line[i++];
            if (c == '"') {
                quoted = !quoted;
                continue;
            }
            if (quoted && c == '\\' && i < line.size()) {
                char e = line[i++];
                if (e == 'n') {
                    c = '\n';
                } else if (e == 'r') {
                    c = '\r';
                } else if (e == 'x' && i + 2 <= line.size()) {
                    unsigned v = 0;
                    std::from_chars(line.data() + i, line.data() + i + 2, v, 16);
                    c = static_cast<char>(v);
                    i += 2;
                } else {
                    c = e;
                }
            }
            w += c;
        }
        out.push_back(std::move(w));
    }
    return out;
}

long long number(const std::string& s) {
    long long v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{}) {
        throw std::runtime_error("trace: not a number: " + s);
    }
    return v;
}

// "key=value" words of a line.
std::string value_of(const std::vector<std::string>& w, std::string_view key) {
    for (const auto& x : w) {
        if (x.size() > key.size() && x.compare(0, key.size(), key) == 0 && x[key.size()] == '=') {
            return x.substr(key.size() + 1);
        }
    }
    return {};
}

std::string quote(std::string_view bytes) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string q = "\"";
    for (char ch : bytes) {
        auto c = static_cast<unsigned char>(ch);
        if (ch == '\n') {
            q += "\\n";
        } else if (ch == '\r') {
            q += "\\r";
        } else if (ch == '"' || ch == '\\') {
            q += '\\';
            q += ch;
        } else if (c < 0x20 || c == 0x7f) {
            q += "\\x";
            q += hex[c >> 4];
            q += hex[c & 15];
        } else {
            q += ch;
        }
    }
    q += '"';
    return q;
}

std::string describe(const Action& a) {
    struct Visitor {
        std::string operator()(const action::Spawn&) const { return "spawn"; }
        std::string operator()(const action::WriteStdin& w) const {
            return "write-stdin " + quote(w.bytes);
        }
        std::string operator()(const action::CloseStdin&) const { return "close-stdin"; }
        std::string operator()(const action::SendSignal& s) const {
            return "signal " + std::string(target_name(s.target)) + " " + s.signal.to_string();
        }
        std::string operator()(const action::Kill& k) const {
            return "kill " + std::string(target_name(k.target));
        }
        std::string operator()(const action::SampleStats&) const { return "sample-stats"; }
        std::string operator()(const action::Tee& t) const {
            return "tee " + std::string(to_string(t.stream)) + " " + quote(t.bytes);
        }
        std::string operator()(const action::DeliverLine& l) const {
            return "line " + std::string(to_string(l.stream)) + " " + quote(l.text) +
                   (l.cut ? " cut" : "");
        }
        std::string operator()(const action::DeliverStats& s) const {
            return "stats " + describe_stats(s.stats);
        }
        std::string operator()(const action::Finished& f) const {
            const auto& r = f.result;
            std::string d = "finished outcome=" + quote(r.outcome.to_string());
            d += " status=" + (r.status ? quote(r.status->to_string()) : std::string("-"));
            d += " duration=" + ms(r.duration);
            d += " stdout=" + quote(r.stdout_bytes) + " stderr=" + quote(r.stderr_bytes);
            if (r.timed_out) {
                d += " timed-out";
            }
            if (r.cancelled) {
                d += " cancelled";
            }
            if (r.output_incomplete) {
                d += " output-incomplete";
            }
            if (r.stdin_broken) {
                d += " stdin-broken";
            }
            if (r.truncated()) {
                d += " truncated";
            }
            if (r.error) {
                d += " error=" + quote(r.error->what());
            }
            d += " samples=" + std::to_string(r.profile.samples);
            d += " cpu=" + (r.profile.cpu_time ? ms(*r.profile.cpu_time) : "-");
            d += " mem=" +
                 (r.profile.peak_memory_bytes ? std::to_string(*r.profile.peak_memory_bytes) : "-");
            return d;
        }
    };
    return std::visit(Visitor{}, a);
}

std::string expected_transcript(std::string_view script) {
    std::string out;
    std::istringstream in{std::string(script)};
    for (std::string line; std::getline(in, line);) {
        auto first = line.find_first_not_of(' ');
        if (first == std::string::npos || line[first] == '#') {
            continue;
        }
        out += line + '\n';
    }
    return out;
}

std::string run_trace(std::string_view script) {
    const auto epoch = TimePoint{} + std::chrono::hours(1);
    Config config;
    std::optional<RunMachine> machine;
    std::string out;
    std::istringstream in{std::string(script)};
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] != '@') {
            if (line.rfind("config", 0) == 0) {
                apply_config(words(line), config);
                out += line + '\n';
            }
            continue; // comments and expected actions are not inputs
        }
        if (!machine) {
            machine.emplace(config.command, config.options);
        }
        auto w = words(line);
        TimePoint now;
        if (w[0] == "@next") {
            auto d = machine->next_deadline();
            if (!d) {
                throw std::runtime_error("trace: @next with no deadline armed");
            }
            now = *d;
        } else {
            now = epoch + milliseconds(number(w[0].substr(1)));
        }
        w.erase(w.begin());
        machine->handle(now, parse_input(w, config.command.program()));
        out += line + '\n';
        while (auto a = machine->poll_action()) {
            out += "  -> " + describe(*a) + '\n';
        }
        auto d = machine->next_deadline();
        out += "  deadline " + (d ? std::to_string(to_ms(*d - epoch)) : std::string("none")) + '\n';
    }
    return out;
}

} // namespace processkit::testing
