#pragma once
// Time as the core sees it: values passed in with every input. The core
// names std::chrono::steady_clock only for its time_point type; it never calls
// now() (tests/core/purity_test checks that).

#include <chrono>

namespace processkit {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = std::chrono::nanoseconds;

} // namespace processkit
