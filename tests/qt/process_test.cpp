// processkit::qt::Process with real processes: the order of its signals,
// finished() exactly once in every path, stats series, interactive stdin,
// re-entrant slots, threads, and no leak after the object goes mid-run.
#include "qt_test_support.hpp"

#include <QtCore/QPointer>
#include <QtCore/QSocketNotifier>
#include <QtCore/QThread>
#include <QtTest/QtTest>
#include <chrono>
#include <memory>
#include <thread>

using namespace std::chrono_literals;

namespace pkqt {

class ProcessTest : public QObject {
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

    void normalRunEmitsSignalsInOrder() {
        Process p(sh("echo one; echo two >&2; echo three"));
        Recorder rec(&p);
        QCOMPARE(p.state(), Process::NotRunning);
        p.start();
        // stateChanged(Starting) is the only signal emitted inside start().
        QCOMPARE(rec.log, QStringList{QStringLiteral("state:Starting")});
        QCOMPARE(p.state(), Process::Starting);
        QVERIFY(p.pid() > 0);
        QVERIFY(!p.mechanism().isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(rec.milestones(),
                 (QStringList{QStringLiteral("state:Starting"), QStringLiteral("state:Running"),
                              QStringLiteral("started"), QStringLiteral("state:Finished"),
                              QStringLiteral("finished")}));
        // Lines come between started and the end, in order per stream.
        QCOMPARE(rec.out, (QStringList{QStringLiteral("one"), QStringLiteral("three")}));
        QCOMPARE(rec.err, QStringList{QStringLiteral("two")});
        const auto started_at = rec.log.indexOf(QStringLiteral("started"));
        const auto finished_at = rec.log.indexOf(QStringLiteral("state:Finished"));
        for (const QString& l :
             {QStringLiteral("out:one"), QStringLiteral("err:two"), QStringLiteral("out:three")}) {
            const auto at = rec.log.indexOf(l);
            QVERIFY2(at > started_at && at < finished_at, qPrintable(rec.log.join(u',')));
        }
        const pk::ProcessResult& r = rec.results.front();
        QCOMPARE(r.outcome, pk::Outcome::exited(0));
        QCOMPARE(r.stdout_text(), std::string("one\nthree\n"));
        QCOMPARE(p.state(), Process::Finished);
        QCOMPARE(p.exitCode(), 0);
        QVERIFY(p.result().has_value());
        QVERIFY(rec.errorKinds.empty());
        QVERIFY(p.errorString().isEmpty());
        // Nothing more, ever.
        QTest::qWait(100);
        QCOMPARE(rec.finishedCount(), 1);
    }

    void nonZeroExitIsNotAnError() {
        Process p(sh("echo bye; exit 3"));
        Recorder rec(&p);
        p.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(rec.results.front().outcome, pk::Outcome::exited(3));
        QCOMPARE(p.exitCode(), 3);
        QVERIFY(rec.errorKinds.empty()); // as QProcess: a normal exit with a code
        QCOMPARE(rec.out, QStringList{QStringLiteral("bye")});
    }

    void killFromALineSlotReportsCrashed() {
        Process p(sh("echo ready; exec sleep 30"));
        Recorder rec(&p);
        connect(&p, &Process::lineReady, &p, [&p] { p.kill(); });
        p.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(rec.results.front().outcome, pk::Outcome::signalled(9));
        QCOMPARE(rec.milestones(),
                 (QStringList{QStringLiteral("state:Starting"), QStringLiteral("state:Running"),
                              QStringLiteral("started"), QStringLiteral("error:Crashed"),
                              QStringLiteral("state:Finished"), QStringLiteral("finished")}));
        QCOMPARE(p.error(), Process::Crashed);
        QVERIFY(p.errorString().contains(QLatin1String("signal 9")));
        QCOMPARE(p.exitCode(), -1);
    }

    void terminateLetsATrappingChildExit() {
        Process p(sh("trap 'echo bye; exit 0' TERM; echo ready; while :; do sleep 0.05; done"));
        Recorder rec(&p);
        connect(&p, &Process::lineReady, &p, [&p](Process::Channel, const QString& line) {
            if (line == QLatin1String("ready")) {
                p.terminate();
            }
        });
        p.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(rec.results.front().outcome, pk::Outcome::exited(0));
        QVERIFY(rec.out.contains(QStringLiteral("bye")));
        QVERIFY(rec.errorKinds.empty());
    }

    void terminateKillsAfterTheGrace() {
        Process p(sh("trap '' TERM; echo ready; while :; do sleep 0.05; done").grace(200ms));
        Recorder rec(&p);
        connect(&p, &Process::lineReady, &p, [&p] { p.terminate(); }); // trap installed
        p.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(rec.results.front().outcome, pk::Outcome::signalled(9));
        QCOMPARE(rec.errorKinds, std::vector<Process::ProcessError>{Process::Crashed});
    }

    void timeoutReportsTimedout() {
        Process p(sh("exec sleep 30").timeout(200ms).grace(100ms));
        Recorder rec(&p);
        p.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(rec.results.front().outcome, pk::Outcome::timed_out());
        QVERIFY(rec.results.front().timed_out);
        QCOMPARE(rec.milestones(),
                 (QStringList{QStringLiteral("state:Starting"), QStringLiteral("state:Running"),
                              QStringLiteral("started"), QStringLiteral("error:Timedout"),
                              QStringLiteral("state:Finished"), QStringLiteral("finished")}));
        QCOMPARE(p.error(), Process::Timedout);
    }

    void failedStartEmitsFinishedOnceFromTheEventLoop() {
        Process p(pktest::mark(pk::Command("/nonexistent/processkit-no-such-program"), marker));
        p.start();
        QCOMPARE(p.state(), Process::Starting);
        // Connected after start(): nothing was emitted inside it but Starting.
        Recorder rec(&p);
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(rec.milestones(),
                 (QStringList{QStringLiteral("error:FailedToStart"),
                              QStringLiteral("state:Finished"), QStringLiteral("finished")}));
        const pk::ProcessResult& r = rec.results.front();
        QCOMPARE(r.outcome.kind, pk::Outcome::Kind::SpawnFailed);
        QVERIFY(r.error.has_value());
        QCOMPARE(r.error->kind(), pk::ErrorKind::NotFound);
        QCOMPARE(p.error(), Process::FailedToStart);
        QVERIFY(p.errorString().contains(QLatin1String("processkit-no-such-program")));
        QCOMPARE(p.lastError()->kind(), pk::ErrorKind::NotFound);
        QCOMPARE(p.pid(), qint64(0));
        QTest::qWait(100);
        QCOMPARE(rec.finishedCount(), 1);
    }

    void startWithoutACommandFailsToStart() {
        Process p;
        Recorder rec(&p);
        p.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(rec.errorKinds, std::vector<Process::ProcessError>{Process::FailedToStart});
        QCOMPARE(rec.results.front().error->kind(), pk::ErrorKind::InvalidArgument);
    }

    void invalidCommandFailsToStart() {
        Process p(pktest::mark(pk::Command("sh").arg(std::string("a\0b", 3)), marker));
        Recorder rec(&p);
        p.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(rec.errorKinds, std::vector<Process::ProcessError>{Process::FailedToStart});
        QCOMPARE(rec.results.front().error->kind(), pk::ErrorKind::InvalidArgument);
    }

    void destroyedMidRunKillsTheTreeAndEmitsFinishedOnce() {
        auto* p = new Process(sh("sleep 30 & sleep 30 & echo up; wait"));
        Recorder rec(p);
        p->start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.out, QStringList{QStringLiteral("up")}, bound_ms);
        QTRY_COMPARE_WITH_TIMEOUT(pktest::processes_with_marker(marker).size(), std::size_t(3),
                                  bound_ms);
        QElapsedTimer t;
        t.start();
        delete p; // must not block: the tree is killed, the child reaped later
        QCOMPARE(rec.finishedCount(), 1);
        QCOMPARE(rec.log.back(), QStringLiteral("finished"));
        const pk::ProcessResult& r = rec.results.front();
        QCOMPARE(r.outcome, pk::Outcome::cancelled());
        QVERIFY(r.cancelled);
        QCOMPARE(r.error->kind(), pk::ErrorKind::Cancelled);
        QCOMPARE(r.stdout_counters.total_lines, std::uint64_t(1));
        // cleanup() waits, with the event loop turning, for: no marked process,
        // the pidfd closed once reaped, the cgroup directory removed.
    }

