"""The owner-death guard killed before its owner.

`pk run -- sh -c 'sleep 300 & sleep 300'` (marked) is started; its guard
(the processkit-guard child of pk) is SIGKILLed, then pk is SIGKILLed, and
the fate of the tree is recorded. Two mechanisms:

  cgroup   pk runs inside a cgroup directory made for this test, so that no
           other owner's stale-group sweep (X5) in the shared parent can
           interfere; afterwards a second pk started in the same directory
           shows whether its sweep collects the orphaned tree;
  pgroup   --mechanism pgroup: nothing but the guard would kill the tree.

Lines marked `# OUTCOME:` assert what is observed today; adjust them when
the documented behaviour (guard death detected by the owner) is decided.
The tree is always killed at the end, and the test's directories removed.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid

from chaos_support import parse_args, processes_with_marker


def cgroup2_mount():
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            if fields[fields.index("-") + 1] == "cgroup2":
                return fields[4]
    return None


def own_cgroup_dir(mount):
    with open("/proc/self/cgroup") as f:
        for line in f:
            if line.startswith("0::"):
                return os.path.normpath(mount + "/" + line[3:].strip())
    return None


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        return stat[stat.rindex(")") + 2] not in "ZX"
    except (OSError, ValueError):
        return False


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


def wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def processkit_dirs(parent):
    if not parent or not os.path.isdir(parent):
        return []
    return [e for e in os.listdir(parent) if e.startswith("processkit-")]


def scenario(args, mechanism, cgdir, failures):
    marker = f"chaos-guard-killed-{uuid.uuid4().hex}"
    env = dict(os.environ, CHAOS_MARKER=marker, PROCESSKIT_GUARD=args.guard)
    pk_cmd = [args.pk, "run", "--mechanism", mechanism, "--", "sh", "-c",
              "sleep 300 & sleep 300"]
    if cgdir:
        # Enter the test's own cgroup, then become pk (same pid).
        pk_cmd = ["sh", "-c", f'echo $$ > "{cgdir}/cgroup.procs" && exec "$@"', "sh", *pk_cmd]
    print(f"--- {mechanism}" + (f" (in {cgdir})" if cgdir else ""))
    # Files, not pipes: a surviving tree would hold a pipe open.
    out = tempfile.TemporaryFile()
    pk = subprocess.Popen(pk_cmd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    try:
        # The tree: sh and its two sleeps (pk itself carries the marker too).
        tree_up = wait_for(lambda: len([p for p in processes_with_marker(marker)
                                        if p != pk.pid]) >= 3, 5)
        guards = [c for c in children(pk.pid) if exe_name(c) == "processkit-guard"]
        tree = sorted(p for p in processes_with_marker(marker) if p != pk.pid)
        print(f"pk={pk.pid} guard={guards} tree={tree}")
        if not tree_up or len(guards) != 1:
            failures.append(f"{mechanism}: could not stage: tree {tree}, guards {guards}")
            return
        guard = guards[0]

        os.kill(guard, signal.SIGKILL)
        time.sleep(0.5)
        pk_alive = pk.poll() is None
        tree_alive = [p for p in tree if alive(p)]
        print(f"guard SIGKILLed: pk {'running' if pk_alive else f'exited {pk.returncode}'}, "
              f"tree alive {tree_alive}")
        # OUTCOME: today pk does not notice its guard's death: it keeps running
        # and the tree is untouched.
        if not pk_alive or tree_alive != tree:
            failures.append(f"{mechanism}: after the guard's death: pk alive={pk_alive}, "
                            f"tree alive={tree_alive} (expected pk running, whole tree alive)")

        os.kill(pk.pid, signal.SIGKILL)
        pk.wait()
        out.seek(0)
        err = out.read().decode(errors="replace").strip()
        print(f"pk SIGKILLed: exit {pk.returncode}; pk's stderr: {err!r}")
        # OUTCOME: pk printed nothing about its guard (no warning on stderr).
        if err:
            print(f"note: pk said something: {err!r}")
        time.sleep(1.0)
        survivors = [p for p in tree if alive(p)]
        dirs = processkit_dirs(cgdir)
        print(f"1 s after pk's death: tree alive {survivors}; processkit-* dirs {dirs}")
        # OUTCOME: with neither guard nor owner, nothing kills the tree: it
        # survives silently (and its cgroup directory stays).
        if survivors != tree:
            failures.append(f"{mechanism}: tree alive after owner+guard death: {survivors} "
                            f"(observed outcome was: all of {tree})")

        if cgdir:
            # A later owner in the same cgroup sweeps stale groups (X5).
            sweep = subprocess.run([args.pk, "run", "--mechanism", "cgroup", "--", "true"],
                                   env=dict(env, CHAOS_MARKER="-"), capture_output=True,
                                   text=True, timeout=20,
                                   preexec_fn=lambda: open(f"{cgdir}/cgroup.procs", "w")
                                   .write(str(os.getpid())))
            gone = wait_for(lambda: not [p for p in tree if alive(p)], 3)
            dirs = processkit_dirs(cgdir)
            print(f"after another pk ran in the same cgroup (exit {sweep.returncode}): "
                  f"tree alive {[p for p in tree if alive(p)]}; processkit-* dirs {dirs}")
            # OUTCOME: the next owner's stale-group sweep kills the orphaned
            # tree and removes its directory.
            if not gone or dirs:
                failures.append(f"{mechanism}: the next owner's sweep did not collect the "
                                f"orphaned tree (alive {[p for p in tree if alive(p)]}, "
                                f"dirs {dirs})")
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
            scenario(args, "cgroup", cgdir, failures)
        else:
            print("note: no writable cgroup2 here: the cgroup case is not staged")
        scenario(args, "pgroup", None, failures)
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
