#pragma once
// Exponential backoff with a cap and jitter, and the seedable random source
// the jitter draws from. Shared by the supervisor (P2) and retries (C7).
// Pure arithmetic: no clock, no global random state.
//
// Thread-safety: Backoff is a value type. A SplitMix64 (and any
// UniformSource) must not be used from two threads at once.

#include "processkit/core/error.hpp"
#include "processkit/core/export.hpp"
#include "processkit/core/time.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

namespace processkit {

/// Returns a number uniformly distributed in [0, 1) on each call.
using UniformSource = std::function<double()>;

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast and good enough for
/// jitter. The same seed gives the same sequence.
class PROCESSKIT_CORE_EXPORT SplitMix64 {
public:
    /// Starts the sequence at `seed`.
    explicit SplitMix64(std::uint64_t seed)
        : state_(seed) {}
    /// The next 64-bit number of the sequence.
    std::uint64_t next();
    /// Uniform in [0, 1), from the top 53 bits of next().
    double next_unit();

private:
    std::uint64_t state_;
};

/// A UniformSource drawing from its own SplitMix64 seeded with `seed`.
PROCESSKIT_CORE_EXPORT UniformSource seeded_uniform(std::uint64_t seed);

/// Delay before retry or restart number n (n = 0 for the first):
/// min(cap, base * factor^n), then reduced by up to `jitter` of itself.
struct PROCESSKIT_CORE_EXPORT Backoff {
    /// The delay for n = 0 (not negative).
    Duration base = std::chrono::milliseconds(100);
    /// The growth per step (finite, at least 1).
    double factor = 2.0;
    /// The longest delay (at least `base`).
    Duration cap = std::chrono::seconds(30);
    /// 0: exact delays. j in (0, 1]: the delay is drawn uniformly from
    /// (d * (1 - j), d], so it never exceeds the un-jittered delay or the cap.
    double jitter = 0.0;

    /// Negative durations, a factor below 1 (or NaN/inf), a cap below the
    /// base, a jitter outside [0, 1]: an InvalidArgument error naming it.
    std::optional<Error> validate() const;

    /// The delay without jitter.
    Duration delay(std::uint32_t n) const;
    /// The delay with jitter; `unit` is a draw from [0, 1).
    Duration delay(std::uint32_t n, double unit) const;
};

} // namespace processkit
