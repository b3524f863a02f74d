#include "processkit/testing/replay_runner.hpp"

#include "cassette.hpp"
#include "scripted_process.hpp"
#include "scripted_run.hpp"

#include <functional>

namespace processkit {
namespace {

std::vector<std::string> key_of(const std::string& program, const std::vector<std::string>& args) {
    std::vector<std::string> key{program};
    key.insert(key.end(), args.begin(), args.end());
    return key;
}

/// A real started process whose result goes into the cassette once known.
class RecordedProcess final : public StartedProcess {
public:
    RecordedProcess(std::unique_ptr<StartedProcess> inner,
                    std::function<void(const ProcessResult&)> record)
        : inner_(std::move(inner))
        , record_(std::move(record)) {}

    ~RecordedProcess() override {
        try {
            note();
        } catch (...) {
            // A cassette that cannot be written loses this entry; the run is over.
        }
    }

    bool finished() const override { return inner_->finished(); }
    Outcome wait() override {
        auto outcome = inner_->wait();
        note();
        return outcome;
    }
    std::optional<Outcome> wait_for(Duration timeout) override {
        auto outcome = inner_->wait_for(timeout);
        note();
        return outcome;
    }
    const ProcessResult& result() override {
        const auto& r = inner_->result();
        note();
        return r;
    }
    void kill() override { inner_->kill(); }
    void terminate() override { inner_->terminate(); }
    std::optional<std::string> next_line() override {
        auto line = inner_->next_line();
        note();
        return line;
    }
    std::optional<driver::OutputEvent> next_event() override {
        auto event = inner_->next_event();
        note();
        return event;
    }

private:
    void note() {
        if (!recorded_ && inner_->finished()) {
            recorded_ = true;
            record_(inner_->result());
        }
    }

    std::unique_ptr<StartedProcess> inner_;
    std::function<void(const ProcessResult&)> record_;
    bool recorded_ = false;
};

} // namespace

ReplayRunner::ReplayRunner(Runner* real, std::string path)
    : real_(real)
    , path_(std::move(path)) {}

ReplayRunner::~ReplayRunner() = default;

std::unique_ptr<ReplayRunner> ReplayRunner::recording(Runner& real, std::string cassette_path) {
    std::unique_ptr<ReplayRunner> r(new ReplayRunner(&real, std::move(cassette_path)));
    cassette::write_file(r->path_, {});
    return r;
}

std::unique_ptr<ReplayRunner> ReplayRunner::replaying(std::string cassette_path) {
    std::unique_ptr<ReplayRunner> r(new ReplayRunner(nullptr, std::move(cassette_path)));
    r->entries_ = cassette::read_file(r->path_);
    return r;
}

void ReplayRunner::append(const cassette::Entry& entry) {
    std::lock_guard lock(mutex_);
    entries_.push_back(entry);
    cassette::write_file(path_, entries_);
}

const cassette::Entry& ReplayRunner::entry_for(const Command& command) {
    std::lock_guard lock(mutex_);
    const auto key = key_of(command.program(), command.arguments());
    std::vector<const cassette::Entry*> matches;
    for (const auto& e : entries_) {
        if (key_of(e.invocation.program, e.invocation.args) == key) {
            matches.push_back(&e);
        }
    }
    if (matches.empty()) {
        throw Error(ErrorKind::InvalidArgument, command.program(),
                    "no cassette entry for this invocation (arguments: " +
                        std::to_string(command.arguments().size()) + ") in " + path_);
    }
    auto& used = used_[key];
    const auto* entry = matches[std::min(used, matches.size() - 1)];
    ++used;
    return *entry;
}

ProcessResult ReplayRunner::execute(const Command& command) {
    if (real_) {
        auto result = execute_on(*real_, command);
        append(cassette::entry_of(invocation_of(command, false), result));
        return result;
    }
    scripted::ScriptedRun run(command, cassette::reply_of(entry_for(command)), false, false);
    run.start();
    run.run_until([&] { return run.finished(); });
    return *run.result();
}

std::unique_ptr<StartedProcess> ReplayRunner::launch(const Command& command,
                                                     const StartOptions& options) {
    if (real_) {
        auto record = [this, invocation = invocation_of(command, true)](const ProcessResult& r) {
            append(cassette::entry_of(invocation, r));
        };
        return std::make_unique<RecordedProcess>(launch_on(*real_, command, options),
                                                 std::move(record));
    }
    return scripted::start_scripted(command, cassette::reply_of(entry_for(command)), options);
}

} // namespace processkit
