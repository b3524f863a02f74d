#!/usr/bin/env python3
"""End-to-end tests of the pk binary with real processes.

Usage: pk_e2e_test.py PATH/TO/pk [--mechanism pgroup] [-k SUBSTRING]

Every test runs pk with a unique PK_TEST_MARKER in the environment, so the
processes it started can be found through /proc/*/environ; after each test
none may be left. Timing is only used for correctness bounds (a tree gone
within 1 s of pk's SIGKILL) and for generous upper bounds against hangs.
"""
import fcntl
import hashlib
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
import traceback
import uuid
import xml.etree.ElementTree as ET

PK = os.path.abspath(sys.argv[1])
MECH = sys.argv[sys.argv.index("--mechanism") + 1] if "--mechanism" in sys.argv else None
ONLY = sys.argv[sys.argv.index("-k") + 1] if "-k" in sys.argv else None
CGROUP = None  # set in main(): does this run use the cgroup mechanism?
HANG = 60  # seconds: a run that takes longer than this is a hang

RESULT_KEYS = ["program", "args", "mechanism", "exit_code", "signal", "timed_out",
               "duration_ms", "cpu_ms", "peak_memory_bytes", "max_processes", "samples",
               "stdout", "stderr", "stdout_truncated", "stderr_truncated"]
SAMPLE_KEYS = ["t_ms", "active_process_count", "cpu_ms", "memory_bytes"]

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


class Ctx:
    """Per-test marker and temporary directory."""

    def __init__(self):
        self.marker = "pkcli-" + uuid.uuid4().hex
        self.tmp = tempfile.mkdtemp(prefix="pkcli-")
        self.env = dict(os.environ, PK_TEST_MARKER=self.marker)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def argv(self, args, mechanism=True):
        mech = ["--mechanism", MECH] if (MECH and mechanism) else []
        return [PK, "run", *mech, *args]

    def run(self, args, input=None, stdin=None, mechanism=True, text=False, **kw):
        return subprocess.run(self.argv(args, mechanism), input=input, stdin=stdin,
                              capture_output=True, env=self.env, timeout=HANG, text=text, **kw)

    def popen(self, args, **kw):
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        return subprocess.Popen(self.argv(args), env=self.env, **kw)

    def json(self, args, **kw):
        r = self.run(["--json", *args], **kw)
        lines = r.stdout.decode("utf-8").splitlines()
        assert len(lines) == 1, f"expected one JSON line, got {r.stdout[:300]!r} / {r.stderr!r}"
        return r, json.loads(lines[0])


def marked_processes(marker):
    """Live, non-zombie pids whose environment or argv holds the marker."""
    found = []
    needle = marker.encode()
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
            if state in (b"Z", b"X"):
                continue
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = f.read()
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if needle in env or needle in cmd:
            found.append(int(pid))
    return found


def gone_within(marker, seconds):
    deadline = time.monotonic() + seconds
    while True:
        left = marked_processes(marker)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.01)


def wait_for_processes(marker, count, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if len(marked_processes(marker)) >= count:
            return
        time.sleep(0.01)
    raise AssertionError(f"expected {count} processes with the marker, saw "
                         f"{len(marked_processes(marker))}")


def comm_of(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return None


def session_leader(pid):
    try:
        return os.getsid(pid) == pid
    except OSError:
        return False


def wait_until(predicate, seconds):
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {predicate.__name__}")
        time.sleep(0.01)


def assert_pk_error(r, status, *words):
    err = r.stderr.decode() if isinstance(r.stderr, bytes) else r.stderr
    assert r.returncode == status, f"status {r.returncode} != {status}; stderr {err!r}"
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one stderr line, got {err!r}"
    assert lines[0].startswith("pk: "), lines[0]
    for w in words:
        assert w in lines[0], f"{w!r} not in {lines[0]!r}"


# --- exit statuses -------------------------------------------------------------------


@test
def exit_codes_pass_through(c):
    for code in (0, 1, 3, 42, 255):
        r = c.run(["sh", "-c", f"exit {code}"])
        assert r.returncode == code, (code, r)
        assert r.stderr == b""


@test
def death_by_signal_is_128_plus_n(c):
    for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGSEGV):
        r = c.run(["sh", "-c", f"kill -{int(sig)} $$"])
        assert r.returncode == 128 + sig, (sig, r)


@test
def not_found_is_127(c):
    r = c.run(["pk-no-such-program-" + c.marker])
    assert_pk_error(r, 127, "pk-no-such-program-", "not found")
    r = c.run([c.path("missing")])
    assert_pk_error(r, 127, c.path("missing"))


@test
def not_executable_is_126(c):
    f = c.path("data.txt")
    with open(f, "w") as fh:
        fh.write("not a program\n")
    os.chmod(f, 0o644)
    assert_pk_error(c.run([f]), 126, f, "not executable")
    assert_pk_error(c.run([c.tmp]), 126, c.tmp, "directory")


# --- pk's own failures: exit 125, one line -------------------------------------------


@test
def bad_command_lines_are_125(c):
    cases = [
        ([], "missing PROGRAM"),
        (["--bogus", "true"], "--bogus"),
        (["--timeout"], "--timeout"),
        (["--timeout", "5", "true"], "'5'"),
        (["--timeout", "abc", "true"], "--timeout"),
        (["--grace", "1x", "true"], "--grace"),
        (["--signal", "NOPE", "true"], "--signal"),
        (["--mechanism", "docker", "true"], "--mechanism"),
        (["--keep", "middle", "true"], "--keep"),
        (["--max-output", "1K", "true"], "--json"),
        (["--max-output", "lots", "--json", "true"], "--max-output"),
        (["--memory-max", "0", "true"], "--memory-max"),
        (["--pids-max", "-1", "true"], "--pids-max"),
        (["--cpu-max", "zero", "true"], "--cpu-max"),
        (["--sample-every", "0ms", "true"], "--sample-every"),
        (["--env", "NOVALUE", "true"], "--env"),
        (["--json=1", "true"], "--json"),
    ]
    for args, word in cases:
        assert_pk_error(c.run(args, mechanism=False), 125, word)
    for argv, word in ([[PK], "missing command"], [[PK, "frobnicate"], "frobnicate"],
                       [[PK, "--frob"], "--frob"], [[PK, "doctor", "--x"], "--x"]):
        r = subprocess.run(argv, capture_output=True, timeout=HANG)
        assert_pk_error(r, 125, word)


@test
def missing_inputs_are_125(c):
    assert_pk_error(c.run(["--cwd", c.path("nope"), "true"]), 125, "--cwd", c.path("nope"))
    f = c.path("file")
    open(f, "w").close()
    assert_pk_error(c.run(["--cwd", f, "true"]), 125, "--cwd", "not a directory")
    assert_pk_error(c.run(["--stdin", c.path("nope"), "cat"]), 125, "--stdin", c.path("nope"))
    bad = c.path("no/such/dir/stats.jsonl")
    assert_pk_error(c.run(["--stats-out", bad, "true"]), 125, "--stats-out", bad)
    assert_pk_error(c.run(["--plot", c.path("no/dir/p.svg"), "true"]), 125, "--plot")


@test
def unavailable_mechanism_is_125(c):
    if os.geteuid() != 0:
        r = c.run(["--mechanism", "cgroup", "true"], mechanism=False)
        if r.returncode == 125:
            assert_pk_error(r, 125, "--mechanism cgroup")
        return
    # As nobody there is no writable cgroup: requiring one must fail loudly.
    guard = os.environ.get("PROCESSKIT_GUARD")
    env = dict(c.env)
    if guard:
        env["PROCESSKIT_GUARD"] = guard
    r = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", PK,
                        "run", "--mechanism", "cgroup", "true"],
                       capture_output=True, env=env, timeout=HANG, cwd="/")
    assert_pk_error(r, 125, "--mechanism cgroup", "not available")


