// ProcessGroup on Windows: a Job Object (W1). The job is created with
// JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE and its handle is not inheritable, so
// the tree dies when the group is destroyed or the owner dies (the kernel
// closes a dead process's handles). Emptiness comes from the job's I/O
// completion port (JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO), never from polling.
#include "processkit/os/process_group.hpp"

#include "processkit/core/termination.hpp"
#include "processkit/os/windows/utf16.hpp"

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>
// <windows.h> must come before the headers that use it.
// clang-format off
#include <windows.h>
#include <psapi.h>
// clang-format on

namespace processkit {
namespace {

[[noreturn]] void throw_last(ErrorKind kind, std::string what) {
    const auto err = static_cast<int>(::GetLastError());
    throw Error(kind, {}, std::move(what) + " (Windows error " + std::to_string(err) + ")")
        .with_os_error(err);
}

Duration from_ticks(std::int64_t hundred_ns) {
    return std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(hundred_ns * 100));
}

DWORD wait_ms(Duration d) {
    if (d <= Duration::zero()) {
        return 0;
    }
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(d).count();
    return static_cast<DWORD>(std::min<decltype(ms)>(ms, 24 * 3600 * 1000));
}

struct EnumContext {
    std::vector<DWORD> pids;
};

BOOL CALLBACK close_window_of_members(HWND window, LPARAM param) {
    const auto* ctx = reinterpret_cast<const EnumContext*>(param);
    DWORD pid = 0;
    ::GetWindowThreadProcessId(window, &pid);
    if (std::find(ctx->pids.begin(), ctx->pids.end(), pid) != ctx->pids.end()) {
        ::PostMessageW(window, WM_CLOSE, 0, 0);
    }
    return TRUE;
}

} // namespace

struct ProcessGroup::Impl {
    GroupOptions options;
    os::UniqueHandle job;
    os::UniqueHandle port; ///< the job's completion port, ours alone
    mutable std::mutex mutex;
    /// The direct children we started: each leads a console process group
    /// of its own (CREATE_NEW_PROCESS_GROUP), the target of CTRL_BREAK.
    std::vector<DWORD> leaders;

    std::vector<DWORD> member_pids() const {
        std::vector<char> buffer(sizeof(JOBOBJECT_BASIC_PROCESS_ID_LIST) + 64 * sizeof(ULONG_PTR));
        for (;;) {
            auto* list = reinterpret_cast<JOBOBJECT_BASIC_PROCESS_ID_LIST*>(buffer.data());
            if (::QueryInformationJobObject(job.get(), JobObjectBasicProcessIdList, list,
                                            static_cast<DWORD>(buffer.size()), nullptr) != 0) {
                std::vector<DWORD> pids;
                for (DWORD i = 0; i < list->NumberOfProcessIdsInList; ++i) {
                    pids.push_back(static_cast<DWORD>(list->ProcessIdList[i]));
                }
                return pids;
            }
            if (::GetLastError() != ERROR_MORE_DATA || buffer.size() > (64U << 20)) {
                throw_last(ErrorKind::Io, "cannot list the job's processes");
            }
            buffer.resize(buffer.size() * 2);
        }
    }

    JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION accounting() const {
        JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION info{};
        if (::QueryInformationJobObject(job.get(), JobObjectBasicAndIoAccountingInformation, &info,
                                        sizeof info, nullptr) == 0) {
            // Wine does not implement the I/O half; the basic half is enough.
            JOBOBJECT_BASIC_ACCOUNTING_INFORMATION basic{};
            if (::QueryInformationJobObject(job.get(), JobObjectBasicAccountingInformation, &basic,
                                            sizeof basic, nullptr) == 0) {
                throw_last(ErrorKind::Io, "cannot read the job's accounting");
            }
            info.BasicInfo = basic;
        }
        return info;
    }

    bool is_empty() const { return accounting().BasicInfo.ActiveProcesses == 0; }

    /// A graceful stop request: CTRL_BREAK to each console process group we
    /// started, WM_CLOSE to every member's top-level windows. What a program
    /// does with either is its own choice (a console program's default
    /// handler exits; a GUI program usually asks to close).
    void request_stop() {
        for (DWORD leader : leaders) {
            ::GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, leader);
        }
        EnumContext ctx{member_pids()};
        if (!ctx.pids.empty()) {
            ::EnumWindows(close_window_of_members, reinterpret_cast<LPARAM>(&ctx));
        }
    }
};

