#include "main_window.hpp"

#include "chart_scale.hpp"
#include "usage_chart.hpp"

#include <QtCore/QTimer>
#include <QtGui/QFontDatabase>
#include <QtGui/QTextCharFormat>
#include <QtGui/QTextCursor>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QScrollBar>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QStatusBar>
#include <QtWidgets/QVBoxLayout>
#include <chrono>

namespace task_monitor {

namespace {

using processkit::qt::Process;
using namespace std::chrono_literals;

constexpr auto statsInterval = 250ms;
// The view keeps the newest lines only. Lines reach it through lineReady, so
// the result's own capture only needs a bounded tail.
constexpr int maximumViewLines = 5000;
constexpr std::size_t capturedTailBytes = 64 * 1024;
constexpr auto lineFlushInterval = 50ms;

const QString separator = QStringLiteral(" \u00b7 ");

QString seconds(double value) {
    return QString::number(value, 'f', value < 10 ? 2 : 1) + QStringLiteral(" s");
}

QString seconds(processkit::Duration duration) {
    return seconds(std::chrono::duration<double>(duration).count());
}

QString memory(double bytes) {
    const MemoryUnit unit = memoryUnitFor(bytes);
    return QString::number(bytes / unit.bytes, 'f', unit.bytes > 1 ? 1 : 0) + QLatin1Char(' ') +
           QLatin1String(unit.name);
}

QString cores(double value) {
    return QString::number(value, 'f', 2) + QStringLiteral(" cores");
}

} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
    , commandField_(new QLineEdit(this))
    , runButton_(new QPushButton(tr("Run"), this))
    , stopButton_(new QPushButton(tr("Stop"), this))
    , outputView_(new QPlainTextEdit(this))
    , chart_(new UsageChart(series_, this))
    , statusLabel_(new QLabel(this))
    , process_(new Process(this))
    , flushTimer_(new QTimer(this)) {
    setWindowTitle(tr("processkit task monitor"));

    commandField_->setPlaceholderText(tr("a command, run by /bin/sh -c (e.g. make -j4)"));
    commandField_->setClearButtonEnabled(true);
    runButton_->setDefault(true);
    auto* commandRow = new QHBoxLayout;
    commandRow->addWidget(commandField_, 1);
    commandRow->addWidget(runButton_);
    commandRow->addWidget(stopButton_);

    outputView_->setReadOnly(true);
    outputView_->setMaximumBlockCount(maximumViewLines);
    outputView_->setLineWrapMode(QPlainTextEdit::NoWrap);
    outputView_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    outputView_->setPlaceholderText(tr("output (stderr in red)"));
    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(outputView_);
    splitter->addWidget(chart_);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->addLayout(commandRow);
    layout->addWidget(splitter, 1);
    setCentralWidget(central);
    statusBar()->addWidget(statusLabel_, 1);
    statusLabel_->setText(tr("ready"));

    flushTimer_->setSingleShot(true);
    flushTimer_->setInterval(lineFlushInterval);
    process_->setStatsInterval(statsInterval);

    connect(commandField_, &QLineEdit::returnPressed, this, &MainWindow::startFromField);
    connect(runButton_, &QPushButton::clicked, this, &MainWindow::startFromField);
    connect(stopButton_, &QPushButton::clicked, this, &MainWindow::stop);
    connect(flushTimer_, &QTimer::timeout, this, &MainWindow::flushLines);
    connect(process_, &Process::lineReady, this, &MainWindow::appendLine);
    connect(process_, &Process::statsSampled, this, &MainWindow::addSample);
    connect(process_, &Process::started, this, [this] {
        statusLabel_->setText(tr("running") + separator + tr("pid %1").arg(process_->pid()) +
                              separator + process_->mechanism());
    });
    connect(process_, &Process::errorOccurred, this,
            [this] { failure_ = process_->errorString(); });
    connect(process_, &Process::finished, this, &MainWindow::showOutcome);
    showRunning(false);
}

MainWindow::~MainWindow() {
    // A run still going is killed with the Process, which then announces a
    // cancelled finished(): not to this half-destroyed window.
    process_->blockSignals(true);
    delete process_;
}

void MainWindow::run(const QString& commandLine) {
    if (isRunning()) {
        return;
    }
    commandField_->setText(commandLine);
    runButton_->click(); // the path a user's click takes
}

bool MainWindow::isRunning() const {
    return process_->state() == Process::Starting || process_->state() == Process::Running;
}

QStringList MainWindow::outputLines() const {
    if (!viewHasLines_) {
        return {};
    }
    return outputView_->toPlainText().split(QLatin1Char('\n'));
}

QAbstractButton* MainWindow::stopButton() const {
    return stopButton_;
}

QString MainWindow::statusText() const {
    return statusLabel_->text();
}

void MainWindow::startFromField() {
    if (isRunning()) {
        return;
    }
    const QString commandLine = commandField_->text().trimmed();
    if (commandLine.isEmpty()) {
        statusLabel_->setText(tr("enter a command first"));
        return;
    }
    commandField_->setCursorPosition(0); // show where a long command begins
    outputView_->clear();
    pendingLines_.clear();
    viewHasLines_ = false;
    series_.clear();
    chart_->update();
    stopRequested_ = false;
    failure_.clear();

    // A shell, so that the line means what it would in a terminal; it runs
    // inside the container like everything it starts.
    processkit::Command command("/bin/sh");
    command.arg("-c").arg(commandLine.toStdString());
    command.grace(stopGrace).buffer_policy(
        processkit::BufferPolicy::keep_newest_bytes(capturedTailBytes));
    process_->setCommand(command);
    setWindowTitle(tr("%1 - processkit task monitor").arg(commandLine));
    statusLabel_->setText(tr("starting"));
    showRunning(true);
    process_->start(); // a failed start is reported by finished() too
}

void MainWindow::stop() {
    if (!isRunning()) {
        return;
    }
    if (stopRequested_) {
        process_->kill();
        return;
    }
    stopRequested_ = true;
    process_->terminate();
    stopButton_->setText(tr("Kill"));
    statusLabel_->setText(tr("stopping: SIGTERM sent to the tree, SIGKILL in %1 s")
                              .arg(std::chrono::seconds(stopGrace).count()));
}

void MainWindow::appendLine(Process::Channel channel, const QString& line) {
    pendingLines_.emplace_back(channel, line);
    // The view keeps no more than this anyway.
    if (pendingLines_.size() > static_cast<std::size_t>(maximumViewLines)) {
        pendingLines_.pop_front();
    }
    if (!flushTimer_->isActive()) {
        flushTimer_->start();
    }
}

void MainWindow::flushLines() {
    flushTimer_->stop();
    if (pendingLines_.empty()) {
        return;
    }
    QScrollBar* scrollBar = outputView_->verticalScrollBar();
    const bool followingTail = scrollBar->value() == scrollBar->maximum();
    QTextCharFormat outputFormat;
    QTextCharFormat errorFormat;
    errorFormat.setForeground(QColor(0xc0, 0x20, 0x20));
    QTextCursor cursor(outputView_->document());
    cursor.movePosition(QTextCursor::End);
    cursor.beginEditBlock();
    for (const auto& [channel, line] : pendingLines_) {
        if (viewHasLines_) {
            cursor.insertBlock();
        }
        cursor.insertText(line, channel == Process::StandardError ? errorFormat : outputFormat);
        viewHasLines_ = true;
    }
    cursor.endEditBlock();
    pendingLines_.clear();
    if (followingTail) {
        scrollBar->setValue(scrollBar->maximum());
    }
}

void MainWindow::addSample(const processkit::ProcessGroupStats& stats) {
    series_.add(std::chrono::milliseconds(process_->elapsed()), stats.total_cpu_time,
                stats.memory_bytes);
    chart_->update();

    QString text = stopRequested_ ? tr("stopping") : tr("running");
    text += QLatin1Char(' ') + seconds(static_cast<double>(process_->elapsed()) / 1000.0);
    text += separator + tr("pid %1").arg(process_->pid());
    text += separator + (stats.active_process_count == 1
                             ? tr("1 process")
                             : tr("%1 processes").arg(stats.active_process_count));
    const UsageSample& latest = series_.samples().back();
    if (latest.cpuCores) {
        text += separator + tr("CPU %1").arg(cores(*latest.cpuCores));
    }
    if (latest.memoryBytes) {
        text += separator + tr("memory %1").arg(memory(*latest.memoryBytes));
    }
    statusLabel_->setText(text);
}

void MainWindow::showOutcome(const processkit::ProcessResult& result) {
    flushLines(); // every line before the outcome
    QString text = QString::fromStdString(result.outcome.to_string());
    if (stopRequested_) {
        text = tr("stopped: %1").arg(text);
    }
    if (result.outcome.kind == processkit::Outcome::Kind::SpawnFailed) {
        text += separator + failure_;
    } else {
        text += separator + tr("elapsed %1").arg(seconds(result.duration));
        if (result.profile.cpu_time) {
            text += separator + tr("CPU %1").arg(seconds(*result.profile.cpu_time));
            if (const auto average = result.profile.avg_cpu()) {
                text += QStringLiteral(" (%1)").arg(cores(*average));
            }
        }
        if (result.profile.peak_memory_bytes) {
            text += separator +
                    tr("peak memory %1")
                        .arg(memory(static_cast<double>(*result.profile.peak_memory_bytes)));
        }
    }
    statusLabel_->setText(text);
    showRunning(false);
    Q_EMIT runFinished(result);
}

void MainWindow::showRunning(bool running) {
    commandField_->setEnabled(!running);
    runButton_->setEnabled(!running);
    stopButton_->setEnabled(running);
    stopButton_->setText(tr("Stop"));
    if (!running) {
        commandField_->setFocus();
    }
}

} // namespace task_monitor
