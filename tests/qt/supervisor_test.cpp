// processkit::qt::Supervisor with real processes: restarts decided by the
// core's SupervisorMachine, the report, stop() mid-incarnation and
// mid-backoff, destruction mid-run (no leak), finished() exactly once.
#include "qt_test_support.hpp"

#include <QtCore/QPointer>
#include <QtTest/QtTest>
#include <chrono>
#include <vector>

using namespace std::chrono_literals;

namespace pkqt {

namespace {

using Supervisor = processkit::qt::Supervisor;

/// Every signal of a Supervisor, in order: "running:1", "started:N",
/// "out:text", "ended", "decided:Restart|Pause|Stop", "running:0", "finished".
class SupervisorRecorder : public QObject {
public:
    explicit SupervisorRecorder(Supervisor* s) {
        connect(s, &Supervisor::runningChanged, this,
                [this](bool on) { log << QStringLiteral("running:%1").arg(on ? 1 : 0); });
        connect(s, &Supervisor::incarnationStarted, this,
                [this](int n) { log << QStringLiteral("started:%1").arg(n); });
        connect(s, &Supervisor::lineReady, this, [this](Process::Channel, const QString& line) {
            log << QStringLiteral("out:") + line;
        });
        connect(s, &Supervisor::incarnationFinished, this, [this](const pk::ProcessResult& r) {
            log << QStringLiteral("ended");
            results.push_back(r);
        });
        connect(s, &Supervisor::decided, this, [this](const pk::SupervisorDecision& d) {
            static const char* const names[] = {"Restart", "Pause", "Stop"};
            log << QStringLiteral("decided:") + QLatin1String(names[static_cast<int>(d.kind)]);
            decisions.push_back(d);
        });
        connect(s, &Supervisor::finished, this, [this](const pk::SupervisorReport& r) {
            log << QStringLiteral("finished");
            reports.push_back(r);
        });
    }
    int finishedCount() const { return static_cast<int>(reports.size()); }

    QStringList log;
    std::vector<pk::ProcessResult> results;
    std::vector<pk::SupervisorDecision> decisions;
    std::vector<pk::SupervisorReport> reports;
};

pk::SupervisorPolicy fastPolicy(pk::RestartPolicy restart) {
    pk::SupervisorPolicy policy;
    policy.restart = restart;
    policy.backoff = pk::Backoff{10ms, 2.0, 100ms, 0.0};
    policy.storm_guard.reset();
    policy.jitter_seed = 7;
    return policy;
}

} // namespace

class SupervisorTest : public QObject {
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

    void onCrashRestartsUpToMaxRestarts() {
        auto policy = fastPolicy(pk::RestartPolicy::OnCrash);
        policy.max_restarts = 2;
        int callbacks = 0;
        policy.on_decision = [&callbacks](const pk::ProcessResult&, const pk::SupervisorDecision&) {
            ++callbacks;
        };
        Supervisor s(sh("echo run; exit 1"), policy);
        SupervisorRecorder rec(&s);
        s.start();
        QVERIFY(s.isRunning());
        QCOMPARE(rec.log, QStringList{QStringLiteral("running:1")}); // the only one inside start()
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(rec.log, (QStringList{QStringLiteral("running:1"), QStringLiteral("started:1"),
                                       QStringLiteral("out:run"), QStringLiteral("ended"),
                                       QStringLiteral("decided:Restart"),
                                       QStringLiteral("started:2"), QStringLiteral("out:run"),
                                       QStringLiteral("ended"), QStringLiteral("decided:Restart"),
                                       QStringLiteral("started:3"), QStringLiteral("out:run"),
                                       QStringLiteral("ended"), QStringLiteral("decided:Stop"),
                                       QStringLiteral("running:0"), QStringLiteral("finished")}));
        const pk::SupervisorReport& r = rec.reports.front();
        QCOMPARE(r.reason, pk::StopReason::MaxRestarts);
        QCOMPARE(r.incarnations, 3u);
        QCOMPARE(r.restarts, 2u);
        QCOMPARE(r.storm_pauses, 0u);
        QVERIFY(r.last_result.has_value());
        QCOMPARE(r.last_result->outcome, pk::Outcome::exited(1));
        QCOMPARE(rec.decisions[0].delay, pk::Duration(10ms)); // the core's backoff
        QCOMPARE(rec.decisions[1].delay, pk::Duration(20ms));
        QCOMPARE(callbacks, 3);
        QVERIFY(!s.isRunning());
        QCOMPARE(s.incarnation(), 3);
        QCOMPARE(s.report()->reason, pk::StopReason::MaxRestarts);
        QTest::qWait(100);
        QCOMPARE(rec.finishedCount(), 1);
    }

