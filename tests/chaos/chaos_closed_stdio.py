"""Chaos: pk started with its standard streams closed, as daemons and CI
runners start programs (S2). No internal descriptor may become the child's
stdio, and owner death must still kill the tree (the guard's socket must not
sit on 0-2, where a write to stdout would reach it or a child would hold it).
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

from chaos_support import kill_marked, parse_args, processes_with_marker, wait_until


def close_stdio():
    for fd in (0, 1, 2):
        os.close(fd)


def main():
    args = parse_args()
    failures = []
    marker = f"pkchaos-stdio-{os.getpid()}-{time.monotonic_ns()}"
    env = dict(os.environ, PK_CHAOS_MARKER=marker)
    with tempfile.TemporaryDirectory() as tmp:
        seen = os.path.join(tmp, "fds")
        # The shell's own 0-2, as pk handed them over (read from a
        # subshell, so no redirection of the shell's own streams is seen).
        script = ("a0=$(readlink /proc/$$/fd/0 || echo closed); "
                  "a1=$(readlink /proc/$$/fd/1 || echo closed); "
                  "a2=$(readlink /proc/$$/fd/2 || echo closed); "
                  f"echo \"$a0\" \"$a1\" \"$a2\" > {seen}; exec sleep 300")
        pk = subprocess.Popen([args.pk, "run", "--", "sh", "-c", script], env=env,
                              preexec_fn=close_stdio)
        try:
            if not wait_until(lambda: os.path.exists(seen) and open(seen).read().count("\n") == 1
                              and processes_with_marker(marker), 10):
                failures.append("the child did not start")
            else:
                fds = open(seen).read().split()
                # Whatever pk lends, never one of its own descriptors: a
                # socket, a signalfd, a pidfd, an eventfd, a cgroup file.
                for n, target in enumerate(fds):
                    if target not in ("/dev/null", "closed"):
                        failures.append(f"the child's fd {n} is {target}")
                print(f"child's 0-2: {fds}")
                os.kill(pk.pid, signal.SIGKILL)
                pk.wait()
                start = time.monotonic()
                if not wait_until(lambda: not processes_with_marker(marker), 2):
                    failures.append("the tree survived SIGKILL of a pk started with 0-2 closed")
                else:
                    print(f"tree gone {1000 * (time.monotonic() - start):.0f} ms after SIGKILL")
        finally:
            if pk.poll() is None:
                pk.kill()
                pk.wait()
            kill_marked(marker)

        # cat with its stdin closed in pk reads the null device: end-of-file
        # at once, never a signalfd or socket.
        out = os.path.join(tmp, "out")
        with open(out, "wb") as f:
            r = subprocess.run([args.pk, "run", "--", "sh", "-c", "readlink /proc/self/fd/0; cat"],
                               stdin=subprocess.DEVNULL, stdout=f, timeout=30,
                               preexec_fn=lambda: os.close(0))
        text = open(out).read()
        if r.returncode != 0 or text.strip() != "/dev/null":
            failures.append(f"cat with stdin closed: exit {r.returncode}, saw {text!r}")

    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
