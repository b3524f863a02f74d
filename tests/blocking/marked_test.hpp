#pragma once
// The fixture of the blocking-API tests: a unique marker for every process a
// test starts, a `sh -c` helper that carries it, and a leak check at the end
// (no marked process, no new descriptor, no cgroup directory of ours).

#include "processkit/processkit.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <string>

namespace processkit::testing {

class MarkedTest : public ::testing::Test {
protected:
    explicit MarkedTest(int settle_ms = 2000)
        : settle_ms_(settle_ms) {}
    void TearDown() override { leaks.check(settle_ms_); }

    Command sh(const std::string& script) {
        Command c("sh");
        c.arg("-c").arg(script);
        return pktest::mark(c, marker);
    }

    std::string marker = pktest::unique_marker();
    pktest::LeakCheck leaks{marker};

private:
    int settle_ms_;
};

} // namespace processkit::testing
