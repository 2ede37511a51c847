#!/usr/bin/python3
"""cross_device.py ALBERTC MODEL WORKDIR: compiles MODEL into an output folder on another file
system than WORKDIR (a symlink from WORKDIR to a folder in /dev/shm), where renaming files from
WORKDIR into it would fail with EXDEV. Prints "compiled across file systems: <files>", or
"skipped: ..." where /dev/shm is missing or on WORKDIR's file system."""
import os
import shutil
import subprocess
import sys
import tempfile

albertc, model, work = sys.argv[1:4]
if not os.path.isdir("/dev/shm") or os.stat("/dev/shm").st_dev == os.stat(work).st_dev:
    print("skipped: no /dev/shm on another file system")
    sys.exit(0)
target = tempfile.mkdtemp(dir="/dev/shm", prefix="albertc-test-")
try:
    link = os.path.join(work, "shm_out")
    os.symlink(target, link)
    rc = subprocess.call([albertc, "compile", model, "-o", link, "--quiet"])
    if rc != 0:
        sys.exit("albertc compile into %s exited with %d" % (link, rc))
    print("compiled across file systems: " + " ".join(sorted(os.listdir(target))))
finally:
    shutil.rmtree(target, ignore_errors=True)
