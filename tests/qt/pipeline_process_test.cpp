// processkit::qt::PipelineProcess with real processes: the order of its
// signals, lines per stage, blame and teardown as the blocking verbs report
// them, finished() exactly once in every path, and nothing left behind.
#include "processkit/qt/pipeline_process.hpp"
#include "qt_test_support.hpp"

#include <QtCore/QPointer>
#include <QtTest/QSignalSpy>
#include <QtTest/QtTest>
#include <chrono>
#include <csignal>
#include <memory>

using namespace std::chrono_literals;

namespace pkqt {

using PipelineProcess = processkit::qt::PipelineProcess;

class PipelineProcessTest : public QObject {
    Q_OBJECT

    std::string marker;
    Snapshot before;

    pk::Command sh(const std::string& script) {
        pk::Command c("sh");
        c.arg("-c").arg(script);
        return pktest::mark(c, marker);
    }
    pk::Command marked(pk::Command c) { return pktest::mark(std::move(c), marker); }

    /// The signals of a PipelineProcess, in order.
    struct Log {
        QStringList entries;
        std::vector<pk::PipelineResult> results;
        explicit Log(PipelineProcess& p) {
            QObject::connect(
                &p, &PipelineProcess::stateChanged, &p, [this](PipelineProcess::State s) {
                    entries << QStringLiteral("state:") + QString::number(static_cast<int>(s));
                });
            QObject::connect(&p, &PipelineProcess::started, &p,
                             [this] { entries << QStringLiteral("started"); });
            QObject::connect(&p, &PipelineProcess::lineReady, &p,
                             [this](int stage, Process::Channel c, const QString& line) {
                                 entries << QStringLiteral("%1%2:%3")
                                                .arg(c == Process::StandardOutput ? u"out" : u"err")
                                                .arg(stage)
                                                .arg(line);
                             });
            QObject::connect(&p, &PipelineProcess::errorOccurred, &p,
                             [this](const pk::Error&) { entries << QStringLiteral("error"); });
            QObject::connect(&p, &PipelineProcess::finished, &p,
                             [this](const pk::PipelineResult& r) {
                                 entries << QStringLiteral("finished");
                                 results.push_back(r);
                             });
        }
    };

private Q_SLOTS:
    void init() {
        marker = pktest::unique_marker();
        // The cached groups of earlier test classes are not this test's.
        pk::ProcessGroup::release_cached_groups();
        before = Snapshot::take();
    }
    void cleanup() { PKQT_CHECK_NO_LEAKS(marker, before); }

    void runsStagesAndEmitsSignalsInOrder() {
        PipelineProcess p(sh("printf 'b\\na\\n'; echo note >&2") | marked(pk::Command("sort")));
        p.setGroupOptions(pktest::test_group_options());
        Log log(p);
        p.start();
        QVERIFY2(log.entries.isEmpty(), "nothing is emitted inside start()");
        QTRY_COMPARE_WITH_TIMEOUT(log.results.size(), std::size_t{1}, bound_ms);
        QCOMPARE(log.entries.front(), QStringLiteral("state:1"));
        QCOMPARE(log.entries.at(1), QStringLiteral("started"));
        QVERIFY(log.entries.contains(QStringLiteral("out1:a")));
        QVERIFY(log.entries.contains(QStringLiteral("out1:b")));
        QVERIFY(log.entries.contains(QStringLiteral("err0:note")));
        QVERIFY(log.entries.indexOf(QStringLiteral("out1:a")) <
                log.entries.indexOf(QStringLiteral("out1:b")));
        QCOMPARE(log.entries.mid(log.entries.size() - 2),
                 (QStringList{QStringLiteral("state:2"), QStringLiteral("finished")}));
        const auto& r = log.results.front();
        QVERIFY(r.success());
        QCOMPARE(r.stdout_text(), std::string("a\nb\n"));
        QCOMPARE(p.state(), PipelineProcess::Finished);
        QVERIFY(p.result().has_value());
        QTest::qWait(50);
        QCOMPARE(log.results.size(), std::size_t{1});
    }

