#!/usr/bin/python3
"""fails.py COMMAND...: succeeds only when COMMAND exits with status 1, albertc's error exit.

LLVM's `not` also succeeds when the command dies of a signal or exits with any other non-zero
status; a test of an error message must not pass on a crash that happened to print it first.
Output passes through unchanged."""
import signal
import subprocess
import sys

rc = subprocess.call(sys.argv[1:])
if rc == 1:
    sys.exit(0)
if rc == 0:
    print("fails.py: expected exit status 1, the command succeeded", file=sys.stderr)
elif rc < 0:
    print("fails.py: expected exit status 1, the command died of %s" % signal.Signals(-rc).name,
          file=sys.stderr)
else:
    print("fails.py: expected exit status 1, got %d" % rc, file=sys.stderr)
sys.exit(1)
