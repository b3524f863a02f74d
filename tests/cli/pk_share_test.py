#!/usr/bin/env python3
"""The man page and the bash completion installed with pk name every option
`pk run --help` lists, and the completion is valid bash that completes them.

    pk_share_test.py <pk> <cli/share dir>
"""
import re
import shutil
import subprocess
import sys

pk, share = sys.argv[1], sys.argv[2]
help_text = subprocess.run([pk, "run", "--help"], check=True, capture_output=True,
                           text=True).stdout
options = sorted(set(re.findall(r"^\s+(--[a-z][a-z-]*)", help_text, re.M)))
assert len(options) >= 20, f"too few options found in pk run --help: {options}"

man = open(f"{share}/pk.1").read().replace("\\-", "-")
completion = open(f"{share}/pk.bash").read()
failures = []
for option in options:
    if not re.search(re.escape(option) + r"(?![a-z-])", man):
        failures.append(f"pk.1 does not document {option}")
    if not re.search(re.escape(option) + r"(?![a-z-])", completion):
        failures.append(f"pk.bash does not complete {option}")

subprocess.run(["bash", "-n", f"{share}/pk.bash"], check=True)
# Complete "pk run --s" with the completion loaded (with stand-ins for the
# bash-completion helpers when that package is not installed).
stubs = """
type _init_completion >/dev/null 2>&1 || _init_completion() {
  cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}
  words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }
"""
script = stubs + f"""
source {share}/pk.bash
COMP_WORDS=(pk run --s); COMP_CWORD=2; _pk; printf '%s\\n' "${{COMPREPLY[@]}}" | sort
COMP_WORDS=(pk ''); COMP_CWORD=1; _pk; printf '%s\\n' "${{COMPREPLY[@]}}" | sort
"""
out = subprocess.run(["bash", "-c", script], check=True, capture_output=True, text=True).stdout
got = out.split()
for want in ["--sample-every", "--signal", "--stats-out", "--status", "--stdin", "run", "doctor"]:
    if want not in got:
        failures.append(f"completion of 'pk run --s' / 'pk ' lacks {want}: {got}")
if "--timeout" in got:
    failures.append(f"completion of 'pk run --s' offers --timeout: {got}")

for f in failures:
    print("FAIL:", f)
print(f"checked {len(options)} options")
sys.exit(1 if failures else 0)
