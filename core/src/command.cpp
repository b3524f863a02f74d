#include "processkit/core/command.hpp"

#include <algorithm>
#include <range/v3/range/conversion.hpp>
#include <range/v3/view/concat.hpp>
#include <range/v3/view/join.hpp>
#include <range/v3/view/single.hpp>
#include <range/v3/view/transform.hpp>

namespace processkit {

Command::Command(std::string program)
    : program_(std::move(program)) {}

Command& Command::arg(std::string a) {
    args_.push_back(std::move(a));
    return *this;
}

Command& Command::args(std::initializer_list<std::string_view> list) {
    for (auto a : list) {
        args_.emplace_back(a);
    }
    return *this;
}

Command& Command::args(const std::vector<std::string>& list) {
    args_.insert(args_.end(), list.begin(), list.end());
    return *this;
}

Command& Command::cwd(std::string directory) {
    cwd_ = std::move(directory);
    return *this;
}

Command& Command::env(std::string name, std::string value) {
    env_ops_.push_back({EnvOp::Kind::Set, std::move(name), std::move(value), {}});
    return *this;
}

Command& Command::env_remove(std::string name) {
    env_ops_.push_back({EnvOp::Kind::Remove, std::move(name), {}, {}});
    return *this;
}

Command& Command::env_clear() {
    env_ops_.push_back({EnvOp::Kind::Clear, {}, {}, {}});
    return *this;
}

Command& Command::env_inherit_only(std::vector<std::string> names) {
    env_ops_.push_back({EnvOp::Kind::InheritOnly, {}, {}, std::move(names)});
    return *this;
}

Command& Command::stdin_empty() {
    stdin_ = {StdinSource::Kind::Empty, {}};
    return *this;
}

Command& Command::stdin_bytes(std::string bytes) {
    stdin_ = {StdinSource::Kind::Bytes, std::move(bytes)};
    return *this;
}

Command& Command::stdin_lines(const std::vector<std::string>& lines) {
    std::string joined;
    for (const auto& l : lines) {
        joined += l;
        joined += '\n';
    }
    return stdin_bytes(std::move(joined));
}

Command& Command::stdin_file(std::string path) {
    stdin_ = {StdinSource::Kind::File, std::move(path)};
    return *this;
}

Command& Command::stdin_interactive() {
    stdin_ = {StdinSource::Kind::Interactive, {}};
    return *this;
}

Command& Command::stdin_inherit() {
    stdin_ = {StdinSource::Kind::Inherit, {}};
    return *this;
}

Command& Command::stdout_mode(StdioMode m) {
    modes_[index(Stream::Stdout)] = m;
    return *this;
}

Command& Command::stderr_mode(StdioMode m) {
    modes_[index(Stream::Stderr)] = m;
    return *this;
}

Command& Command::stdout_tee(ByteSink sink) {
    tees_[index(Stream::Stdout)] = std::move(sink);
    return stdout_mode(StdioMode::Tee);
}

Command& Command::stderr_tee(ByteSink sink) {
    tees_[index(Stream::Stderr)] = std::move(sink);
    return stderr_mode(StdioMode::Tee);
}

Command& Command::timeout(Duration d) {
    timeout_ = d;
    return *this;
}

Command& Command::no_timeout() {
    timeout_.reset();
    return *this;
}

Command& Command::grace(Duration d) {
    grace_ = d;
    return *this;
}

Command& Command::timeout_signal(Signal s) {
    timeout_signal_ = s;
    return *this;
}

Command& Command::drain_timeout(Duration d) {
    drain_timeout_ = d;
    return *this;
}

Command& Command::buffer_policy(BufferPolicy both) {
    policies_[0] = both;
    policies_[1] = both;
    return *this;
}

Command& Command::stdout_policy(BufferPolicy p) {
    policies_[index(Stream::Stdout)] = p;
    return *this;
}

Command& Command::stderr_policy(BufferPolicy p) {
    policies_[index(Stream::Stderr)] = p;
    return *this;
}

Command& Command::max_line_bytes(std::size_t n) {
    max_line_bytes_ = n;
    return *this;
}

Command& Command::encoding(Encoding e) {
    encoding_ = e;
    return *this;
}

Command& Command::ok_codes(std::vector<int> codes) {
    ok_codes_ = std::move(codes);
    return *this;
}

Command& Command::on_stdout_line(LineHandler h) {
    handlers_[index(Stream::Stdout)] = std::move(h);
    return *this;
}

Command& Command::on_stderr_line(LineHandler h) {
    handlers_[index(Stream::Stderr)] = std::move(h);
    return *this;
}

Command& Command::uid(std::uint32_t id) {
    posix_.uid = id;
    return *this;
}

Command& Command::gid(std::uint32_t id) {
    posix_.gid = id;
    return *this;
}

Command& Command::groups(std::vector<std::uint32_t> ids) {
    posix_.groups = std::move(ids);
    return *this;
}

Command& Command::new_session(bool on) {
    posix_.new_session = on;
    return *this;
}

Command& Command::raw_batch_arguments(bool on) {
    windows_.raw_batch_arguments = on;
    return *this;
}

Command& Command::no_window(bool on) {
    windows_.no_window = on;
    return *this;
}

Command& Command::kill_on_parent_death(bool on) {
    posix_.kill_on_parent_death = on;
    return *this;
}

bool Command::accepts(int exit_code) const {
    return std::find(ok_codes_.begin(), ok_codes_.end(), exit_code) != ok_codes_.end();
}

std::string shell_quote(std::string_view word) {
    if (word.empty()) {
        return "''";
    }
    auto safe = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               std::string_view("_@%+=:,./-").find(c) != std::string_view::npos;
    };
    if (std::all_of(word.begin(), word.end(), safe)) {
        return std::string(word);
    }
    std::string quoted = "'";
    for (char c : word) {
        if (c == '\'') {
            quoted += "'\\''";
        } else {
            quoted += c;
        }
    }
    quoted += '\'';
    return quoted;
}

