#include "screenshot_check.hpp"

#include <QtCore/QSet>
#include <cstdlib>

namespace task_monitor {

int distinctColours(const QImage& image, int limit) {
    const QImage rgb = image.convertToFormat(QImage::Format_RGB32);
    QSet<QRgb> seen;
    for (int y = 0; y < rgb.height(); ++y) {
        for (int x = 0; x < rgb.width(); ++x) {
            seen.insert(rgb.pixel(x, y));
            if (seen.size() >= limit) {
                return limit;
            }
        }
    }
    return static_cast<int>(seen.size());
}

int pixelsNear(const QImage& image, const QRect& area, const QColor& colour, int tolerance) {
    const QImage rgb = image.convertToFormat(QImage::Format_RGB32);
    const QRect inside = area.intersected(rgb.rect());
    int count = 0;
    for (int y = inside.top(); y <= inside.bottom(); ++y) {
        for (int x = inside.left(); x <= inside.right(); ++x) {
            const QRgb pixel = rgb.pixel(x, y);
            if (std::abs(qRed(pixel) - colour.red()) <= tolerance &&
                std::abs(qGreen(pixel) - colour.green()) <= tolerance &&
                std::abs(qBlue(pixel) - colour.blue()) <= tolerance) {
                ++count;
            }
        }
    }
    return count;
}

} // namespace task_monitor
