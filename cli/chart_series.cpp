#include "chart_series.hpp"

#include <algorithm>

namespace pk {

MinMaxDecimator::MinMaxDecimator(std::size_t max_points)
    : max_buckets_(std::max<std::size_t>(2, (max_points + 1) / 2)) {
    closed_.reserve(max_buckets_);
}

void MinMaxDecimator::absorb(Bucket& into, const Bucket& b) {
    if (b.lo.v < into.lo.v) {
        into.lo = b.lo;
    }
    if (b.hi.v > into.hi.v) {
        into.hi = b.hi;
    }
    into.count += b.count;
}

void MinMaxDecimator::add(ChartPoint p) {
    ++added_;
    const Bucket one{p, p, 1};
    if (open_) {
        absorb(*open_, one);
    } else {
        open_ = one;
    }
    if (open_->count < width_) {
        return;
    }
    closed_.push_back(*open_);
    open_.reset();
    if (closed_.size() < max_buckets_) {
        return;
    }
    // Full: merge neighbours; every bucket now stands for twice the samples.
    std::size_t kept = 0;
    for (std::size_t i = 0; i + 1 < closed_.size(); i += 2) {
        Bucket merged = closed_[i];
        absorb(merged, closed_[i + 1]);
        closed_[kept++] = merged;
    }
    if (closed_.size() % 2 != 0) {
        open_ = closed_.back(); // an odd one out keeps filling up
    }
    closed_.resize(kept);
    width_ *= 2;
}

std::vector<ChartPoint> MinMaxDecimator::points() const {
    std::vector<ChartPoint> out;
    out.reserve(2 * (closed_.size() + 1));
    auto emit = [&](const Bucket& b) {
        if (b.lo == b.hi) {
            out.push_back(b.lo);
        } else if (b.lo.t <= b.hi.t) {
            out.push_back(b.lo);
            out.push_back(b.hi);
        } else {
            out.push_back(b.hi);
            out.push_back(b.lo);
        }
    };
    for (const Bucket& b : closed_) {
        emit(b);
    }
    if (open_) {
        emit(*open_);
    }
    return out;
}

ChartSeries::ChartSeries(std::size_t max_points)
    : cpu_(max_points)
    , memory_(max_points)
    , processes_(max_points) {}

void ChartSeries::add(const Sample& s) {
    const double t = static_cast<double>(s.t_ms) / 1000;
    if (s.cpu_ms && previous_ && previous_->cpu_ms && s.t_ms > previous_->t_ms) {
        const double cores = static_cast<double>(*s.cpu_ms - *previous_->cpu_ms) /
                             static_cast<double>(s.t_ms - previous_->t_ms);
        cpu_.add({t, std::max(0.0, cores)});
    }
    if (s.memory_bytes) {
        memory_.add({t, static_cast<double>(*s.memory_bytes) / (1024.0 * 1024.0)});
    }
    processes_.add({t, static_cast<double>(s.active_process_count)});
    previous_ = s;
}

} // namespace pk
