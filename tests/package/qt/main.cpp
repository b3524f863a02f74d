// A consumer of processkit::qt: runs `sh -c 'echo hello'` with a
// processkit::qt::Process and prints "qt: hello" and the mechanism.
#include <QtCore/QCoreApplication>
#include <cstdio>
#include <processkit/qt/qt.hpp>

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    using processkit::qt::Process;
    Process p(processkit::Command("sh").args({"-c", "echo hello"}));
    QObject::connect(&p, &Process::lineReady, &app, [](Process::Channel, const QString& line) {
        std::printf("qt: %s\n", line.toUtf8().constData());
    });
    QObject::connect(&p, &Process::finished, &app, [&p](const processkit::ProcessResult& r) {
        std::printf("mechanism: %s\n", p.mechanism().toUtf8().constData());
        QCoreApplication::exit(r.success() ? 0 : 1);
    });
    p.start();
    return QCoreApplication::exec();
}
