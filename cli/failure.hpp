#pragma once
// pk's own failures: main prints "pk: <what()>" on stderr (one line) and
// exits with the status (125 for pk itself, 126/127 for PROGRAM).

#include <stdexcept>
#include <string>

namespace pk {

inline constexpr int exit_timeout = 124;
inline constexpr int exit_pk_failed = 125;
inline constexpr int exit_not_executable = 126;
inline constexpr int exit_not_found = 127;

class Failure : public std::runtime_error {
public:
    Failure(int exit_status, const std::string& message)
        : std::runtime_error(message)
        , exit_status_(exit_status) {}
    int exit_status() const noexcept { return exit_status_; }

private:
    int exit_status_;
};

/// A mistake on the command line (exit status 125).
class UsageError : public Failure {
public:
    explicit UsageError(const std::string& message)
        : Failure(exit_pk_failed, message) {}
};

} // namespace pk
