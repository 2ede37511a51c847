#!/usr/bin/python3
"""Prints the kernels an `albertc bench --ops --json` report says were called,
with their calls per run, as a sorted list of (kernel, calls) pairs; with a
second argument, only the kernels whose name contains it.

usage: kernel_calls.py REPORT.json [SUBSTRING]
"""
import json
import sys

report = json.load(open(sys.argv[1]))
part = sys.argv[2] if len(sys.argv) > 2 else ""
print(sorted({(o["kernel"], o["calls_per_run"]) for o in report["ops"] if part in o["kernel"]}))
