// processkit::qt::StatsSampler on a ProcessGroup with real processes (G9).
#include "qt_test_support.hpp"

#include <QtCore/QDir>
#include <QtCore/QPointer>
#include <QtTest/QtTest>
#include <chrono>
#include <unistd.h>

using namespace std::chrono_literals;

namespace pkqt {

using processkit::qt::StatsSampler;

class StatsSamplerTest : public QObject {
    Q_OBJECT

    std::string marker;
    Snapshot before;

    pk::Command sh(const std::string& script) {
        pk::Command c("sh");
        c.arg("-c").arg(script);
        return pktest::mark(c, marker);
    }

private Q_SLOTS:
    void init() {
        marker = pktest::unique_marker();
        before = Snapshot::take();
    }
    void cleanup() { PKQT_CHECK_NO_LEAKS(marker, before); }

    void firstSampleAtOnceFromTheEventLoop() {
        pk::ProcessGroup group(pktest::test_group_options());
        Process p(sh("exec sleep 30"));
        p.setGroup(&group);
        p.start();
        StatsSampler sampler(group, std::chrono::hours(1));
        QSignalSpy spy(&sampler, &StatsSampler::statsSampled);
        sampler.start();
        QVERIFY(sampler.isActive());
        QCOMPARE(spy.count(), 0); // not inside start()
        QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 1, bound_ms);
        QTest::qWait(200);
        QCOMPARE(spy.count(), 1); // the next tick is an hour away
        const auto stats = spy.at(0).at(0).value<pk::ProcessGroupStats>();
        QCOMPARE(stats.active_process_count, std::size_t(1));
        p.kill();
        QSignalSpy done(&p, &Process::finished);
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, bound_ms);
    }

    void periodicSeriesStopAndRestart() {
        pk::ProcessGroup group(pktest::test_group_options());
        StatsSampler sampler(group, 20ms);
        QSignalSpy spy(&sampler, &StatsSampler::statsSampled);
        QSignalSpy active(&sampler, &StatsSampler::activeChanged);
        sampler.start();
        QTRY_VERIFY_WITH_TIMEOUT(spy.count() >= 3, bound_ms);
        sampler.stop();
        QVERIFY(!sampler.isActive());
        const auto n = spy.count();
        QTest::qWait(150);
        QCOMPARE(spy.count(), n);
        sampler.start(); // a new series: first sample at once
        QTRY_VERIFY_WITH_TIMEOUT(spy.count() > n, bound_ms);
        QCOMPARE(active.count(), 3);
        QCOMPARE(sampler.samples(), static_cast<std::size_t>(spy.count()));
    }

    void missedTicksAreSkipped() {
        pk::ProcessGroup group(pktest::test_group_options());
        StatsSampler sampler(group, 50ms);
        QSignalSpy spy(&sampler, &StatsSampler::statsSampled);
        bool blocked = false;
        connect(&sampler, &StatsSampler::statsSampled, this, [&blocked] {
            if (!blocked) {
                blocked = true;
                QThread::msleep(500);
            }
        });
        QElapsedTimer t;
        t.start();
        sampler.start();
        QTest::qWait(800);
        sampler.stop();
        const auto elapsed_ms = t.elapsed();
        // Never more than the grid allows: no burst after the busy spell.
        QVERIFY2(
            spy.count() <= elapsed_ms / 50 + 2,
            qPrintable(QStringLiteral("%1 samples in %2 ms").arg(spy.count()).arg(elapsed_ms)));
        QVERIFY(spy.count() >= 2);
    }

    void seriesEndsForGoodOnTheFirstFailure() {
        pk::ProcessGroup group(pktest::test_group_options());
        if (group.mechanism() != pk::Mechanism::CgroupV2) {
            QSKIP("a failing sample needs a cgroup to remove (process-group stats never fail)");
        }
        StatsSampler sampler(group, 20ms);
        QSignalSpy spy(&sampler, &StatsSampler::statsSampled);
        QSignalSpy ended(&sampler, &StatsSampler::seriesEnded);
        sampler.start();
        QTRY_VERIFY_WITH_TIMEOUT(spy.count() >= 2, bound_ms);
        // The container goes away under the group (it is empty): stats() fails.
        QVERIFY(::rmdir(group.cgroup_path().c_str()) == 0);
        QTRY_COMPARE_WITH_TIMEOUT(ended.count(), 1, bound_ms);
        const auto n = spy.count();
        QVERIFY(sampler.hasEnded());
        QVERIFY(!sampler.isActive());
        sampler.start(); // for good: no new series
        QTest::qWait(150);
        QCOMPARE(spy.count(), n);
        QCOMPARE(ended.count(), 1);
    }

    void deletedInsideItsSlot() {
        pk::ProcessGroup group(pktest::test_group_options());
        auto* sampler = new StatsSampler(group, 10ms);
        QPointer<StatsSampler> guard(sampler);
        int seen = 0;
        connect(sampler, &StatsSampler::statsSampled, sampler, [&seen, sampler] {
            if (++seen == 2) {
                delete sampler;
            }
        });
        sampler->start();
        QTRY_VERIFY_WITH_TIMEOUT(guard.isNull(), bound_ms);
        QTest::qWait(50);
        QCOMPARE(seen, 2);
    }
};

int runStatsSamplerTests(int argc, char** argv) {
    StatsSamplerTest t;
    return QTest::qExec(&t, argc, argv);
}

} // namespace pkqt

#include "stats_sampler_test.moc"
