"""A short soak: `pk-bench soak 300` (captures, timeouts with a TERM-ignoring
grandchild, escapers, missing programs), which fails itself if descriptors,
descendants, marked processes or processkit-* directories differ after the
runs from before them. The long soak (N=10000) is in docs/performance.md."""
import os
import subprocess
import sys

from chaos_support import parse_args, skip

args = parse_args()
bench = os.path.join(args.bindir, "bench", "pk-bench")
if not os.access(bench, os.X_OK):
    skip(f"{bench} is not built (PROCESSKIT_BUILD_BENCH=OFF)")
env = dict(os.environ, PROCESSKIT_GUARD=args.guard)
try:
    done = subprocess.run([bench, "soak", "300"], env=env, capture_output=True, text=True,
                          timeout=50)
except subprocess.TimeoutExpired:
    print("FAIL: pk-bench soak 300 did not finish within 50 s")
    sys.exit(1)
sys.stdout.write(done.stdout)
sys.stderr.write(done.stderr)
if done.returncode != 0:
    print(f"FAIL: pk-bench soak 300 exited {done.returncode}")
    sys.exit(1)
if "ok=true" not in done.stdout:
    print("FAIL: no ok=true in the summary line")
    sys.exit(1)
