#include "processkit/testing/runner.hpp"

#include "processkit/blocking/api.hpp"
#include "processkit/core/answers.hpp"

namespace processkit {
namespace {

template <class T>
T value_or_throw(Answer<T> answer) {
    if (answer.error) {
        throw *answer.error;
    }
    return std::move(*answer.value);
}

class SystemProcess final : public StartedProcess {
public:
    explicit SystemProcess(RunningProcess process)
        : process_(std::move(process)) {}

    bool finished() const override { return process_.finished(); }
    Outcome wait() override { return process_.wait(); }
    std::optional<Outcome> wait_for(Duration timeout) override {
        return process_.wait_for(timeout);
    }
    const ProcessResult& result() override { return process_.result(); }
    void kill() override { process_.kill(); }
    void terminate() override { process_.terminate(); }
    std::optional<std::string> next_line() override { return process_.next_line(); }
    std::optional<driver::OutputEvent> next_event() override { return process_.next_event(); }

private:
    RunningProcess process_;
};

} // namespace

ProcessResult Runner::output_string(const Command& command) {
    return execute(command);
}

ProcessResult Runner::output_bytes(const Command& command) {
    return execute(command);
}

std::string Runner::run(const Command& command) {
    return value_or_throw(run_answer(execute(command)));
}

int Runner::exit_code(const Command& command) {
    return value_or_throw(exit_code_answer(execute(command)));
}

bool Runner::probe(const Command& command) {
    return value_or_throw(probe_answer(execute(probe_command(command))));
}

std::unique_ptr<StartedProcess> Runner::start(const Command& command, const StartOptions& options) {
    return launch(command, options);
}

ProcessResult SystemRunner::execute(const Command& command) {
    return processkit::output_bytes(command);
}

std::unique_ptr<StartedProcess> SystemRunner::launch(const Command& command,
                                                     const StartOptions& options) {
    return std::make_unique<SystemProcess>(processkit::start(command, options));
}

} // namespace processkit
