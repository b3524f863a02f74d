// A task queue on the Qt event loop with processkit::qt::Process: tasks run
// one after another, their lines and resource figures arrive as signals, and
// a task that fails or overruns its time limit is reported with the reason.
// Walked through in docs/getting-started/qt.md.
#include <QtCore/QCoreApplication>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QTextStream>
#include <QtCore/QTimer>
#include <chrono>
#include <cstdio>
#include <deque>
#include <processkit/qt/qt.hpp>

using processkit::qt::Process;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);

    // processkit::qt::command() builds a Command from Qt strings; the
    // program gets its arguments as they are, never through a shell.
    std::deque<processkit::Command> tasks = {
        processkit::qt::command(QStringLiteral("sh"),
                                {QStringLiteral("-c"),
                                 QStringLiteral("echo fetching; sleep 0.3; echo fetched 3 files")}),
        processkit::qt::command(
            QStringLiteral("sh"),
            {QStringLiteral("-c"), QStringLiteral("echo 'bad header in b.csv' >&2; exit 1")}),
        processkit::qt::command(QStringLiteral("sleep"), {QStringLiteral("600")})
            .timeout(500ms)
            .grace(100ms),
        processkit::qt::command(QStringLiteral("no-such-indexer")),
    };
    int failures = 0;

    // One Process, reused: start() may be called again once it is Finished.
    Process process;
    process.setStatsInterval(200ms); // statsSampled() every 200 ms of a run

    auto start_next = [&] {
        if (tasks.empty()) {
            out << failures << " task(s) failed" << Qt::endl;
            QCoreApplication::exit(failures == 0 ? 0 : 1);
            return;
        }
        process.setCommand(tasks.front());
        tasks.pop_front();
        out << "[start] " << QString::fromStdString(process.command()->command_line()) << Qt::endl;
        process.start(); // never throws: a failure to start comes as signals
    };

    QObject::connect(&process, &Process::started, &app, [&] {
        out << "[running] pid " << process.pid() << " in " << process.mechanism() << Qt::endl;
    });
    QObject::connect(
        &process, &Process::lineReady, &app, [&](Process::Channel channel, const QString& line) {
            out << (channel == Process::StandardOutput ? "[out] " : "[err] ") << line << Qt::endl;
        });
    QObject::connect(
        &process, &Process::statsSampled, &app, [&](const processkit::ProcessGroupStats& stats) {
            out << "[stats] " << stats.active_process_count << " process(es)" << Qt::endl;
        });
    QObject::connect(&process, &Process::errorOccurred, &app,
                     [&] { out << "[error] " << process.errorString() << Qt::endl; });
    // Exactly once per start(), also after a failed start; a slot may start
    // the next run.
    QObject::connect(
        &process, &Process::finished, &app, [&](const processkit::ProcessResult& result) {
            out << "[finished] " << QString::fromStdString(result.outcome.to_string()) << Qt::endl;
            if (!result.success()) {
                ++failures;
            }
            start_next();
        });

    QTimer::singleShot(0, &app, start_next); // once the event loop runs
    return QCoreApplication::exec();
}
