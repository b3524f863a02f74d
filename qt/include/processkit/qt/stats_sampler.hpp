#pragma once
// processkit::qt::StatsSampler: a ProcessGroup's stats as a series of signals
// on the Qt event loop (G9), e.g. for a live chart of a whole group.
//
//   processkit::qt::StatsSampler sampler(group, std::chrono::seconds(1));
//   QObject::connect(&sampler, &StatsSampler::statsSampled, ...);
//   sampler.start();
//
// - The first sample is taken at once (from the event loop, right after
//   start()), then one per interval on a fixed grid; ticks missed because the
//   event loop was busy are skipped, never replayed in a burst; a zero or
//   negative interval is clamped to 1 ms. The core's SamplerMachine decides.
// - The first sample that cannot be read (the group's container is gone)
//   ends the series for good: seriesEnded() is emitted once, and start()
//   does nothing afterwards.
// - stop() ends sampling; a later start() begins a new series (first sample
//   at once again).
//
// The sampler borrows the group: the group must outlive it (or stop() it
// first). Thread-safety: a QObject; use it from the thread it lives in.

#include "processkit/core/sampler.hpp"
#include "processkit/core/stats.hpp"
#include "processkit/qt/export.hpp"
#include "processkit/qt/metatypes.hpp"

#include <QtCore/QObject>
#include <chrono>
#include <cstddef>
#include <optional>

QT_BEGIN_NAMESPACE
class QTimer;
QT_END_NAMESPACE

namespace processkit {
class ProcessGroup;
}

namespace processkit::qt {

/// A ProcessGroup's stats as a series of statsSampled() signals on the Qt
/// event loop (G9), between start() and stop().
class PROCESSKIT_QT_EXPORT StatsSampler : public QObject {
    Q_OBJECT
    Q_PROPERTY(bool active READ isActive NOTIFY activeChanged)

public:
    /// Samples `group` (borrowed: it must outlive the sampler, or stop() it
    /// first) every `every` once started; nothing happens before start().
    StatsSampler(processkit::ProcessGroup& group, std::chrono::milliseconds every,
                 QObject* parent = nullptr);
    ~StatsSampler() override;

    /// The interval passed to the constructor, unclamped (sampling uses at
    /// least 1 ms).
    std::chrono::milliseconds interval() const { return every_; }
    /// Started, not stopped, and the series has not ended.
    bool isActive() const { return machine_.has_value(); }
    /// A sample failed: the series is over for good.
    bool hasEnded() const { return ended_; }
    /// Samples emitted since the object was created.
    std::size_t samples() const { return samples_; }

public Q_SLOTS:
    /// Begins a series: the first sample from the event loop right away,
    /// then one per interval. Does nothing while active or once the series
    /// has ended.
    void start();
    /// Ends sampling; a later start() begins a new series.
    void stop();

Q_SIGNALS:
    /// One sample of the group.
    void statsSampled(const processkit::ProcessGroupStats& stats, QPrivateSignal);
    /// The first failed sample ended the series (emitted once).
    void seriesEnded(QPrivateSignal);
    /// isActive() changed: on start(), stop() or the end of the series.
    void activeChanged(bool active, QPrivateSignal);

private:
    void onTimer();
    void arm();

    processkit::ProcessGroup* group_;
    std::chrono::milliseconds every_;
    QTimer* timer_;
    std::optional<SamplerMachine> machine_;
    bool ended_ = false;
    std::size_t samples_ = 0;
};

} // namespace processkit::qt
