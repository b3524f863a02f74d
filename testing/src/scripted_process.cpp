#include "scripted_process.hpp"

#include "scripted_run.hpp"

namespace processkit::scripted {
namespace {

class ScriptedProcess final : public StartedProcess {
public:
    ScriptedProcess(const Command& command, Reply reply, const StartOptions& options)
        : run_(command, std::move(reply), options.line_reader, options.event_reader)
        , events_enabled_(options.event_reader) {
        run_.start();
        if (const auto& r = run_.result();
            r && r->outcome.kind == Outcome::Kind::SpawnFailed && r->error) {
            throw *r->error;
        }
    }

    bool finished() const override { return run_.finished(); }

    Outcome wait() override { return result().outcome; }

    std::optional<Outcome> wait_for(Duration timeout) override {
        if (!run_.run_until([&] { return run_.finished(); }, Clock::now() + timeout)) {
            return std::nullopt;
        }
        return run_.result()->outcome;
    }

    const ProcessResult& result() override {
        run_.run_until([&] { return run_.finished(); });
        return *run_.result();
    }

    void kill() override { run_.kill(); }
    void terminate() override { run_.terminate(); }

    std::optional<std::string> next_line() override {
        auto& lines = run_.stdout_lines();
        run_.run_until([&] { return !lines.empty() || run_.finished(); });
        if (lines.empty()) {
            return std::nullopt;
        }
        std::string line = std::move(lines.front());
        lines.pop_front();
        return line;
    }

    std::optional<driver::OutputEvent> next_event() override {
        if (!events_enabled_) {
            throw Error(ErrorKind::InvalidArgument, {},
                        "next_event() needs StartOptions::event_reader when the process is "
                        "started");
        }
        auto& events = run_.events();
        run_.run_until([&] { return !events.empty() || run_.finished(); });
        if (events.empty()) {
            return std::nullopt;
        }
        auto e = std::move(events.front());
        events.pop_front();
        return e;
    }

private:
    ScriptedRun run_;
    bool events_enabled_;
};

} // namespace

std::unique_ptr<StartedProcess> start_scripted(const Command& command, Reply reply,
                                               const StartOptions& options) {
    return std::make_unique<ScriptedProcess>(command, std::move(reply), options);
}

} // namespace processkit::scripted
