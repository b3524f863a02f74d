#pragma once
// ScriptedRunner: canned replies chosen by program and arguments, for testing
// code that takes a Runner& without starting processes (T1).
//
//   ScriptedRunner runner;
//   runner.on("git", {"rev-parse", "HEAD"}, Reply::success("abc123\n"))
//         .on_prefix("git", {"push"}, Reply::failure(1, "", "rejected\n"));
//
// Rules are tried in the order they were added; the first match answers. An
// invocation no rule matches throws Error (InvalidArgument) naming the
// program: there is no silent default.
//
// Thread-safety: adding rules and running may happen from several threads.

#include "processkit/testing/export.hpp"
#include "processkit/testing/reply.hpp"
#include "processkit/testing/runner.hpp"

#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace processkit {

/// Answers invocations with canned Reply values chosen by rules (see the
/// top of this header); starts no process.
class PROCESSKIT_TESTING_EXPORT ScriptedRunner final : public Runner {
public:
    /// The program with exactly these arguments.
    ScriptedRunner& on(std::string program, std::vector<std::string> args, Reply reply);
    /// The program with arguments starting with `args_prefix` ({}: any).
    ScriptedRunner& on_prefix(std::string program, std::vector<std::string> args_prefix,
                              Reply reply);
    /// Any command the predicate accepts.
    ScriptedRunner& on_match(std::function<bool(const Command&)> predicate, Reply reply);

    /// Invocations answered so far.
    std::size_t calls() const;

protected:
    ProcessResult execute(const Command& command) override;
    std::unique_ptr<StartedProcess> launch(const Command& command,
                                           const StartOptions& options) override;

private:
    struct Rule {
        std::function<bool(const Command&)> matches;
        Reply reply;
    };
    Reply reply_for(const Command& command);

    mutable std::mutex mutex_;
    std::vector<Rule> rules_;
    std::size_t calls_ = 0;
};

} // namespace processkit
