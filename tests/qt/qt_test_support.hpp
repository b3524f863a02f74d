#pragma once
// Shared helpers of the Qt adapter tests (QtTest): a marker for every process
// a test starts, a leak check run from the event loop (no process with the
// marker, no new descriptor, no cgroup directory of ours — waiting with
// QTRY_*, which keeps the event loop turning so that abandoned children get
// reaped), and a recorder that logs every signal of a Process in order.
//
// Nothing here asserts a duration: waits are bounded only so that a broken
// library fails a test instead of hanging the suite.

#include "processkit/os/cgroup.hpp"
#include "processkit/os/owner_guard.hpp"
#include "processkit/qt/qt.hpp"
#include "test_support.hpp"

#include <QtCore/QObject>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QThread>
#include <QtTest/QtTest>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pkqt {

namespace pk = processkit;
using Process = processkit::qt::Process;

/// Generous bound (ms) for anything that should take well under a second.
inline constexpr int bound_ms = 20000;

/// Snapshot of what a test may not leave behind.
struct Snapshot {
    std::set<int> fds;
    std::vector<std::string> cgroups;

    static Snapshot take() {
        (void)pk::os::OwnerGuard::instance(); // its socket is opened once, not a leak
        Snapshot s;
        s.fds = pktest::open_fds();
        if (auto own = pk::os::own_cgroup_dir()) {
            s.cgroups = pktest::processkit_cgroups(*own);
        }
        return s;
    }
    std::vector<std::string> cgroups_now() const {
        pk::ProcessGroup::release_cached_groups();
        if (auto own = pk::os::own_cgroup_dir()) {
            return pktest::processkit_cgroups(*own);
        }
        return {};
    }
};

inline QString fds_text(const std::set<int>& fds) {
    QStringList l;
    for (int fd : fds) {
        l << QString::number(fd);
    }
    return l.join(QLatin1Char(' '));
}

/// Waits (turning the event loop) until nothing with `marker` is alive and
/// descriptors and cgroup directories are back to `before`. Use as a
/// statement in a test function (it returns from it on failure).
#define PKQT_CHECK_NO_LEAKS(marker, before)                                                        \
    do {                                                                                           \
        QTRY_VERIFY2_WITH_TIMEOUT(pktest::processes_with_marker(marker).empty(),                   \
                                  "processes left behind", pkqt::bound_ms);                        \
        pk::ProcessGroup::release_cached_groups();                                                 \
        QTRY_VERIFY2_WITH_TIMEOUT(                                                                 \
            pktest::open_fds() == (before).fds,                                                    \
            qPrintable(QStringLiteral("descriptors now: ") + pkqt::fds_text(pktest::open_fds()) +  \
                       QStringLiteral(" before: ") + pkqt::fds_text((before).fds)),                \
            pkqt::bound_ms);                                                                       \
        QTRY_VERIFY2_WITH_TIMEOUT((before).cgroups_now() == (before).cgroups,                      \
                                  "cgroup directory left behind", pkqt::bound_ms);                 \
    } while (false)

/// Records every signal of a Process, in order, as short strings:
/// "state:Starting", "started", "out:text", "err:text", "stats",
/// "error:Crashed", "finished". Connected with `context` (default: the
/// recorder itself), so signals from another thread are queued to it.
class Recorder : public QObject {
public:
    explicit Recorder(Process* p, QObject* context = nullptr) {
        QObject* ctx = context ? context : this;
        const QMetaEnum states = QMetaEnum::fromType<Process::State>();
        const QMetaEnum errors = QMetaEnum::fromType<Process::ProcessError>();
        connect(p, &Process::stateChanged, ctx, [this, states](Process::State s) {
            log << QStringLiteral("state:") + QLatin1String(states.valueToKey(s));
            threads.insert(QThread::currentThread());
        });
        connect(p, &Process::started, ctx, [this] { log << QStringLiteral("started"); });
        connect(p, &Process::lineReady, ctx, [this](Process::Channel c, const QString& line) {
            log << (c == Process::StandardOutput ? QStringLiteral("out:")
                                                 : QStringLiteral("err:")) +
                       line;
            (c == Process::StandardOutput ? out : err) << line;
            threads.insert(QThread::currentThread());
        });
        connect(p, &Process::statsSampled, ctx, [this](const pk::ProcessGroupStats& s) {
            log << QStringLiteral("stats");
            stats.push_back(s);
        });
        connect(p, &Process::errorOccurred, ctx, [this, errors](Process::ProcessError e) {
            log << QStringLiteral("error:") + QLatin1String(errors.valueToKey(e));
            errorKinds.push_back(e);
        });
        connect(p, &Process::finished, ctx, [this](const pk::ProcessResult& r) {
            log << QStringLiteral("finished");
            results.push_back(r);
            threads.insert(QThread::currentThread());
        });
    }

    int finishedCount() const { return static_cast<int>(results.size()); }
    int count(const QString& entry) const { return static_cast<int>(log.count(entry)); }
    /// The log without line and stats entries.
    QStringList milestones() const {
        QStringList m;
        for (const QString& e : log) {
            if (!e.startsWith(QLatin1String("out:")) && !e.startsWith(QLatin1String("err:")) &&
                e != QLatin1String("stats")) {
                m << e;
            }
        }
        return m;
    }

    QStringList log;
    QStringList out;
    QStringList err;
    std::vector<pk::ProcessGroupStats> stats;
    std::vector<Process::ProcessError> errorKinds;
    std::vector<pk::ProcessResult> results;
    std::set<QThread*> threads;
};

} // namespace pkqt