    void destroyedBeforeTheEventLoopRanEmitsTheRealResult() {
        // The failure is known inside start(); finished() is still pending.
        auto* p = new Process(pktest::mark(pk::Command("/nonexistent/pk-nope"), marker));
        Recorder rec(p);
        p->start();
        QCOMPARE(rec.finishedCount(), 0);
        delete p;
        QCOMPARE(rec.finishedCount(), 1);
        QCOMPARE(rec.results.front().outcome.kind, pk::Outcome::Kind::SpawnFailed);
    }

    void deletedInsideALineSlot() {
        auto* p = new Process(sh("echo a; echo b; echo c; exec sleep 30"));
        Recorder rec(p);
        QPointer<Process> guard(p);
        connect(p, &Process::lineReady, p, [p] { delete p; });
        p->start();
        QTRY_VERIFY_WITH_TIMEOUT(guard.isNull(), bound_ms);
        QCOMPARE(rec.finishedCount(), 1);
        QCOMPARE(rec.out.size(), 1); // nothing is emitted by a destroyed object
        QCOMPARE(rec.results.front().outcome, pk::Outcome::cancelled());
    }

    void deletedInsideTheFinishedStateChange() {
        auto* p = new Process(sh("exit 4"));
        Recorder rec(p);
        connect(p, &Process::stateChanged, p, [p](Process::State s) {
            if (s == Process::Finished) {
                delete p;
            }
        });
        p->start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        // The real result, emitted by the destructor.
        QCOMPARE(rec.results.front().outcome, pk::Outcome::exited(4));
        QTest::qWait(50);
        QCOMPARE(rec.finishedCount(), 1);
    }

