// The code snippets of docs/qt.md, compiled and run: keep the two in step
// (each snippet is between "// [name]" and "// [end]").
// A Qt header first, without QT_NO_KEYWORDS: processkit's headers (the
// adapter's, the core's machines, the shared driver) must compile with Qt's
// `emit`, `signals` and `slots` macros defined.
#include <QtCore/QObject>
// (separate include block: keep the order)
#include "processkit/core/run_machine.hpp"
#include "processkit/driver/run_driver.hpp"
#include "qt_test_support.hpp"

#include <QtCore/QDebug>
#include <QtCore/QThread>
#include <QtTest/QtTest>
#include <chrono>

using namespace std::chrono_literals;

namespace pkqt {
namespace {

QStringList g_log; // what the snippets print, for the checks below

// [basic]
void runMake(QObject* owner) {
    using processkit::qt::Process;
    auto* p =
        new Process(processkit::Command("sh").args({"-c", "echo building; echo warn >&2"}), owner);
    p->setStatsInterval(std::chrono::milliseconds(500));
    QObject::connect(p, &Process::lineReady, owner, [](Process::Channel c, const QString& line) {
        g_log << (c == Process::StandardError ? QStringLiteral("! ") : QString()) + line;
    });
    QObject::connect(p, &Process::statsSampled, owner, [](const processkit::ProcessGroupStats& s) {
        g_log << QStringLiteral("%1 processes").arg(s.active_process_count);
    });
    QObject::connect(p, &Process::errorOccurred, owner, [p](Process::ProcessError) {
        g_log << QStringLiteral("error: ") + p->errorString();
    });
    QObject::connect(p, &Process::finished, owner, [p](const processkit::ProcessResult& r) {
        g_log << QString::fromStdString(r.outcome.to_string());
        p->deleteLater();
    });
    p->start();
}
// [end]

// [interactive]
void askBc(QObject* owner) {
    using processkit::qt::Process;
    auto* bc = new Process(
        processkit::qt::command(QStringLiteral("sh"),
                                {QStringLiteral("-c"), QStringLiteral("read a; echo $((a * 6))")})
            .stdin_interactive(),
        owner);
    QObject::connect(bc, &Process::started, bc, [bc] {
        bc->write("7\n");
        bc->closeWriteChannel();
    });
    QObject::connect(bc, &Process::lineReady, owner,
                     [](Process::Channel, const QString& line) { g_log << line; });
    QObject::connect(bc, &Process::finished, bc, &QObject::deleteLater);
    bc->start();
}
// [end]

// [sampler]
void watchGroup(processkit::ProcessGroup& group, QObject* owner) {
    auto* sampler = new processkit::qt::StatsSampler(group, std::chrono::seconds(1), owner);
    QObject::connect(sampler, &processkit::qt::StatsSampler::statsSampled, owner,
                     [](const processkit::ProcessGroupStats& s) {
                         g_log << QStringLiteral("memory %1").arg(s.memory_bytes.value_or(0));
                     });
    QObject::connect(sampler, &processkit::qt::StatsSampler::seriesEnded, sampler,
                     &QObject::deleteLater);
    sampler->start();
}
// [end]

// [thread]
void runInWorker(QThread* worker, QObject* receiver) {
    using processkit::qt::Process;
    auto* p = new Process(processkit::Command("sh").args({"-c", "echo from a worker"}));
    p->moveToThread(worker); // before start(): its notifiers live in the worker
    QObject::connect(p, &Process::lineReady, receiver,
                     [](Process::Channel, const QString& line) { g_log << line; });
    QObject::connect(p, &Process::finished, receiver, [] { g_log << QStringLiteral("done"); });
    QObject::connect(p, &Process::finished, p, &QObject::deleteLater);
    QMetaObject::invokeMethod(p, &Process::start, Qt::QueuedConnection);
}
// [end]

// [readiness]
void startServer(QObject* owner) {
    using processkit::qt::Process;
    auto* server = new Process(processkit::Command("sh").args(
                                   {"-c", "echo booting; echo listening on 8080; exec sleep 30"}),
                               owner);
    QObject::connect(server, &Process::ready, owner, [server] {
        g_log << QStringLiteral("server is up");
        server->terminate(); // (a real program would use the server here)
    });
    QObject::connect(server, &Process::notReady, owner, [server](const processkit::Error& e) {
        g_log << QStringLiteral("not ready: ") + QString::fromStdString(e.message());
        server->kill(); // a failed probe leaves the child alone: your call
    });
    QObject::connect(server, &Process::finished, server, &QObject::deleteLater);
    server->start();
    server->watchReadiness(processkit::Readiness::line_containing("listening"),
                           std::chrono::seconds(5));
}
// [end]

// [retry]
void fetchWithRetries(QObject* owner) {
    using processkit::qt::Process;
    auto* fetch =
        new Process(processkit::Command("sh").args({"-c", "echo fetching; exit 1"}), owner);
    processkit::RetryPolicy policy;
    policy.max_attempts = 3;
    policy.backoff.base = std::chrono::milliseconds(10);
    fetch->setRetryPolicy(policy);
    QObject::connect(fetch, &Process::retrying, owner,
                     [](int attempt, const processkit::Error& e, qint64 delayMs) {
                         g_log << QStringLiteral("attempt %1: %2; again in %3 ms")
                                      .arg(attempt)
                                      .arg(QString::fromStdString(e.message()))
                                      .arg(delayMs);
                     });
    QObject::connect(fetch, &Process::finished, owner, [fetch](const processkit::ProcessResult& r) {
        g_log << QStringLiteral("after %1 attempts: %2")
                     .arg(fetch->attempt())
                     .arg(QString::fromStdString(r.outcome.to_string()));
        fetch->deleteLater();
    });
    fetch->start();
}
// [end]

// [supervisor]
void superviseWorker(QObject* owner) {
    using processkit::qt::Supervisor;
    processkit::SupervisorPolicy policy;
    policy.restart = processkit::RestartPolicy::OnCrash;
    policy.max_restarts = 2;
    policy.backoff.base = std::chrono::milliseconds(10);
    auto* worker = new Supervisor(processkit::Command("sh").args({"-c", "echo working; exit 1"}),
                                  policy, owner);
    QObject::connect(worker, &Supervisor::incarnationStarted, owner,
                     [](int n) { g_log << QStringLiteral("incarnation %1").arg(n); });
    QObject::connect(
        worker, &Supervisor::finished, owner, [worker](const processkit::SupervisorReport& r) {
            const std::string_view why = processkit::to_string(r.reason);
            g_log << QStringLiteral("%1 restarts, %2")
                         .arg(r.restarts)
                         .arg(QString::fromUtf8(why.data(), static_cast<qsizetype>(why.size())));
            worker->deleteLater();
        });
    worker->start();
}
// [end]

} // namespace

class SnippetTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init() { g_log.clear(); }

