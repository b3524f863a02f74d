"""Descriptor exhaustion (EMFILE): pk and the library under an RLIMIT_NOFILE
so low that creating the reactor, the group, a pipe or the child fails.

pk: for several option sets, the limit is stepped up from 3 until the run
succeeds. At every limit pk must either run the program (exit 0) or fail with
exit 125 and one `pk: ` line naming the cause ("Too many open files"), within
a few seconds; afterwards no marked process and none of that pk's
processkit-* directories may be left. Below some limit pk cannot start at all
(the dynamic loader itself needs descriptors): that is recorded, not failed.

Library: tests/chaos/chaos_limit_program (limit_program.cpp) lowers its own
limit step by step around output_string and spawns into a group until
EMFILE, checking the error's kind and message and that its descriptors
return to the baseline.
"""
import glob
import os
import subprocess
import sys
import time
import uuid

from chaos_support import parse_args, processes_with_marker, skip

CGROUP_PARENTS = ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"]
EMFILE_TEXT = os.strerror(24)  # "Too many open files"


def own_dirs(pid):
    """processkit-* directories a process with this pid created (any parent
    we know of; the name starts with processkit-<pid>-)."""
    found = []
    for parent in CGROUP_PARENTS:
        found += glob.glob(os.path.join(parent, f"processkit-{pid}-*"))
    return found


def wait_gone(marker, pid, seconds=3.0):
    """True once no marked process and no directory of `pid` is left."""
    deadline = time.monotonic() + seconds
    while True:
        left = processes_with_marker(marker)
        dirs = own_dirs(pid)
        if not left and not dirs:
            return True, [], []
        if time.monotonic() > deadline:
            return False, left, dirs
        time.sleep(0.02)


def run_pk(args, marker, options, limit):
    """One pk run under RLIMIT_NOFILE = limit. Returns (verdict, detail,
    failure) where verdict is "ok", "refused", "no-start"."""
    env = dict(os.environ, CHAOS_MARKER=marker, PROCESSKIT_GUARD=args.guard)
    cmd = ["prlimit", f"--nofile={limit}:{limit}", args.pk, "run", *options, "--",
           "sh", "-c", "sleep 30 >/dev/null 2>&1 & echo ok"]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True)
    try:
        out, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return "hang", f"no exit within 10 s; stderr={err!r}", "pk hung"
    took = time.monotonic() - start
    rc = proc.returncode
    # A guard that could not start is said first, as a warning (S6); the
    # error that ends the run is the one other line.
    lines = [line for line in err.splitlines()
             if line.strip() and not line.startswith("pk: warning: ")]
    failure = None
    if rc == 0:
        verdict = "ok"
        if "ok" not in out:
            failure = f"exit 0 without the program's output: {out!r}"
    elif rc == 127 and "error while loading shared libraries" in err:
        verdict = "no-start"  # ld.so could not open pk's libraries: pk never ran
    elif rc == 125:
        verdict = "refused"
        if len(lines) != 1 or not lines[0].startswith("pk: ") or EMFILE_TEXT not in lines[0]:
            failure = f"exit 125 without one 'pk: ... {EMFILE_TEXT}' line: {err!r}"
    elif rc < 0:
        verdict = "crash"
        failure = f"pk died of signal {-rc}: {err!r}"
    else:
        verdict = f"exit {rc}"
        failure = f"undocumented exit {rc} for EMFILE: {err!r}"
    # proc.pid is pk's pid: prlimit execs it.
    gone, left, dirs = wait_gone(marker, proc.pid)
    if not gone:
        failure = (failure + "; " if failure else "") + \
            f"left behind: marked pids {left}, directories {dirs}"
    shown = out.strip() if rc == 0 else (lines[0] if lines else "")
    detail = f"exit {rc} in {took * 1000:.0f} ms: {shown!r}"
    return verdict, detail, failure


def main():
    args = parse_args()
    if args.sanitize:
        # The sanitizer runtimes need descriptors of their own at the limits
        # this test sets: UBSan's vptr check probes memory through a pipe and
        # reports a false "invalid vptr" when it cannot make one (seen under
        # the asan preset). The dev preset runs this test for real.
        skip(f"a {args.sanitize} build: its runtime needs descriptors of its own under EMFILE")
    if not any(os.access(p, os.X_OK) for p in ["/usr/bin/prlimit", "/bin/prlimit"]):
        skip("prlimit (util-linux) is not installed")
    marker = f"chaos-emfile-{uuid.uuid4().hex}"
    failures = []
    try:
        variants = [[], ["--json"], ["--timeout", "5s", "--grace", "100ms"], ["--profile"],
                    ["--mechanism", "pgroup"]]
        for options in variants:
            name = " ".join(options) or "(no options)"
            print(f"pk run {name}:")
            for limit in range(3, 40):
                verdict, detail, failure = run_pk(args, marker, options, limit)
                print(f"  nofile={limit}: {verdict}: {detail}")
                if failure:
                    failures.append(f"pk run {name} nofile={limit}: {failure}")
                    print(f"    FAIL: {failure}")
                if verdict == "ok":
                    break
            else:
                failures.append(f"pk run {name}: no limit up to 39 let it run")

        program = os.path.join(args.bindir, "tests", "chaos", "chaos_limit_program")
        print(f"library ({program}):")
        env = dict(os.environ, PROCESSKIT_GUARD=args.guard)
        lib = subprocess.Popen([program, marker], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL)
        try:
            out, _ = lib.communicate(timeout=40)
            sys.stdout.write(out)
            if lib.returncode != 0:
                failures.append(f"chaos_limit_program exited {lib.returncode}")
        except subprocess.TimeoutExpired:
            lib.kill()
            lib.communicate()
            failures.append("chaos_limit_program did not finish within 40 s")
        gone, left, dirs = wait_gone(marker, lib.pid)
        if not gone:
            failures.append(f"chaos_limit_program left marked pids {left}, dirs {dirs}")
    finally:
        for pid in processes_with_marker(marker):
            try:
                os.kill(pid, 9)
            except OSError:
                pass
    if failures:
        print("FAILURES:")
        for f in failures:
            print(f"  {f}")
        sys.exit(1)
    print("chaos_emfile: ok")


main()
