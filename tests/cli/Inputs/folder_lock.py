#!/usr/bin/python3
"""folder_lock.py ALBERTC MODEL OUT: a compile into an existing library folder moves
its outputs in only under an exclusive lock on the folder, and `albertc run` loads
under a shared one, so that two compiles into one folder leave the files of one of
them and a run never loads the library of one compile with the weights of another.

Holds the folder's lock as another albertc would, and checks that each waits for it:
  1. with a shared lock held, a compile builds everything (its outputs appear in its
     temporary folder inside OUT) and then waits; OUT's library is unchanged until the
     lock is released, and the compile then succeeds;
  2. with an exclusive lock held, a run (`albertc bench`, which loads the library as
     `run` does) waits, and succeeds once it is released;
  3. a compile into a new folder that another process creates meanwhile moves its
     outputs into it the same way (it waits for the lock), instead of failing."""
import fcntl
import glob
import os
import subprocess
import sys
import time

albertc, model, out = sys.argv[1:4]
lib = os.path.join(out, "libalbert.so")


def hold(kind):
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, kind)
    return fd


def fail(msg, proc=None):
    if proc:
        proc.kill()
    sys.exit("folder_lock: " + msg)


def wait_for_staged(pattern, proc, deadline):
    """Waits until the compile `proc` has staged its outputs (a file matching
    `pattern` exists): it must still be running then."""
    while not glob.glob(pattern):
        if proc.poll() is not None:
            fail("the compile ended (status %d) before its outputs were staged" % proc.returncode)
        if time.time() > deadline:
            fail("the compile made no outputs in 300 s", proc)
        time.sleep(0.02)


before = os.stat(lib).st_ino
fd = hold(fcntl.LOCK_SH)
proc = subprocess.Popen([albertc, "compile", model, "-o", out, "--quiet"])
deadline = time.time() + 300
wait_for_staged(os.path.join(out, ".albertc-*", "albert_tasks.h"), proc, deadline)
time.sleep(1.0)
if proc.poll() is not None or os.stat(lib).st_ino != before:
    fail("the compile moved its outputs in while a shared lock was held", proc)
os.close(fd)
if proc.wait() != 0:
    fail("the compile failed once the lock was released")
if os.stat(lib).st_ino == before:
    fail("the compile did not replace the library")
print("compile: waited for the lock, then replaced the library")

fd = hold(fcntl.LOCK_EX)
proc = subprocess.Popen([albertc, "bench", out, "--seq", "8", "--runs", "1"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(1.0)
if proc.poll() is not None:
    fail("the run ended (status %d) while an exclusive lock was held" % proc.returncode)
os.close(fd)
if proc.wait() != 0:
    fail("the run failed once the lock was released")
print("run: waited for the lock, then ran")

new = os.path.join(os.path.dirname(out), "new")
proc = subprocess.Popen([albertc, "compile", model, "-o", new, "--quiet"])
parent = os.path.dirname(new)
deadline = time.time() + 300
while not glob.glob(os.path.join(parent, ".albertc-*")):
    if proc.poll() is not None or time.time() > deadline:
        fail("the compile into a new folder made no temporary folder", proc)
    time.sleep(0.01)
os.mkdir(new)
open(os.path.join(new, "other"), "w").write("someone else's")
fd = os.open(new, os.O_RDONLY | os.O_DIRECTORY)
fcntl.flock(fd, fcntl.LOCK_SH)
wait_for_staged(os.path.join(parent, ".albertc-*", "out", "albert_tasks.h"), proc, deadline)
time.sleep(1.0)
if proc.poll() is not None or os.path.exists(os.path.join(new, "libalbert.so")):
    fail("the compile moved into the new folder while a shared lock was held", proc)
os.close(fd)
if proc.wait() != 0:
    fail("the compile failed once the lock was released")
if not (os.path.exists(os.path.join(new, "libalbert.so")) and
        os.path.exists(os.path.join(new, "other"))):
    fail("the new folder lacks the library or lost the other file: %s" % os.listdir(new))
if glob.glob(os.path.join(parent, ".albertc-*")):
    fail("the compile left its temporary folder behind")
print("compile into a folder made meanwhile: waited for the lock, then moved in")
