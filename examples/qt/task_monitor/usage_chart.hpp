#pragma once
// UsageChart: a live line chart of a UsageSeries painted with QPainter (no
// chart module): CPU in cores on the left axis, memory on the right, time
// since the spawn below. It only reads the series; its owner calls update()
// after adding a sample.

#include "usage_series.hpp"

#include <QtGui/QColor>
#include <QtWidgets/QWidget>

namespace task_monitor {

class UsageChart : public QWidget {
    Q_OBJECT

public:
    /// The series must outlive the chart.
    explicit UsageChart(const UsageSeries& series, QWidget* parent = nullptr);

    static QColor cpuColour();
    static QColor memoryColour();

    /// Where the lines are drawn, inside the axes (in this widget's
    /// coordinates): only the grid and the two series are painted there.
    QRect plotArea() const;

    QSize minimumSizeHint() const override;
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    const UsageSeries& series_;
};

} // namespace task_monitor
