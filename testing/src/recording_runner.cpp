#include "processkit/testing/recording_runner.hpp"

namespace processkit {
namespace {

std::string describe(const EnvOp& op) {
    switch (op.kind) {
    case EnvOp::Kind::Set:
        return "set " + op.name;
    case EnvOp::Kind::Remove:
        return "remove " + op.name;
    case EnvOp::Kind::Clear:
        return "clear";
    case EnvOp::Kind::InheritOnly: {
        std::string text = "inherit_only";
        for (const auto& name : op.names) {
            text += ' ';
            text += name;
        }
        return text;
    }
    }
    return "unknown";
}

} // namespace

Invocation invocation_of(const Command& command, bool started) {
    Invocation i;
    i.program = command.program();
    i.args = command.arguments();
    i.cwd = command.working_directory();
    for (const auto& op : command.env_ops()) {
        i.env.push_back(describe(op));
    }
    i.stdin_kind = command.stdin_source().kind;
    i.timeout = command.timeout();
    i.started = started;
    return i;
}

std::vector<Invocation> RecordingRunner::invocations() const {
    std::lock_guard lock(mutex_);
    return invocations_;
}

void RecordingRunner::clear() {
    std::lock_guard lock(mutex_);
    invocations_.clear();
}

void RecordingRunner::record(Invocation invocation) {
    std::lock_guard lock(mutex_);
    invocations_.push_back(std::move(invocation));
}

ProcessResult RecordingRunner::execute(const Command& command) {
    record(invocation_of(command, false));
    return execute_on(inner_, command);
}

std::unique_ptr<StartedProcess> RecordingRunner::launch(const Command& command,
                                                        const StartOptions& options) {
    record(invocation_of(command, true));
    return launch_on(inner_, command, options);
}

} // namespace processkit