ProcessGroup::ProcessGroup(GroupOptions options)
    : mechanism_(Mechanism::JobObject)
    , impl_(std::make_unique<Impl>()) {
    if (auto invalid = options.limits.validate()) {
        throw *invalid;
    }
    if (options.require && *options.require != Mechanism::JobObject) {
        throw Error(ErrorKind::Unsupported, {},
                    std::string("the ") + std::string(to_string(*options.require)) +
                        " mechanism does not exist on Windows (Job Objects do)");
    }
    impl_->options = std::move(options);
    impl_->job = os::UniqueHandle(::CreateJobObjectW(nullptr, nullptr));
    if (!impl_->job) {
        throw_last(ErrorKind::Io, "cannot create a job object");
    }
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits{};
    limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    const ResourceLimits& wanted = impl_->options.limits;
    if (wanted.memory_max_bytes) {
        limits.BasicLimitInformation.LimitFlags |= JOB_OBJECT_LIMIT_JOB_MEMORY;
        limits.JobMemoryLimit = static_cast<SIZE_T>(*wanted.memory_max_bytes);
    }
    if (wanted.max_processes) {
        limits.BasicLimitInformation.LimitFlags |= JOB_OBJECT_LIMIT_ACTIVE_PROCESS;
        limits.BasicLimitInformation.ActiveProcessLimit =
            static_cast<DWORD>(std::min<std::uint64_t>(*wanted.max_processes, 0xFFFFFFFFU));
    }
    if (::SetInformationJobObject(impl_->job.get(), JobObjectExtendedLimitInformation, &limits,
                                  sizeof limits) == 0) {
        throw_last(wanted.any() ? ErrorKind::ResourceLimit : ErrorKind::Io,
                   "cannot set the job's limits");
    }
    if (wanted.cpu_quota) {
        JOBOBJECT_CPU_RATE_CONTROL_INFORMATION rate{};
        rate.ControlFlags =
            JOB_OBJECT_CPU_RATE_CONTROL_ENABLE | JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP;
        // CpuRate is in 1/100 of a percent of the whole machine.
        const double machine = static_cast<double>(std::max<DWORD>(1, [] {
            SYSTEM_INFO si{};
            ::GetSystemInfo(&si);
            return si.dwNumberOfProcessors;
        }()));
        const double rate_units = *wanted.cpu_quota / machine * 10000.0;
        rate.CpuRate = static_cast<DWORD>(std::clamp(rate_units, 1.0, 10000.0));
        if (::SetInformationJobObject(impl_->job.get(), JobObjectCpuRateControlInformation, &rate,
                                      sizeof rate) == 0) {
            throw_last(ErrorKind::ResourceLimit, "cannot set the job's CPU rate");
        }
    }
    impl_->port = os::UniqueHandle(::CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 1));
    if (!impl_->port) {
        throw_last(ErrorKind::Io, "cannot create the job's completion port");
    }
    JOBOBJECT_ASSOCIATE_COMPLETION_PORT assoc{};
    assoc.CompletionKey = impl_->job.get();
    assoc.CompletionPort = impl_->port.get();
    if (::SetInformationJobObject(impl_->job.get(), JobObjectAssociateCompletionPortInformation,
                                  &assoc, sizeof assoc) == 0) {
        throw_last(ErrorKind::Io, "cannot associate the job with a completion port");
    }
}

ProcessGroup::~ProcessGroup() {
    if (impl_ && impl_->job) {
        // Closing the last handle kills the tree too (kill-on-close); the
        // explicit call also covers a handle someone duplicated.
        ::TerminateJobObject(impl_->job.get(), os::killed_exit_code);
    }
}

bool ProcessGroup::owner_death_protected() const {
    return true; // the kernel closes a dead owner's handle, which kills the job
}

bool ProcessGroup::renew_owner_death_protection() {
    return true;
}

const std::string& ProcessGroup::cgroup_path() const {
    static const std::string none;
    return none;
}

os::SpawnedProcess ProcessGroup::spawn(const Command& command) {
    return spawn(command, os::StdioRedirect{});
}

os::SpawnedProcess ProcessGroup::spawn(const Command& command, const os::StdioRedirect& redirect) {
    std::lock_guard lock(impl_->mutex);
    return spawn_locked(command, redirect);
}

os::SpawnedProcess ProcessGroup::spawn_locked(const Command& command,
                                              const os::StdioRedirect& redirect) {
    os::Placement placement;
    placement.kind = os::Placement::Kind::Job;
    placement.job = impl_->job.get();
    os::SpawnedProcess p = os::spawn(command, placement, redirect);
    std::erase_if(impl_->leaders, [&](DWORD pid) {
        // Forget leaders that ended, so the list stays the size of the tree.
        HANDLE h = ::OpenProcess(SYNCHRONIZE, FALSE, pid);
        if (h == nullptr) {
            return true;
        }
        const bool ended = ::WaitForSingleObject(h, 0) == WAIT_OBJECT_0;
        ::CloseHandle(h);
        return ended;
    });
    impl_->leaders.push_back(static_cast<DWORD>(p.child.pid()));
    return p;
}

