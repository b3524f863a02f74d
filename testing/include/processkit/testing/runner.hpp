#pragma once
// The test seam (T1): the blocking verbs behind an interface, so code that
// runs processes can take a Runner& and be tested with a ScriptedRunner,
// observed with a RecordingRunner, or fed from a cassette (ReplayRunner).
// SystemRunner is the real thing: it calls the blocking API.
//
// run, exit_code and probe are derived from output_string in one place (the
// core's answers), so every runner answers them alike; a runner only supplies
// how a command is executed and how it is started.
//
// Thread-safety: a Runner's verbs may be called from several threads when the
// concrete runner says so (all runners of this library do). A StartedProcess
// is used from one thread at a time, like RunningProcess.

#include "processkit/core/command.hpp"
#include "processkit/core/result.hpp"
#include "processkit/driver/run_driver.hpp"
#include "processkit/driver/start_options.hpp"
#include "processkit/testing/export.hpp"

#include <memory>
#include <optional>
#include <string>

namespace processkit {

/// A started run, real or scripted (the subset of RunningProcess a test needs).
class StartedProcess {
public:
    virtual ~StartedProcess() = default;

    /// True once the run has finished (result() no longer waits).
    virtual bool finished() const = 0;
    /// Blocks until the run has finished.
    virtual Outcome wait() = 0;
    /// Waits at most `timeout`; empty if the run has not finished by then.
    virtual std::optional<Outcome> wait_for(Duration timeout) = 0;
    /// The full result; waits first if needed.
    virtual const ProcessResult& result() = 0;
    /// Kills the whole tree now (the result then says signalled).
    virtual void kill() = 0;
    /// The command's timeout signal, then a kill after its grace.
    virtual void terminate() = 0;
    /// The next stdout line, blocking; empty at the end of output.
    virtual std::optional<std::string> next_line() = 0;
    /// The next line of either stream; needs StartOptions::event_reader.
    virtual std::optional<driver::OutputEvent> next_event() = 0;
};

/// The blocking verbs behind an interface (T1; see the top of this header).
/// Code under test takes a `Runner&`; a concrete runner implements execute()
/// and launch().
class PROCESSKIT_TESTING_EXPORT Runner {
public:
    virtual ~Runner() = default;

    /// As processkit::output_string: a failed run is reported, not thrown.
    ProcessResult output_string(const Command& command);
    /// The same as output_string() (stdout_bytes holds the bytes exactly).
    ProcessResult output_bytes(const Command& command);
    /// stdout trimmed; throws Error unless the exit code is accepted.
    std::string run(const Command& command);
    /// The exit code; throws Error if the child did not exit by itself.
    int exit_code(const Command& command);
    /// 0 → true, 1 → false, anything else → Error.
    bool probe(const Command& command);
    /// Starts the run; throws Error if it cannot start.
    std::unique_ptr<StartedProcess> start(const Command& command, const StartOptions& options = {});

protected:
    /// Runs `command` to the end. Every verb but start comes through here.
    virtual ProcessResult execute(const Command& command) = 0;
    /// Starts `command` with `options`; what start() comes through. Throws
    /// Error if it cannot start.
    virtual std::unique_ptr<StartedProcess> launch(const Command& command,
                                                   const StartOptions& options) = 0;

    /// `runner.execute(command)`: how a wrapping runner forwards to the
    /// runner it wraps.
    static ProcessResult execute_on(Runner& runner, const Command& command) {
        return runner.execute(command);
    }
    /// `runner.launch(command, options)`, for a wrapping runner likewise.
    static std::unique_ptr<StartedProcess> launch_on(Runner& runner, const Command& command,
                                                     const StartOptions& options) {
        return runner.launch(command, options);
    }
};

/// Real processes, through the blocking API. Thread-safe.
class PROCESSKIT_TESTING_EXPORT SystemRunner final : public Runner {
protected:
    ProcessResult execute(const Command& command) override;
    std::unique_ptr<StartedProcess> launch(const Command& command,
                                           const StartOptions& options) override;
};

} // namespace processkit
