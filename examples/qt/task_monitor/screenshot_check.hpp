#pragma once
// Tells a painted screenshot from a blank one without a reference picture
// (fonts, styles and timing differ between hosts): the self-test counts
// colours and looks for each series' colour where only the series are drawn.

#include <QtCore/QRect>
#include <QtGui/QColor>
#include <QtGui/QImage>

namespace task_monitor {

/// The distinct colours in `image`, counted up to `limit`.
int distinctColours(const QImage& image, int limit);

/// The pixels of `area` whose red, green and blue are each within
/// `tolerance` of `colour`'s (antialiased edges are blends; a line's core is
/// not).
int pixelsNear(const QImage& image, const QRect& area, const QColor& colour, int tolerance);

} // namespace task_monitor
