// processkit::qt::Process with real processes: readiness waits
// (watchReadiness → ready / notReady) and retries (setRetryPolicy →
// retrying, one finished per start()).
#include "qt_test_support.hpp"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>
#include <chrono>
#include <fstream>
#include <string>

using namespace std::chrono_literals;

namespace pkqt {

namespace {

/// Logs ready / notReady / retrying into a Recorder's log, in order.
void recordMore(Process* p, Recorder& rec, std::vector<pk::Error>& errors) {
    QObject::connect(p, &Process::ready, &rec, [&rec] { rec.log << QStringLiteral("ready"); });
    QObject::connect(p, &Process::notReady, &rec, [&rec, &errors](const pk::Error& e) {
        rec.log << QStringLiteral("notReady");
        errors.push_back(e);
    });
    QObject::connect(p, &Process::retrying, &rec,
                     [&rec, &errors](int attempt, const pk::Error& e, qint64) {
                         rec.log << QStringLiteral("retrying:%1").arg(attempt);
                         errors.push_back(e);
                     });
}

/// The number in a counter file (0 if there is none).
int counter(const QString& path) {
    std::ifstream in(path.toStdString());
    int n = 0;
    in >> n;
    return n;
}

pk::RetryPolicy fastRetries(std::uint32_t attempts) {
    pk::RetryPolicy policy;
    policy.max_attempts = attempts;
    policy.backoff = pk::Backoff{10ms, 2.0, 100ms, 0.0};
    policy.jitter_seed = 1;
    return policy;
}

} // namespace

class ReadinessRetryTest : public QObject {
    Q_OBJECT

    std::string marker;
    Snapshot before;
    QTemporaryDir dir;

    pk::Command sh(const std::string& script) {
        pk::Command c("sh");
        c.arg("-c").arg(script);
        return pktest::mark(c, marker);
    }
    /// A script that counts its attempts in a file and exits 0 from attempt
    /// `succeed_at` on (never if 0).
    pk::Command counting(const QString& file, int succeed_at) {
        const std::string f = file.toStdString();
        return sh("n=$(cat '" + f + "' 2>/dev/null || echo 0); n=$((n + 1)); echo $n > '" + f +
                  "'; echo attempt $n; [ " + std::to_string(succeed_at) + " -gt 0 ] && [ $n -ge " +
                  std::to_string(succeed_at) + " ]");
    }

private Q_SLOTS:
    void init() {
        marker = pktest::unique_marker();
        before = Snapshot::take();
    }
    void cleanup() { PKQT_CHECK_NO_LEAKS(marker, before); }

    // --- readiness ---------------------------------------------------------------

    void readyViaALineProbe() {
        Process p(sh("echo starting; echo READY now; echo after; exec sleep 30"));
        Recorder rec(&p);
        std::vector<pk::Error> errors;
        recordMore(&p, rec, errors);
        p.start();
        p.watchReadiness(pk::Readiness::line_containing("READY"), 20s);
        QVERIFY(p.isWatchingReadiness());
        QVERIFY(!rec.log.contains(QStringLiteral("ready"))); // never inside the call
        QTRY_VERIFY_WITH_TIMEOUT(rec.log.contains(QStringLiteral("ready")), bound_ms);
        QVERIFY(!p.isWatchingReadiness());
        // Not consumed: every line is still delivered, ready() right after its line.
        QTRY_COMPARE_WITH_TIMEOUT(rec.out.size(), 3, bound_ms);
        QCOMPARE(rec.out, (QStringList{QStringLiteral("starting"), QStringLiteral("READY now"),
                                       QStringLiteral("after")}));
        QCOMPARE(rec.log.indexOf(QStringLiteral("ready")),
                 rec.log.indexOf(QStringLiteral("out:READY now")) + 1);
        // A passed probe leaves the child alone.
        QCOMPARE(p.state(), Process::Running);
        QVERIFY(errors.empty());
        p.kill();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(rec.count(QStringLiteral("ready")), 1);
        QCOMPARE(rec.count(QStringLiteral("notReady")), 0);
    }

    void readyViaACustomCheck() {
        const QString flag = dir.filePath(QStringLiteral("flag"));
        Process p(sh("sleep 0.1; touch '" + flag.toStdString() + "'; exec sleep 30"));
        Recorder rec(&p);
        std::vector<pk::Error> errors;
        recordMore(&p, rec, errors);
        p.start();
        p.watchReadiness(
            pk::Readiness::check([flag] { return QFile::exists(flag); }, "the flag file")
                .poll_every(10ms),
            20s);
        QTRY_VERIFY_WITH_TIMEOUT(rec.log.contains(QStringLiteral("ready")), bound_ms);
        QCOMPARE(p.state(), Process::Running);
        p.kill();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
    }

