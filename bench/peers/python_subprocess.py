#!/usr/bin/env python3
"""python_subprocess.py JOB N -- pk-bench's jobs done through Python's
subprocess module, for bench/compare.

  spawn N      N x subprocess.run(["/bin/true"]), stdio inherited
  capture B    subprocess.run(["head", "-c", B, "/dev/zero"],
               stdout=PIPE).stdout
  lines N      N lines of 100 bytes (`sh -c 'yes | head'`), iterated from
               Popen(...).stdout one line at a time
  fanout N     N x Popen(["/bin/sleep", "0.2"]), then wait() on each
  idle N       N x Popen(["/bin/sleep", "3600"], stdout=PIPE, stderr=PIPE)
               held: the Python heap (tracemalloc) and resident memory
               this process grew by, per child

Each job checks its own result (exit statuses, bytes, lines). Prints one
line `job=... n=... total_ms=... per_op_us=... mechanism=none ok=...` like
pk-bench; exits 1 if the check failed, 2 on bad usage.
"""
import resource
import subprocess
import sys
import time
import tracemalloc


def line_stream(n):
    # 99 characters + newline = 100 bytes a line (as bench/raw_jobs.cpp).
    return "yes " + "x" * 99 + " | head -n " + str(n)


def spawn(n):
    return all(subprocess.run(["/bin/true"]).returncode == 0 for _ in range(n))


def capture(size):
    r = subprocess.run(["/usr/bin/head", "-c", str(size), "/dev/zero"], stdout=subprocess.PIPE)
    return r.returncode == 0 and len(r.stdout) == size


def lines(n):
    seen = 0
    with subprocess.Popen(["/bin/sh", "-c", line_stream(n)], stdout=subprocess.PIPE) as p:
        for line in p.stdout:
            seen += 1 if len(line) == 100 else 0
    return p.returncode == 0 and seen == n


def fanout(n):
    children = [subprocess.Popen(["/bin/sleep", "0.2"]) for _ in range(n)]
    return all([c.wait() == 0 for c in children])


def resident_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def idle(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 3 * n + 64
    if soft != resource.RLIM_INFINITY and soft < want:
        limit = want if hard == resource.RLIM_INFINITY else min(want, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
    held = [None] * n  # the caller's list, as pk-bench idle's reserved vector
    tracemalloc.start()
    heap_before, rss_before = tracemalloc.get_traced_memory()[0], resident_bytes()
    for i in range(n):
        held[i] = subprocess.Popen(["/bin/sleep", "3600"], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
    heap_after, rss_after = tracemalloc.get_traced_memory()[0], resident_bytes()
    tracemalloc.stop()
    ok = True
    for p in held:
        p.kill()
        ok = p.wait() == -9 and ok
        p.stdout.close()
        p.stderr.close()
    note = (f"idle_heap_bytes_per_child={(heap_after - heap_before) / n:.0f} "
            f"idle_rss_bytes_per_child={(rss_after - rss_before) / n:.0f}")
    return ok, note


JOBS = {"spawn": spawn, "capture": capture, "lines": lines, "fanout": fanout, "idle": idle}


def main(argv):
    if len(argv) != 3 or argv[1] not in JOBS:
        print(f"usage: python_subprocess.py JOB N\njobs: {', '.join(JOBS)}", file=sys.stderr)
        return 2
    try:
        n = int(argv[2])
    except ValueError:
        n = 0
    if n <= 0:
        print(f"python_subprocess.py: N must be a positive integer, got '{argv[2]}'",
              file=sys.stderr)
        return 2
    start = time.perf_counter()
    ok = JOBS[argv[1]](n)
    ms = (time.perf_counter() - start) * 1000.0
    ok, note = ok if isinstance(ok, tuple) else (ok, "")
    print(f"job={argv[1]} n={n} total_ms={ms:.3f} per_op_us={ms * 1000.0 / n:.2f} "
          f"mechanism=none ok={'true' if ok else 'false'}" + (" " + note if note else ""))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
