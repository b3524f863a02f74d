#pragma once
// What each checking verb makes of a finished run: a value, or the Error it
// reports. The blocking API throws the error; the Asio and Qt adapters turn it
// into a code. Keeping the rules here means every adapter answers alike.
//
// Thread-safety: pure functions of their arguments.

#include "processkit/core/command.hpp"
#include "processkit/core/error.hpp"
#include "processkit/core/export.hpp"
#include "processkit/core/result.hpp"

#include <optional>
#include <string>
#include <utility>

namespace processkit {

/// What a checking verb answers: a value or an Error, exactly one of them set.
template <class T>
struct Answer {
    std::optional<T> value; ///< set when error is not
    /// Set when value is not.
    std::optional<Error> error;

    /// An answer holding the value `v`.
    static Answer ok(T v) { return {std::move(v), std::nullopt}; }
    /// An answer holding the error `e`.
    static Answer failed(Error e) { return {std::nullopt, std::move(e)}; }
};

/// run: stdout with trailing whitespace (spaces, tabs, CR, LF) trimmed, if the
/// run succeeded (accepted exit code, no timeout, no cancel, no error).
PROCESSKIT_CORE_EXPORT Answer<std::string> run_answer(const ProcessResult& result);

/// exit_code: the code of a child that exited by itself, whatever it was.
PROCESSKIT_CORE_EXPORT Answer<int> exit_code_answer(const ProcessResult& result);

/// probe runs the command with exit codes 0 and 1 both accepted...
PROCESSKIT_CORE_EXPORT Command probe_command(const Command& command);
/// ...and answers 0 → true, 1 → false, anything else → NonZeroExit.
PROCESSKIT_CORE_EXPORT Answer<bool> probe_answer(const ProcessResult& result);

/// `s` without trailing whitespace.
PROCESSKIT_CORE_EXPORT std::string trim_end(std::string s);

} // namespace processkit
