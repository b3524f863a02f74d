#pragma once
// MainWindow: the task monitor's window. A command line (run by /bin/sh -c,
// so quoting, pipes and `;` work as in a terminal), Run and Stop, the
// output as it comes (stderr in red), a live CPU and memory chart, and a
// status bar with the outcome. One processkit::qt::Process does the work:
// every run gets a container of its own, so Stop, closing the window or a
// crash of this program take the command's whole tree with them.

#include "processkit/qt/process.hpp"
#include "usage_series.hpp"

#include <QtCore/QStringList>
#include <QtWidgets/QMainWindow>
#include <chrono>
#include <deque>
#include <utility>

QT_BEGIN_NAMESPACE
class QAbstractButton;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTimer;
QT_END_NAMESPACE

namespace task_monitor {

class UsageChart;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    /// Stop sends SIGTERM to the whole tree; what is still alive after this
    /// grace gets SIGKILL (processkit's terminate()). A second click kills at
    /// once.
    static constexpr std::chrono::seconds stopGrace{3};

    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Puts `commandLine` in the command field and runs it; ignored while a
    /// run is in progress.
    void run(const QString& commandLine);
    bool isRunning() const;

    // What the window shows, for the self-test.
    QStringList outputLines() const;
    QString statusText() const;
    const UsageSeries& series() const { return series_; }
    const UsageChart* chart() const { return chart_; }
    QAbstractButton* stopButton() const;

Q_SIGNALS:
    /// After the window has shown the outcome of a run.
    void runFinished(const processkit::ProcessResult& result);

private:
    void startFromField();
    void stop();
    void appendLine(processkit::qt::Process::Channel channel, const QString& line);
    void flushLines();
    void addSample(const processkit::ProcessGroupStats& stats);
    void showOutcome(const processkit::ProcessResult& result);
    void showRunning(bool running);

    UsageSeries series_; // before chart_, which draws it
    QLineEdit* commandField_;
    QPushButton* runButton_;
    QPushButton* stopButton_;
    QPlainTextEdit* outputView_;
    UsageChart* chart_;
    QLabel* statusLabel_;
    processkit::qt::Process* process_;
    QTimer* flushTimer_;
    // Lines not yet in the view: a flood of output is inserted in batches,
    // not one layout pass per line.
    std::deque<std::pair<processkit::qt::Process::Channel, QString>> pendingLines_;
    bool viewHasLines_ = false;
    bool stopRequested_ = false;
    QString failure_; // the errorOccurred() message of the current run
};

} // namespace task_monitor
