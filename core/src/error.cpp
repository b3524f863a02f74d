#include "processkit/core/error.hpp"

#include "processkit/core/utf8.hpp"

namespace processkit {

std::string_view to_string(ErrorKind kind) {
    switch (kind) {
    case ErrorKind::SpawnFailed:
        return "spawn failed";
    case ErrorKind::NotFound:
        return "not found";
    case ErrorKind::PermissionDenied:
        return "permission denied";
    case ErrorKind::InvalidArgument:
        return "invalid argument";
    case ErrorKind::NonZeroExit:
        return "non-zero exit";
    case ErrorKind::Signalled:
        return "killed by signal";
    case ErrorKind::Timeout:
        return "timed out";
    case ErrorKind::NotReady:
        return "not ready";
    case ErrorKind::OutputTooLarge:
        return "output too large";
    case ErrorKind::StdinFailed:
        return "stdin failed";
    case ErrorKind::Unsupported:
        return "unsupported";
    case ErrorKind::Cancelled:
        return "cancelled";
    case ErrorKind::ResourceLimit:
        return "resource limit";
    case ErrorKind::Io:
        return "I/O error";
    }
    return "unknown error";
}

Error::Error(ErrorKind kind, std::string program, std::string detail)
    : kind_(kind)
    , program_(std::move(program))
    , detail_(std::move(detail)) {
    compose();
}

void Error::compose() {
    message_.clear();
    if (!program_.empty()) {
        message_ += '\'';
        append_utf8_lossy(program_, message_);
        message_ += "': ";
    }
    message_ += to_string(kind_);
    if (!detail_.empty()) {
        message_ += ": ";
        message_ += detail_;
    }
    if (!searched_.empty()) {
        message_ += " (searched:";
        for (const auto& p : searched_) {
            message_ += ' ';
            append_utf8_lossy(p, message_);
        }
        message_ += ')';
    }
    if (auto tail = last_line_of(stderr_); !tail.empty()) {
        message_ += "; stderr: ";
        message_ += tail;
    }
}

Error Error::with_exit_code(int code) const {
    Error e = *this;
    e.exit_code_ = code;
    return e;
}

Error Error::with_signal(int number) const {
    Error e = *this;
    e.signal_ = number;
    return e;
}

Error Error::with_os_error(int errno_value) const {
    Error e = *this;
    e.os_error_ = errno_value;
    return e;
}

Error Error::with_searched(std::vector<std::string> paths) const {
    Error e = *this;
    e.searched_ = std::move(paths);
    e.compose();
    return e;
}

Error Error::with_path(std::string path) const {
    Error e = *this;
    e.path_ = std::move(path);
    return e;
}

Error Error::with_program(std::string program) const {
    Error e = *this;
    e.program_ = std::move(program);
    e.compose();
    return e;
}

Error Error::with_output(std::string stdout_text, std::string stderr_text) const {
    Error e = *this;
    e.stdout_ = std::move(stdout_text);
    e.stderr_ = std::move(stderr_text);
    e.compose();
    return e;
}

std::string last_line_of(std::string_view text, std::size_t cap) {
    // Skip trailing line terminators, then take back to the previous one.
    auto end = text.find_last_not_of("\r\n");
    if (end == std::string_view::npos) {
        return {};
    }
    std::string_view line = text.substr(0, end + 1);
    if (auto start = line.find_last_of("\r\n"); start != std::string_view::npos) {
        line.remove_prefix(start + 1);
    }
    if (line.size() > cap) {
        line.remove_prefix(line.size() - cap);
        // Do not start in the middle of a UTF-8 sequence.
        while (!line.empty() && (static_cast<unsigned char>(line.front()) & 0xC0U) == 0x80U) {
            line.remove_prefix(1);
        }
    }
    return decode_utf8_lossy(line);
}

} // namespace processkit
