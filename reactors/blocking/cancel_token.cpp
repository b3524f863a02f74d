#include "processkit/blocking/cancel_token.hpp"

#include "processkit/blocking/reactor.hpp"
#include "processkit/blocking/wait_ready.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <functional>
#include <optional>
#include <string>

#if defined(_WIN32)
#include <windows.h>
#else
#include <sys/eventfd.h>
#include <unistd.h>
#endif

namespace processkit {
struct CancelToken::State {
    std::atomic<bool> cancelled{false};
#if defined(_WIN32)
    os::UniqueHandle event{::CreateEventW(nullptr, TRUE, FALSE, nullptr)}; // manual reset
#else
    os::UniqueFd event{os::above_stdio(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))};
#endif
    /// Set only by the stop_token constructor; destroyed with the last copy.
    std::optional<std::stop_callback<std::function<void()>>> on_stop;
};

CancelToken::CancelToken()
    : state_(std::make_shared<State>()) {
    if (!state_->event) {
#if defined(_WIN32)
        const auto err = static_cast<int>(::GetLastError());
        throw Error(ErrorKind::Io, {}, "cannot create an event").with_os_error(err);
#else
        const int err = errno;
        throw Error(ErrorKind::Io, {},
                    std::string("cannot create an eventfd: ") + std::strerror(err))
            .with_os_error(err);
#endif
    }
}

CancelToken::CancelToken(std::stop_token stop)
    : CancelToken() {
    // The callback holds the state weakly: a cycle through it would keep the
    // eventfd alive forever.
    std::weak_ptr<State> weak = state_;
    state_->on_stop.emplace(std::move(stop), std::function<void()>([weak] {
                                if (auto s = weak.lock()) {
                                    CancelToken::cancel_state(*s);
                                }
                            }));
}

void CancelToken::cancel_state(State& s) noexcept {
    if (!s.cancelled.exchange(true)) {
#if defined(_WIN32)
        ::SetEvent(s.event.get()); // manual reset: signalled from now on
#else
        const std::uint64_t one = 1;
        // Level-triggered from now on: the counter is never read back.
        [[maybe_unused]] const auto n = ::write(s.event.get(), &one, sizeof one);
#endif
    }
}

void CancelToken::cancel() const noexcept {
    cancel_state(*state_);
}

bool CancelToken::cancelled() const noexcept {
    return state_->cancelled.load();
}

os::NativeHandle CancelToken::fd() const noexcept {
    return state_->event.get();
}

bool CancelToken::sleep_until(TimePoint deadline) const {
    while (!cancelled()) {
        if (Clock::now() >= deadline) {
            return true;
        }
        blocking::wait_ready({fd()}, deadline); // EINTR: loop and look again
    }
    return false;
}

bool CancelToken::sleep_for(Duration d) const {
    const TimePoint now = Clock::now();
    return sleep_until(d > TimePoint::max() - now ? TimePoint::max() : now + d); // no overflow
}

ProcessResult output_string(const Command& command, const CancelToken& cancel, CancelStop how) {
    blocking::Reactor reactor;
    driver::RunDriver::Options options;
    options.private_group_cpu_time = false; // the group never leaves this function
    driver::RunDriver driver(command, std::move(options), reactor);
    driver.start(Clock::now());
    bool cancel_sent = false;
    while (!driver.finished()) {
        if (!cancel_sent && cancel.cancelled()) {
            cancel_sent = true;
            driver.cancel(Clock::now());
            if (how == CancelStop::Kill && !driver.finished()) {
                driver.kill(Clock::now());
            }
            continue;
        }
        // Wait on the reactor's epoll and, until it fired, the token.
        std::vector<os::NativeHandle> handles{reactor.fd()};
        if (!cancel_sent) {
            handles.push_back(cancel.fd());
        }
        blocking::wait_ready(handles, reactor.next_deadline());
        reactor.run_once(Clock::now()); // dispatches what is ready, never blocks
    }
    return *driver.take_result();
}

} // namespace processkit