    void readyViaAPortProbeWatchedFromALineSlot() {
        // The child binds a port, says which, and listens a little later.
        Process p(sh("exec python3 -c 'import socket, time\n"
                     "s = socket.socket()\n"
                     "s.bind((\"127.0.0.1\", 0))\n"
                     "print(s.getsockname()[1], flush=True)\n"
                     "time.sleep(0.1)\n"
                     "s.listen()\n"
                     "time.sleep(30)'"));
        Recorder rec(&p);
        std::vector<pk::Error> errors;
        recordMore(&p, rec, errors);
        connect(&p, &Process::lineReady, &p, [&p](Process::Channel, const QString& line) {
            const auto port = static_cast<std::uint16_t>(line.toUInt());
            p.watchReadiness(pk::Readiness::port(port).poll_every(10ms), 20s);
        });
        p.start();
        QTRY_VERIFY_WITH_TIMEOUT(rec.log.contains(QStringLiteral("ready")), bound_ms);
        QVERIFY(errors.empty());
        QCOMPARE(p.state(), Process::Running);
        p.kill();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
    }

    void notReadyAtTheDeadline() {
        Process p(sh("echo hello; exec sleep 30"));
        Recorder rec(&p);
        std::vector<pk::Error> errors;
        recordMore(&p, rec, errors);
        p.start();
        p.watchReadiness(pk::Readiness::line_containing("NEVER"), 200ms);
        QTRY_VERIFY_WITH_TIMEOUT(rec.log.contains(QStringLiteral("notReady")), bound_ms);
        QCOMPARE(errors.size(), std::size_t(1));
        QCOMPARE(errors.front().kind(), pk::ErrorKind::NotReady);
        QVERIFY2(errors.front().message().find("no stdout line containing \"NEVER\"") !=
                     std::string::npos,
                 errors.front().what());
        // A failed probe never kills the child.
        QCOMPARE(p.state(), Process::Running);
        QCOMPARE(rec.finishedCount(), 0);
        p.kill();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(rec.count(QStringLiteral("notReady")), 1);
    }

    void notReadyWhenTheChildExitsFirst() {
        Process p(sh("echo nope; echo broken >&2; exit 3"));
        Recorder rec(&p);
        std::vector<pk::Error> errors;
        recordMore(&p, rec, errors);
        p.start();
        p.watchReadiness(pk::Readiness::line_containing("READY"), 20s);
        QCOMPARE(rec.count(QStringLiteral("notReady")), 0); // never inside the call
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(errors.size(), std::size_t(1));
        const pk::Error& e = errors.front();
        QCOMPARE(e.kind(), pk::ErrorKind::NotReady);
        QCOMPARE(e.exit_code(), std::optional<int>(3));
        QVERIFY2(e.message().find("exited with code 3 before a stdout line") != std::string::npos,
                 e.what());
        QVERIFY2(e.message().find("broken") != std::string::npos, e.what()); // stderr tail
        // notReady before the end, the lines delivered all the same.
        QVERIFY(rec.log.indexOf(QStringLiteral("notReady")) <
                rec.log.indexOf(QStringLiteral("finished")));
        QCOMPARE(rec.out, QStringList{QStringLiteral("nope")});
    }

    void notReadyWhenACheckedChildExitsFirst() {
        Process p(sh("exit 0"));
        Recorder rec(&p);
        std::vector<pk::Error> errors;
        recordMore(&p, rec, errors);
        p.start();
        p.watchReadiness(pk::Readiness::check([] { return false; }), 20s);
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(rec.count(QStringLiteral("notReady")), 1);
        QVERIFY(errors.front().message().find("before the custom check passed") !=
                std::string::npos);
    }

    void refusedWithoutARun() {
        Process p(sh("true"));
        std::vector<pk::Error> errors;
        connect(&p, &Process::notReady, &p, [&errors](const pk::Error& e) { errors.push_back(e); });
        p.watchReadiness(pk::Readiness::line_containing("x"), 1s);
        QVERIFY(errors.empty()); // from the event loop
        QTRY_COMPARE_WITH_TIMEOUT(errors.size(), std::size_t(1), bound_ms);
        QCOMPARE(errors.front().kind(), pk::ErrorKind::InvalidArgument);
    }

