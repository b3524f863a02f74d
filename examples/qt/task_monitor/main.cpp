// example_qt_task_monitor: a small Qt Widgets task monitor built on
// processkit::qt::Process (docs/qt.md, "A desktop example").
//
//   example_qt_task_monitor                         an empty window
//   example_qt_task_monitor --command "make -j4"    runs it at once
//   example_qt_task_monitor --self-test --command "..." --screenshot out.png
//       [--expect-line TEXT]... [--timeout SECONDS]
//       [--stop-after MS [--expect-signal N]]
//
// The self-test runs the command, waits for its outcome, saves a screenshot
// and exits with 0 only if the window shows what it should (self_test.hpp).
#include "main_window.hpp"
#include "self_test.hpp"

#include <QtCore/QCommandLineParser>
#include <QtWidgets/QApplication>
#include <chrono>
#include <cstdio>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("processkit task monitor"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Runs a command in a container of its own and charts its CPU and memory."));
    parser.addHelpOption();
    const QCommandLineOption commandOption(
        QStringLiteral("command"), QStringLiteral("Run this command line (by /bin/sh -c) at once."),
        QStringLiteral("line"));
    const QCommandLineOption selfTestOption(
        QStringLiteral("self-test"),
        QStringLiteral("Run --command, save --screenshot, check the window, exit."));
    const QCommandLineOption screenshotOption(QStringLiteral("screenshot"),
                                              QStringLiteral("Self-test: where to save the PNG."),
                                              QStringLiteral("file"));
    const QCommandLineOption expectLineOption(
        QStringLiteral("expect-line"),
        QStringLiteral("Self-test: the output view must hold this line (repeatable)."),
        QStringLiteral("text"));
    const QCommandLineOption timeoutOption(
        QStringLiteral("timeout"), QStringLiteral("Self-test: fail after this many seconds."),
        QStringLiteral("seconds"), QStringLiteral("60"));
    const QCommandLineOption stopAfterOption(
        QStringLiteral("stop-after"),
        QStringLiteral("Self-test: click Stop after this many milliseconds."),
        QStringLiteral("ms"));
    const QCommandLineOption expectSignalOption(
        QStringLiteral("expect-signal"),
        QStringLiteral("Self-test with --stop-after: the signal that must end the child."),
        QStringLiteral("number"), QStringLiteral("15"));
    parser.addOptions({commandOption, selfTestOption, screenshotOption, expectLineOption,
                       timeoutOption, stopAfterOption, expectSignalOption});
    parser.process(app);

    task_monitor::MainWindow window;
    window.resize(800, 500);
    window.show();

    if (parser.isSet(selfTestOption)) {
        task_monitor::SelfTestOptions options;
        options.command = parser.value(commandOption);
        options.screenshotPath = parser.value(screenshotOption);
        options.expectedLines = parser.values(expectLineOption);
        options.timeout = std::chrono::seconds(parser.value(timeoutOption).toLongLong());
        if (parser.isSet(stopAfterOption)) {
            options.stopAfter =
                std::chrono::milliseconds(parser.value(stopAfterOption).toLongLong());
        }
        options.expectedSignal = parser.value(expectSignalOption).toInt();
        if (options.command.isEmpty() || options.screenshotPath.isEmpty() ||
            options.timeout.count() <= 0) {
            std::fputs("--self-test needs --command, --screenshot and a positive --timeout\n",
                       stderr);
            return 2;
        }
        return task_monitor::runSelfTest(window, options);
    }
    if (parser.isSet(commandOption)) {
        window.run(parser.value(commandOption));
    }
    return QApplication::exec();
}