    void blamesTheFirstRealFailureAndReportsIt() {
        PipelineProcess p(sh("sleep 30") | sh("exit 3") | sh("cat >/dev/null; sleep 30"));
        p.setGroupOptions(pktest::test_group_options());
        std::vector<pk::ErrorKind> errors; // (Error has no default constructor: no QSignalSpy)
        QObject::connect(&p, &PipelineProcess::errorOccurred, &p,
                         [&](const pk::Error& e) { errors.push_back(e.kind()); });
        QSignalSpy finished(&p, &PipelineProcess::finished);
        p.start();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, bound_ms);
        const auto r = finished.at(0).at(0).value<pk::PipelineResult>();
        QCOMPARE(r.failed_stage(), std::optional<std::size_t>(1));
        QVERIFY(r.stages[0].ended_in_teardown);
        QCOMPARE(errors, std::vector<pk::ErrorKind>{pk::ErrorKind::NonZeroExit});
    }

    void cancelTearsDownAndKillDoesNotWaitForTheGrace() {
        PipelineProcess p(sh("trap '' TERM; echo up >&2; sleep 30 >/dev/null") |
                          sh("cat >/dev/null"));
        p.setGroupOptions(pktest::test_group_options());
        Log log(p);
        p.start();
        QTRY_VERIFY_WITH_TIMEOUT(log.entries.contains(QStringLiteral("err0:up")), bound_ms);
        p.cancel(); // TERM is ignored by stage 0: the grace (5 s) would run...
        p.kill();   // ...but a kill does not wait for it
        QTRY_COMPARE_WITH_TIMEOUT(log.results.size(), std::size_t{1}, 3000);
        const auto& r = log.results.front();
        QVERIFY(r.cancelled());
        QCOMPARE(r.stages[0].result.outcome, pk::Outcome::signalled(SIGKILL));
        QVERIFY(!log.entries.contains(QStringLiteral("error")));
    }

    void anInvalidPipelineFinishesWithAnErrorFromTheEventLoop() {
        PipelineProcess p{pk::Pipeline()};
        Log log(p);
        std::vector<pk::ErrorKind> errors;
        QObject::connect(&p, &PipelineProcess::errorOccurred, &p,
                         [&](const pk::Error& e) { errors.push_back(e.kind()); });
        p.start();
        QVERIFY(log.entries.isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(log.results.size(), std::size_t{1}, bound_ms);
        QCOMPARE(log.entries, (QStringList{QStringLiteral("error"), QStringLiteral("state:2"),
                                           QStringLiteral("finished")}));
        QCOMPARE(errors, std::vector<pk::ErrorKind>{pk::ErrorKind::InvalidArgument});
        QVERIFY(log.results.front().stages.empty());
        // It can be started again with a valid one.
        p.setPipeline(sh("echo again") | marked(pk::Command("cat")));
        p.start();
        QTRY_COMPARE_WITH_TIMEOUT(log.results.size(), std::size_t{2}, bound_ms);
        QCOMPARE(log.results.back().stdout_text(), std::string("again\n"));
    }

    void destroyedMidRunKillsEverythingAndFinishesOnce() {
        auto p = std::make_unique<PipelineProcess>(sh("echo up >&2; sleep 30") | sh("sleep 30"));
        p->setGroupOptions(pktest::test_group_options());
        Log log(*p);
        p->start();
        QTRY_VERIFY_WITH_TIMEOUT(log.entries.contains(QStringLiteral("err0:up")), bound_ms);
        p.reset();
        QCOMPARE(log.results.size(), std::size_t{1});
        QVERIFY(log.results.front().cancelled());
        QCOMPARE(log.results.front().stages[1].result.outcome, pk::Outcome::cancelled());
        QCOMPARE(log.entries.back(), QStringLiteral("finished"));
        // cleanup() checks that every stage is gone.
    }

    void aSlotMayDeleteTheObjectOnFinished() {
        QPointer<PipelineProcess> p =
            new PipelineProcess(sh("echo x") | marked(pk::Command("cat")));
        p->setGroupOptions(pktest::test_group_options());
        int finished = 0;
        QObject::connect(p, &PipelineProcess::finished, p, [&](const pk::PipelineResult&) {
            ++finished;
            delete p.data();
        });
        p->start();
        QTRY_VERIFY_WITH_TIMEOUT(p.isNull(), bound_ms);
        QCOMPARE(finished, 1);
    }
};

int runPipelineProcessTests(int argc, char** argv) {
    PipelineProcessTest t;
    return QTest::qExec(&t, argc, argv);
}

} // namespace pkqt

#include "pipeline_process_test.moc"