    void deleteLaterFromFinished() {
        auto* p = new Process(sh("echo x"));
        Recorder rec(p);
        QPointer<Process> guard(p);
        connect(p, &Process::finished, p, &QObject::deleteLater);
        p->start();
        QTRY_VERIFY_WITH_TIMEOUT(guard.isNull(), bound_ms);
        QCOMPARE(rec.finishedCount(), 1);
        QCOMPARE(rec.results.front().outcome, pk::Outcome::exited(0));
    }

    void firstStatsSampleAtOnce() {
        // An interval far longer than the run: exactly the immediate sample.
        Process p(sh("sleep 0.3"));
        p.setStatsInterval(std::chrono::hours(1));
        Recorder rec(&p);
        p.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(rec.stats.size(), std::size_t(1));
        QCOMPARE(rec.log.indexOf(QStringLiteral("stats")), 3); // right after started
        QVERIFY(rec.stats.front().active_process_count >= 1);
    }

    void statsSeriesSkipsMissedTicks() {
        Process p(sh("sleep 1.5"));
        p.setStatsInterval(50ms);
        Recorder rec(&p);
        bool blocked = false;
        connect(&p, &Process::statsSampled, &p, [&blocked] {
            if (!blocked) {
                blocked = true;
                QThread::msleep(500); // ten intervals with a busy event loop
            }
        });
        p.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        const auto n = rec.stats.size();
        QVERIFY2(n >= 3, qPrintable(QString::number(n)));
        // Never more samples than grid ticks: missed ones are not replayed.
        const auto duration = rec.results.front().duration;
        const auto ticks = static_cast<std::size_t>(duration / 50ms) + 2;
        QVERIFY2(n <= ticks, qPrintable(QStringLiteral("%1 samples, %2 ticks").arg(n).arg(ticks)));
        // All between started and the end.
        QVERIFY(rec.log.indexOf(QStringLiteral("stats")) >
                rec.log.indexOf(QStringLiteral("started")));
        QVERIFY(rec.log.lastIndexOf(QStringLiteral("stats")) <
                rec.log.indexOf(QStringLiteral("state:Finished")));
        QCOMPARE(rec.results.front().profile.samples, n);
    }

    void noStatsByDefault() {
        Process p(sh("sleep 0.2"));
        Recorder rec(&p);
        p.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QVERIFY(rec.stats.empty());
    }

    void interactiveStdinDrivenFromSlots() {
        Process p(pktest::mark(pk::Command("cat").stdin_interactive(), marker));
        Recorder rec(&p);
        int next = 1;
        connect(&p, &Process::started, &p, [&] { QVERIFY(p.write("1\n")); });
        connect(&p, &Process::lineReady, &p, [&](Process::Channel, const QString& line) {
            QCOMPARE(line, QString::number(next));
            if (++next <= 5) {
                p.write(QByteArray::number(next) + '\n');
            } else {
                p.closeWriteChannel();
            }
        });
        QVERIFY(!p.isWritable());
        p.start();
        QVERIFY(p.isWritable());
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(rec.out.size(), 5);
        QCOMPARE(rec.results.front().outcome, pk::Outcome::exited(0));
        QVERIFY(!p.isWritable());
        QVERIFY(!p.write("late"));
    }

    void writeWithoutInteractiveStdinFails() {
        Process p(sh("sleep 0.1"));
        Recorder rec(&p);
        p.start();
        QVERIFY(!p.isWritable());
        QVERIFY(!p.write("x"));
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QVERIFY(rec.errorKinds.empty());
    }

