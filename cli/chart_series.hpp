#pragma once
// The series behind --plot, bounded (S3): however long the run and however
// short --sample-every, at most max_points points per curve are kept.
// When a curve is full, neighbouring buckets merge (each then stands for
// twice as many samples); a bucket keeps its lowest and its highest point,
// in time order, so peaks and dips survive the decimation.

#include "sample.hpp"

#include <cstddef>
#include <optional>
#include <vector>

namespace pk {

struct ChartPoint {
    double t = 0; ///< seconds since PROGRAM started
    double v = 0;
    friend bool operator==(const ChartPoint&, const ChartPoint&) = default;
};

class MinMaxDecimator {
public:
    static constexpr std::size_t default_max_points = 2048;

    /// `max_points` is rounded up to an even number of at least 4.
    explicit MinMaxDecimator(std::size_t max_points = default_max_points);

    void add(ChartPoint p);
    /// At most max_points points, in time order.
    std::vector<ChartPoint> points() const;
    std::size_t added() const { return added_; }
    /// Samples each bucket stands for (1 until the first merge).
    std::size_t bucket_width() const { return width_; }

private:
    struct Bucket {
        ChartPoint lo;
        ChartPoint hi;
        std::size_t count = 0;
    };
    static void absorb(Bucket& into, const Bucket& b);

    std::size_t max_buckets_;
    std::size_t width_ = 1;
    std::size_t added_ = 0;
    std::vector<Bucket> closed_;
    std::optional<Bucket> open_;
};

/// CPU use (cores, from the cumulative CPU time between two samples), memory
/// in use (MiB) and the number of live processes, each decimated.
class ChartSeries {
public:
    explicit ChartSeries(std::size_t max_points = MinMaxDecimator::default_max_points);
    void add(const Sample& s);
    const MinMaxDecimator& cpu() const { return cpu_; }
    const MinMaxDecimator& memory() const { return memory_; }
    const MinMaxDecimator& processes() const { return processes_; }

private:
    std::optional<Sample> previous_;
    MinMaxDecimator cpu_;
    MinMaxDecimator memory_;
    MinMaxDecimator processes_;
};

} // namespace pk