@test
def limits_are_enforced_or_refused(c):
    for args in (["--memory-max", "64M"], ["--pids-max", "8"], ["--cpu-max", "0.5"]):
        r = c.run([*args, "true"])
        if r.returncode == 125:
            assert_pk_error(r, 125, "limit")
            continue
        assert r.returncode == 0, r
        if args[0] == "--memory-max":
            hog = c.run([*args, "python3", "-c", "b = bytearray(512 << 20); b[::4096] = b'x' * len(b[::4096])"])
            assert hog.returncode == 128 + signal.SIGKILL, hog
        if args[0] == "--pids-max":
            forks = c.run([*args, "sh", "-c",
                           "for i in $(seq 20); do sleep 1 & done 2>/dev/null; "
                           "n=$(jobs -p | wc -l); echo $n"], text=True)
            assert int(forks.stdout.split()[-1]) < 20, forks


# --- pass-through --------------------------------------------------------------------


@test
def stdout_and_stderr_byte_exact_100mb(c):
    src = c.path("random.bin")
    with open(src, "wb") as f:
        for _ in range(100):
            f.write(os.urandom(1 << 20))
    with open(src, "rb") as f:
        want = hashlib.sha256(f.read()).hexdigest()
    out, err = c.path("out.bin"), c.path("err.bin")
    with open(out, "wb") as o, open(err, "wb") as e:
        r = subprocess.run(c.argv(["sh", "-c", 'cat "$1"; cat "$1" >&2', "sh", src]),
                           stdout=o, stderr=e, env=c.env, timeout=HANG)
    assert r.returncode == 0
    for p in (out, err):
        with open(p, "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == want, p


@test
def stdin_passes_through(c):
    data = os.urandom(5 << 20) + b"\n\r\n\0 end"
    r = c.run(["sha256sum"], input=data)
    assert r.returncode == 0
    assert r.stdout.split()[0].decode() == hashlib.sha256(data).hexdigest()
    f = c.path("in.bin")
    with open(f, "wb") as fh:
        fh.write(data)
    r = c.run(["--stdin", f, "sha256sum"], input=b"not this")
    assert r.stdout.split()[0].decode() == hashlib.sha256(data).hexdigest()
    # Under --json stdin still comes from pk's stdin.
    r, j = c.json(["cat"], input=b"piped\n")
    assert j["stdout"] == "piped\n"


@test
def output_is_streamed(c):
    p = c.popen(["sh", "-c", "echo first; exec sleep 30"])
    try:
        ready, _, _ = select.select([p.stdout], [], [], 20)
        assert ready, "no output while the program runs"
        assert os.read(p.stdout.fileno(), 100) == b"first\n"
        assert p.poll() is None, "pk ended before the program"
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(HANG) == 128 + signal.SIGTERM
        p.communicate()
    assert not gone_within(c.marker, 2)


@test
def environment_and_directory(c):
    r = c.run(["--env", "PK_A=1=2", "--env", "PK_B=", "--unset", "HOME", "--cwd", c.tmp,
               "sh", "-c", 'echo "$PK_A|$PK_B|${HOME-unset}|$(pwd)"'], text=True)
    assert r.stdout == f"1=2||unset|{os.path.realpath(c.tmp)}\n", r
    r = c.run(["--env-clear", "--env", "ONLY=1", "/usr/bin/env"], text=True)
    assert r.stdout == "ONLY=1\n", r


@test
def child_starts_with_default_signal_dispositions(c):
    def ignore_and_block():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGQUIT, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})

    r = subprocess.run(c.argv(["grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status"]),
                       capture_output=True, text=True, env=c.env, timeout=HANG,
                       preexec_fn=ignore_and_block)
    assert r.returncode == 0, r
    fields = dict(line.split(":\t") for line in r.stdout.splitlines())
    assert int(fields["SigIgn"], 16) == 0, r.stdout
    assert int(fields["SigBlk"], 16) == 0, r.stdout


