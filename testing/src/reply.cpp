#include "processkit/testing/reply.hpp"

namespace processkit {

Reply Reply::success(std::string stdout_bytes, std::string stderr_bytes) {
    return Reply(End::Exit, 0).with_output(std::move(stdout_bytes), std::move(stderr_bytes));
}

Reply Reply::failure(int exit_code, std::string stdout_bytes, std::string stderr_bytes) {
    return Reply(End::Exit, exit_code)
        .with_output(std::move(stdout_bytes), std::move(stderr_bytes));
}

Reply Reply::signalled(int signal_number, std::string stdout_bytes, std::string stderr_bytes) {
    return Reply(End::Signal, signal_number)
        .with_output(std::move(stdout_bytes), std::move(stderr_bytes));
}

Reply Reply::timeout(std::string stdout_bytes, std::string stderr_bytes) {
    return Reply(End::TimeOut, 0).with_output(std::move(stdout_bytes), std::move(stderr_bytes));
}

Reply Reply::lines(const std::vector<std::string>& lines, Duration delay, int exit_code) {
    Reply r(End::Exit, exit_code);
    for (const auto& line : lines) {
        r.then_stdout(line + "\n", r.chunks_.empty() ? Duration{0} : delay);
    }
    return r;
}

Reply Reply::never_finishing() {
    return Reply(End::Hang, 0);
}

Reply Reply::spawn_failure(ErrorKind kind) {
    Reply r(End::SpawnFailure, 0);
    r.spawn_error_ = kind;
    return r;
}

Reply& Reply::then_stdout(std::string bytes, Duration delay) {
    chunks_.push_back({Stream::Stdout, std::move(bytes), delay});
    return *this;
}

Reply& Reply::then_stderr(std::string bytes, Duration delay) {
    chunks_.push_back({Stream::Stderr, std::move(bytes), delay});
    return *this;
}

Reply& Reply::taking(Duration d) {
    duration_ = d;
    return *this;
}

Reply& Reply::with_output(std::string stdout_bytes, std::string stderr_bytes) {
    if (!stdout_bytes.empty()) {
        then_stdout(std::move(stdout_bytes));
    }
    if (!stderr_bytes.empty()) {
        then_stderr(std::move(stderr_bytes));
    }
    return *this;
}

} // namespace processkit
