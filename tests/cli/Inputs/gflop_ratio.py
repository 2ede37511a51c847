#!/usr/bin/python3
"""Prints the ratio of the GFLOP per run two `albertc bench --ops --json`
reports give the kernels whose name contains SUBSTRING, to 3 decimals.

usage: gflop_ratio.py A.json B.json SUBSTRING
"""
import json
import sys


def gflop(path):
    report = json.load(open(path))
    return sum(o["gflop_per_run"] for o in report["ops"] if sys.argv[3] in o["kernel"])


print(f"ratio {gflop(sys.argv[1]) / gflop(sys.argv[2]):.3f}")
