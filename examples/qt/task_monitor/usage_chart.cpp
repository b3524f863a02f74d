#include "usage_chart.hpp"

#include "chart_scale.hpp"

#include <QtGui/QPainter>
#include <QtGui/QPainterPath>
#include <algorithm>
#include <functional>
#include <vector>

namespace task_monitor {

namespace {

// Time axis: the window's span, cut in four; never shorter than a second so
// the first samples do not stretch across the whole width.
constexpr int timeIntervals = 4;
constexpr double minimumSpanSeconds = 1.0;
constexpr double emptySpanSeconds = 10.0;

QString tickText(double value) {
    return QString::number(value, 'g', 3);
}

QString secondsText(double seconds, double span) {
    return QString::number(seconds, 'f', span < 10 ? 1 : 0) + QStringLiteral(" s");
}

// One series as a polyline with a dot on its newest point (so even a single
// sample is visible).
void drawSeries(QPainter& painter, const QColor& colour, const std::vector<QPointF>& points) {
    if (points.empty()) {
        return;
    }
    QPainterPath path(points.front());
    for (std::size_t i = 1; i < points.size(); ++i) {
        path.lineTo(points[i]);
    }
    painter.setBrush(Qt::NoBrush);
    painter.setPen(QPen(colour, 2, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    painter.drawPath(path);
    painter.setPen(Qt::NoPen);
    painter.setBrush(colour);
    painter.drawEllipse(points.back(), 3.5, 3.5);
}

} // namespace

UsageChart::UsageChart(const UsageSeries& series, QWidget* parent)
    : QWidget(parent)
    , series_(series) {
    setAttribute(Qt::WA_OpaquePaintEvent); // paintEvent fills every pixel
}

QColor UsageChart::cpuColour() {
    return QColor(0x1f, 0x6f, 0xd0); // blue
}

QColor UsageChart::memoryColour() {
    return QColor(0xe0, 0x70, 0x10); // orange
}

QRect UsageChart::plotArea() const {
    const QFontMetrics metrics = fontMetrics();
    const int left = metrics.horizontalAdvance(QStringLiteral("0.88")) + 14;
    const int right = metrics.horizontalAdvance(QStringLiteral("888")) + 14;
    const int top = metrics.height() + 10;
    const int bottom = metrics.height() + 10;
    return rect().adjusted(left, top, -right, -bottom);
}

QSize UsageChart::minimumSizeHint() const {
    return {320, 160};
}

QSize UsageChart::sizeHint() const {
    return {640, 240};
}

void UsageChart::paintEvent(QPaintEvent* /*event*/) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.fillRect(rect(), palette().color(QPalette::Base));

    const QRectF plot = plotArea();
    if (plot.width() < 10 || plot.height() < 10) {
        return;
    }
    const qreal lineHeight = fontMetrics().height();
    const QColor textColour = palette().color(QPalette::Text);
    QColor gridColour = textColour;
    gridColour.setAlpha(40);
    QColor frameColour = textColour;
    frameColour.setAlpha(140);

    const Axis cpuAxis = niceAxis(series_.peakCpuCores(), 1.0);
    const double peakMemory = series_.peakMemoryBytes();
    const MemoryUnit unit = memoryUnitFor(std::max(peakMemory, 1024.0 * 1024.0));
    const Axis memoryAxis = niceAxis(peakMemory / unit.bytes, 1.0);
    const double firstSeconds = series_.empty() ? 0.0 : series_.firstSeconds();
    const double span = series_.empty()
                            ? emptySpanSeconds
                            : std::max(series_.lastSeconds() - firstSeconds, minimumSpanSeconds);
    const auto yAt = [&](double fraction) { return plot.bottom() - fraction * plot.height(); };
    const auto xAt = [&](double seconds) {
        return plot.left() + (seconds - firstSeconds) / span * plot.width();
    };

    // Left axis: CPU, with the grid lines.
    for (int i = 0; i <= cpuAxis.intervals; ++i) {
        const double fraction = static_cast<double>(i) / cpuAxis.intervals;
        const qreal y = yAt(fraction);
        painter.setPen(gridColour);
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
        painter.setPen(textColour);
        painter.drawText(QRectF(0, y - lineHeight / 2, plot.left() - 6, lineHeight),
                         Qt::AlignRight | Qt::AlignVCenter, tickText(cpuAxis.maximum * fraction));
    }
    // Right axis: memory, with its own round steps (tick marks, no grid).
    for (int i = 0; i <= memoryAxis.intervals; ++i) {
        const double fraction = static_cast<double>(i) / memoryAxis.intervals;
        const qreal y = yAt(fraction);
        painter.setPen(frameColour);
        painter.drawLine(QPointF(plot.right(), y), QPointF(plot.right() + 4, y));
        painter.setPen(textColour);
        painter.drawText(QRectF(plot.right() + 7, y - lineHeight / 2, width(), lineHeight),
                         Qt::AlignLeft | Qt::AlignVCenter, tickText(memoryAxis.maximum * fraction));
    }
    // Time axis: seconds since the spawn.
    for (int i = 0; i <= timeIntervals; ++i) {
        const double seconds = firstSeconds + span * i / timeIntervals;
        const qreal x = xAt(seconds);
        painter.setPen(frameColour);
        painter.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 4));
        painter.setPen(textColour);
        painter.drawText(QRectF(x - 50, plot.bottom() + 6, 100, lineHeight), Qt::AlignCenter,
                         secondsText(seconds, span));
    }
    painter.setPen(frameColour);
    painter.drawRect(plot);

    // Axis titles, in their series' colours: they are the legend too.
    const QRectF titleRow(4, 2, width() - 8, plot.top() - 6);
    painter.setPen(cpuColour());
    painter.drawText(titleRow, Qt::AlignLeft | Qt::AlignVCenter, QStringLiteral("CPU (cores)"));
    painter.setPen(memoryColour());
    painter.drawText(titleRow, Qt::AlignRight | Qt::AlignVCenter,
                     QStringLiteral("memory (%1)").arg(QLatin1String(unit.name)));
    if (series_.dropped() > 0) {
        painter.setPen(textColour);
        painter.drawText(titleRow, Qt::AlignHCenter | Qt::AlignVCenter,
                         QStringLiteral("last %1 samples").arg(series_.samples().size()));
    }

    if (series_.empty()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(plot, Qt::AlignCenter, QStringLiteral("no samples yet: run a command"));
        return;
    }
    std::vector<QPointF> cpu;
    std::vector<QPointF> memory;
    for (const UsageSample& sample : series_.samples()) {
        if (sample.cpuCores) {
            cpu.emplace_back(xAt(sample.seconds), yAt(*sample.cpuCores / cpuAxis.maximum));
        }
        if (sample.memoryBytes) {
            memory.emplace_back(xAt(sample.seconds),
                                yAt(*sample.memoryBytes / unit.bytes / memoryAxis.maximum));
        }
    }
    drawSeries(painter, memoryColour(), memory);
    drawSeries(painter, cpuColour(), cpu);
}

} // namespace task_monitor
