// A pipeline on the Qt event loop: the shared PipelineDriver waiting through
// a DriverWatcher, and what it reports queued and emitted as signals from the
// event loop. The decisions are the core's PipelineMachine.
#include "processkit/qt/pipeline_process.hpp"

#include "driver_watcher.hpp"
#include "processkit/driver/pipeline_driver.hpp"

#include <QtCore/QDebug>
#include <QtCore/QMetaObject>
#include <QtCore/QPointer>
#include <deque>
#include <variant>

namespace processkit::qt {
namespace {

namespace item {
struct Started {};
struct Line {
    int stage;
    Process::Channel channel;
    QString text;
};
struct Failed {
    Error error;
};
struct Finish {};
} // namespace item
using Pending = std::variant<item::Started, item::Line, item::Failed, item::Finish>;

QString to_qstring(const std::string& s) {
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

} // namespace

class PipelineProcessPrivate {
public:
    explicit PipelineProcessPrivate(PipelineProcess* owner)
        : q(owner) {}

    void launch();
    void after_event();
    void drain_lines();
    void post_flush();
    void flush();
    void emit_item(Pending& p);
    /// Destroys the run (its group is killed with it).
    void end_run() noexcept;

    PipelineProcess* q;
    std::optional<Pipeline> pipeline;
    GroupOptions group_options;
    std::unique_ptr<DriverWatcher> retired; ///< the last run's, until the loop deletes it
    std::unique_ptr<DriverWatcher> watcher;
    std::unique_ptr<driver::PipelineDriver> driver; // declared after: destroyed first
    PipelineProcess::State state = PipelineProcess::NotRunning;
    std::optional<PipelineResult> result;
    bool run_active = false; ///< start() called; finished() not emitted yet
    std::deque<Pending> pending;
    bool flush_posted = false;
};

void PipelineProcessPrivate::launch() {
    run_active = true;
    result.reset();
    watcher = std::make_unique<DriverWatcher>(
        q, [this] { after_event(); },
        [this]() -> std::optional<TimePoint> {
            return driver ? driver->next_deadline() : std::nullopt;
        });
    try {
        if (!pipeline) {
            throw Error(ErrorKind::InvalidArgument, {}, "no pipeline set");
        }
        driver = std::make_unique<driver::PipelineDriver>(*pipeline, group_options, *watcher,
                                                          /*queue_events=*/true);
        driver->start(Clock::now());
    } catch (const Error& e) {
        driver.reset();
        result = PipelineResult{};
        result->programs = pipeline ? pipeline->programs() : std::string();
        pending.push_back(item::Failed{e});
        pending.push_back(item::Finish{});
        post_flush();
        return;
    }
    pending.push_back(item::Started{});
    after_event();
    post_flush();
}

void PipelineProcessPrivate::drain_lines() {
    for (std::size_t i = 0; i < pipeline->size(); ++i) {
        driver::RunDriver* stage = driver->stage(i);
        if (!stage) {
            continue;
        }
        auto& events = stage->events();
        while (!events.empty()) {
            const auto& e = events.front();
            pending.push_back(item::Line{static_cast<int>(i),
                                         e.stream == Stream::Stdout ? Process::StandardOutput
                                                                    : Process::StandardError,
                                         to_qstring(e.text)});
            events.pop_front();
        }
    }
}

void PipelineProcessPrivate::after_event() {
    if (!driver) {
        return;
    }
    driver->update(Clock::now());
    if (auto own = driver->next_deadline(); own && *own <= Clock::now()) {
        driver->on_deadline(Clock::now());
    }
    drain_lines();
    if (driver->finished()) {
        result = driver->take_result();
        if (auto failure = result->failure(); failure && !result->cancelled()) {
            pending.push_back(item::Failed{*failure});
        }
        pending.push_back(item::Finish{});
        end_run();
        post_flush();
        return;
    }
    if (!pending.empty()) {
        post_flush();
    }
    watcher->rearm();
}

void PipelineProcessPrivate::end_run() noexcept {
    if (watcher) {
        watcher->clear_deadlines();
    }
    driver.reset(); // kills what is left of the group; unregisters from the watcher
    // The watcher may be inside a notifier's activation: retired, deleted
    // from the event loop (or with this object).
    if (watcher) {
        retired = std::move(watcher);
        QMetaObject::invokeMethod(
            q, [this] { retired.reset(); }, Qt::QueuedConnection);
    }
}

void PipelineProcessPrivate::post_flush() {
    if (flush_posted) {
        return;
    }
    flush_posted = true;
    QMetaObject::invokeMethod(
        q, [this] { flush(); }, Qt::QueuedConnection);
}

void PipelineProcessPrivate::flush() {
    flush_posted = false;
    QPointer<PipelineProcess> alive(q);
    while (alive && !pending.empty()) {
        Pending p = std::move(pending.front());
        pending.pop_front();
        emit_item(p); // a slot may destroy the object: checked by `alive`
    }
}

void PipelineProcessPrivate::emit_item(Pending& p) {
    if (std::holds_alternative<item::Started>(p)) {
        state = PipelineProcess::Running;
        Q_EMIT q->stateChanged(state, PipelineProcess::QPrivateSignal{});
        Q_EMIT q->started(PipelineProcess::QPrivateSignal{});
    } else if (auto* l = std::get_if<item::Line>(&p)) {
        Q_EMIT q->lineReady(l->stage, l->channel, l->text, PipelineProcess::QPrivateSignal{});
    } else if (auto* f = std::get_if<item::Failed>(&p)) {
        Q_EMIT q->errorOccurred(f->error, PipelineProcess::QPrivateSignal{});
    } else {
        state = PipelineProcess::Finished;
        run_active = false;
        const PipelineResult r = *result;
        Q_EMIT q->stateChanged(state, PipelineProcess::QPrivateSignal{});
        Q_EMIT q->finished(r, PipelineProcess::QPrivateSignal{});
    }
}

PipelineProcess::PipelineProcess(QObject* parent)
    : QObject(parent)
    , d_(std::make_unique<PipelineProcessPrivate>(this)) {
    registerMetaTypes();
}

PipelineProcess::PipelineProcess(const Pipeline& pipeline, QObject* parent)
    : PipelineProcess(parent) {
    d_->pipeline = pipeline;
}

PipelineProcess::~PipelineProcess() {
    if (!d_->run_active) {
        d_->end_run();
        return;
    }
    // Destroyed mid-run: the machine decides the result (the stages still
    // running are reported cancelled), and finished() is the only signal.
    if (d_->driver && !d_->driver->finished()) {
        d_->driver->abandon(Clock::now());
        d_->result = d_->driver->take_result();
    }
    d_->end_run();
    d_->pending.clear();
    d_->run_active = false;
    d_->state = Finished;
    if (d_->result) {
        Q_EMIT finished(*d_->result, QPrivateSignal{});
    }
}

void PipelineProcess::setPipeline(const Pipeline& pipeline) {
    d_->pipeline = pipeline;
}
const std::optional<Pipeline>& PipelineProcess::pipeline() const {
    return d_->pipeline;
}
void PipelineProcess::setGroupOptions(const GroupOptions& options) {
    d_->group_options = options;
}
PipelineProcess::State PipelineProcess::state() const {
    return d_->state;
}
std::optional<PipelineResult> PipelineProcess::result() const {
    return d_->state == Finished ? d_->result : std::nullopt;
}

void PipelineProcess::start() {
    if (d_->run_active) {
        qWarning("processkit::qt::PipelineProcess::start: a run is already in progress");
        return;
    }
    d_->launch();
}

void PipelineProcess::cancel() {
    if (d_->driver && !d_->driver->finished()) {
        d_->driver->cancel(Clock::now());
        d_->after_event();
    }
}

void PipelineProcess::kill() {
    if (d_->driver && !d_->driver->finished()) {
        d_->driver->cancel(Clock::now());
        d_->driver->cancel(Clock::now()); // a second cancel does not wait for the grace
        d_->after_event();
    }
}

} // namespace processkit::qt
