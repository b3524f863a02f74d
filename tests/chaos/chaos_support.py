"""Shared helpers of the chaos tier: argument parsing, skipping, and the
leak checks every chaos test ends with."""
import argparse
import os
import sys


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
