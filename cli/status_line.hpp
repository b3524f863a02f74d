#pragma once
// When pk run's live status line is drawn and cleared, as the bytes to write
// to the terminal (pure: no terminal, no clock). The line lives on the row
// below PROGRAM's output:
//   - it is drawn only while the cursor is at the start of a line, that is
//     when the output so far ended with '\n': a prompt or a progress bar
//     PROGRAM keeps on an unfinished line is never overwritten (the status
//     line waits until the line is finished);
//   - it is cleared (\r, erase line) before each piece of PROGRAM's output
//     and redrawn after it when that piece ended a line, so it stays below;
//   - new text is due every interval, the first one interval after the
//     start (a run shorter than that shows nothing);
//   - finish() clears it for good;
//   - while pk is a background job (`pk run ... &`, or stopped and `bg`) the
//     shell owns the screen: nothing is drawn or cleared. Back in the
//     foreground the shell has just ended its line, and drawing resumes.
// Every draw is `clear_sequence` + text and is followed, sooner or later, by
// `clear_sequence`: nothing of it stays on the screen.

#include "processkit/core/time.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace pk {

class StatusLine {
public:
    static constexpr std::string_view clear_sequence = "\r\x1b[2K";

    explicit StatusLine(processkit::Duration every);

    /// The run started: the first text is due one interval later.
    void start(processkit::TimePoint now);
    /// When tick() wants new text (nullopt before start and after finish).
    std::optional<processkit::TimePoint> next_draw() const;
    bool due(processkit::TimePoint now) const;
    /// New text (fitted to the terminal): what to write to show it.
    std::string tick(processkit::TimePoint now, std::string text);
    /// What to write for `output` (PROGRAM's bytes, or a line of pk's own).
    std::string relay(std::string_view output);
    /// What to write to remove the line for good.
    std::string finish();
    /// Whether pk is in the terminal's foreground (see above).
    void set_foreground(bool foreground);

    bool shown() const { return shown_; }
    bool at_line_start() const { return at_line_start_; }

private:
    std::string draw() const;

    processkit::Duration every_;
    std::optional<processkit::TimePoint> next_;
    std::string text_;
    bool shown_ = false;
    bool at_line_start_ = true; ///< pk starts on a fresh line (after the command was entered)
    bool foreground_ = true;
    bool finished_ = false;
};

} // namespace pk