    void onCrashStopsAfterACleanExit() {
        Supervisor s(sh("exit 0"), fastPolicy(pk::RestartPolicy::OnCrash));
        SupervisorRecorder rec(&s);
        s.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(rec.reports.front().reason, pk::StopReason::PolicyDeclined);
        QCOMPARE(rec.reports.front().incarnations, 1u);
        QCOMPARE(rec.reports.front().restarts, 0u);
    }

    void outputIsBoundedByCaptureLines() {
        auto policy = fastPolicy(pk::RestartPolicy::Never);
        policy.capture_lines = 3;
        Supervisor s(sh("for i in 1 2 3 4 5 6 7 8 9 10; do echo $i; done"), policy);
        SupervisorRecorder rec(&s);
        s.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(rec.reports.front().last_result->stdout_text(), std::string("8\n9\n10\n"));
        QCOMPARE(rec.log.filter(QStringLiteral("out:")).size(), 10); // lineReady sees them all
    }

    void stopMidIncarnation() {
        // A tree: the grandchild must die with it.
        Supervisor s(sh("sleep 30 & echo up; wait"), fastPolicy(pk::RestartPolicy::Always));
        SupervisorRecorder rec(&s);
        connect(&s, &Supervisor::lineReady, &s, [&s] { s.stop(); });
        s.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        const pk::SupervisorReport& r = rec.reports.front();
        QCOMPARE(r.reason, pk::StopReason::StoppedByCaller);
        QCOMPARE(r.incarnations, 1u);
        QCOMPARE(r.restarts, 0u);
        QCOMPARE(r.last_result->outcome, pk::Outcome::cancelled());
        QVERIFY(r.last_result->cancelled);
        QCOMPARE(rec.log, (QStringList{QStringLiteral("running:1"), QStringLiteral("started:1"),
                                       QStringLiteral("out:up"), QStringLiteral("ended"),
                                       QStringLiteral("decided:Stop"), QStringLiteral("running:0"),
                                       QStringLiteral("finished")}));
        QCOMPARE(rec.decisions.front().reason, pk::StopReason::StoppedByCaller);
    }

    void stopMidBackoff() {
        auto policy = fastPolicy(pk::RestartPolicy::Always);
        policy.backoff = pk::Backoff{30s, 2.0, 60s, 0.0}; // cut short, never waited
        Supervisor s(sh("exit 1"), policy);
        SupervisorRecorder rec(&s);
        connect(&s, &Supervisor::decided, &s, [&s, &rec](const pk::SupervisorDecision& d) {
            if (d.kind == pk::SupervisorDecision::Kind::Restart) {
                s.stop();
                rec.log << QStringLiteral("stop()"); // finished() is not emitted inside stop()
            }
        });
        s.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        const pk::SupervisorReport& r = rec.reports.front();
        QCOMPARE(r.reason, pk::StopReason::StoppedByCaller);
        QCOMPARE(r.incarnations, 1u);
        QCOMPARE(r.restarts, 0u);
        QCOMPARE(r.last_result->outcome, pk::Outcome::exited(1));
        QCOMPARE(rec.log, (QStringList{QStringLiteral("running:1"), QStringLiteral("started:1"),
                                       QStringLiteral("ended"), QStringLiteral("decided:Restart"),
                                       QStringLiteral("stop()"), QStringLiteral("running:0"),
                                       QStringLiteral("finished")}));
    }

    void stopBeforeTheFirstIncarnation() {
        Supervisor s(sh("exec sleep 30"), fastPolicy(pk::RestartPolicy::Always));
        SupervisorRecorder rec(&s);
        s.start();
        s.stop();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(rec.reports.front().reason, pk::StopReason::StoppedByCaller);
        QCOMPARE(rec.reports.front().incarnations, 0u);
        QVERIFY(!rec.reports.front().last_result.has_value());
    }

