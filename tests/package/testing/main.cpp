// A consumer of processkit::testing: a scripted reply recorded to a
// cassette and replayed from it (the cassette code is in the installed
// library). Prints "testing: hello" on success.
#include <cstdio>
#include <cstdlib>
#include <processkit/testing/replay_runner.hpp>
#include <processkit/testing/scripted_runner.hpp>
#include <string>
#include <unistd.h>

int main() {
    using processkit::Command;
    using processkit::Reply;
    const char* tmp = std::getenv("TMPDIR");
    const std::string cassette = std::string(tmp && *tmp ? tmp : "/tmp") +
                                 "/processkit-testing-consumer-" + std::to_string(::getpid()) +
                                 ".json";
    processkit::ScriptedRunner scripted;
    scripted.on("greet", {"--bytes"}, Reply::success("hello\n\xff"));
    {
        auto recorder = processkit::ReplayRunner::recording(scripted, cassette);
        recorder->output_string(Command("greet").arg("--bytes"));
    }
    auto replayer = processkit::ReplayRunner::replaying(cassette);
    const auto r = replayer->output_string(Command("greet").arg("--bytes"));
    std::remove(cassette.c_str());
    if (!r.success() || r.stdout_bytes != "hello\n\xff") {
        std::printf("testing: unexpected replay\n");
        return 1;
    }
    std::printf("testing: hello\n");
    return 0;
}
