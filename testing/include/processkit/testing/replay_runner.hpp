#pragma once
// ReplayRunner: record real runs to a cassette once, answer from it later.
//
//   auto recorder = ReplayRunner::recording(system_runner, "tests/git.cassette.json");
//   auto replayer = ReplayRunner::replaying("tests/git.cassette.json");
//
// Recording runs every invocation through the real runner and rewrites the
// cassette (mode 0600) after each result; a started process is written when
// its result is known (or when it is destroyed after finishing), so it must
// not outlive the runner. Replaying starts no process: the recorded output
// and ending are played through the same machinery as ScriptedRunner,
// matched by program and arguments — the n-th identical invocation gets the
// n-th recording (the last one once they are used up). A missing entry
// throws Error (InvalidArgument) naming the program. Environment values are
// never written, only names.
//
// Thread-safety: the verbs may be called from several threads.

#include "processkit/testing/export.hpp"
#include "processkit/testing/runner.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace processkit {

namespace cassette {
struct Entry;
}

/// Records real runs to a cassette file, or answers from one without
/// starting processes (see the top of this header). Made by recording() or
/// replaying().
class PROCESSKIT_TESTING_EXPORT ReplayRunner final : public Runner {
public:
    /// Record mode: `real` must outlive the runner. Starts a new, empty
    /// cassette at `cassette_path` (an existing file is replaced).
    static std::unique_ptr<ReplayRunner> recording(Runner& real, std::string cassette_path);
    /// Replay mode: reads the cassette now (Error if it cannot).
    static std::unique_ptr<ReplayRunner> replaying(std::string cassette_path);

    ~ReplayRunner() override;
    /// True in record mode, false in replay mode.
    bool is_recording() const { return real_ != nullptr; }
    /// The cassette file's path, as given.
    const std::string& cassette_path() const { return path_; }

protected:
    ProcessResult execute(const Command& command) override;
    std::unique_ptr<StartedProcess> launch(const Command& command,
                                           const StartOptions& options) override;

private:
    ReplayRunner(Runner* real, std::string path);
    const cassette::Entry& entry_for(const Command& command);
    /// Adds one recorded entry and rewrites the cassette (record mode).
    void append(const cassette::Entry& entry);

    Runner* real_;
    std::string path_;
    std::mutex mutex_;
    std::vector<cassette::Entry> entries_;
    std::map<std::vector<std::string>, std::size_t> used_; ///< program+args → times answered
};

} // namespace processkit
