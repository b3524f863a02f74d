// A child owned through its process handle. The handle keeps the process
// object, and so its exit code and times, until we close it: no pid reuse.
#include "processkit/os/windows/child.hpp"

#include "processkit/core/error.hpp"

// <windows.h> must come before the headers that use it.
// clang-format off
#include <windows.h>
#include <psapi.h>
// clang-format on

namespace processkit::os {
namespace {

Duration from_filetime(const FILETIME& t) {
    const std::uint64_t ticks = (std::uint64_t{t.dwHighDateTime} << 32) | t.dwLowDateTime;
    return std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(ticks * 100));
}

} // namespace

bool ChildSignaller::terminate(std::uint32_t exit_code) const noexcept {
    return process_ && ::TerminateProcess(process_.get(), exit_code) != 0;
}

Child::Child(Child&& o) noexcept
    : pid_(std::exchange(o.pid_, -1))
    , process_(std::move(o.process_))
    , reaped_(std::move(o.reaped_)) {}

Child& Child::operator=(Child&& o) noexcept {
    if (this != &o) {
        terminate_and_reap();
        pid_ = std::exchange(o.pid_, -1);
        process_ = std::move(o.process_);
        reaped_ = std::move(o.reaped_);
    }
    return *this;
}

Child::~Child() {
    terminate_and_reap();
}

void Child::terminate_and_reap() noexcept {
    if (process_ && !reaped_) {
        ::TerminateProcess(process_.get(), killed_exit_code);
        // A terminated process ends promptly; never hang a destructor.
        ::WaitForSingleObject(process_.get(), 5000);
    }
    process_.reset();
}

std::optional<ExitInfo> Child::try_wait() {
    return wait_impl(false);
}

ExitInfo Child::wait() {
    return *wait_impl(true);
}

std::optional<ExitInfo> Child::wait_impl(bool block) {
    if (reaped_) {
        return reaped_;
    }
    if (!process_) {
        throw Error(ErrorKind::InvalidArgument, {}, "waiting for a child that is not owned");
    }
    const DWORD w = ::WaitForSingleObject(process_.get(), block ? INFINITE : 0);
    if (w == WAIT_TIMEOUT) {
        return std::nullopt;
    }
    if (w != WAIT_OBJECT_0) {
        const auto err = static_cast<int>(::GetLastError());
        throw Error(ErrorKind::Io, {}, "cannot wait for a child").with_os_error(err);
    }
    DWORD code = 0;
    ::GetExitCodeProcess(process_.get(), &code);
    ExitInfo info;
    // Exit codes are 32-bit unsigned on Windows; NTSTATUS values such as
    // 0xC0000005 come out negative, as the C runtime reports them too.
    info.status = ExitStatus::exited(static_cast<int>(code));
    FILETIME created{}, exited{}, kernel{}, user{};
    if (::GetProcessTimes(process_.get(), &created, &exited, &kernel, &user) != 0) {
        info.cpu_time = from_filetime(kernel) + from_filetime(user);
    }
    PROCESS_MEMORY_COUNTERS counters{};
    if (::GetProcessMemoryInfo(process_.get(), &counters, sizeof counters) != 0) {
        info.peak_memory_bytes = counters.PeakWorkingSetSize;
    }
    reaped_ = info;
    return info;
}

bool Child::terminate(std::uint32_t exit_code) noexcept {
    if (!process_ || reaped_) {
        return false;
    }
    return ::TerminateProcess(process_.get(), exit_code) != 0;
}

bool Child::send(Signal s) noexcept {
    switch (s.name()) {
    case Signal::Name::Kill:
        return terminate();
    case Signal::Name::Term:
    case Signal::Name::Int:
        return !reaped_ &&
               ::GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, static_cast<DWORD>(pid_)) != 0;
    default:
        return false;
    }
}

ChildSignaller Child::signaller() const noexcept {
    if (!process_ || reaped_) {
        return {};
    }
    HANDLE dup = nullptr;
    if (::DuplicateHandle(::GetCurrentProcess(), process_.get(), ::GetCurrentProcess(), &dup,
                          PROCESS_TERMINATE | SYNCHRONIZE, FALSE, 0) == 0) {
        return {};
    }
    return ChildSignaller(UniqueHandle(dup));
}

} // namespace processkit::os