std::string Command::command_line() const {
    auto quoted = ranges::views::concat(ranges::views::single(program_), args_) |
                  ranges::views::transform([](const std::string& w) { return shell_quote(w); }) |
                  ranges::views::join(' ');
    return ranges::to<std::string>(quoted);
}

namespace {

bool has_nul(std::string_view s) {
    return s.find('\0') != std::string_view::npos;
}

std::optional<Error> bad(const std::string& program, std::string detail) {
    return Error(ErrorKind::InvalidArgument, program, std::move(detail));
}

std::optional<Error> check_env_name(const std::string& program, const std::string& name) {
    if (name.empty()) {
        return bad(program, "empty environment variable name");
    }
    if (has_nul(name) || name.find('=') != std::string::npos) {
        return bad(program, "environment variable name contains '=' or a NUL byte");
    }
    return std::nullopt;
}

} // namespace

std::optional<Error> Command::validate() const {
    // The program name goes into messages; never the arguments or env values.
    const std::string shown = has_nul(program_) ? std::string{} : program_;
    if (program_.empty()) {
        return bad(shown, "empty program name");
    }
    if (has_nul(program_)) {
        return bad(shown, "program name contains a NUL byte");
    }
    for (std::size_t i = 0; i < args_.size(); ++i) {
        if (has_nul(args_[i])) {
            return bad(shown, "argument " + std::to_string(i + 1) + " contains a NUL byte");
        }
    }
    if (cwd_ && (cwd_->empty() || has_nul(*cwd_))) {
        return bad(shown, "working directory is empty or contains a NUL byte");
    }
    for (const auto& op : env_ops_) {
        if (op.kind == EnvOp::Kind::Set || op.kind == EnvOp::Kind::Remove) {
            if (auto e = check_env_name(shown, op.name)) {
                return e;
            }
            if (has_nul(op.value)) {
                return bad(shown,
                           "value of environment variable " + op.name + " contains a NUL byte");
            }
        }
        for (const auto& n : op.names) {
            if (auto e = check_env_name(shown, n)) {
                return e;
            }
        }
    }
    if (stdin_.kind == StdinSource::Kind::File && (stdin_.data.empty() || has_nul(stdin_.data))) {
        return bad(shown, "stdin file path is empty or contains a NUL byte");
    }
    if (timeout_ && *timeout_ < Duration::zero()) {
        return bad(shown, "negative timeout");
    }
    if (grace_ < Duration::zero()) {
        return bad(shown, "negative grace period");
    }
    if (drain_timeout_ < Duration::zero()) {
        return bad(shown, "negative drain timeout");
    }
    if (max_line_bytes_ == 0) {
        return bad(shown, "max_line_bytes must be at least 1");
    }
    for (Stream s : {Stream::Stdout, Stream::Stderr}) {
        if (mode(s) == StdioMode::Tee && !tee_sink(s)) {
            return bad(shown, std::string(to_string(s)) + " is in Tee mode without a sink");
        }
    }
    return std::nullopt;
}

} // namespace processkit
