#pragma once
// The owner-death guard (X1). One small helper process per owner, started
// the first time a group is created. It holds the read end of a pipe whose
// only write end is in the owner (close-on-exec, so no child inherits it).
// The owner tells it which containers exist (cgroup directories by the way
// their names begin, once per parent directory: no message per group);
// when the owner dies, however it dies (SIGKILL, any thread), the pipe
// reaches end-of-file and the guard kills every registered container,
// removes the cgroup directories, and exits.
// It also finishes removing directories the owner killed but could not wait
// for, so that no destructor has to block (X4).
//
// The guard runs in its own session (terminal signals do not reach it), holds
// no other descriptor, and exits with its owner: it never outlives its job.
//
// Thread-safety: all functions may be called from any thread.

#include <mutex>
#include <set>
#include <string>
#include <sys/types.h>

namespace processkit::os {

class OwnerGuard {
public:
    /// The process-wide guard, started on first use. Returns nullptr if it
    /// could not be started (the reason is in last_error()).
    static OwnerGuard* instance();
    static std::string last_error();

    void watch_cgroup(const std::string& path);
    void forget_cgroup(const std::string& path);
    /// Every directory in `parent_dir` whose name starts with `name_prefix`
    /// is this owner's: the guard kills and removes them all when the owner
    /// dies, whether it was told about each one or not. Sent once per pair
    /// (later calls return at once), and before the call returns, so a
    /// directory created after it is covered: this is how ProcessGroup's
    /// cgroups are watched, without a message per group. Returns false if it
    /// could not be sent (see last_error()).
    bool watch_cgroups_named(const std::string& parent_dir, const std::string& name_prefix);
    /// The group was killed; remove the directory once it is empty.
    void remove_when_empty(const std::string& path);
    void watch_process_group(pid_t pgid);
    void forget_process_group(pid_t pgid);

    pid_t pid() const { return pid_; }

private:
    OwnerGuard(pid_t pid, int write_fd)
        : pid_(pid)
        , write_fd_(write_fd) {}
    /// False if the command was not (completely) sent.
    bool send(char op, const std::string& arg);

    pid_t pid_;
    int write_fd_;
    std::mutex named_mutex_;
    std::set<std::string> named_; ///< "<parent>/<prefix>" sent by watch_cgroups_named
};

} // namespace processkit::os