void ProcessGroup::adopt(pid_t pid) {
    std::lock_guard lock(impl_->mutex);
    os::UniqueHandle process(
        ::OpenProcess(PROCESS_SET_QUOTA | PROCESS_TERMINATE, FALSE, static_cast<DWORD>(pid)));
    if (!process) {
        const DWORD err = ::GetLastError();
        if (err == ERROR_INVALID_PARAMETER) {
            throw Error(ErrorKind::NotFound, {},
                        "no process with id " + std::to_string(pid) + " to adopt");
        }
        throw_last(ErrorKind::Io, "cannot open process " + std::to_string(pid) + " to adopt it");
    }
    if (::AssignProcessToJobObject(impl_->job.get(), process.get()) == 0) {
        throw_last(ErrorKind::Io, "cannot move process " + std::to_string(pid) + " into the job");
    }
}

void ProcessGroup::kill_all() {
    std::lock_guard lock(impl_->mutex);
    if (::TerminateJobObject(impl_->job.get(), os::killed_exit_code) == 0) {
        throw_last(ErrorKind::Io, "cannot terminate the job");
    }
}

void ProcessGroup::signal(Signal s) {
    switch (s.name()) {
    case Signal::Name::Kill:
        kill_all();
        return;
    case Signal::Name::Term:
    case Signal::Name::Int: {
        std::lock_guard lock(impl_->mutex);
        impl_->request_stop();
        return;
    }
    default:
        throw Error(ErrorKind::Unsupported, {},
                    "signal " + s.to_string() +
                        " has no Windows equivalent (KILL, TERM and INT do)");
    }
}

void ProcessGroup::suspend() {
    throw Error(ErrorKind::Unsupported, {},
                "suspending a job is not supported on Windows: there is no atomic way to freeze "
                "every process of a job");
}

void ProcessGroup::resume() {
    throw Error(ErrorKind::Unsupported, {}, "resuming a job is not supported on Windows");
}

bool ProcessGroup::suspended() const {
    return false;
}

std::vector<pid_t> ProcessGroup::members() const {
    std::lock_guard lock(impl_->mutex);
    std::vector<pid_t> out;
    for (DWORD pid : impl_->member_pids()) {
        out.push_back(static_cast<pid_t>(pid));
    }
    return out;
}

bool ProcessGroup::empty() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->is_empty();
}

ProcessGroupStats ProcessGroup::stats() const {
    std::lock_guard lock(impl_->mutex);
    const auto info = impl_->accounting();
    ProcessGroupStats out;
    out.active_process_count = info.BasicInfo.ActiveProcesses;
    // Wine keeps the job's CPU times and peak memory at zero: a zero there is
    // a stub, not a measurement, so it is reported as unknown.
    const bool stubbed = os::windows::running_under_wine();
    if (!stubbed) {
        if (impl_->options.measure_cpu_time) {
            out.total_cpu_time = from_ticks(info.BasicInfo.TotalUserTime.QuadPart +
                                            info.BasicInfo.TotalKernelTime.QuadPart);
        }
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION ext{};
        if (::QueryInformationJobObject(impl_->job.get(), JobObjectExtendedLimitInformation, &ext,
                                        sizeof ext, nullptr) != 0) {
            out.peak_memory_bytes = ext.PeakJobMemoryUsed; // committed memory, not RSS
        }
    }
    // Memory in use now: the members' working sets, summed.
    std::uint64_t sum = 0;
    bool any = false;
    for (DWORD pid : impl_->member_pids()) {
        os::UniqueHandle h(::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid));
        PROCESS_MEMORY_COUNTERS counters{};
        if (h && ::GetProcessMemoryInfo(h.get(), &counters, sizeof counters) != 0) {
            sum += counters.WorkingSetSize;
            any = true;
        }
    }
    if (any || info.BasicInfo.ActiveProcesses == 0) {
        out.memory_bytes = sum;
    }
    return out;
}

int ProcessGroup::events_fd() const {
    return -1;
}

void* ProcessGroup::native_job() const {
    return impl_->job.get();
}

bool ProcessGroup::wait_until_empty(Duration timeout) {
    const TimePoint until = Clock::now() + timeout;
    for (;;) {
        if (empty()) {
            return true;
        }
        const Duration left = until - Clock::now();
        if (left <= Duration::zero()) {
            return false;
        }
        DWORD message = 0;
        ULONG_PTR key = 0;
        LPOVERLAPPED overlapped = nullptr;
        // Every job message wakes us; only the count matters, read again above.
        ::GetQueuedCompletionStatus(impl_->port.get(), &message, &key, &overlapped, wait_ms(left));
    }
}

void ProcessGroup::release_cached_groups() {}

bool ProcessGroup::shutdown() {
    return shutdown(impl_->options.shutdown_timeout);
}

bool ProcessGroup::escalates_to_kill() const {
    return impl_->options.escalate_to_kill;
}

void ProcessGroup::wait_for_change(Duration at_most) {
    wait_until_empty(at_most); // woken by the job's completion port
}

} // namespace processkit
