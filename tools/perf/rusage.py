"""Runs a command and writes its CPU time and peak memory to a JSON file.

  python3 rusage.py OUT.json COMMAND [ARGS...]

The command inherits stdin/stdout/stderr. OUT.json gets {"userS", "sysS", "maxRssKb",
"wallMs", "exitCode"} from getrusage(RUSAGE_CHILDREN): the command and anything it
waited for, never this wrapper.
"""
import json
import resource
import subprocess
import sys
import time

out, command = sys.argv[1], sys.argv[2:]
start = time.monotonic()
code = subprocess.call(command)
wall_ms = (time.monotonic() - start) * 1000
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(out, "w") as f:
    json.dump({"userS": usage.ru_utime, "sysS": usage.ru_stime, "maxRssKb": usage.ru_maxrss, "wallMs": wall_ms, "exitCode": code}, f)
sys.exit(code)
