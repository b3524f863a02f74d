#include "guard_watch.hpp"

#if !defined(_WIN32)
#include "processkit/os/owner_guard.hpp"
#endif

#include <chrono>
#include <string>
#include <utility>

namespace pk {
namespace {

// One poll of the guard's socket per interval: a killed guard leaves the run
// unprotected for at most this long.
constexpr auto check_interval = std::chrono::milliseconds(100);

} // namespace

GuardWatch::GuardWatch(processkit::ProcessGroup& group, processkit::TimePoint now, Say say)
    : group_(group)
    , say_(std::move(say)) {
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
        say_("pk: warning: the owner-death guard died during the run; a new one protects the "
             "tree again\n");
        return;
    }
#if defined(_WIN32)
    const std::string why; // a job needs no guard: never reached
#else
    const std::string why = processkit::os::OwnerGuard::last_error();
#endif
    say_("pk: warning: the owner-death guard died during the run and no new one could be "
         "started" +
         (why.empty() ? std::string() : ": " + why) +
         ": if pk is killed, PROGRAM's tree will outlive it\n");
    next_.reset(); // said once
}

} // namespace pk