    void lineProbeNeedsCapturedStdout() {
        Process p(sh("exec sleep 30").stdout_mode(pk::StdioMode::Discard));
        std::vector<pk::Error> errors;
        connect(&p, &Process::notReady, &p, [&errors](const pk::Error& e) { errors.push_back(e); });
        QSignalSpy finished(&p, &Process::finished);
        p.start();
        p.watchReadiness(pk::Readiness::line_containing("x"), 1s);
        QTRY_COMPARE_WITH_TIMEOUT(errors.size(), std::size_t(1), bound_ms);
        QCOMPARE(errors.front().kind(), pk::ErrorKind::InvalidArgument);
        QCOMPARE(p.state(), Process::Running);
        p.kill();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, bound_ms);
    }

    // --- retries -----------------------------------------------------------------

    void retrySucceedsAfterFailures() {
        const QString file = dir.filePath(QStringLiteral("succeeds"));
        Process p(counting(file, 3));
        p.setRetryPolicy(fastRetries(5));
        Recorder rec(&p);
        std::vector<pk::Error> errors;
        recordMore(&p, rec, errors);
        p.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(counter(file), 3);
        QCOMPARE(p.attempt(), 3);
        QCOMPARE(rec.results.front().outcome, pk::Outcome::exited(0));
        QCOMPARE(rec.out, (QStringList{QStringLiteral("attempt 1"), QStringLiteral("attempt 2"),
                                       QStringLiteral("attempt 3")}));
        QCOMPARE(rec.milestones(),
                 (QStringList{QStringLiteral("state:Starting"), QStringLiteral("state:Running"),
                              QStringLiteral("started"), QStringLiteral("retrying:1"),
                              QStringLiteral("state:Starting"), QStringLiteral("state:Running"),
                              QStringLiteral("started"), QStringLiteral("retrying:2"),
                              QStringLiteral("state:Starting"), QStringLiteral("state:Running"),
                              QStringLiteral("started"), QStringLiteral("state:Finished"),
                              QStringLiteral("finished")}));
        QCOMPARE(errors.size(), std::size_t(2));
        QCOMPARE(errors.front().kind(), pk::ErrorKind::NonZeroExit);
        QTest::qWait(100);
        QCOMPARE(rec.finishedCount(), 1);
    }

    void retryGivesUp() {
        const QString file = dir.filePath(QStringLiteral("gives-up"));
        Process p(counting(file, 0));
        p.setRetryPolicy(fastRetries(3));
        Recorder rec(&p);
        std::vector<pk::Error> errors;
        recordMore(&p, rec, errors);
        QSignalSpy retrying(&p, &Process::retrying);
        p.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(counter(file), 3);
        QCOMPARE(retrying.count(), 2);
        QCOMPARE(retrying.at(0).at(0).toInt(), 1);
        QCOMPARE(retrying.at(1).at(0).toInt(), 2);
        QCOMPARE(retrying.at(0).at(2).toLongLong(), qint64(10)); // the core's delays
        QCOMPARE(retrying.at(1).at(2).toLongLong(), qint64(20));
        // The final attempt's result.
        QCOMPARE(rec.results.front().outcome, pk::Outcome::exited(1));
        QCOMPARE(rec.results.front().stdout_text(), std::string("attempt 3\n"));
        QCOMPARE(p.attempt(), 3);
    }

