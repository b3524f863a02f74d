#include "self_test.hpp"

#include "main_window.hpp"
#include "screenshot_check.hpp"
#include "usage_chart.hpp"

#include <QtCore/QCoreApplication>
#include <QtCore/QTextStream>
#include <QtCore/QTimer>
#include <QtGui/QPixmap>
#include <QtWidgets/QAbstractButton>
#include <csignal>
#include <optional>
#include <string>

namespace task_monitor {

namespace {

// A window with text, widgets and a chart has hundreds of colours; a blank
// or unpainted one has a handful.
constexpr int minimumDistinctColours = 16;
// A line across the plot is hundreds of pixels; the newest point's dot alone
// is about 30.
constexpr int minimumSeriesPixels = 10;
constexpr int seriesColourTolerance = 24;

// The chart's plot area in the screenshot's pixels.
QRect plotAreaIn(const MainWindow& window, const QPixmap& screenshot) {
    const UsageChart* chart = window.chart();
    const QRect plot = chart->plotArea();
    const QRect inWindow(chart->mapTo(&window, plot.topLeft()), plot.size());
    const qreal ratio = screenshot.devicePixelRatio();
    return QRect(QPoint(qRound(inWindow.x() * ratio), qRound(inWindow.y() * ratio)),
                 QSize(qRound(inWindow.width() * ratio), qRound(inWindow.height() * ratio)));
}

// After a click on Stop: the status says so, the direct child died of the
// expected signal, and SIGKILL came only once the grace was over.
void checkStopped(const MainWindow& window, const processkit::ProcessResult& result,
                  const SelfTestOptions& options, QStringList& failures) {
    const double seconds = std::chrono::duration<double>(result.duration).count();
    const std::optional<int> signal = result.status ? result.status->signal() : std::nullopt;
    if (!window.statusText().startsWith(QStringLiteral("stopped"))) {
        failures << QStringLiteral("the status does not say stopped: %1").arg(window.statusText());
    }
    if (signal != options.expectedSignal) {
        failures << QStringLiteral("the child was not killed by signal %1 (status: %2)")
                        .arg(options.expectedSignal)
                        .arg(QString::fromStdString(result.status ? result.status->to_string()
                                                                  : std::string("none")));
    }
    const double grace = static_cast<double>(MainWindow::stopGrace.count());
    const double stopAt = std::chrono::duration<double>(*options.stopAfter).count();
    if (options.expectedSignal == SIGKILL && seconds < stopAt + grace - 0.1) {
        failures << QStringLiteral("SIGKILL came before the grace was over (%1 s)").arg(seconds);
    }
    if (options.expectedSignal == SIGTERM && seconds >= stopAt + grace) {
        failures
            << QStringLiteral("SIGTERM did not end the run before the grace (%1 s)").arg(seconds);
    }
}

QStringList inspect(MainWindow& window, const processkit::ProcessResult& result,
                    const SelfTestOptions& options, QTextStream& out) {
    QStringList failures;
    const QStringList lines = window.outputLines();
    const UsageSeries& series = window.series();
    out << "status: " << window.statusText() << Qt::endl;
    out << "output view: " << lines.size() << " lines" << Qt::endl;
    for (const QString& line : lines) {
        out << "  | " << line << Qt::endl;
    }
    out << "stats samples: " << series.samples().size() << Qt::endl;

    if (options.stopAfter) {
        checkStopped(window, result, options, failures);
    } else if (!result.success()) {
        failures << QStringLiteral("the command did not succeed: %1").arg(window.statusText());
    }
    for (const QString& expected : options.expectedLines) {
        if (!lines.contains(expected)) {
            failures << QStringLiteral("the output view lacks the line \"%1\"").arg(expected);
        }
    }
    if (series.empty()) {
        failures << QStringLiteral("no statsSampled() reached the chart");
    } else if (!series.hasCpu() && !series.hasMemory()) {
        failures << QStringLiteral("no sample had a CPU or memory figure");
    }

    const QPixmap screenshot = window.grab();
    if (!screenshot.save(options.screenshotPath, "PNG")) {
        failures
            << QStringLiteral("could not save the screenshot to %1").arg(options.screenshotPath);
    } else {
        out << "screenshot: " << options.screenshotPath << " (" << screenshot.width() << "x"
            << screenshot.height() << ")" << Qt::endl;
    }
    const QImage image = screenshot.toImage();
    const int colours = distinctColours(image, 1000);
    out << "distinct colours: " << colours << Qt::endl;
    if (colours < minimumDistinctColours) {
        failures << QStringLiteral("the screenshot is blank: %1 colours").arg(colours);
    }
    const QRect plot = plotAreaIn(window, screenshot);
    const auto checkSeries = [&](bool sampled, const QColor& colour, const QString& name) {
        if (!sampled) {
            return;
        }
        const int pixels = pixelsNear(image, plot, colour, seriesColourTolerance);
        out << name << " pixels in the plot: " << pixels << Qt::endl;
        if (pixels < minimumSeriesPixels) {
            failures << QStringLiteral("the chart shows no %1 line (%2 pixels of its colour)")
                            .arg(name)
                            .arg(pixels);
        }
    };
    checkSeries(series.hasCpu(), UsageChart::cpuColour(), QStringLiteral("CPU"));
    checkSeries(series.hasMemory(), UsageChart::memoryColour(), QStringLiteral("memory"));
    return failures;
}

} // namespace

int runSelfTest(MainWindow& window, const SelfTestOptions& options) {
    QTextStream out(stdout);
    QTimer deadline;
    deadline.setSingleShot(true);
    QObject::connect(&deadline, &QTimer::timeout, &window, [&] {
        out << "FAIL: no outcome within " << options.timeout.count() << " s" << Qt::endl;
        QCoreApplication::exit(1);
    });
    QObject::connect(&window, &MainWindow::runFinished, &window,
                     [&](const processkit::ProcessResult& result) {
                         deadline.stop();
                         const QStringList failures = inspect(window, result, options, out);
                         for (const QString& failure : failures) {
                             out << "FAIL: " << failure << Qt::endl;
                         }
                         if (failures.isEmpty()) {
                             out << "PASS" << Qt::endl;
                         }
                         QCoreApplication::exit(failures.isEmpty() ? 0 : 1);
                     });
    deadline.start(options.timeout);
    out << "command: " << options.command << Qt::endl;
    window.run(options.command);
    if (options.stopAfter) {
        QTimer::singleShot(*options.stopAfter, &window, [&] { window.stopButton()->click(); });
    }
    return QCoreApplication::exec();
}

} // namespace task_monitor
