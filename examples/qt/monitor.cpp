// example_qt_monitor: runs a command with processkit::qt::Process on the Qt
// event loop (Qt Core only) and prints its lines as they come, one line per
// stats sample of the whole tree, and the result:
//
//   $ example_qt_monitor --interval 200 -- sh -c 'echo hi; sleep 1; echo oops >&2'
//   [out] hi
//   [stats] 0 ms: 1 processes, cpu 0 ms, memory 0.9 MiB
//   ...
//   [err] oops
//   [finished] exited with code 0 in 1012 ms (cpu 3 ms, 6 samples)
//
// Exit status: the command's exit code; 128 + N when killed by signal N;
// 124 on --timeout; 127 when it could not start.
#include "processkit/qt/qt.hpp"

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QTextStream>
#include <chrono>
#include <cstdio>

namespace {

using processkit::qt::Process;

QString mib(std::uint64_t bytes) {
    return QString::number(static_cast<double>(bytes) / (1024.0 * 1024.0), 'f', 1) +
           QStringLiteral(" MiB");
}

QString ms(processkit::Duration d) {
    return QString::number(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) +
           QStringLiteral(" ms");
}

int exit_status(const processkit::ProcessResult& r) {
    switch (r.outcome.kind) {
    case processkit::Outcome::Kind::Exited:
        return r.outcome.value;
    case processkit::Outcome::Kind::Signalled:
        return 128 + r.outcome.value;
    case processkit::Outcome::Kind::TimedOut:
        return 124;
    case processkit::Outcome::Kind::Cancelled:
        return 130;
    case processkit::Outcome::Kind::SpawnFailed:
        return 127;
    }
    return 1;
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Runs a command in a container of its own and monitors it."));
    parser.addHelpOption();
    parser.addOption({QStringLiteral("interval"),
                      QStringLiteral("Stats sample interval in milliseconds (0: none)."),
                      QStringLiteral("ms"), QStringLiteral("500")});
    parser.addOption({QStringLiteral("timeout"),
                      QStringLiteral("Terminate the tree after this many milliseconds."),
                      QStringLiteral("ms")});
    parser.addPositionalArgument(QStringLiteral("command"),
                                 QStringLiteral("Program and arguments."),
                                 QStringLiteral("-- program [args...]"));
    parser.process(app);
    const QStringList words = parser.positionalArguments();
    if (words.isEmpty()) {
        parser.showHelp(2);
    }

    processkit::Command command = processkit::qt::command(words.front(), words.mid(1));
    if (parser.isSet(QStringLiteral("timeout"))) {
        command.timeout(
            std::chrono::milliseconds(parser.value(QStringLiteral("timeout")).toLong()));
    }

    QTextStream out(stdout);
    Process process(command);
    process.setStatsInterval(
        std::chrono::milliseconds(parser.value(QStringLiteral("interval")).toLong()));

    QObject::connect(
        &process, &Process::lineReady, &app, [&out](Process::Channel channel, const QString& line) {
            out << (channel == Process::StandardOutput ? "[out] " : "[err] ") << line << Qt::endl;
        });
    QObject::connect(&process, &Process::statsSampled, &app,
                     [&out, &process](const processkit::ProcessGroupStats& s) {
                         out << "[stats] " << process.elapsed() << " ms: " << s.active_process_count
                             << " processes";
                         if (s.total_cpu_time) {
                             out << ", cpu " << ms(*s.total_cpu_time);
                         }
                         if (s.memory_bytes) {
                             out << ", memory " << mib(*s.memory_bytes);
                         }
                         out << Qt::endl;
                     });
    QObject::connect(&process, &Process::errorOccurred, &app,
                     [&out, &process] { out << "[error] " << process.errorString() << Qt::endl; });
    QObject::connect(&process, &Process::finished, &app,
                     [&out](const processkit::ProcessResult& r) {
                         out << "[finished] " << QString::fromStdString(r.outcome.to_string())
                             << " in " << ms(r.duration);
                         if (r.profile.cpu_time) {
                             out << " (cpu " << ms(*r.profile.cpu_time) << ", " << r.profile.samples
                                 << " samples)";
                         }
                         out << Qt::endl;
                         QCoreApplication::exit(exit_status(r));
                     });

    out << "[start] " << QString::fromStdString(command.command_line()) << Qt::endl;
    process.start();
    out << "[running] pid " << process.pid() << " in " << process.mechanism() << Qt::endl;
    return QCoreApplication::exec();
}
