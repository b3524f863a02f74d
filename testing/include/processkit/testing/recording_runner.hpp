#pragma once
// RecordingRunner: passes every invocation to another runner and remembers
// what was asked — never an environment value, only what was done to which
// name.
//
// Thread-safety: invocations may come from several threads; invocations()
// returns a snapshot.

#include "processkit/core/command.hpp"
#include "processkit/testing/export.hpp"
#include "processkit/testing/runner.hpp"

#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace processkit {

/// One invocation as a RecordingRunner remembers it: what was run and how,
/// without environment values.
struct Invocation {
    /// The program as given to the Command.
    std::string program;
    /// The arguments, without the program.
    std::vector<std::string> args;
    /// The working directory; empty: the parent's.
    std::optional<std::string> cwd;
    /// The environment operations, values left out: "set NAME",
    /// "remove NAME", "clear", "inherit_only A B".
    std::vector<std::string> env;
    /// Where stdin came from (the bytes or path are not kept).
    StdinSource::Kind stdin_kind = StdinSource::Kind::Empty;
    /// The command's timeout; empty: none.
    std::optional<Duration> timeout;
    bool started = false; ///< through start() rather than a run-to-end verb
};

/// `command`'s invocation as recorded (shared by the recording and replay runners).
PROCESSKIT_TESTING_EXPORT Invocation invocation_of(const Command& command, bool started);

/// Passes every invocation to an inner runner and records it as an
/// Invocation, for tests that check what was run.
class PROCESSKIT_TESTING_EXPORT RecordingRunner final : public Runner {
public:
    /// `inner` must outlive this runner.
    explicit RecordingRunner(Runner& inner)
        : inner_(inner) {}

    /// A copy of the invocations so far, oldest first.
    std::vector<Invocation> invocations() const;
    /// Forgets the invocations recorded so far.
    void clear();

protected:
    ProcessResult execute(const Command& command) override;
    std::unique_ptr<StartedProcess> launch(const Command& command,
                                           const StartOptions& options) override;

private:
    void record(Invocation invocation);

    Runner& inner_;
    mutable std::mutex mutex_;
    std::vector<Invocation> invocations_;
};

} // namespace processkit
