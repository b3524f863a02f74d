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

struct Invocation {
    std::string program;
    std::vector<std::string> args;
    std::optional<std::string> cwd;
    /// The environment operations, values left out: "set NAME",
    /// "remove NAME", "clear", "inherit_only A B".
    std::vector<std::string> env;
    StdinSource::Kind stdin_kind = StdinSource::Kind::Empty;
    std::optional<Duration> timeout;
    bool started = false; ///< through start() rather than a run-to-end verb
};

/// `command`'s invocation as recorded (shared by the recording and replay runners).
PROCESSKIT_TESTING_EXPORT Invocation invocation_of(const Command& command, bool started);

class PROCESSKIT_TESTING_EXPORT RecordingRunner final : public Runner {
public:
    /// `inner` must outlive this runner.
    explicit RecordingRunner(Runner& inner)
        : inner_(inner) {}

    std::vector<Invocation> invocations() const;
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
