"""Shared helpers of the chaos tier: argument parsing, skipping, and the
leak checks every chaos test ends with."""
import argparse
import os
import signal
import sys
import time


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--pk", required=True)
    p.add_argument("--guard", required=True)
    p.add_argument("--owner", required=True)
    p.add_argument("--bindir", required=True)
    # PROCESSKIT_SANITIZE of the build ("" when none): a sanitizer runtime
    # holds descriptors and processes of its own.
    p.add_argument("--sanitize", default="")
    return p.parse_args()


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(0)


def processes_with_marker(marker):
    """Pids of live (non-zombie) processes whose environment or command line
    carries `marker`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
            state = stat[stat.rindex(b")") + 2:stat.rindex(b")") + 3]
            if state in (b"Z", b"X"):
                continue
            data = b""
            for name in ("cmdline", "environ"):
                try:
                    with open(f"/proc/{entry}/{name}", "rb") as f:
                        data += f.read()
                except OSError:
                    pass
            if marker.encode() in data:
                found.append(int(entry))
        except (OSError, ValueError):
            continue
    return found


def cgroup2_mount():
    """Where the cgroup2 filesystem is mounted, or None."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            if right.split()[:1] == ["cgroup2"]:
                return left.split()[4]
    return None


def own_cgroup_dir(mount):
    """This process's own cgroup directory under `mount`, or None."""
    with open("/proc/self/cgroup") as f:
        for line in f:
            if line.startswith("0::"):
                return os.path.normpath(mount + "/" + line[3:].strip())
    return None


def alive(pid):
    """Whether `pid` is a live (non-zombie) process."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        return stat[stat.rindex(")") + 2] not in "ZX"
    except (OSError, ValueError):
        return False


def wait_until(predicate, seconds):
    """Polls `predicate` until it returns something true (which is
    returned) or `seconds` pass (then its last value is returned)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    return predicate()


def kill_marked(marker):
    """SIGKILL to every live process carrying `marker`."""
    for pid in processes_with_marker(marker):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
