#include "svg_plot.hpp"

#include "processkit/core/utf8.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

namespace pk {
namespace {

constexpr double width = 800;
constexpr double left = 80;
constexpr double right = 30;
constexpr double panel_height = 180;
constexpr double plot_width = width - left - right;
constexpr std::size_t max_title_chars = 90;

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

std::string label(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", std::round(v * 1000) / 1000);
    return buf;
}

/// A "nice" tick step (1, 2 or 5 times a power of ten) giving about 5 ticks.
double tick_step(double max) {
    if (max <= 0) {
        return 1;
    }
    const double raw = max / 5;
    const double power = std::pow(10, std::floor(std::log10(raw)));
    for (const double m : {1.0, 2.0, 5.0, 10.0}) {
        if (raw <= m * power) {
            return m * power;
        }
    }
    return 10 * power;
}

struct Panel {
    std::string title; ///< legend text
    std::string unit;  ///< y-axis label
    std::string colour;
    std::vector<ChartPoint> points;
    std::string missing; ///< shown instead of a line when points is empty
};

/// The time axis in a unit that keeps its labels short: seconds for a
/// couple of minutes, minutes for a couple of hours, hours beyond.
struct TimeUnit {
    double seconds;
    const char* name;
};
TimeUnit time_unit(double t_max) {
    if (t_max <= 120) {
        return {1, "s"};
    }
    if (t_max <= 2 * 3600) {
        return {60, "min"};
    }
    return {3600, "h"};
}

std::string draw_panel(const Panel& p, double top, double t_max) {
    double y_data_max = 0;
    for (const auto& point : p.points) {
        y_data_max = std::max(y_data_max, point.v);
    }
    if (y_data_max <= 0) {
        y_data_max = 1;
    }
    const double y_step = tick_step(y_data_max);
    const double y_max = y_step * std::max(1.0, std::ceil(y_data_max / y_step));
    const TimeUnit unit = time_unit(t_max);
    const double x_step = tick_step(t_max / unit.seconds) * unit.seconds;
    const double bottom = top + panel_height;
    auto x_of = [&](double t) { return left + plot_width * t / t_max; };
    auto y_of = [&](double v) { return bottom - panel_height * v / y_max; };

    std::string s;
    // Grid and y ticks.
    for (double v = 0; v <= y_max + y_step / 2; v += y_step) {
        s += "<line x1=\"" + num(left) + "\" y1=\"" + num(y_of(v)) + "\" x2=\"" +
             num(left + plot_width) + "\" y2=\"" + num(y_of(v)) +
             "\" stroke=\"#e0e0e0\" stroke-width=\"1\"/>\n";
        s += "<text x=\"" + num(left - 6) + "\" y=\"" + num(y_of(v) + 4) +
             "\" text-anchor=\"end\">" + label(v) + "</text>\n";
    }
    // x ticks.
    for (double t = 0; t <= t_max + x_step / 2; t += x_step) {
        s += "<line x1=\"" + num(x_of(t)) + "\" y1=\"" + num(bottom) + "\" x2=\"" + num(x_of(t)) +
             "\" y2=\"" + num(bottom + 5) + "\" stroke=\"#333\"/>\n";
        s += "<text x=\"" + num(x_of(t)) + "\" y=\"" + num(bottom + 18) +
             "\" text-anchor=\"middle\">" + label(t / unit.seconds) + "</text>\n";
    }
    // Axes.
    s += "<line x1=\"" + num(left) + "\" y1=\"" + num(top) + "\" x2=\"" + num(left) + "\" y2=\"" +
         num(bottom) + "\" stroke=\"#333\"/>\n";
    s += "<line x1=\"" + num(left) + "\" y1=\"" + num(bottom) + "\" x2=\"" +
         num(left + plot_width) + "\" y2=\"" + num(bottom) + "\" stroke=\"#333\"/>\n";
    s += "<text x=\"" + num(left + plot_width / 2) + "\" y=\"" + num(bottom + 34) +
         "\" text-anchor=\"middle\">time (" + unit.name + ")</text>\n";
    s += "<text transform=\"translate(" + num(22) + "," + num(top + panel_height / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + xml_text(p.unit) + "</text>\n";
    // Legend.
    s += "<rect x=\"" + num(left + 10) + "\" y=\"" + num(top - 16) +
         "\" width=\"14\" height=\"4\" fill=\"" + p.colour + "\"/>\n";
    s += "<text x=\"" + num(left + 30) + "\" y=\"" + num(top - 10) + "\">" + xml_text(p.title) +
         "</text>\n";
    // Data.
    if (p.points.empty()) {
        s += "<text x=\"" + num(left + plot_width / 2) + "\" y=\"" + num(top + panel_height / 2) +
             "\" text-anchor=\"middle\" fill=\"#888\">" + xml_text(p.missing) + "</text>\n";
    } else {
        s += "<polyline fill=\"none\" stroke=\"" + p.colour +
             "\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"";
        for (const auto& point : p.points) {
            s += num(x_of(point.t)) + "," + num(y_of(point.v)) + " ";
        }
        s += "\"/>\n";
    }
    return s;
}

/// The code point of the well-formed UTF-8 sequence starting at s[i]; i moves past it.
char32_t next_code_point(std::string_view s, std::size_t& i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char lead = b(i);
    if (lead < 0x80) {
        i += 1;
        return lead;
    }
    if (lead < 0xE0) {
        const char32_t c = (char32_t{lead & 0x1Fu} << 6) | (b(i + 1) & 0x3Fu);
        i += 2;
        return c;
    }
    if (lead < 0xF0) {
        const char32_t c =
            (char32_t{lead & 0x0Fu} << 12) | (char32_t{b(i + 1) & 0x3Fu} << 6) | (b(i + 2) & 0x3Fu);
        i += 3;
        return c;
    }
    const char32_t c = (char32_t{lead & 0x07u} << 18) | (char32_t{b(i + 1) & 0x3Fu} << 12) |
                       (char32_t{b(i + 2) & 0x3Fu} << 6) | (b(i + 3) & 0x3Fu);
    i += 4;
    return c;
}

bool allowed_in_xml(char32_t c) {
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c != 0xFFFE && c != 0xFFFF);
}

} // namespace

std::string xml_text(std::string_view bytes, std::size_t max_chars) {
    const std::string text = processkit::decode_utf8_lossy(bytes); // well-formed from here on
    std::size_t chars = 0;
    for (std::size_t i = 0; i < text.size(); ++chars) {
        next_code_point(text, i);
    }
    const bool cut = chars > max_chars;
    const std::size_t keep = cut ? (max_chars > 3 ? max_chars - 3 : 0) : chars;
    std::string out;
    std::size_t i = 0;
    for (std::size_t n = 0; n < keep; ++n) {
        const std::size_t start = i;
        const char32_t c = next_code_point(text, i);
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            if (allowed_in_xml(c)) {
                out.append(text, start, i - start);
            } else {
                out += "\xEF\xBF\xBD"; // U+FFFD
            }
        }
    }
    if (cut) {
        out += "...";
    }
    return out;
}