# --- JSON ------------------------------------------------------------------------------


@test
def json_result_keys_and_types(c):
    r, j = c.json(["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert r.returncode == 3
    assert list(j) == RESULT_KEYS, list(j)
    assert j["program"] == "sh" and j["args"] == ["-c", "echo out; echo err >&2; exit 3"]
    assert j["mechanism"] == ("cgroup" if CGROUP else "pgroup")
    assert j["exit_code"] == 3 and j["signal"] is None and j["timed_out"] is False
    assert j["stdout"] == "out\n" and j["stderr"] == "err\n"
    assert j["stdout_truncated"] is False and j["stderr_truncated"] is False
    assert isinstance(j["duration_ms"], int) and j["duration_ms"] >= 0
    assert isinstance(j["samples"], int) and j["samples"] >= 1
    for k in ("cpu_ms", "peak_memory_bytes", "max_processes"):
        assert j[k] is None or (isinstance(j[k], int) and j[k] >= 0), (k, j[k])
    r, j = c.json(["sh", "-c", "kill -TERM $$"])
    assert r.returncode == 143 and j["exit_code"] is None and j["signal"] == 15


@test
def json_invalid_utf8_becomes_replacement_character(c):
    r, j = c.json(["printf", "a\\377b\\300\\n"])
    assert j["stdout"] == "a\ufffdb\ufffd\n", j["stdout"]
    r, j = c.json(["sh", "-c", "printf '\\355\\240\\200x' >&2"])
    assert j["stderr"].endswith("x") and "\ufffd" in j["stderr"], j["stderr"]


@test
def json_max_output_head_and_tail(c):
    prog = ["sh", "-c", "seq 1 10000; seq 1 10000 >&2"]
    _, j = c.json(["--max-output", "10", "--keep", "head", *prog])
    assert j["stdout"] == "1\n2\n3\n4\n5\n" and j["stdout_truncated"] and j["stderr_truncated"]
    _, j = c.json(["--max-output", "10", "--keep", "tail", *prog])
    assert j["stdout"] == "\n9999\n10000\n"[-10:] or j["stdout"].endswith("10000\n"), j
    assert len(j["stdout"]) <= 10 and j["stdout_truncated"]
    _, j = c.json(["--max-output", "1M", *prog])
    assert not j["stdout_truncated"] and j["stdout"].count("\n") == 10000


@test
def json_large_output_on_both_streams(c):
    script = ("import sys\n"
              "for i in range(400):\n"
              "    sys.stdout.write('o' * 65535 + '\\n'); sys.stderr.write('e' * 65535 + '\\n')\n")
    r, j = c.json(["python3", "-c", script])
    assert r.returncode == 0
    assert len(j["stdout"]) == 400 * 65536 and len(j["stderr"]) == 400 * 65536


@test
def json_grandchild_holding_the_pipe(c):
    start = time.monotonic()
    r, j = c.json(["sh", "-c", "sleep 100 & echo done"])
    assert r.returncode == 0 and j["stdout"] == "done\n", j
    assert time.monotonic() - start < 30
    assert not gone_within(c.marker, 1), "the grandchild survived"


# --- timeouts and signals --------------------------------------------------------------


@test
def timeout_kills_the_tree(c):
    r, j = c.json(["--timeout", "300ms", "sh", "-c", "sleep 100 & sleep 100 & wait"])
    assert r.returncode == 124 and j["timed_out"] is True and j["signal"] == 15, (r, j)
    assert not gone_within(c.marker, 1)


@test
def timeout_with_a_term_trap(c):
    # The trap runs and exits: still 124, with PROGRAM's own code in the JSON.
    r, j = c.json(["--timeout", "300ms", "--grace", "20s", "sh", "-c",
                   "trap 'echo trapped; exit 7' TERM; sleep 100 & wait"])
    assert r.returncode == 124 and j["exit_code"] == 7 and j["stdout"] == "trapped\n", (r, j)
    assert j["duration_ms"] < 15000
    # TERM ignored: killed after the grace.
    r, j = c.json(["--timeout", "200ms", "--grace", "300ms", "sh", "-c",
                   "trap '' TERM; sleep 100 & wait; sleep 100"])
    assert r.returncode == 124 and j["signal"] == 9, (r, j)
    assert not gone_within(c.marker, 1)
    # Another signal, and a zero grace.
    r, j = c.json(["--timeout", "200ms", "--signal", "INT", "sh", "-c",
                   "trap 'exit 5' INT; sleep 100 & wait"])
    assert r.returncode == 124 and j["exit_code"] == 5, (r, j)
    r, j = c.json(["--timeout", "200ms", "--grace", "0s", "sh", "-c", "trap '' TERM; sleep 100"])
    assert r.returncode == 124 and j["signal"] == 9, (r, j)
    assert not gone_within(c.marker, 1)


@test
def stop_signals_are_forwarded_to_the_tree(c):
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        c.marker = "pkcli-" + uuid.uuid4().hex
        c.env["PK_TEST_MARKER"] = c.marker
        p = c.popen(["--grace", "500ms", "sh", "-c",
                     f"trap 'echo got {int(sig)}; exit 9' {sig.name[3:]}; "
                     "sleep 100 & sleep 100 & wait"])
        wait_for_processes(c.marker, 4)  # pk, sh, two sleeps
        p.send_signal(sig)
        out, _ = p.communicate(timeout=HANG)
        assert p.returncode == 128 + sig, (sig, p.returncode)
        assert out == f"got {int(sig)}\n".encode(), out
        assert not gone_within(c.marker, 1), sig


@test
def signal_to_pk_escalates_after_the_grace(c):
    p = c.popen(["--grace", "300ms", "sh", "-c", "trap '' TERM; sleep 100"])
    wait_for_processes(c.marker, 3)  # pk, sh (its trap set), sleep
    p.send_signal(signal.SIGTERM)
    p.communicate(timeout=HANG)
    assert p.returncode == 128 + signal.SIGTERM
    assert not gone_within(c.marker, 1)


@test
def sigkill_of_pk_kills_the_tree_within_1s(c):
    p = c.popen(["sh", "-c", "sleep 100 & setsid sleep 100 & sleep 100"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def settled():
        # Three sleeps running, and the setsid one already in a session of its
        # own: only then is it decided which of them a process group can hold.
        sleeps = [pid for pid in marked_processes(c.marker) if comm_of(pid) == "sleep"]
        return len(sleeps) == 3 and any(session_leader(pid) for pid in sleeps)

    wait_until(settled, HANG)
    escaped = set() if CGROUP else {
        pid for pid in marked_processes(c.marker) if session_leader(pid)}
    p.kill()
    p.wait(HANG)
    left = gone_within(c.marker, 1.0)
    # Process groups: a setsid child escapes (docs/platform-support.md);
    # everything else must be gone.
    for pid in escaped:
        os.kill(pid, signal.SIGKILL)
    left = [pid for pid in left if pid not in escaped]
    assert not left, f"still alive 1 s after pk was killed: {left}"


# --- leftovers -----------------------------------------------------------------------


@test
def leftovers_are_killed_when_program_exits(c):
    cases = [["sh", "-c", "sleep 100 & echo started"]]
    if CGROUP:  # these escape a process group by design
        cases.append(["sh", "-c", "setsid sleep 100 & echo started"])
        cases.append(["python3", "-c",
                      "import os, time\n"
                      "if os.fork() == 0:\n"
                      "    os.setsid()\n"
                      "    if os.fork() == 0:\n"
                      "        os.closerange(0, 3); time.sleep(100)\n"
                      "    os._exit(0)\n"
                      "os.wait(); print('started')\n"])
    else:
        cases.append(["sh", "-c", "(sleep 100 &) ; echo started"])
    for args in cases:
        r = c.run(args)
        assert r.returncode == 0 and r.stdout == b"started\n", (args, r)
        assert not gone_within(c.marker, 1), args


# --- profile, stats, plot --------------------------------------------------------------


BURN = ("for i in 1 2; do (python3 -c 'import time\nt=time.process_time()\n"
        "while time.process_time() - t < 0.4: pass') & done; wait")


@test
def cpu_includes_exited_grandchildren(c):
    if not CGROUP:
        return  # no tree-wide CPU accounting with process groups
    # The busy grandchild is never waited for by its parent: only the
    # cgroup's accounting can see its CPU time.
    r, j = c.json(["sh", "-c",
                   "python3 -c 'import time\nt=time.process_time()\n"
                   "while time.process_time() - t < 0.5: pass' & "
                   "sleep 1; exit 0"])
    assert r.returncode == 0
    assert j["cpu_ms"] is not None and j["cpu_ms"] >= 450, j


@test
def profile_stats_and_plot(c):
    stats, plot = c.path("stats.jsonl"), c.path("chart.svg")
    r = c.run(["--profile", "--sample-every", "50ms", "--stats-out", stats, "--plot", plot,
               "sh", "-c", BURN], text=True)
    assert r.returncode == 0, r
    for label in ("wall time", "CPU time", "average cores", "peak memory", "peak processes",
                  "samples", "mechanism"):
        assert label in r.stderr, (label, r.stderr)
    with open(stats) as f:
        samples = [json.loads(line) for line in f]
    assert len(samples) >= 3, samples
    assert all(list(s) == SAMPLE_KEYS for s in samples), samples[0]
    ts = [s["t_ms"] for s in samples]
    assert ts == sorted(ts)
    assert max(s["active_process_count"] for s in samples) >= 2
    if CGROUP:
        cpu = [s["cpu_ms"] for s in samples]
        assert all(x is not None for x in cpu) and cpu == sorted(cpu) and cpu[-1] > 100, cpu
    root = ET.parse(plot).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    for label in ("time (s)", "CPU (cores)", "memory (MiB)", "live processes"):
        assert label in texts, (label, texts)
    lines = list(root.iter("{http://www.w3.org/2000/svg}polyline"))
    # memory and processes always; CPU only where the tree's CPU time is known
    assert len(lines) == (3 if CGROUP else 2), len(lines)
    r, j = c.json(["--sample-every", "50ms", "sh", "-c", BURN])
    assert j["samples"] >= 3 and j["max_processes"] >= 2, j
    if CGROUP:
        assert j["cpu_ms"] >= 700, j


# --- hardening (issue 13) ---------------------------------------------------------------


def sh_pk(c, script, **kw):
    """Runs `sh -c script` with $PK set to pk run (and the mechanism option)."""
    env = dict(c.env, PK=" ".join(c.argv([])))
    return subprocess.run(["sh", "-c", script], capture_output=True, env=env, timeout=HANG, **kw)


@test
def closed_std_descriptors_become_dev_null(c):
    start = time.monotonic()
    r = sh_pk(c, 'exec $PK -- cat <&-')
    assert r.returncode == 0 and r.stdout == b"" and r.stderr == b"", r
    assert time.monotonic() - start < 10
    # PROGRAM's stdin is /dev/null, never one of pk's own descriptors.
    r = sh_pk(c, 'exec $PK -- readlink /proc/self/fd/0 <&-')
    assert r.returncode == 0 and r.stdout == b"/dev/null\n", r
    r = sh_pk(c, 'exec $PK -- readlink /proc/self/fd/2 2>&-')
    assert r.returncode == 0 and r.stdout == b"/dev/null\n", r
    # With --json and no stdout there is nowhere to put the result: say so.
    r = sh_pk(c, 'exec $PK --json -- echo hi >&-')
    assert_pk_error(r, 125, "JSON result", "stdout is closed")


@test
def json_write_failures_are_125(c):
    with open("/dev/full", "wb") as full:
        r = subprocess.run(c.argv(["--json", "echo", "hi"]), stdout=full, stderr=subprocess.PIPE,
                           env=c.env, timeout=HANG)
    assert_pk_error(r, 125, "JSON result", "No space left")
    if os.path.exists("/dev/full"):
        r = c.run(["--stats-out", "/dev/full", "true"])
        assert_pk_error(r, 125, "--stats-out", "/dev/full")
        r = c.run(["--json", "--plot", "/dev/full", "true"])
        assert_pk_error(r, 125, "--plot", "/dev/full")
        assert r.stdout == b"", "a failure prints no JSON object"


def make_fifo(c):
    fifo = c.path("fifo")
    os.mkfifo(fifo)
    return fifo


@test
def stdin_fifo_is_opened_once(c):
    fifo = make_fifo(c)
    p = c.popen(["--stdin", fifo, "cat"])
    time.sleep(0.3)
    writer = subprocess.run(["sh", "-c", 'printf hello > "$1"', "sh", fifo], timeout=HANG)
    out, err = p.communicate(timeout=HANG)
    assert writer.returncode == 0, f"writer status {writer.returncode} (141: SIGPIPE)"
    assert p.returncode == 0 and out == b"hello", (p.returncode, out, err)
    # More than a pipe buffer, written before PROGRAM starts reading.
    p = c.popen(["--stdin", fifo, "wc", "-c"])
    writer = subprocess.run(["sh", "-c", 'head -c 3000000 /dev/zero > "$1"', "sh", fifo],
                            timeout=HANG)
    out, _ = p.communicate(timeout=HANG)
    assert writer.returncode == 0 and out.split() == [b"3000000"], (writer.returncode, out)
    # A writer that opens and closes: PROGRAM reads end of file.
    p = c.popen(["--stdin", fifo, "cat"])
    subprocess.run(["sh", "-c", ': > "$1"', "sh", fifo], timeout=HANG)
    out, _ = p.communicate(timeout=HANG)
    assert p.returncode == 0 and out == b""


@test
def stdin_fifo_without_writer_is_interruptible(c):
    fifo = make_fifo(c)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        p = c.popen(["--stdin", fifo, "cat"])
        time.sleep(0.5)
        assert p.poll() is None, "pk should wait for a writer"
        start = time.monotonic()
        p.send_signal(sig)
        p.communicate(timeout=HANG)
        assert p.returncode == 128 + sig, (sig, p.returncode)
        assert time.monotonic() - start < 2, "not prompt"
        assert not gone_within(c.marker, 1)
    assert_pk_error(c.run(["--stdin", c.tmp, "cat"]), 125, "--stdin", "directory")


@test
def json_default_cap_keeps_the_tail(c):
    big = (64 << 20) + 1000
    script = f"head -c {big} /dev/zero | tr '\\0' x; echo END"
    r, j = c.json(["sh", "-c", script])
    assert r.returncode == 0
    assert len(j["stdout"]) == 64 << 20 and j["stdout"].endswith("xxEND\n"), len(j["stdout"])
    assert j["stdout_truncated"] is True and j["stderr_truncated"] is False
    r, j = c.json(["--max-output", "unlimited", "sh", "-c", script])
    assert len(j["stdout"]) == big + 4 and j["stdout_truncated"] is False
    # An explicit cap keeps the head, as before.
    r, j = c.json(["--max-output", "4", "sh", "-c", "echo abcdefgh"])
    assert j["stdout"] == "abcd" and j["stdout_truncated"] is True
    # NUL bytes and controls come out as valid JSON.
    r, j = c.json(["printf", "a\\000b\\001\\033c"])
    assert j["stdout"] == "a\x00b\x01\x1bc", j["stdout"]


@test
def plot_is_well_formed_xml_whatever_the_title(c):
    plot = c.path("chart.svg")
    weird = [b"\xff\x01\x1b<&>", "é€😀".encode() * 40 + b"\xe2\x82", b"\xef\xbf\xbe\x02"]
    r = subprocess.run([os.fsencode(a) for a in c.argv(["--plot", plot, "--sample-every",
                                                        "10ms", "sh", "-c", "sleep 0.1"])]
                       + weird, capture_output=True, env=c.env, timeout=HANG)
    assert r.returncode == 0, r
    root = ET.parse(plot).getroot()
    title = root.find("{http://www.w3.org/2000/svg}title").text
    assert title.startswith("pk run sh") and title.endswith("..."), title


@test
def usage_errors_never_show_environment_values(c):
    for args, words in ((["--unset", "API_KEY=secretvalue"], ["--unset", "API_KEY"]),
                        (["--env", "secretvalue"], ["--env"]),
                        (["--env=secretvalue"], ["--env"])):
        r = c.run([*args, "true"], mechanism=False)
        assert_pk_error(r, 125, *words)
        assert b"secret" not in r.stderr, r.stderr


# --- help, version, doctor -------------------------------------------------------------


@test
def help_version_doctor(c):
    r = subprocess.run([PK, "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "run" in r.stdout and "doctor" in r.stdout
    r = subprocess.run([PK, "run", "--help"], capture_output=True, text=True)
    assert r.returncode == 0
    for opt in ("--timeout", "--grace", "--signal", "--json", "--max-output", "--keep",
                "--profile", "--sample-every", "--stats-out", "--plot", "--status ",
                "--no-status", "--quiet", "--mechanism", "--memory-max", "--pids-max",
                "--cpu-max", "--cwd", "--env ", "--unset", "--env-clear", "--stdin"):
        lines = r.stdout.splitlines()
        at = next(i for i, l in enumerate(lines) if l.strip().startswith(opt.strip()))
        entry = lines[at] + (lines[at + 1] if lines[at + 1].startswith(" " * 10) else "")
        assert "(default: " in entry, (opt, entry)
    r = subprocess.run([PK, "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("pk ")
    r = subprocess.run([PK, "doctor"], capture_output=True, text=True)
    assert r.returncode == 0
    for word in ("mechanism", "cgroup2", "clone3", "CLONE_INTO_CGROUP", "pidfd", "cgroup.kill",
                 "cgroup.freeze", "memory.peak", "pipe size limit"):
        assert word in r.stdout.replace("cgroup v2", "cgroup2"), word
    r = subprocess.run([PK, "doctor", "--json"], capture_output=True, text=True)
    d = json.loads(r.stdout)
    assert d["mechanism"] in ("cgroup", "pgroup") and "features" in d and "pipe_max_size" in d


@test
def an_unprotected_run_warns_or_is_refused(c):
    """S6: without its guard pk says so once, and --require-guard refuses."""
    guarded_env = c.env
    c.env = dict(c.env, PROCESSKIT_GUARD=c.path("no-such-guard"))
    r = c.run(["--", "echo", "hi"], text=True)
    assert r.returncode == 0 and r.stdout == "hi\n", r
    warnings = [l for l in r.stderr.splitlines() if "warning" in l]
    assert len(warnings) == 1 and "no-such-guard" in warnings[0], r.stderr
    r = c.run(["--require-guard", "--", "echo", "hi"], text=True)
    assert_pk_error(r, 125, "--require-guard", "no-such-guard")
    assert r.stdout == "", "PROGRAM ran although the guard was required"
    # With the guard: no warning, and --require-guard runs.
    c.env = guarded_env
    r = c.run(["--require-guard", "--", "echo", "hi"], text=True)
    assert r.returncode == 0 and r.stdout == "hi\n" and "warning" not in r.stderr, r


@test
def doctor_shows_the_guard(c):
    d = json.loads(subprocess.run([PK, "doctor", "--json"], capture_output=True,
                                  text=True).stdout)
    g = d["guard"]
    assert g["startable"] is True and g["owner_death_protected"] is True, g
    assert os.access(g["path"], os.X_OK) and g["version"], g
    env = dict(os.environ, PROCESSKIT_GUARD="/nonexistent/guard")
    r = subprocess.run([PK, "doctor", "--json"], capture_output=True, text=True, env=env)
    g = json.loads(r.stdout)["guard"]
    assert g["path"] == "/nonexistent/guard" and g["startable"] is False, g
    assert g["owner_death_protected"] is False and g["version"] is None, g
    assert "/nonexistent/guard" in g["error"], g
    r = subprocess.run([PK, "doctor"], capture_output=True, text=True, env=env)
    assert "owner-death guard" in r.stdout and "startable" in r.stdout, r.stdout


# --- the live status line (issue 17) ---------------------------------------------------

CLEAR = b"\r\x1b[2K"
# Every draw is CLEAR + text, and a CLEAR always follows it (before output, at the end).
STATUS_DRAW = re.compile(rb"\r\x1b\[2K([^\r\n\x1b]*)(?=\r\x1b\[2K)")
STATUS_TEXT = re.compile(r"pk (\d+h)?(\d+m)?\d+s \| CPU (n/a|\d+\.\d\d cores) \| mem (n/a|\S+ \S+)"
                         r" \| \d+ process(es| group| groups)?( \| timeout in \S+| \| stopping)?")


def run_on_terminal(c, args, env=None, cols=100, stdout_tty=True, stderr_tty=True):
    """Runs pk run ARGS with stdin, stdout and stderr on a new pseudo-terminal
    of COLS columns (or stdout / stderr into a file). Output processing is off
    there, so what is read is exactly what pk and PROGRAM wrote. Returns
    (status, bytes on the terminal, bytes in the file). TERM is xterm unless
    ENV says otherwise (the caller's own may be dumb or unset)."""
    env = env if env is not None else dict(c.env, TERM="xterm")
    master, slave = os.openpty()
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    with open(c.path("stream.out"), "wb") as f:
        p = subprocess.Popen(c.argv(args), stdin=slave, stdout=slave if stdout_tty else f,
                             stderr=slave if stderr_tty else f, env=env,
                             start_new_session=True)
    os.close(slave)
    seen = bytearray()
    deadline = time.monotonic() + HANG
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: nobody holds the terminal any more
                    data = b""
                if data:
                    seen += data
                    continue
            if p.poll() is not None and not ready:
                break
            if ready:  # end of output
                break
        status = p.wait(HANG)
    finally:
        os.close(master)
        if p.poll() is None:
            p.kill()
    with open(c.path("stream.out"), "rb") as f:
        return status, bytes(seen), f.read()


def read_to_end(master, seen, wait):
    """Appends to SEEN what the terminal MASTER gives until its end: end of
    file, EIO (nobody holds the terminal any more) or WAIT seconds of silence."""
    while True:
        ready, _, _ = select.select([master], [], [], wait)
        try:
            data = os.read(master, 65536) if ready else b""
        except OSError:
            data = b""
        if not data:
            return
        seen += data


def split_terminal(data):
    """(PROGRAM's bytes, the status texts drawn) from what reached the terminal."""
    texts = [m.group(1).decode() for m in STATUS_DRAW.finditer(data)]
    return STATUS_DRAW.sub(b"", data).replace(CLEAR, b""), texts


def screen(data):
    """The lines a terminal (one that turns \\n into \\r\\n) shows after DATA. An
    erase may only ever hit an empty line or a status line: pk never erases
    PROGRAM's text."""
    lines, col, i = [""], 0, 0
    while i < len(data):
        if data.startswith(b"\x1b[2K", i):
            assert lines[-1] == "" or STATUS_TEXT.fullmatch(lines[-1]) or \
                lines[-1].startswith("pk "), f"erased PROGRAM's text: {lines[-1]!r}"
            lines[-1], i = "", i + 4
            continue
        ch = data[i:i + 1].decode("latin-1")
        if ch == "\r":
            col = 0
        elif ch == "\n":
            lines, col = lines + [""], 0
        else:
            lines[-1] = lines[-1][:col].ljust(col) + ch + lines[-1][col + 1:]
            col += 1
        i += 1
    return lines


@test
def status_line_on_a_terminal(c):
    script = ("echo out1; echo err1 >&2; sleep 1.5; echo out2; echo err2 >&2; sleep 0.5; "
              "[ -t 1 ] && [ -t 2 ] && echo both-tty; exit 3")
    status, seen, _ = run_on_terminal(c, ["--timeout", "1m", "--profile", "sh", "-c", script])
    assert status == 3, (status, seen)
    program, texts = split_terminal(seen)
    # PROGRAM's bytes arrive intact and in order; it still sees a terminal.
    profile = program[program.index(b"pk profile of sh"):]
    assert program[:-len(profile)] == b"out1\nerr1\nout2\nerr2\nboth-tty\n", program
    assert texts, f"no status line drawn: {seen!r}"
    for t in texts:
        assert STATUS_TEXT.fullmatch(t), t
        assert "timeout in" in t and len(t) <= 99, t
        assert "process" in t and "mem " in t and "CPU " in t, t
        if CGROUP:
            assert " cores" in t, t
    # The screen: PROGRAM's lines, then the profile; no status line left over.
    lines = screen(seen)
    assert lines[:5] == ["out1", "err1", "out2", "err2", "both-tty"], lines
    assert lines[5] == "pk profile of sh" and lines[-1] == "", lines
    assert not any(l.startswith("pk ") and "|" in l for l in lines), lines


@test
def status_line_leaves_unfinished_lines_alone(c):
    status, seen, _ = run_on_terminal(
        c, ["sh", "-c", "printf 'Name: '; sleep 1; printf 'Ann\\n'; sleep 1; printf '\\r50%%'"])
    assert status == 0, (status, seen)
    program, texts = split_terminal(seen)
    assert program == b"Name: Ann\n\r50%", program
    assert texts, "no status line after the finished line"
    # The prompt's line is never erased or drawn over (screen() checks every erase).
    lines = screen(seen)
    assert lines == ["Name: Ann", "50%"], lines


@test
def status_line_fits_the_terminal(c):
    status, seen, _ = run_on_terminal(c, ["--timeout", "1h", "sleep", "1"], cols=30)
    assert status == 0
    _, texts = split_terminal(seen)
    assert texts and all(len(t) <= 29 for t in texts), texts
    assert all(t.startswith("pk ") for t in texts), texts


@test
def status_line_relay_is_byte_exact(c):
    src = c.path("random.bin")
    data = os.urandom(3 << 20)
    with open(src, "wb") as f:
        f.write(data)
    # Each burst ends a line, so that the line is drawn during the sleeps
    # (random bytes end a line only by chance).
    status, seen, _ = run_on_terminal(
        c, ["sh", "-c", 'cat "$1"; echo; sleep 0.6; cat "$1" >&2; echo >&2; sleep 0.6', "sh",
            src])
    assert status == 0
    program, texts = split_terminal(seen)
    want = data + b"\n" + data + b"\n"
    assert hashlib.sha256(program).hexdigest() == hashlib.sha256(want).hexdigest(), \
        (len(program), len(want))
    assert texts


@test
def status_line_only_when_wanted(c):
    """No status byte (no \\r, no escape) unless stderr is a terminal that wants one."""
    script = "echo out; echo err >&2; sleep 0.8"
    xterm = dict(c.env, TERM="xterm")
    no_term = {k: v for k, v in c.env.items() if k != "TERM"}
    cases = [
        (["--json"], xterm, True),
        (["--quiet"], xterm, True),
        (["--no-status"], xterm, True),
        (["--status", "--no-status"], xterm, True),
        ([], dict(c.env, TERM="dumb"), True),
        ([], no_term, True),
        (["--status"], xterm, False),  # stderr into a file: never, even when asked
        ([], xterm, False),
    ]
    for args, env, stderr_tty in cases:
        status, seen, file = run_on_terminal(c, [*args, "sh", "-c", script], env=env,
                                             stderr_tty=stderr_tty)
        assert status == 0, (args, status, seen, file)
        for stream in (seen, file):
            assert b"\r" not in stream and b"\x1b" not in stream, (args, stream)
        if "--json" in args:
            j = json.loads(seen)
            assert j["stdout"] == "out\n" and j["stderr"] == "err\n", j
        else:
            assert (seen + file).count(b"out\n") == 1 and (seen + file).count(b"err\n") == 1
    # Asked for with --json (or --quiet) on a terminal: shown, and cleared before the JSON.
    status, seen, _ = run_on_terminal(c, ["--json", "--status", "sh", "-c", script])
    program, texts = split_terminal(seen)
    assert status == 0 and texts, seen
    assert json.loads(program)["stdout"] == "out\n", program


@test
def status_line_stdout_elsewhere_goes_straight_there(c):
    status, seen, file = run_on_terminal(
        c, ["sh", "-c", "echo out; [ -t 1 ] || echo not-a-tty; echo err >&2; sleep 1"],
        stdout_tty=False)
    assert status == 0
    assert file == b"out\nnot-a-tty\n", file
    program, texts = split_terminal(seen)
    assert program == b"err\n" and texts, seen


@test
def status_line_with_a_timeout(c):
    status, seen, _ = run_on_terminal(c, ["--timeout", "1500ms", "sh", "-c",
                                          "echo started; exec sleep 30"])
    assert status == 124, (status, seen)
    program, texts = split_terminal(seen)
    assert program == b"started\n", program
    assert any(re.search(r"timeout in [12]s$", t) for t in texts), texts
    assert screen(seen) == ["started", ""], screen(seen)


@test
def status_line_when_pk_is_stopped(c):
    """TERM to pk: the tree is stopped as without the line, its last words
    reach the terminal, and the line is gone."""
    script = "trap 'echo bye >&2; exit 0' TERM; echo ready; while :; do sleep 0.1; done"
    env = dict(c.env, TERM="xterm")
    master, slave = os.openpty()
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    p = subprocess.Popen(c.argv(["sh", "-c", script]), stdin=slave, stdout=slave, stderr=slave,
                         env=env, start_new_session=True)
    os.close(slave)
    seen = bytearray()
    try:
        while b"ready\n" not in seen or not STATUS_DRAW.search(seen + CLEAR):
            ready, _, _ = select.select([master], [], [], HANG)
            assert ready, seen
            seen += os.read(master, 65536)
        p.send_signal(signal.SIGTERM)
        read_to_end(master, seen, 2)
        assert p.wait(HANG) == 128 + signal.SIGTERM
    finally:
        os.close(master)
        if p.poll() is None:
            p.kill()
    program, texts = split_terminal(bytes(seen))
    # (sh may also say that its sleep was terminated: the TERM reached the whole tree.)
    assert program.startswith(b"ready\n") and program.endswith(b"bye\n"), bytes(seen)
    assert texts and screen(bytes(seen)) == program.decode().split("\n"), bytes(seen)



@test
def status_line_stays_off_a_background_job(c):
    """pk run ... & in a shell with job control: the shell owns the screen, so
    no status byte is written; in the foreground of the same terminal it is."""
    pk = " ".join(c.argv(["sh", "-c", "'echo one; sleep 1.2; echo two; sleep 0.6'"]))
    for background, script in ((True, f"set -m; {pk} & wait $!; echo status=$?"),
                               (False, f"set -m; {pk}; echo status=$?")):
        master, slave = os.openpty()
        attrs = termios.tcgetattr(slave)
        attrs[1] &= ~termios.OPOST
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        # bash leads a session whose controlling terminal is the pseudo-terminal.
        p = subprocess.Popen(["bash", "-c", script], stdin=slave, stdout=slave, stderr=slave,
                             env=dict(c.env, TERM="xterm"), start_new_session=True,
                             preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
        os.close(slave)
        seen = bytearray()
        try:
            read_to_end(master, seen, HANG)
            assert p.wait(HANG) == 0
        finally:
            os.close(master)
            if p.poll() is None:
                p.kill()
        program, texts = split_terminal(bytes(seen))
        assert b"one\ntwo\n" in program and b"status=0\n" in program, bytes(seen)
        if background:
            assert b"\x1b" not in seen and b"\r" not in seen, bytes(seen)
        else:
            assert texts, bytes(seen)

def main():
    global CGROUP
    probe = subprocess.run([PK, "doctor", "--json"], capture_output=True, text=True)
    auto = json.loads(probe.stdout)["mechanism"]
    CGROUP = (MECH or auto) in ("cgroup",)
    print(f"pk: {PK}; mechanism: {MECH or 'auto'} ({'cgroup' if CGROUP else 'pgroup'})")
    failed = []
    for t in TESTS:
        if ONLY and ONLY not in t.__name__:
            continue
        c = Ctx()
        start = time.monotonic()
        try:
            t(c)
            left = gone_within(c.marker, 2)
            assert not left, f"processes left behind: {left}"
            print(f"ok   {t.__name__} ({time.monotonic() - start:.1f}s)")
        except Exception:
            failed.append(t.__name__)
            print(f"FAIL {t.__name__}\n{traceback.format_exc()}")
            for pid in marked_processes(c.marker):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        finally:
            subprocess.run(["rm", "-rf", c.tmp])
    print(f"{len(failed)} failed: {' '.join(failed)}" if failed else "all passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
