#include "processkit/blocking/api.hpp"

#include "processkit/blocking/reactor.hpp"
#include "processkit/core/answers.hpp"

#include <algorithm>
#include <memory>

namespace processkit {
namespace {

ProcessResult run_command_to_end(const Command& command, ProcessGroup* group) {
    blocking::Reactor reactor;
    driver::RunDriver::Options o;
    o.shared_group = group;
    o.private_group_cpu_time = false; // the group never leaves this function
    driver::RunDriver driver(command, std::move(o), reactor);
    driver.start(Clock::now());
    reactor.run_until([&] { return driver.finished(); });
    return *driver.take_result();
}

std::string run_impl(const Command& command, ProcessGroup* group) {
    auto answer = run_answer(run_command_to_end(command, group));
    if (answer.error) {
        throw *answer.error;
    }
    return std::move(*answer.value);
}

int exit_code_impl(const Command& command, ProcessGroup* group) {
    auto answer = exit_code_answer(run_command_to_end(command, group));
    if (answer.error) {
        throw *answer.error;
    }
    return *answer.value;
}

bool probe_impl(const Command& command, ProcessGroup* group) {
    auto answer = probe_answer(run_command_to_end(probe_command(command), group));
    if (answer.error) {
        throw *answer.error;
    }
    return *answer.value;
}

std::optional<std::string> first_line_impl(const Command& command, ProcessGroup* group,
                                           const std::function<bool(std::string_view)>& pred) {
    blocking::Reactor reactor;
    driver::RunDriver::Options o;
    o.shared_group = group;
    o.private_group_cpu_time = false; // the group never leaves this function
    o.queue_stdout_lines = true;
    driver::RunDriver driver(command, std::move(o), reactor);
    driver.start(Clock::now());
    auto& lines = driver.stdout_lines();
    std::optional<std::string> match;
    while (!match) {
        reactor.run_until([&] { return !lines.empty() || driver.finished(); });
        if (lines.empty()) {
            break;
        }
        for (; !lines.empty() && !match; lines.pop_front()) {
            if (pred(lines.front())) {
                match = std::move(lines.front());
            }
        }
    }
    if (match && !driver.finished()) {
        driver.kill(Clock::now()); // the answer is in: stop the tree
    }
    reactor.run_until([&] { return driver.finished(); });
    const auto& r = *driver.result();
    if (r.outcome.kind == Outcome::Kind::SpawnFailed && r.error) {
        throw *r.error;
    }
    return match;
}

} // namespace

ProcessResult output_string(const Command& c) {
    return run_command_to_end(c, nullptr);
}
ProcessResult output_string(ProcessGroup& g, const Command& c) {
    return run_command_to_end(c, &g);
}
ProcessResult output_bytes(const Command& c) {
    return run_command_to_end(c, nullptr);
}
ProcessResult output_bytes(ProcessGroup& g, const Command& c) {
    return run_command_to_end(c, &g);
}
std::string run(const Command& c) {
    return run_impl(c, nullptr);
}
std::string run(ProcessGroup& g, const Command& c) {
    return run_impl(c, &g);
}
int exit_code(const Command& c) {
    return exit_code_impl(c, nullptr);
}
int exit_code(ProcessGroup& g, const Command& c) {
    return exit_code_impl(c, &g);
}
bool probe(const Command& c) {
    return probe_impl(c, nullptr);
}
bool probe(ProcessGroup& g, const Command& c) {
    return probe_impl(c, &g);
}

std::optional<std::string> first_line(const Command& c,
                                      const std::function<bool(std::string_view)>& pred) {
    return first_line_impl(c, nullptr, pred);
}
std::optional<std::string> first_line(ProcessGroup& g, const Command& c,
                                      const std::function<bool(std::string_view)>& pred) {
    return first_line_impl(c, &g, pred);
}

RunningProcess start(const Command& c, const StartOptions& o) {
    return start_process(c, nullptr, o);
}
RunningProcess start(ProcessGroup& g, const Command& c, const StartOptions& o) {
    return start_process(c, &g, o);
}

std::vector<Outcome> wait_all(std::vector<RunningProcess*> processes) {
    std::vector<Outcome> out;
    out.reserve(processes.size());
    for (auto* p : processes) {
        out.push_back(p->wait());
    }
    return out;
}

namespace {

std::vector<ProcessResult> output_all_impl(const std::vector<Command>& commands,
                                           std::size_t concurrency, ProcessGroup* group) {
    if (concurrency == 0) {
        concurrency = std::max<std::size_t>(commands.size(), 1);
    }
    blocking::Reactor reactor;
    std::vector<std::unique_ptr<driver::RunDriver>> drivers(commands.size());
    std::vector<ProcessResult> results(commands.size());
    std::size_t next = 0;
    std::size_t running = 0;
    std::size_t done = 0;
    auto collect = [&] {
        for (auto& d : drivers) {
            if (d && d->finished()) {
                const auto i = static_cast<std::size_t>(&d - drivers.data());
                results[i] = *d->take_result();
                d.reset();
                --running;
                ++done;
            }
        }
    };
    while (done < commands.size()) {
        while (running < concurrency && next < commands.size()) {
            driver::RunDriver::Options options;
            options.shared_group = group;
            options.private_group_cpu_time = false; // the group never leaves here
            drivers[next] =
                std::make_unique<driver::RunDriver>(commands[next], std::move(options), reactor);
            ++running;
            drivers[next]->start(Clock::now());
            ++next;
            // Runs that ended meanwhile finish now, not once every command
            // has started: their output is read while they run, and a
            // finished run's group goes back to the cache for the next
            // start (a directory made and removed less per child).
            reactor.run_once(Clock::now());
        }
        collect();
        if (done < commands.size() && running > 0) {
            reactor.run_once();
            collect();
        }
    }
    return results;
}

} // namespace

std::vector<ProcessResult> output_all(const std::vector<Command>& commands,
                                      std::size_t concurrency) {
    return output_all_impl(commands, concurrency, nullptr);
}

std::vector<ProcessResult> output_all(ProcessGroup& group, const std::vector<Command>& commands,
                                      std::size_t concurrency) {
    return output_all_impl(commands, concurrency, &group);
}

} // namespace processkit
