#include "processkit/core/answers.hpp"

namespace processkit {

std::string trim_end(std::string s) {
    while (!s.empty() &&
           (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) {
        s.pop_back();
    }
    return s;
}

Answer<std::string> run_answer(const ProcessResult& result) {
    if (auto e = result.failure()) {
        return Answer<std::string>::failed(std::move(*e));
    }
    return Answer<std::string>::ok(trim_end(result.stdout_text()));
}

Answer<int> exit_code_answer(const ProcessResult& result) {
    if (result.error) {
        return Answer<int>::failed(*result.error);
    }
    if (result.outcome.kind != Outcome::Kind::Exited) {
        return Answer<int>::failed(*result.failure());
    }
    return Answer<int>::ok(result.outcome.value);
}

Command probe_command(const Command& command) {
    Command c = command;
    c.ok_codes({0, 1});
    return c;
}

Answer<bool> probe_answer(const ProcessResult& result) {
    const int code = result.outcome.value;
    const bool exited = !result.error && result.outcome.kind == Outcome::Kind::Exited;
    if (exited && code != 0 && code != 1) {
        return Answer<bool>::failed(
            Error(ErrorKind::NonZeroExit, result.program,
                  "probe expects exit code 0 (yes) or 1 (no), got " + std::to_string(code))
                .with_exit_code(code)
                .with_output(result.stdout_text(), result.stderr_text()));
    }
    if (auto e = result.failure()) {
        return Answer<bool>::failed(std::move(*e));
    }
    return Answer<bool>::ok(code == 0);
}

} // namespace processkit