    void destroyedMidRunKillsTheTree() {
        auto* s =
            new Supervisor(sh("sleep 30 & echo up; wait"), fastPolicy(pk::RestartPolicy::Always));
        QObject receiver;
        std::vector<pk::SupervisorReport> reports;
        int others = 0;
        connect(s, &Supervisor::finished, &receiver,
                [&reports](const pk::SupervisorReport& r) { reports.push_back(r); });
        connect(s, &Supervisor::incarnationFinished, &receiver, [&others] { ++others; });
        QSignalSpy up(s, &Supervisor::lineReady);
        s->start();
        QTRY_COMPARE_WITH_TIMEOUT(up.count(), 1, bound_ms);
        QTRY_COMPARE_WITH_TIMEOUT(pktest::processes_with_marker(marker).size(), std::size_t(2),
                                  bound_ms);
        delete s; // never blocks; the tree is killed, the child reaped by the event loop
        QCOMPARE(reports.size(), std::size_t(1));
        QCOMPARE(others, 0); // nothing but finished() from the destructor
        QCOMPARE(reports.front().reason, pk::StopReason::StoppedByCaller);
        QCOMPARE(reports.front().incarnations, 1u);
        QCOMPARE(reports.front().last_result->outcome, pk::Outcome::cancelled());
        // cleanup() checks that no process, descriptor or cgroup is left.
    }

    void destroyedInsideFinished() {
        auto* s = new Supervisor(sh("exit 0"), fastPolicy(pk::RestartPolicy::Never));
        QPointer<Supervisor> guard(s);
        int finished = 0;
        connect(s, &Supervisor::finished, s, [s, &finished] {
            ++finished;
            delete s;
        });
        s->start();
        QTRY_VERIFY_WITH_TIMEOUT(guard.isNull(), bound_ms);
        QCOMPARE(finished, 1);
    }

    void restartAfterFinished() {
        Supervisor s(sh("exit 0"), fastPolicy(pk::RestartPolicy::Never));
        SupervisorRecorder rec(&s);
        s.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        s.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 2, bound_ms);
        QCOMPARE(rec.reports.back().incarnations, 1u);
        QCOMPARE(s.incarnation(), 1);
    }

    void spawnFailureStops() {
        Supervisor s(pktest::mark(pk::Command("/nonexistent/processkit-no-such-program"), marker),
                     fastPolicy(pk::RestartPolicy::Always));
        SupervisorRecorder rec(&s);
        s.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(rec.reports.front().reason, pk::StopReason::SpawnFailed);
        QCOMPARE(rec.reports.front().incarnations, 1u);
    }

    void queuedConnectionsAcrossThreads() {
        // The new value types (SupervisorDecision, SupervisorReport, Error)
        // cross threads by queued connections.
        QThread worker;
        worker.start();
        auto policy = fastPolicy(pk::RestartPolicy::OnCrash);
        policy.max_restarts = 1;
        auto* s = new Supervisor(sh("echo x; exit 1"), policy);
        s->moveToThread(&worker);
        QObject context;
        SupervisorRecorder rec(s); // lives in this thread: every slot runs here
        auto* p = new Process(sh("exit 2"));
        p->moveToThread(&worker);
        std::vector<pk::Error> errors;
        connect(p, &Process::notReady, &context,
                [&errors](const pk::Error& e) { errors.push_back(e); });
        QMetaObject::invokeMethod(s, &Supervisor::start, Qt::QueuedConnection);
        QMetaObject::invokeMethod(
            p,
            [p] {
                p->start();
                p->watchReadiness(pk::Readiness::line_containing("never"), 20s);
            },
            Qt::QueuedConnection);
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(rec.reports.front().reason, pk::StopReason::MaxRestarts);
        QCOMPARE(rec.decisions.size(), std::size_t(2));
        QTRY_COMPARE_WITH_TIMEOUT(errors.size(), std::size_t(1), bound_ms);
        QCOMPARE(errors.front().exit_code(), std::optional<int>(2));
        QMetaObject::invokeMethod(
            s,
            [s, p] {
                delete s;
                delete p;
            },
            Qt::BlockingQueuedConnection);
        worker.quit();
        QVERIFY(worker.wait(bound_ms));
    }

    void invalidPolicyThrows() {
        auto policy = fastPolicy(pk::RestartPolicy::Always);
        policy.backoff.factor = 0.5;
        try {
            Supervisor s(sh("true"), policy);
            QFAIL("no exception");
        } catch (const pk::Error& e) {
            QCOMPARE(e.kind(), pk::ErrorKind::InvalidArgument);
            QCOMPARE(e.program(), std::string("sh"));
        }
    }
};

int runSupervisorTests(int argc, char** argv) {
    SupervisorTest t;
    return QTest::qExec(&t, argc, argv);
}

} // namespace pkqt

#include "supervisor_test.moc"
