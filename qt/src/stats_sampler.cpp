// A group's stats series on the Qt event loop: the core's SamplerMachine
// decides when, one QTimer waits, ProcessGroup::stats() reads.
#include "processkit/qt/stats_sampler.hpp"

#include "processkit/core/error.hpp"
#include "processkit/os/process_group.hpp"

#include <QtCore/QPointer>
#include <QtCore/QTimer>
#include <algorithm>
#include <climits>

namespace processkit::qt {

StatsSampler::StatsSampler(processkit::ProcessGroup& group, std::chrono::milliseconds every,
                           QObject* parent)
    : QObject(parent)
    , group_(&group)
    , every_(every)
    , timer_(new QTimer(this)) {
    registerMetaTypes();
    timer_->setSingleShot(true);
    timer_->setTimerType(Qt::PreciseTimer);
    connect(timer_, &QTimer::timeout, this, &StatsSampler::onTimer);
}

StatsSampler::~StatsSampler() = default;

void StatsSampler::start() {
    if (machine_ || ended_) {
        return; // running, or the series is over for good (G9)
    }
    machine_.emplace(every_, Clock::now());
    arm(); // the first tick is due now: from the event loop, not inside start()
    Q_EMIT activeChanged(true, QPrivateSignal());
}

void StatsSampler::stop() {
    timer_->stop();
    if (machine_) {
        machine_.reset();
        Q_EMIT activeChanged(false, QPrivateSignal());
    }
}

void StatsSampler::arm() {
    const auto due = machine_ ? machine_->next_deadline() : std::nullopt;
    if (!due) {
        timer_->stop();
        return;
    }
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(*due - Clock::now());
    timer_->start(std::chrono::milliseconds(
        std::clamp<std::chrono::milliseconds::rep>(wait.count(), 0, INT_MAX)));
}

void StatsSampler::onTimer() {
    if (!machine_) {
        return;
    }
    auto step = sample_if_due(*machine_, group_, Clock::now());
    if (step.kind == SampleStep::Kind::NotDue) {
        arm(); // early (Qt's timers have millisecond resolution)
        return;
    }
    if (step.kind == SampleStep::Kind::Ended) {
        machine_.reset();
        ended_ = true;
        // Signals last: a slot may delete this object.
        const QPointer<StatsSampler> self(this);
        Q_EMIT activeChanged(false, QPrivateSignal());
        if (self) {
            Q_EMIT seriesEnded(QPrivateSignal());
        }
        return;
    }
    ++samples_;
    arm(); // before the signal: a slot may stop() or delete the sampler
    Q_EMIT statsSampled(*step.stats, QPrivateSignal());
}

} // namespace processkit::qt
