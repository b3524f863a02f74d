#include "processkit/core/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

namespace processkit {

std::uint64_t SplitMix64::next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double SplitMix64::next_unit() {
    return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

UniformSource seeded_uniform(std::uint64_t seed) {
    auto generator = std::make_shared<SplitMix64>(seed);
    return [generator] { return generator->next_unit(); };
}

std::optional<Error> Backoff::validate() const {
    auto bad = [](const std::string& what) {
        return Error(ErrorKind::InvalidArgument, {}, "backoff: " + what);
    };
    if (base < Duration::zero()) {
        return bad("the base delay is negative");
    }
    if (cap < base) {
        return bad("the cap is below the base delay");
    }
    if (!std::isfinite(factor) || factor < 1.0) {
        return bad("the factor must be a finite number >= 1");
    }
    if (!(jitter >= 0.0 && jitter <= 1.0)) {
        return bad("the jitter must be between 0 and 1");
    }
    return std::nullopt;
}

Duration Backoff::delay(std::uint32_t n) const {
    // In floating point, clamped before converting back: base * factor^n
    // overflows any integer after a few dozen steps.
    const double ideal = static_cast<double>(base.count()) * std::pow(factor, n);
    if (ideal >= static_cast<double>(cap.count())) {
        return cap; // exact: a cap near Duration::max() would not survive a round trip
    }
    if (!(ideal >= 0.0)) {
        return Duration::zero();
    }
    return Duration(static_cast<Duration::rep>(ideal));
}

Duration Backoff::delay(std::uint32_t n, double unit) const {
    const Duration d = delay(n);
    const double u = std::clamp(unit, 0.0, 1.0);
    const double cut = static_cast<double>(d.count()) * jitter * u;
    return d - Duration(static_cast<Duration::rep>(cut));
}

} // namespace processkit
