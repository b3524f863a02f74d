#include "processkit/testing/scripted_runner.hpp"

#include "scripted_process.hpp"
#include "scripted_run.hpp"

#include <algorithm>

namespace processkit {

ScriptedRunner& ScriptedRunner::on(std::string program, std::vector<std::string> args,
                                   Reply reply) {
    return on_match(
        [program = std::move(program), args = std::move(args)](const Command& c) {
            return c.program() == program && c.arguments() == args;
        },
        std::move(reply));
}

ScriptedRunner& ScriptedRunner::on_prefix(std::string program, std::vector<std::string> args_prefix,
                                          Reply reply) {
    return on_match(
        [program = std::move(program), prefix = std::move(args_prefix)](const Command& c) {
            const auto& args = c.arguments();
            return c.program() == program && args.size() >= prefix.size() &&
                   std::equal(prefix.begin(), prefix.end(), args.begin());
        },
        std::move(reply));
}

ScriptedRunner& ScriptedRunner::on_match(std::function<bool(const Command&)> predicate,
                                         Reply reply) {
    if (!predicate) {
        throw Error(ErrorKind::InvalidArgument, {}, "ScriptedRunner::on_match needs a predicate");
    }
    std::lock_guard lock(mutex_);
    rules_.push_back({std::move(predicate), std::move(reply)});
    return *this;
}

std::size_t ScriptedRunner::calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
}

Reply ScriptedRunner::reply_for(const Command& command) {
    std::lock_guard lock(mutex_);
    for (const auto& rule : rules_) {
        if (rule.matches(command)) {
            ++calls_;
            return rule.reply;
        }
    }
    throw Error(ErrorKind::InvalidArgument, command.program(),
                "ScriptedRunner has no reply for this invocation (arguments: " +
                    std::to_string(command.arguments().size()) +
                    ", rules: " + std::to_string(rules_.size()) +
                    "); add one with on(), on_prefix() or on_match()");
}

ProcessResult ScriptedRunner::execute(const Command& command) {
    scripted::ScriptedRun run(command, reply_for(command), false, false);
    run.start();
    run.run_until([&] { return run.finished(); });
    return *run.result();
}

std::unique_ptr<StartedProcess> ScriptedRunner::launch(const Command& command,
                                                       const StartOptions& options) {
    return scripted::start_scripted(command, reply_for(command), options);
}

} // namespace processkit
