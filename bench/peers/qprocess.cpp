// peer-qprocess JOB N — pk-bench's jobs done through Qt 6's QProcess, for
// bench/compare. Benchmark-only: built only where Qt6 Core is found.
//
//   spawn N      N x QProcess::start(/bin/true) + waitForFinished(),
//                channels forwarded (the parent's stdio, as the others)
//   capture B    `head -c B /dev/zero`, waitForFinished(), then
//                readAllStandardOutput()
//   lines N      N lines of 100 bytes (`sh -c 'yes | head'`), read with
//                readLine() from readyReadStandardOutput in the event loop
//   fanout N     N concurrent `/bin/sleep 0.2` started, their finished()
//                signals awaited in one QCoreApplication event loop
//   idle N       N `/bin/sleep 3600` started with their stdout and stderr
//                read (QProcess's default) and held: this process's heap and
//                resident memory per child (as pk-bench idle)
//
// Each job checks its own result (exit statuses, bytes, lines); the output
// line and exit codes are those of peer_main.hpp.
#include "../raw_jobs.hpp"
#include "peer_main.hpp"

#include <QCoreApplication>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <memory>
#include <vector>

namespace {

using processkit::bench::Outcome;

bool exited_zero(const QProcess& p) {
    return p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

Outcome spawn(long n) {
    Outcome o;
    for (long i = 0; i < n; ++i) {
        QProcess p;
        p.setProcessChannelMode(QProcess::ForwardedChannels);
        p.setInputChannelMode(QProcess::ForwardedInputChannel);
        p.start(QStringLiteral("/bin/true"), {});
        o.ok = p.waitForFinished(-1) && exited_zero(p) && o.ok;
    }
    return o;
}

Outcome capture(long bytes) {
    Outcome o;
    QProcess p;
    p.setProcessChannelMode(QProcess::SeparateChannels);
    p.start(QStringLiteral("/usr/bin/head"),
            {QStringLiteral("-c"), QString::number(bytes), QStringLiteral("/dev/zero")});
    const bool finished = p.waitForFinished(-1);
    const QByteArray data = p.readAllStandardOutput();
    o.ok = finished && exited_zero(p) && data.size() == bytes;
    return o;
}

Outcome lines(long n) {
    Outcome o;
    QProcess p;
    long seen = 0;
    bool bad_line = false;
    auto take_lines = [&] {
        while (p.canReadLine()) {
            const QByteArray line = p.readLine();
            bad_line = bad_line || line.size() != 100; // 99 characters + '\n'
            ++seen;
        }
    };
    QObject::connect(&p, &QProcess::readyReadStandardOutput, take_lines);
    QObject::connect(&p, &QProcess::finished, [&] {
        take_lines();
        QCoreApplication::quit();
    });
    QObject::connect(&p, &QProcess::errorOccurred, [](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart) {
            QCoreApplication::quit(); // no finished() will come
        }
    });
    p.start(QStringLiteral("/bin/sh"),
            {QStringLiteral("-c"), QString::fromStdString(processkit::bench::line_stream(n))});
    QCoreApplication::exec();
    o.ok = exited_zero(p) && !bad_line && seen == n && p.bytesAvailable() == 0;
    return o;
}

Outcome fanout(long n) {
    Outcome o;
    std::vector<std::unique_ptr<QProcess>> children;
    long completed = 0;
    long succeeded = 0;
    for (long i = 0; i < n; ++i) {
        auto& p = children.emplace_back(std::make_unique<QProcess>());
        p->setProcessChannelMode(QProcess::ForwardedChannels);
        p->setInputChannelMode(QProcess::ForwardedInputChannel);
        QProcess* raw = p.get();
        QObject::connect(raw, &QProcess::finished, [&, raw] {
            ++completed;
            succeeded += exited_zero(*raw) ? 1 : 0;
            if (completed == n) {
                QCoreApplication::quit();
            }
        });
        QObject::connect(raw, &QProcess::errorOccurred, [&](QProcess::ProcessError e) {
            if (e == QProcess::FailedToStart && ++completed == n) {
                QCoreApplication::quit(); // no finished() will come for this one
            }
        });
        p->start(QStringLiteral("/bin/sleep"), {QStringLiteral("0.2")});
    }
    if (completed < n) {
        QCoreApplication::exec();
    }
    o.ok = completed == n && succeeded == n;
    return o;
}

Outcome idle(long n) {
    using namespace processkit::bench;
    Outcome o;
    allow_descriptors(n);
    std::vector<std::unique_ptr<QProcess>> held;
    held.reserve(static_cast<std::size_t>(n)); // the caller's vector, as in pk-bench idle
    const MemoryUse before = memory_use();
    for (long i = 0; i < n; ++i) {
        auto& p = held.emplace_back(std::make_unique<QProcess>());
        p->start(QStringLiteral("/bin/sleep"), {QStringLiteral("3600")});
        o.ok = p->waitForStarted(-1) && o.ok;
    }
    o.note = idle_note(before, memory_use(), n);
    for (auto& p : held) {
        p->kill();
        o.ok = p->waitForFinished(-1) && p->exitStatus() == QProcess::CrashExit && o.ok;
    }
    return o;
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    return processkit::bench::run_peer("peer-qprocess", argc, argv,
                                       {
                                           {"spawn", spawn},
                                           {"capture", capture},
                                           {"lines", lines},
                                           {"fanout", fanout},
                                           {"idle", idle},
                                       });
}
