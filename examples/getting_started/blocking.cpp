// A small build-step runner with processkit's blocking API: each step runs
// with a time limit, its output is captured, and a step that fails says why.
// Walked through in docs/getting-started/blocking.md.
#include <chrono>
#include <cstddef>
#include <iostream>
#include <optional>
#include <processkit/processkit.hpp>
#include <string>
#include <vector>

namespace pk = processkit;
using namespace std::chrono_literals;

namespace {

struct Step {
    std::string name;
    pk::Command command;
};

long long milliseconds(pk::Duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

// Runs one step to the end and prints what happened; true if it succeeded.
bool run_step(const Step& step) {
    // output_string() never throws for a run that went wrong: a non-zero
    // exit, a signal, a timeout and even a program that does not exist are
    // all described by the result.
    const pk::ProcessResult result = pk::output_string(step.command);

    std::cout << "[" << step.name << "] $ " << step.command.command_line() << '\n';
    std::cout << "  " << result.outcome.to_string() << " after " << milliseconds(result.duration)
              << " ms\n";
    if (!result.stdout_text().empty()) {
        std::cout << "  stdout: " << result.stdout_text();
    }
    if (!result.stderr_text().empty()) {
        std::cout << "  stderr: " << result.stderr_text();
    }
    // failure() is the Error a caller would want thrown: kind, message (with
    // the program's last stderr line), exit code or signal.
    if (const std::optional<pk::Error> error = result.failure()) {
        std::cout << "  FAILED (" << pk::to_string(error->kind()) << "): " << error->message()
                  << '\n';
        return false;
    }
    return true;
}

} // namespace

int main() {
    // The one-liner: stdout, trimmed, or an exception if the command fails.
    try {
        const std::string system = pk::run(pk::Command("uname").arg("-s").timeout(5s));
        std::cout << "running on " << system << "\n\n";
    } catch (const pk::Error& e) {
        std::cerr << "uname: " << e.what() << '\n';
        return 2;
    }

    // Every step runs in a container of its own: when it ends, times out or
    // this program dies, everything it started is killed with it.
    const std::vector<Step> steps = {
        {"configure", pk::Command("sh").args({"-c", "echo checking compiler... ok"}).timeout(10s)},
        {"test", pk::Command("sh")
                     .args({"-c", "echo 2 passed; echo 1 failed: test_io >&2; exit 3"})
                     .timeout(10s)},
        // Never finishes: after 500 ms it gets SIGTERM, and SIGKILL 200 ms
        // later if anything in its tree is still there.
        {"serve", pk::Command("sh")
                      .args({"-c", "echo listening; sleep 600 & wait"})
                      .timeout(500ms)
                      .grace(200ms)},
        {"deploy", pk::Command("no-such-deploy-tool").arg("--prod")},
    };

    std::size_t failed = 0;
    for (const Step& step : steps) {
        if (!run_step(step)) {
            ++failed;
        }
    }
    std::cout << '\n' << failed << " of " << steps.size() << " steps failed\n";
    return failed == 0 ? 0 : 1;
}