std::string svg_plot(const RunReport& r) {
    Panel cpu{"CPU use (cores)", "CPU (cores)", "#d62728", r.chart.cpu().points(), ""};
    Panel mem{"memory in use (MiB)", "memory (MiB)", "#1f77b4", r.chart.memory().points(), ""};
    cpu.missing = r.samples < 2 ? "not enough samples"
                                : "no CPU figures with the " + r.mechanism + " mechanism";
    mem.missing = r.samples == 0 ? "no samples" : "no memory figures";
    Panel procs{"live processes", "processes", "#2ca02c", r.chart.processes().points(),
                "no samples"};
    double t_max = static_cast<double>(r.duration_ms) / 1000;
    for (const Panel* p : {&cpu, &mem, &procs}) {
        for (const ChartPoint& point : p->points) {
            t_max = std::max(t_max, point.t);
        }
    }
    if (t_max <= 0) {
        t_max = 1;
    }

    const double height = 60 + 3 * (panel_height + 70);
    std::string title = r.program;
    for (const auto& a : r.args) {
        title += " " + a;
    }
    std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) + "\" height=\"" +
         num(height) + "\" viewBox=\"0 0 " + num(width) + " " + num(height) +
         "\" font-family=\"sans-serif\" font-size=\"12\">\n";
    s += "<title>pk run " + xml_text(title, max_title_chars) + "</title>\n";
    s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    s += "<text x=\"" + num(width / 2) +
         "\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">pk run " +
         xml_text(title, max_title_chars) + "</text>\n";
    s += "<text x=\"" + num(width / 2) + "\" y=\"42\" text-anchor=\"middle\" fill=\"#555\">" +
         std::to_string(r.samples) + " samples, " + xml_text(r.mechanism) + " mechanism</text>\n";
    s += draw_panel(cpu, 80, t_max);
    s += draw_panel(mem, 80 + panel_height + 70, t_max);
    s += draw_panel(procs, 80 + 2 * (panel_height + 70), t_max);
    s += "</svg>\n";
    return s;
}

} // namespace pk
