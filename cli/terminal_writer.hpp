#pragma once
// pk's writes to the terminal on its stderr while the live status line is
// shown (POSIX only), through an open file description of pk's own, in
// non-blocking mode: a terminal that takes no more output (^S, a slow link)
// leaves bytes queued and pk waits for it in its loop, where signals and
// --timeout are still handled (S4), never inside write(). The description
// pk inherited (shared with the shell) keeps its flags.
//
// What is queued is bounded by the caller: pk reads PROGRAM's output only
// while nothing is queued.

#include "processkit/core/time.hpp"
#include "processkit/os/unique_fd.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace pk {

class TerminalWriter {
public:
    /// Opens the terminal that descriptor 2 refers to. nullopt, with `why`
    /// set, if it cannot be opened again.
    static std::optional<TerminalWriter> open_stderr_terminal(std::string& why);

    int fd() const { return fd_.get(); }
    /// Queues `bytes` and writes as much as the terminal takes now.
    void write(std::string_view bytes);
    /// Writes as much of the queue as the terminal takes now.
    void flush();
    bool pending() const { return written_ < queue_.size(); }
    /// Waits until the queue is written, `interrupt` (if >= 0) is readable,
    /// or `limit` passes (none: no limit).
    void drain(int interrupt, std::optional<processkit::TimePoint> limit);
    /// Columns of the terminal (80 if it does not say).
    std::size_t width() const;

private:
    explicit TerminalWriter(processkit::os::UniqueFd fd)
        : fd_(std::move(fd)) {}

    processkit::os::UniqueFd fd_;
    std::string queue_;
    std::size_t written_ = 0;
    bool broken_ = false; ///< the terminal is gone (hung up): output is dropped
};

} // namespace pk
