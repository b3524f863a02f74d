#include "svg_plot.hpp"

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

using Series = std::vector<std::pair<double, double>>; // (seconds, value)

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

std::string escape(const std::string& s) {
    std::string out;
    for (const char c : s) {
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
            // Control characters are not allowed in XML 1.0.
            out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
        }
    }
    return out;
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
    Series points;
    std::string missing; ///< shown instead of a line when points is empty
};

std::string draw_panel(const Panel& p, double top, double t_max) {
    double y_data_max = 0;
    for (const auto& point : p.points) {
        y_data_max = std::max(y_data_max, point.second);
    }
    if (y_data_max <= 0) {
        y_data_max = 1;
    }
    const double y_step = tick_step(y_data_max);
    const double y_max = y_step * std::max(1.0, std::ceil(y_data_max / y_step));
    const double x_step = tick_step(t_max);
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
             "\" text-anchor=\"middle\">" + label(t) + "</text>\n";
    }
    // Axes.
    s += "<line x1=\"" + num(left) + "\" y1=\"" + num(top) + "\" x2=\"" + num(left) + "\" y2=\"" +
         num(bottom) + "\" stroke=\"#333\"/>\n";
    s += "<line x1=\"" + num(left) + "\" y1=\"" + num(bottom) + "\" x2=\"" +
         num(left + plot_width) + "\" y2=\"" + num(bottom) + "\" stroke=\"#333\"/>\n";
    s += "<text x=\"" + num(left + plot_width / 2) + "\" y=\"" + num(bottom + 34) +
         "\" text-anchor=\"middle\">time (s)</text>\n";
    s += "<text transform=\"translate(" + num(22) + "," + num(top + panel_height / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + escape(p.unit) + "</text>\n";
    // Legend.
    s += "<rect x=\"" + num(left + 10) + "\" y=\"" + num(top - 16) +
         "\" width=\"14\" height=\"4\" fill=\"" + p.colour + "\"/>\n";
    s += "<text x=\"" + num(left + 30) + "\" y=\"" + num(top - 10) + "\">" + escape(p.title) +
         "</text>\n";
    // Data.
    if (p.points.empty()) {
        s += "<text x=\"" + num(left + plot_width / 2) + "\" y=\"" + num(top + panel_height / 2) +
             "\" text-anchor=\"middle\" fill=\"#888\">" + escape(p.missing) + "</text>\n";
    } else {
        s += "<polyline fill=\"none\" stroke=\"" + p.colour +
             "\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"";
        for (const auto& [t, v] : p.points) {
            s += num(x_of(t)) + "," + num(y_of(v)) + " ";
        }
        s += "\"/>\n";
    }
    return s;
}

} // namespace

std::string svg_plot(const RunReport& r) {
    Panel cpu{"CPU use (cores)", "CPU (cores)", "#d62728", {}, ""};
    Panel mem{"memory in use (MiB)", "memory (MiB)", "#1f77b4", {}, ""};
    const Sample* previous = nullptr;
    for (const Sample& s : r.series) {
        const double t = static_cast<double>(s.t_ms) / 1000;
        if (s.cpu_ms && previous && previous->cpu_ms && s.t_ms > previous->t_ms) {
            const double cores = static_cast<double>(*s.cpu_ms - *previous->cpu_ms) /
                                 static_cast<double>(s.t_ms - previous->t_ms);
            cpu.points.emplace_back(t, std::max(0.0, cores));
        }
        if (s.memory_bytes) {
            mem.points.emplace_back(t, static_cast<double>(*s.memory_bytes) / (1024.0 * 1024.0));
        }
        previous = &s;
    }
    cpu.missing = r.series.size() < 2 ? "not enough samples"
                                      : "no CPU figures with the " + r.mechanism + " mechanism";
    mem.missing = r.series.empty() ? "no samples" : "no memory figures";
    double t_max = static_cast<double>(r.duration_ms) / 1000;
    for (const Sample& s : r.series) {
        t_max = std::max(t_max, static_cast<double>(s.t_ms) / 1000);
    }
    if (t_max <= 0) {
        t_max = 1;
    }

    const double height = 60 + 2 * (panel_height + 70);
    std::string title = r.program;
    for (const auto& a : r.args) {
        title += " " + a;
    }
    if (title.size() > 90) {
        title = title.substr(0, 87) + "...";
    }
    std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) + "\" height=\"" +
         num(height) + "\" viewBox=\"0 0 " + num(width) + " " + num(height) +
         "\" font-family=\"sans-serif\" font-size=\"12\">\n";
    s += "<title>pk run " + escape(title) + "</title>\n";
    s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    s += "<text x=\"" + num(width / 2) +
         "\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">pk run " +
         escape(title) + "</text>\n";
    s += "<text x=\"" + num(width / 2) + "\" y=\"42\" text-anchor=\"middle\" fill=\"#555\">" +
         std::to_string(r.series.size()) + " samples, " + escape(r.mechanism) +
         " mechanism</text>\n";
    s += draw_panel(cpu, 80, t_max);
    s += draw_panel(mem, 80 + panel_height + 70, t_max);
    s += "</svg>\n";
    return s;
}

} // namespace pk
