"""The owner-death guard killed before its owner (the documented outcome).

`pk run -- sh -c 'sleep 300 & sleep 300'` (marked) is started; its guard
(the processkit-guard child of pk) is SIGKILLed, then pk is SIGKILLed:

  after a pause (0.5 s, longer until the renewal is seen)
                         pk noticed the dead guard at its 100 ms check,
                         had a new guard started and the group registered
                         with it, and said so once on stderr; pk's SIGKILL
                         then kills the tree (within 1 s) as usual;
  at once                the window before pk's check: the tree may survive
                         both. With cgroups, the next pk started under the
                         same parent collects it (its stale-group sweep, X5);
                         with process groups nothing does (docs/security.md),
                         and the test only records it.

Two mechanisms each: cgroup (pk runs inside a cgroup directory made for this
test, so that no other owner's sweep in the shared parent interferes) and
pgroup (--mechanism pgroup). The tree is always killed at the end, and the
test's directories removed.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid

from chaos_support import (
    alive,
    cgroup2_mount,
    own_cgroup_dir,
    parse_args,
    processes_with_marker,
    wait_until,
)


def children(pid):
    kids = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                kids += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return kids


def exe_name(pid):
    try:
        return os.path.basename(os.readlink(f"/proc/{pid}/exe"))
    except OSError:
        return ""


def processkit_dirs(parent):
    if not parent or not os.path.isdir(parent):
        return []
    return [e for e in os.listdir(parent) if e.startswith("processkit-")]


def sweep_in(args, env, cgdir):
    """A later owner in the same cgroup sweeps stale groups (X5)."""
    return subprocess.run([args.pk, "run", "--mechanism", "cgroup", "--", "true"],
                          env=dict(env, CHAOS_MARKER="-"), capture_output=True, text=True,
                          timeout=20,
                          preexec_fn=lambda: open(f"{cgdir}/cgroup.procs", "w")
                          .write(str(os.getpid())))


def scenario(args, mechanism, cgdir, pause, failures):
    marker = f"chaos-guard-killed-{uuid.uuid4().hex}"
    env = dict(os.environ, CHAOS_MARKER=marker, PROCESSKIT_GUARD=args.guard)
    pk_cmd = [args.pk, "run", "--mechanism", mechanism, "--", "sh", "-c",
              "sleep 300 & sleep 300"]
    if cgdir:
        # Enter the test's own cgroup, then become pk (same pid).
        pk_cmd = ["sh", "-c", f'echo $$ > "{cgdir}/cgroup.procs" && exec "$@"', "sh", *pk_cmd]
    name = f"{mechanism}, pk killed {pause} s after its guard"
    print(f"--- {name}" + (f" (in {cgdir})" if cgdir else ""))
    # Files, not pipes: a surviving tree would hold a pipe open.
    out = tempfile.TemporaryFile()
    pk = subprocess.Popen(pk_cmd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    try:
        # The tree: sh and its two sleeps (pk itself carries the marker too).
        tree_up = wait_until(lambda: len([p for p in processes_with_marker(marker)
                                        if p != pk.pid]) >= 3, 5)
        guards = [c for c in children(pk.pid) if exe_name(c) == "processkit-guard"]
        tree = sorted(p for p in processes_with_marker(marker) if p != pk.pid)
        print(f"pk={pk.pid} guard={guards} tree={tree}")
        if not tree_up or len(guards) != 1:
            failures.append(f"{name}: could not stage: tree {tree}, guards {guards}")
            return
        os.kill(guards[0], signal.SIGKILL)
        if pause:
            # pk checks its guard every 100 ms; under a sanitizer on a loaded
            # machine renewing it can take longer than the pause, so wait (up
            # to 10 s) for what the renewal leaves: a new guard and the notice.
            def renewed():
                # pread: pk shares the file offset, a seek would misplace its writes.
                text = os.pread(out.fileno(), 1 << 16, 0).decode(errors="replace")
                notice = "protects the tree again" in text
                fresh = [c for c in children(pk.pid) if exe_name(c) == "processkit-guard"]
                return notice and len(fresh) == 1 and fresh != guards
            time.sleep(pause)
            wait_until(renewed, 10)
            tree_alive = [p for p in tree if alive(p)]
            new_guards = [c for c in children(pk.pid) if exe_name(c) == "processkit-guard"]
            print(f"{pause} s later: pk running={pk.poll() is None}, tree alive {tree_alive}, "
                  f"guards {new_guards}")
            # The run goes on, untouched, under a new guard.
            if pk.poll() is not None or tree_alive != tree or len(new_guards) != 1:
                failures.append(f"{name}: pk running={pk.poll() is None}, tree alive "
                                f"{tree_alive}, new guards {new_guards}")
        os.kill(pk.pid, signal.SIGKILL)
        pk.wait()
        out.seek(0)
        err = out.read().decode(errors="replace").strip()
        print(f"pk SIGKILLed; pk's stderr: {err!r}")
        survived = wait_until(lambda: not [p for p in tree if alive(p)], 1.0) is False
        survivors = [p for p in tree if alive(p)]
        dirs = processkit_dirs(cgdir)
        print(f"1 s after pk's death: tree alive {survivors}; processkit-* dirs {dirs}")
        if pause:
            if err.count("pk: warning: the owner-death guard died") != 1 or \
                    "protects the tree again" not in err:
                failures.append(f"{name}: expected one warning about the renewed guard: {err!r}")
            if survived:
                failures.append(f"{name}: the tree survived pk's SIGKILL under the new guard")
            if cgdir and not wait_until(lambda: not processkit_dirs(cgdir), 2):
                failures.append(f"{name}: directory left: {processkit_dirs(cgdir)}")
        elif survived and cgdir:
            # The window: the next owner under the same parent collects it.
            sweep = sweep_in(args, env, cgdir)
            gone = wait_until(lambda: not [p for p in tree if alive(p)], 3)
            dirs = processkit_dirs(cgdir)
            print(f"after another pk ran in the same cgroup (exit {sweep.returncode}): "
                  f"tree alive {[p for p in tree if alive(p)]}; processkit-* dirs {dirs}")
            if not gone or dirs:
                failures.append(f"{name}: the next owner's sweep did not collect the orphaned "
                                f"tree (alive {[p for p in tree if alive(p)]}, dirs {dirs})")
        elif survived:
            print("note: process groups: nothing collects a tree whose owner and guard "
                  "died together (documented); killed by the test")
    finally:
        if pk.poll() is None:
            pk.kill()
            pk.wait()
        out.close()
        for pid in processes_with_marker(marker):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def remove_cgroup(cgdir):
    deadline = time.monotonic() + 3
    while os.path.isdir(cgdir):
        for entry in processkit_dirs(cgdir):
            path = os.path.join(cgdir, entry)
            try:
                with open(os.path.join(path, "cgroup.kill"), "w") as f:
                    f.write("1")
                os.rmdir(path)
            except OSError:
                pass
        try:
            os.rmdir(cgdir)
        except OSError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
    return True


def main():
    args = parse_args()
    failures = []
    mount = cgroup2_mount()
    own = own_cgroup_dir(mount) if mount else None
    cgdir = None
    try:
        if own and os.access(own, os.W_OK):
            cgdir = os.path.join(own, f"chaos-guard-killed-{uuid.uuid4().hex[:12]}")
            os.mkdir(cgdir)
            for pause in (0.5, 0):
                scenario(args, "cgroup", cgdir, pause, failures)
        else:
            print("note: no writable cgroup2 here: the cgroup case is not staged")
        for pause in (0.5, 0):
            scenario(args, "pgroup", None, pause, failures)
    finally:
        if cgdir and not remove_cgroup(cgdir):
            failures.append(f"could not remove {cgdir}")
    if failures:
        print("FAILURES:")
        for f in failures:
            print(f"  {f}")
        sys.exit(1)
    print("chaos_guard_killed: ok")


main()
