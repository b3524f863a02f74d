"""Chaos: pk runs in neighbouring pid namespaces must not sweep each other (X5, S1).

Every pk sweeps the leftover processkit-* directories of dead owners under its
cgroup parent once. A pid in a directory name means nothing in another pid
namespace, so a sweeper that read it there killed live trees (exit 137). Here
a long `pk run -- sleep` lives in one namespace while short pk runs start in
others, every combination of: the root pid namespace, `unshare --pid --fork
--mount-proc` (its own /proc) and `unshare --pid --fork` (the root's /proc,
where /proc/<pid> is not the process that pid names inside). The long run's
tree must survive all of them, and everything is gone at the end.
"""
import os
import shutil
import signal
import subprocess
import sys
import time

import chaos_support as cs
from chaos_support import cgroup2_mount, wait_until

LONG_SECONDS = "120"
SHORT_RUNS = 3

# How each run is started: in the root pid namespace, or in a new one with or
# without its own /proc.
NAMESPACES = {
    "root": [],
    "pidns+proc": ["--pid", "--fork", "--mount-proc"],
    "pidns": ["--pid", "--fork"],
}

failures = []


def fail(message):
    print(f"FAIL: {message}")
    failures.append(message)


def stat_of(pid):
    """(state, ppid) of a process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    rest = stat[stat.rindex(b")") + 2:].split()
    return rest[0].decode(), int(rest[1])


def alive(pid):
    s = stat_of(pid)
    return s is not None and s[0] not in ("Z", "X")


def children_of(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            s = stat_of(int(entry))
            if s is not None and s[1] == pid:
                found.append(int(entry))
    return found


def marked_sleeps(marker):
    """The marked sleeps (pk's own command line carries the marker too)."""
    found = []
    for pid in cs.processes_with_marker(marker):
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() == "sleep":
                    found.append(pid)
        except OSError:
            pass
    return found


def cgroup_of(pid):
    try:
        with open(f"/proc/{pid}/cgroup") as f:
            for line in f:
                if line.startswith("0::"):
                    return line[3:].strip()
    except OSError:
        pass
    return None


class Env:
    def __init__(self, args, mount):
        self.pk = args.pk
        self.mount = mount
        self.env = dict(os.environ, PROCESSKIT_GUARD=args.guard)
        self.dirs = set()  # cgroup paths (relative to the mount) our runs used


def command(env, namespace, program):
    unshare = ["unshare", *NAMESPACES[namespace]] if NAMESPACES[namespace] else []
    return unshare + [env.pk, "run", *program]


class LongRun:
    """`pk run -- sleep` whose sleep carries a marker, in `namespace`."""

    def __init__(self, env, namespace, marker):
        self.namespace = namespace
        self.marker = marker
        self.popen = subprocess.Popen(
            command(env, namespace, ["--env", f"PK_CHAOS_MARKER={marker}", "--", "sleep",
                                     LONG_SECONDS]),
            env=env.env, stdin=subprocess.DEVNULL)
        sleeps = wait_until(lambda: marked_sleeps(marker), 10)
        if len(sleeps) != 1:
            raise RuntimeError(f"{namespace}: the long run's sleep did not start ({sleeps})")
        self.sleep = sleeps[0]
        if NAMESPACES[namespace]:
            pks = wait_until(lambda: children_of(self.popen.pid), 5)
            self.pk = pks[0]  # unshare's child: pid 1 inside, pk after exec
        else:
            self.pk = self.popen.pid
        self.cgroup = cgroup_of(self.sleep)
        env.dirs.add(self.cgroup)
        name = os.path.basename(self.cgroup or "")
        pid_ns = os.stat(f"/proc/{self.pk}/ns/pid").st_ino
        if not name.startswith(f"processkit-{pid_ns}-"):
            fail(f"{namespace}: directory {name} does not name pk's pid namespace {pid_ns}")

    def check_alive(self, after):
        if self.popen.poll() is not None:
            fail(f"long run in {self.namespace} ended (status {self.popen.returncode}) "
                 f"after {after}")
            return False
        if not alive(self.sleep):
            fail(f"the sleep of the long run in {self.namespace} was killed after {after}")
            return False
        return True

    def stop(self):
        if self.popen.poll() is None:
            # To pk itself: it stops its tree and exits 128+15.
            try:
                os.kill(self.pk, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                fail(f"long run in {self.namespace} did not stop on SIGTERM")
                for pid in (self.pk, self.popen.pid):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                self.popen.wait()
        return self.popen.returncode


def short_run(env, namespace, long_run):
    """Two short pk runs in `namespace`: `true`, and a shell that reports the
    cgroup it ran in. Both must succeed; the long run must be untouched."""
    for program in (["--", "true"], ["--", "sh", "-c", "grep ^0:: /proc/self/cgroup"]):
        done = subprocess.run(command(env, namespace, program), env=env.env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=60)
        what = f"pk run {' '.join(program[1:])} in {namespace}"
        if done.returncode != 0:
            fail(f"{what} exited {done.returncode}: {done.stderr.strip()}")
        for line in done.stdout.splitlines():
            if line.startswith("0::/processkit-"):
                env.dirs.add(line[3:])
        if long_run.popen.poll() is None:
            long_run.check_alive(f"{what} (long run in {long_run.namespace})")


def main():
    args = cs.parse_args()
    if shutil.which("unshare") is None:
        cs.skip("no unshare(1)")
    mount = cgroup2_mount()
    if mount is None:
        cs.skip("no cgroup2 filesystem mounted")
    if os.geteuid() != 0:
        cs.skip("needs root for pid namespaces and cgroups")
    probe = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "true"],
                           capture_output=True)
    if probe.returncode != 0:
        cs.skip("unshare --pid --fork --mount-proc does not work here")
    env = Env(args, mount)
    probe = subprocess.run([args.pk, "run", "--mechanism", "cgroup", "--", "true"],
                           env=env.env, capture_output=True, text=True)
    if probe.returncode != 0:
        cs.skip(f"pk cannot use cgroups here: {probe.stderr.strip()}")

    tag = f"pidns-{os.getpid()}"
    runs = []
    try:
        for long_ns in NAMESPACES:
            long_run = LongRun(env, long_ns, f"{tag}-{long_ns}")
            runs.append(long_run)
            for short_ns in NAMESPACES:
                for _ in range(SHORT_RUNS):
                    short_run(env, short_ns, long_run)
            long_run.check_alive("all short runs")
            status = long_run.stop()
            if status in (137, -9):
                fail(f"long run in {long_ns} exited {status} (SIGKILL)")
            print(f"long run in {long_ns}: stopped with status {status}")
        # A namespace killed whole (its pk is pid 1: SIGKILL takes the guard
        # with it) leaves an empty directory no one inside can sweep; a pk of
        # the root namespace sees that namespace has no process left.
        doomed = LongRun(env, "pidns+proc", f"{tag}-doomed")
        runs.append(doomed)
        os.kill(doomed.pk, signal.SIGKILL)
        doomed.popen.wait(timeout=15)
        if not wait_until(lambda: not marked_sleeps(doomed.marker), 5):
            fail("the sleep of a namespace killed whole survived")
        left_by_doomed = os.path.exists(mount + doomed.cgroup)
        short_run(env, "root", runs[0])
        if os.path.exists(mount + doomed.cgroup):
            fail(f"{doomed.cgroup} of a dead namespace was not swept by a root pk")
        print(f"namespace killed whole: directory {'left, then swept' if left_by_doomed else 'gone'}")
    finally:
        for run in runs:
            run.stop()

    if not wait_until(lambda: all(not cs.processes_with_marker(r.marker) for r in runs), 5):
        fail("marked processes left: " +
             str([cs.processes_with_marker(r.marker) for r in runs]))
    left = wait_until(lambda: [d for d in env.dirs if os.path.exists(mount + d)] or None, 5)
    if left:
        fail(f"cgroup directories left: {sorted(left)}")
    if len(env.dirs) < len(NAMESPACES) * (1 + len(NAMESPACES)):
        fail(f"expected a directory per run, saw {sorted(env.dirs)}")

    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print(f"OK: {len(env.dirs)} runs in neighbouring pid namespaces, no tree touched")
    return 0


if __name__ == "__main__":
    sys.exit(main())
