#include "guard_watch.hpp"

#if !defined(_WIN32)
#include "processkit/os/owner_guard.hpp"
#endif

#include <chrono>
#include <cstdio>
#include <string>

namespace pk {
namespace {

// One poll of the guard's socket per interval: a killed guard leaves the run
// unprotected for at most this long.
constexpr auto check_interval = std::chrono::milliseconds(100);

} // namespace

GuardWatch::GuardWatch(processkit::ProcessGroup& group, processkit::TimePoint now)
    : group_(group) {
    if (group_.owner_death_protected()) {
        next_ = now + check_interval;
    }
}

void GuardWatch::tick(processkit::TimePoint now) {
    if (!next_ || now < *next_) {
        return;
    }
    next_ = now + check_interval;
    if (group_.owner_death_protected()) {
        return;
    }
    if (group_.renew_owner_death_protection()) {
        std::fputs("pk: warning: the owner-death guard died during the run; a new one "
                   "protects the tree again\n",
                   stderr);
        return;
    }
#if defined(_WIN32)
    const std::string why; // a job needs no guard: never reached
#else
    const std::string why = processkit::os::OwnerGuard::last_error();
#endif
    std::fprintf(stderr,
                 "pk: warning: the owner-death guard died during the run and no new one could "
                 "be started%s%s: if pk is killed, PROGRAM's tree will outlive it\n",
                 why.empty() ? "" : ": ", why.c_str());
    next_.reset(); // said once
}

} // namespace pk