    void brokenStdinReportsWriteError() {
        Process p(sh("exec 0<&-; echo closed; exec sleep 30").stdin_interactive());
        Recorder rec(&p);
        connect(&p, &Process::lineReady, &p, [&p] {
            // The child closed its stdin: EPIPE, never SIGPIPE.
            for (int i = 0; i < 64 && p.isWritable(); ++i) {
                p.write(QByteArray(64 * 1024, 'x'));
            }
        });
        connect(&p, &Process::errorOccurred, &p, [&p](Process::ProcessError e) {
            if (e == Process::WriteError) {
                p.kill();
            }
        });
        p.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(rec.errorKinds,
                 (std::vector<Process::ProcessError>{Process::WriteError, Process::Crashed}));
        QVERIFY(rec.results.front().stdin_broken);
        QVERIFY(rec.log.indexOf(QStringLiteral("error:WriteError")) <
                rec.log.indexOf(QStringLiteral("finished")));
    }

    void restartAfterFinished() {
        Process p(sh("echo run"));
        Recorder rec(&p);
        int runs = 0;
        connect(&p, &Process::finished, &p, [&] {
            if (++runs < 3) {
                p.start(); // from the finished slot
            }
        });
        p.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 3, bound_ms);
        QCOMPARE(rec.out.size(), 3);
        QCOMPARE(rec.count(QStringLiteral("started")), 3);
        QTest::qWait(100);
        QCOMPARE(rec.finishedCount(), 3);
    }

    void startWhileRunningIsIgnored() {
        Process p(sh("sleep 0.2"));
        Recorder rec(&p);
        p.start();
        QTest::ignoreMessage(QtWarningMsg,
                             "processkit::qt::Process::start: a run is already in progress");
        p.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(rec.count(QStringLiteral("state:Starting")), 1);
    }

    void sharedGroup() {
        pk::ProcessGroup group(pktest::test_group_options());
        Process p(sh("echo in; exec sleep 30"));
        p.setGroup(&group);
        Recorder rec(&p);
        connect(&p, &Process::lineReady, &p, [&p] { p.kill(); });
        p.start();
        QCOMPARE(p.mechanism(), QString::fromLatin1(to_string(group.mechanism()).data()));
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(rec.results.front().outcome, pk::Outcome::signalled(9));
    }

    void notifiersAndTimerAreReleased() {
        Process p(sh("echo x; sleep 0.1").timeout(10s));
        p.setStatsInterval(20ms);
        Recorder rec(&p);
        p.start();
        QVERIFY(!p.findChildren<QSocketNotifier*>().isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QTRY_VERIFY_WITH_TIMEOUT(p.findChildren<QSocketNotifier*>().isEmpty(), bound_ms);
        const auto timers = p.findChildren<QTimer*>();
        QCOMPARE(timers.size(), 1);
        QVERIFY(!timers.front()->isActive());
    }

    void queuedConnectionsAcrossThreads() {
        QThread worker;
        worker.start();
        auto* p = new Process(sh("for i in 1 2 3 4 5; do echo $i; echo e$i >&2; done"));
        p->setStatsInterval(10ms);
        p->moveToThread(&worker);
        QObject context; // in this thread: every slot below runs here
        Recorder rec(p, &context);
        QMetaObject::invokeMethod(p, &Process::start, Qt::QueuedConnection);
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(rec.threads, std::set<QThread*>{QThread::currentThread()});
        QCOMPARE(rec.out,
                 (QStringList{QStringLiteral("1"), QStringLiteral("2"), QStringLiteral("3"),
                              QStringLiteral("4"), QStringLiteral("5")}));
        QCOMPARE(rec.err.size(), 5);
        QCOMPARE(rec.milestones(),
                 (QStringList{QStringLiteral("state:Starting"), QStringLiteral("state:Running"),
                              QStringLiteral("started"), QStringLiteral("state:Finished"),
                              QStringLiteral("finished")}));
        QCOMPARE(rec.results.front().outcome, pk::Outcome::exited(0));
        QVERIFY(!rec.stats.empty());

        // A second one destroyed mid-run in the worker thread: its child is
        // reaped there, and at the latest when the thread finishes.
        auto* q = new Process(sh("echo up; exec sleep 30"));
        q->moveToThread(&worker);
        Recorder rec2(q, &context);
        QMetaObject::invokeMethod(q, &Process::start, Qt::QueuedConnection);
        QTRY_COMPARE_WITH_TIMEOUT(rec2.out.size(), 1, bound_ms);
        QMetaObject::invokeMethod(
            q, [q] { delete q; }, Qt::BlockingQueuedConnection);
        QTRY_COMPARE_WITH_TIMEOUT(rec2.finishedCount(), 1, bound_ms);
        QCOMPARE(rec2.results.front().outcome, pk::Outcome::cancelled());

        p->deleteLater();
        worker.quit();
        QVERIFY(worker.wait(bound_ms));
    }
};

int runProcessTests(int argc, char** argv) {
    ProcessTest t;
    return QTest::qExec(&t, argc, argv);
}

} // namespace pkqt

#include "process_test.moc"
