#pragma once
// Shared helpers of the Asio adapter tests: the marked fixture (every process
// a test starts carries its marker; TearDown checks that none survives and
// that no descriptor or cgroup directory leaked), handlers that record what
// they were called with, a counting allocator, and a bounded io loop.
//
// Nothing here asserts a duration: waits are bounded only so that a broken
// library fails a test instead of hanging the suite.

#include "../blocking/marked_test.hpp"
#include "processkit/asio/asio.hpp"
#include "test_support.hpp"

#include <algorithm>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/cancellation_type.hpp>
#include <asio/io_context.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <sys/types.h>
#include <sys/wait.h>
#include <system_error>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace pkat {

namespace pk = processkit;
namespace pka = processkit::asio;
using namespace std::chrono_literals;

/// Generous bound for anything that should take well under a second.
inline constexpr pk::Duration sanity_bound = std::chrono::seconds(10);

/// The three cancellation types, for parameterised tests.
inline const char* type_name(::asio::cancellation_type t) {
    switch (t) {
    case ::asio::cancellation_type::terminal:
        return "terminal";
    case ::asio::cancellation_type::partial:
        return "partial";
    case ::asio::cancellation_type::total:
        return "total";
    default:
        return "other";
    }
}

/// What a completion handler was called with.
template <class T>
struct Got {
    bool done = false;
    int calls = 0;
    std::error_code ec;
    T value{};
    std::thread::id thread;
};

template <>
struct Got<void> {
    bool done = false;
    int calls = 0;
    std::error_code ec;
    std::thread::id thread;
};

/// A handler recording into `g` (which must outlive the operation).
template <class T>
auto record(Got<T>& g) {
    return [&g](std::error_code ec, T v) {
        g.done = true;
        ++g.calls;
        g.ec = ec;
        g.value = std::move(v);
        g.thread = std::this_thread::get_id();
    };
}
inline auto record(Got<void>& g) {
    return [&g](std::error_code ec) {
        g.done = true;
        ++g.calls;
        g.ec = ec;
        g.thread = std::this_thread::get_id();
    };
}

/// Runs `io` until `pred()` holds or `bound` passed (then returns false).
template <class Pred>
bool run_until(::asio::io_context& io, Pred pred, pk::Duration bound = std::chrono::seconds(30)) {
    const auto deadline = pk::Clock::now() + bound;
    while (!pred()) {
        if (pk::Clock::now() > deadline) {
            return false;
        }
        if (io.stopped()) {
            io.restart();
        }
        if (io.run_one_for(std::chrono::milliseconds(50)) == 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    }
    return true;
}

/// Allocation counts shared by every rebound copy of a CountingAllocator.
struct AllocCounts {
    std::atomic<int> allocations{0};
    std::atomic<int> deallocations{0};
};

template <class T>
struct CountingAllocator {
    using value_type = T;
    AllocCounts* counts;

    explicit CountingAllocator(AllocCounts* c) noexcept
        : counts(c) {}
    template <class U>
    CountingAllocator(const CountingAllocator<U>& other) noexcept // NOLINT: rebinding
        : counts(other.counts) {}

    T* allocate(std::size_t n) {
        counts->allocations.fetch_add(1);
        return std::allocator<T>().allocate(n);
    }
    void deallocate(T* p, std::size_t n) noexcept {
        counts->deallocations.fetch_add(1);
        std::allocator<T>().deallocate(p, n);
    }
    template <class U>
    friend bool operator==(const CountingAllocator& a, const CountingAllocator<U>& b) noexcept {
        return a.counts == b.counts;
    }
    template <class U>
    friend bool operator!=(const CountingAllocator& a, const CountingAllocator<U>& b) noexcept {
        return a.counts != b.counts;
    }
};

/// True if `pid` is a child of ours that exited and was never reaped (a
/// zombie we own). Does not reap it.
inline bool unreaped_child(pid_t pid) {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
        return false; // ECHILD: reaped already (or never ours)
    }
    return info.si_pid == pid;
}

/// Our children that exited and were never reaped. (The marker helpers
/// skip zombies, so a reap that never happens needs a check of its own.)
inline std::vector<pid_t> zombie_children() {
    std::vector<pid_t> found;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        std::ifstream in(entry.path() / "stat");
        std::string stat;
        std::getline(in, stat);
        const auto close = stat.rfind(')');
        if (close == std::string::npos || close + 4 >= stat.size()) {
            continue;
        }
        std::istringstream rest(stat.substr(close + 2));
        char state = 0;
        long ppid = 0;
        rest >> state >> ppid;
        if (state == 'Z' && ppid == ::getpid()) {
            found.push_back(static_cast<pid_t>(std::stol(name)));
        }
    }
    return found;
}

/// The fixture: a marked `sh -c`, the leak check of MarkedTest, and no
/// child of ours left unreaped.
class AsioTest : public pk::testing::MarkedTest {
protected:
    void SetUp() override { zombies_before_ = zombie_children(); }
    void TearDown() override {
        MarkedTest::TearDown();
        // Every io_context and Process of the test is gone: every child we
        // spawned must have been reaped by now.
        auto now = zombie_children();
        std::erase_if(now, [&](pid_t p) {
            return std::find(zombies_before_.begin(), zombies_before_.end(), p) !=
                   zombies_before_.end();
        });
        EXPECT_TRUE(now.empty()) << "children left unreaped (zombies): " << now.size();
    }

    /// `sh -c script` whose stdout line "ready" triggers `on_ready` (on the
    /// thread that runs the run's handlers), for cancelling operations that
    /// own their child once the script installed its traps.
    template <class F>
    pk::Command sh_ready(const std::string& script, F on_ready) {
        return sh(script).on_stdout_line([on_ready](std::string_view line) mutable {
            if (line == "ready") {
                on_ready();
            }
        });
    }

    /// Right now (only where the contract promises it, e.g. a cancelled
    /// owning operation completes once the tree is gone).
    bool tree_alive() const { return !pktest::processes_with_marker(marker).empty(); }
    bool tree_gone() const { return pktest::processes_with_marker(marker).empty(); }
    /// Within a generous bound: a child between fork and exec does not show
    /// its environment yet, and a SIGKILLed tree takes a moment to go.
    bool alive_soon() const { return pktest::process_with_marker_within(marker, 5000); }
    bool gone_soon() const { return pktest::no_process_with_marker_within(marker, 5000); }
    /// A file name unique to this test (removed by the test itself).
    std::string temp_path(const std::string& suffix) const {
        return "/tmp/" + marker + "-" + suffix;
    }

private:
    std::vector<pid_t> zombies_before_;
};

} // namespace pkat
