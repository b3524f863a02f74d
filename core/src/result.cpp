#include "processkit/core/result.hpp"

#include "processkit/core/utf8.hpp"

#include <algorithm>

namespace processkit {

std::string ExitStatus::to_string() const {
    return (signalled_ ? "signal " : "exit ") + std::to_string(value_);
}

std::string Outcome::to_string() const {
    switch (kind) {
    case Kind::Exited:
        return "exited with code " + std::to_string(value);
    case Kind::Signalled:
        return "killed by signal " + std::to_string(value);
    case Kind::TimedOut:
        return "timed out";
    case Kind::Cancelled:
        return "cancelled";
    case Kind::SpawnFailed:
        return "failed to start";
    }
    return "unknown";
}

namespace {
std::string decode(std::string_view bytes, Encoding e) {
    return e == Encoding::Latin1 ? decode_latin1(bytes) : decode_utf8_lossy(bytes);
}
} // namespace

std::string ProcessResult::stdout_text() const {
    return decode(stdout_bytes, encoding);
}
std::string ProcessResult::stderr_text() const {
    return decode(stderr_bytes, encoding);
}

bool ProcessResult::success() const {
    return !failure().has_value();
}

std::optional<Error> ProcessResult::failure() const {
    auto with_output = [&](Error e) { return e.with_output(stdout_text(), stderr_text()); };
    if (error) {
        // E1: a run error (e.g. OutputTooLarge) also ends with the stderr tail.
        const bool has_output = !error->stdout_text().empty() || !error->stderr_text().empty();
        return has_output ? error : with_output(*error);
    }
    switch (outcome.kind) {
    case Outcome::Kind::SpawnFailed:
        return Error(ErrorKind::SpawnFailed, program, "the process did not start");
    case Outcome::Kind::Cancelled:
        return with_output(Error(ErrorKind::Cancelled, program, "the run was cancelled"));
    case Outcome::Kind::TimedOut:
        return with_output(Error(ErrorKind::Timeout, program, "the run's timeout fired"));
    case Outcome::Kind::Signalled:
        return with_output(Error(ErrorKind::Signalled, program,
                                 "killed by signal " + std::to_string(outcome.value))
                               .with_signal(outcome.value));
    case Outcome::Kind::Exited:
        if (std::find(ok_codes.begin(), ok_codes.end(), outcome.value) == ok_codes.end()) {
            return with_output(Error(ErrorKind::NonZeroExit, program,
                                     "exited with code " + std::to_string(outcome.value))
                                   .with_exit_code(outcome.value));
        }
        return std::nullopt;
    }
    return std::nullopt;
}

const ProcessResult& ProcessResult::ensure_success() const {
    if (auto e = failure()) {
        throw *e;
    }
    return *this;
}

} // namespace processkit
