// The task monitor's display-free parts: the bounded usage series and the
// chart's axis arithmetic (no window, no QApplication).
#include "chart_scale.hpp"
#include "usage_series.hpp"

#include <QtTest/QTest>
#include <chrono>

using namespace std::chrono_literals;
using task_monitor::niceAxis;
using task_monitor::UsageSeries;

class SeriesTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void cpuIsTheRateBetweenSamples() {
        UsageSeries series;
        series.add(200ms, 100ms, 4096);           // the first: average since the spawn
        series.add(700ms, 350ms, 8192);           // 250 ms of CPU in 500 ms
        series.add(1200ms, 1350ms, std::nullopt); // two cores busy
        QCOMPARE(series.samples().size(), std::size_t{3});
        QCOMPARE(*series.samples()[0].cpuCores, 0.5);
        QCOMPARE(*series.samples()[1].cpuCores, 0.5);
        QCOMPARE(*series.samples()[2].cpuCores, 2.0);
        QCOMPARE(series.samples()[1].seconds, 0.7);
        QCOMPARE(*series.samples()[1].memoryBytes, 8192.0);
        QVERIFY(!series.samples()[2].memoryBytes);
        QCOMPARE(series.peakCpuCores(), 2.0);
        QCOMPARE(series.peakMemoryBytes(), 8192.0);
    }

    void unknownFiguresStayUnknown() {
        UsageSeries series;
        series.add(0ms, 0ms, std::nullopt); // no time has passed: no rate yet
        series.add(100ms, std::nullopt, 1024);
        QVERIFY(!series.samples()[0].cpuCores);
        QVERIFY(!series.samples()[1].cpuCores);
        QVERIFY(!series.hasCpu());
        QVERIFY(series.hasMemory());
        QCOMPARE(series.peakCpuCores(), 0.0);
    }

    void aCounterGoingBackwardsIsNotNegativeUse() {
        UsageSeries series;
        series.add(100ms, 50ms, std::nullopt);
        series.add(200ms, 40ms, std::nullopt);
        QCOMPARE(*series.samples()[1].cpuCores, 0.0);
    }

    void keepsOnlyTheNewestSamples() {
        UsageSeries series(3);
        for (int i = 1; i <= 10; ++i) {
            // One core busy, but four in the second sample (and a memory peak).
            const auto cpu = std::chrono::milliseconds(100 * i + (i >= 2 ? 300 : 0));
            series.add(std::chrono::milliseconds(100 * i), cpu,
                       static_cast<std::uint64_t>(i == 2 ? 1 << 30 : 1000));
        }
        QCOMPARE(series.samples().size(), std::size_t{3});
        QCOMPARE(series.dropped(), std::size_t{7});
        QCOMPARE(series.firstSeconds(), 0.8);
        QCOMPARE(series.lastSeconds(), 1.0);
        // The rate still uses the reading before the window's first sample.
        QCOMPARE(*series.samples().front().cpuCores, 1.0);
        // Peaks are the window's: the burst has left it.
        QCOMPARE(series.peakCpuCores(), 1.0);
        QCOMPARE(series.peakMemoryBytes(), 1000.0);
    }

    void clearStartsAfresh() {
        UsageSeries series(2);
        series.add(100ms, 100ms, 10);
        series.add(200ms, 200ms, 10);
        series.add(300ms, 300ms, 10);
        series.clear();
        QVERIFY(series.empty());
        QCOMPARE(series.dropped(), std::size_t{0});
        series.add(100ms, 50ms, std::nullopt); // measured from the spawn again
        QCOMPARE(*series.samples().front().cpuCores, 0.5);
        QCOMPARE(series.firstSeconds(), 0.1);
    }

    void aZeroCapacityKeepsOneSample() {
        UsageSeries series(0);
        series.add(100ms, std::nullopt, 1);
        series.add(200ms, std::nullopt, 2);
        QCOMPARE(series.capacity(), std::size_t{1});
        QCOMPARE(*series.samples().front().memoryBytes, 2.0);
    }

    void axesEndOnRoundNumbers_data() {
        QTest::addColumn<double>("peak");
        QTest::addColumn<double>("floor");
        QTest::addColumn<double>("maximum");
        QTest::addColumn<int>("intervals");
        QTest::newRow("empty") << 0.0 << 1.0 << 1.0 << 5;
        QTest::newRow("below the floor") << 0.3 << 1.0 << 1.0 << 5;
        QTest::newRow("exactly one") << 1.0 << 1.0 << 1.0 << 5;
        QTest::newRow("just above one") << 1.2 << 1.0 << 2.0 << 4;
        QTest::newRow("two") << 2.0 << 1.0 << 2.0 << 4;
        QTest::newRow("three") << 3.0 << 1.0 << 5.0 << 5;
        QTest::newRow("seven") << 7.0 << 1.0 << 10.0 << 5;
        QTest::newRow("small floor") << 0.3 << 0.1 << 0.5 << 5;
        QTest::newRow("hundreds") << 640.0 << 1.0 << 1000.0 << 5;
    }

    void axesEndOnRoundNumbers() {
        QFETCH(double, peak);
        QFETCH(double, floor);
        QFETCH(double, maximum);
        QFETCH(int, intervals);
        const task_monitor::Axis axis = niceAxis(peak, floor);
        QVERIFY(qFuzzyCompare(axis.maximum, maximum));
        QCOMPARE(axis.intervals, intervals);
    }

    void memoryReadsBelowAThousandUnits() {
        using task_monitor::memoryUnitFor;
        QCOMPARE(QLatin1String(memoryUnitFor(0).name), QLatin1String("B"));
        QCOMPARE(QLatin1String(memoryUnitFor(999).name), QLatin1String("B"));
        QCOMPARE(QLatin1String(memoryUnitFor(1000).name), QLatin1String("KiB"));
        QCOMPARE(QLatin1String(memoryUnitFor(999.0 * 1024).name), QLatin1String("KiB"));
        QCOMPARE(QLatin1String(memoryUnitFor(1000.0 * 1024).name), QLatin1String("MiB"));
        QCOMPARE(memoryUnitFor(5.0 * 1024 * 1024).bytes, 1024.0 * 1024);
        QCOMPARE(QLatin1String(memoryUnitFor(3.0 * 1024 * 1024 * 1024).name), QLatin1String("GiB"));
    }
};

QTEST_APPLESS_MAIN(SeriesTest)
#include "series_test.moc"