    void basic() {
        QObject owner;
        runMake(&owner);
        QTRY_VERIFY_WITH_TIMEOUT(g_log.contains(QStringLiteral("exited with code 0")), bound_ms);
        QVERIFY(g_log.contains(QStringLiteral("building")));
        QVERIFY(g_log.contains(QStringLiteral("! warn")));
        QVERIFY(g_log.filter(QStringLiteral("processes")).size() >= 1);
    }

    void interactive() {
        QObject owner;
        askBc(&owner);
        QTRY_COMPARE_WITH_TIMEOUT(g_log, QStringList{QStringLiteral("42")}, bound_ms);
    }

    void sampler() {
        processkit::ProcessGroup group(pktest::test_group_options());
        QObject owner;
        watchGroup(group, &owner);
        QTRY_COMPARE_WITH_TIMEOUT(g_log.size(), 1, bound_ms);
    }

    void thread() {
        QThread worker;
        worker.start();
        QObject receiver;
        runInWorker(&worker, &receiver);
        QTRY_COMPARE_WITH_TIMEOUT(
            g_log, (QStringList{QStringLiteral("from a worker"), QStringLiteral("done")}),
            bound_ms);
        worker.quit(); // the finished Process is deleted (deleteLater) as the thread ends
        QVERIFY(worker.wait(bound_ms));
    }
    void readiness() {
        QObject owner;
        startServer(&owner);
        QTRY_COMPARE_WITH_TIMEOUT(g_log, QStringList{QStringLiteral("server is up")}, bound_ms);
        QTRY_VERIFY_WITH_TIMEOUT(owner.findChildren<processkit::qt::Process*>().isEmpty(),
                                 bound_ms);
    }

    void retry() {
        QObject owner;
        fetchWithRetries(&owner);
        QTRY_COMPARE_WITH_TIMEOUT(g_log.size(), 3, bound_ms);
        QVERIFY(g_log[0].startsWith(QStringLiteral("attempt 1: ")));
        QVERIFY(g_log[1].startsWith(QStringLiteral("attempt 2: ")));
        QCOMPARE(g_log[2], QStringLiteral("after 3 attempts: exited with code 1"));
    }

    void supervisor() {
        QObject owner;
        superviseWorker(&owner);
        QTRY_COMPARE_WITH_TIMEOUT(
            g_log,
            (QStringList{QStringLiteral("incarnation 1"), QStringLiteral("incarnation 2"),
                         QStringLiteral("incarnation 3"),
                         QStringLiteral("2 restarts, max restarts reached")}),
            bound_ms);
    }
};

int runSnippetTests(int argc, char** argv) {
    SnippetTest t;
    return QTest::qExec(&t, argc, argv);
}

} // namespace pkqt

#include "snippets_test.moc"
