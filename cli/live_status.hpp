#pragma once
// pk run's live status line (docs/pk.md, STATUS LINE): the thin part that
// touches the terminal. What to draw and when is decided by the pure
// StatusLine, StatusMeter and status_text; this class opens the terminal and
// the pseudo-terminal PROGRAM writes to, relays PROGRAM's output, and waits.
//
// While the line is shown, PROGRAM's stderr, and its stdout when that is the
// same terminal, go to a pseudo-terminal that pk reads and passes on byte
// for byte to the real one, clearing the status line before each piece and
// redrawing it after. Inactive (everything as without it) when the line is
// not wanted, when stderr is no terminal, or when the terminal cannot be
// opened again; always inactive on Windows.

#include "options.hpp"
#include "processkit/core/time.hpp"
#include "processkit/os/spawn.hpp"
#include "processkit/os/stream_io.hpp"
#include "sample.hpp"

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace pk {

class LiveStatus {
public:
    /// `counts_groups`: the pgroup mechanism (its count is of process groups).
    LiveStatus(const RunRequest& request, bool counts_groups);
    LiveStatus(const LiveStatus&) = delete;
    LiveStatus& operator=(const LiveStatus&) = delete;
    /// Clears the line (best effort) if finish() was not reached, e.g. when
    /// pk fails: its error message then starts on a clean line.
    ~LiveStatus();

    bool active() const;

    /// Before the spawn: PROGRAM's stderr, and its stdout when that is the
    /// status line's terminal, go to the pseudo-terminal.
    void route_output(processkit::os::StdioRedirect& redirect) const;
    /// After the spawn (or its failure): PROGRAM holds its own copies of the
    /// pseudo-terminal, so pk closes its end for PROGRAM; end of output is
    /// then seen when the last writer exits.
    void spawned();

    /// PROGRAM started: the clock of the line starts.
    void started(processkit::TimePoint now);
    void add_sample(const Sample& s);
    /// Relays what PROGRAM wrote, writes what the terminal takes, redraws
    /// when due. Never blocks.
    void pump(processkit::TimePoint now, bool stopping);
    /// When pump() wants to run next (the next redraw).
    std::optional<processkit::TimePoint> next_draw() const;
    /// Waits until one of `handles` is readable, PROGRAM wrote, the terminal
    /// takes queued bytes, or `until` passes.
    void wait(const std::vector<processkit::os::NativeHandle>& handles,
              std::optional<processkit::TimePoint> until);
    /// A message of pk's own (whole lines), on a clean line.
    void say(std::string_view message);
    /// After the tree was killed: relays the rest of the output (at most 1 s
    /// for processes that escaped the kill), clears the line for good and
    /// waits until the terminal took everything, or until `interrupt` (the
    /// stop signals) is readable.
    void finish(processkit::os::NativeHandle interrupt);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace pk
