"""Starts `albertc compile MODEL -o PARENT/new/out`, sends SIGNAL as soon as
its staging folder (PARENT/new/.albertc-*) exists, and prints how albertc
ended and what PARENT then holds.

    interrupt.py ALBERTC MODEL PARENT SIGNAL
"""
import os
import signal
import subprocess
import sys
import time

albertc, model, parent, name = sys.argv[1:5]
os.makedirs(parent, exist_ok=True)
sig = getattr(signal, name)
# As from a terminal: lit's workers ignore SIGINT, and children inherit that.
p = subprocess.Popen([albertc, "compile", model, "-o", os.path.join(parent, "new", "out"), "--quiet"],
                     preexec_fn=lambda: signal.signal(sig, signal.SIG_DFL))
deadline = time.time() + 60
while time.time() < deadline and p.poll() is None:
    new = os.path.join(parent, "new")
    if os.path.isdir(new) and any(e.startswith(".albertc-") for e in os.listdir(new)):
        p.send_signal(sig)
        break
    time.sleep(0.002)
rc = p.wait()
print("ended by", signal.Signals(-rc).name if rc < 0 else "exit %d" % rc)
print("left:", " ".join(sorted(os.listdir(parent))) or "nothing")
