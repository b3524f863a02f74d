#pragma once
// A pseudo-terminal that stands in for pk's terminal while the live status
// line is shown (POSIX only). PROGRAM writes to its child end, so it still
// sees a terminal (colours, line-buffered stdio, a window size); pk reads
// the other end and passes every byte on to the real terminal between
// status-line updates. One pseudo-terminal carries stdout and stderr alike,
// so their order is exactly the order PROGRAM wrote them in.

#include "processkit/os/unique_fd.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <sys/ioctl.h>

namespace pk {

class PseudoTerminal {
public:
    enum class Read {
        Data,    ///< bytes were read
        Nothing, ///< nothing to read now
        Closed,  ///< no process holds the child end any more: all read
    };

    /// One that looks like terminal `model`: its settings, but without output
    /// processing (the real terminal turns "\n" into "\r\n" once, not
    /// twice), and its size. nullopt, with `why` set, if none can be opened.
    static std::optional<PseudoTerminal> open_like(int model, std::string& why);

    /// pk's end: non-blocking, close-on-exec.
    int reader() const { return reader_.get(); }
    /// PROGRAM's end, until close_child_end(): close-on-exec (the spawn
    /// gives PROGRAM its own copies on 1 and 2).
    int child_end() const { return child_end_.get(); }
    /// Once PROGRAM has its copies: the reader then sees Closed when the
    /// last process holding one exits.
    void close_child_end() { child_end_.reset(); }

    /// Takes the window size of `model` if it changed (a resized terminal).
    void follow_size(int model);
    /// Reads what is there, up to 64 KiB; `data` stays valid until the next read.
    Read read_some(std::string_view& data);

private:
    PseudoTerminal() = default;

    processkit::os::UniqueFd reader_;
    processkit::os::UniqueFd child_end_;
    winsize size_{};
    std::string buffer_;
};

} // namespace pk