    void nonRetryableIsNotRetried() {
        Process p(pktest::mark(pk::Command("/nonexistent/processkit-no-such-program"), marker));
        p.setRetryPolicy(fastRetries(5));
        Recorder rec(&p);
        QSignalSpy retrying(&p, &Process::retrying);
        p.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(retrying.count(), 0);
        QCOMPARE(rec.errorKinds, std::vector<Process::ProcessError>{Process::FailedToStart});
        QCOMPARE(p.lastError()->kind(), pk::ErrorKind::NotFound);

        // A classifier that says no: one attempt.
        const QString file = dir.filePath(QStringLiteral("classified"));
        Process q(counting(file, 0));
        auto policy = fastRetries(5);
        policy.retryable = [](const pk::Error&) { return false; };
        q.setRetryPolicy(policy);
        QSignalSpy finished(&q, &Process::finished);
        QSignalSpy retrying2(&q, &Process::retrying);
        q.start();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, bound_ms);
        QCOMPARE(retrying2.count(), 0);
        QCOMPARE(counter(file), 1);
    }

    void killDuringTheBackoffEndsTheRun() {
        const QString file = dir.filePath(QStringLiteral("killed-in-backoff"));
        Process p(counting(file, 0));
        auto policy = fastRetries(5);
        policy.backoff = pk::Backoff{30s, 2.0, 60s, 0.0}; // ended by kill(), never waited
        p.setRetryPolicy(policy);
        Recorder rec(&p);
        connect(&p, &Process::retrying, &p, [&p] { p.kill(); });
        p.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(counter(file), 1);
        const pk::ProcessResult& r = rec.results.front();
        QCOMPARE(r.outcome, pk::Outcome::cancelled());
        QVERIFY(r.cancelled);
        QVERIFY(r.error.has_value());
        QCOMPARE(r.error->kind(), pk::ErrorKind::Cancelled);
        QCOMPARE(r.status, std::optional<pk::ExitStatus>(pk::ExitStatus::exited(1)));
        QCOMPARE(p.state(), Process::Finished);
        QCOMPARE(rec.milestones(),
                 (QStringList{QStringLiteral("state:Starting"), QStringLiteral("state:Running"),
                              QStringLiteral("started"), QStringLiteral("error:UnknownError"),
                              QStringLiteral("state:Finished"), QStringLiteral("finished")}));
        QTest::qWait(100);
        QCOMPARE(rec.finishedCount(), 1);
    }

    void killDuringAnAttemptIsNotRetried() {
        Process p(sh("echo up; exec sleep 30"));
        p.setRetryPolicy(fastRetries(5));
        Recorder rec(&p);
        QSignalSpy retrying(&p, &Process::retrying);
        connect(&p, &Process::lineReady, &p, [&p] { p.kill(); });
        p.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(retrying.count(), 0);
        QCOMPARE(rec.results.front().outcome, pk::Outcome::signalled(9));
        QCOMPARE(p.attempt(), 1);
    }

    void destroyedDuringTheBackoff() {
        const QString file = dir.filePath(QStringLiteral("destroyed-in-backoff"));
        auto* p = new Process(counting(file, 0));
        auto policy = fastRetries(5);
        policy.backoff = pk::Backoff{30s, 2.0, 60s, 0.0};
        p->setRetryPolicy(policy);
        std::vector<pk::ProcessResult> results;
        connect(p, &Process::finished, this,
                [&results](const pk::ProcessResult& r) { results.push_back(r); });
        QSignalSpy retrying(p, &Process::retrying);
        p->start();
        QTRY_COMPARE_WITH_TIMEOUT(retrying.count(), 1, bound_ms);
        delete p;
        QCOMPARE(results.size(), std::size_t(1));
        QCOMPARE(results.front().outcome, pk::Outcome::cancelled());
        QCOMPARE(counter(file), 1);
    }

    void invalidRetryPolicyThrows() {
        Process p(sh("true"));
        pk::RetryPolicy policy;
        policy.max_attempts = 0;
        try {
            p.setRetryPolicy(policy);
            QFAIL("no exception");
        } catch (const pk::Error& e) {
            QCOMPARE(e.kind(), pk::ErrorKind::InvalidArgument);
            QCOMPARE(e.program(), std::string("sh"));
        }
        QVERIFY(!p.retryPolicy().has_value());
    }

    void readinessOnARetriedAttempt() {
        // A wait belongs to the attempt it was started on: that attempt's
        // failure ends it (notReady), and the retry goes on.
        const QString file = dir.filePath(QStringLiteral("ready-retry"));
        Process p(counting(file, 2));
        p.setRetryPolicy(fastRetries(3));
        Recorder rec(&p);
        std::vector<pk::Error> errors;
        recordMore(&p, rec, errors);
        connect(&p, &Process::started, &p, [&p] {
            if (p.attempt() == 1) {
                p.watchReadiness(pk::Readiness::line_containing("never"), 20s);
            }
        });
        p.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.finishedCount(), 1, bound_ms);
        QCOMPARE(rec.results.front().outcome, pk::Outcome::exited(0));
        QCOMPARE(rec.count(QStringLiteral("notReady")), 1);
        QVERIFY(rec.log.indexOf(QStringLiteral("notReady")) <
                rec.log.indexOf(QStringLiteral("retrying:1")));
    }
};

int runReadinessRetryTests(int argc, char** argv) {
    ReadinessRetryTest t;
    return QTest::qExec(&t, argc, argv);
}

} // namespace pkqt

#include "readiness_retry_test.moc"
