#pragma once
// The task monitor's self-test (its ctest, under QT_QPA_PLATFORM=offscreen):
// run one command in the window as a user would, wait for its outcome, save
// a screenshot taken with QWidget::grab() and check what the window shows.

#include <QtCore/QString>
#include <QtCore/QStringList>
#include <chrono>
#include <optional>

namespace task_monitor {

class MainWindow;

struct SelfTestOptions {
    QString command;           ///< a command line, as typed into the window
    QString screenshotPath;    ///< where the PNG goes
    QStringList expectedLines; ///< lines the output view must hold
    /// Waiting longer fails the test instead of hanging it.
    std::chrono::seconds timeout{60};
    /// Click Stop this long after the run began; the run must then end
    /// stopped, its direct child killed by `expectedSignal`: SIGTERM when the
    /// tree obeys it before the grace is over, SIGKILL (no sooner than the
    /// grace) when the tree ignores it.
    std::optional<std::chrono::milliseconds> stopAfter;
    int expectedSignal = 15;
};

/// Runs the event loop until the run is over and checked (or the timeout
/// passed). Prints what it saw and each failed check; returns 0 when every
/// check passed, 1 otherwise. The checks: the command succeeded (or, with
/// `stopAfter`, was stopped as described there), the view
/// holds every expected line, the chart got stats samples, the screenshot
/// was saved, is not blank, and shows each sampled series in its colour
/// inside the chart's plot area.
int runSelfTest(MainWindow& window, const SelfTestOptions& options);

} // namespace task_monitor
