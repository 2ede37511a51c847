#!/usr/bin/python3
"""Splits a batch of inputs into one folder per sequence, or checks that a
batch's output equals the outputs of its sequences' own runs, bit for bit.

usage: split_rows.py INPUTS PREFIX           INPUTS/*.npy [batch, ...] -> PREFIX<i>/*.npy [1, ...]
       split_rows.py --check BATCH PREFIX NAME
                                             BATCH/NAME.npy row i against PREFIX<i>/NAME.npy
"""
import glob
import os
import sys

import numpy as np

if sys.argv[1] == "--check":
    args = sys.argv[2:]
    batch = np.load(os.path.join(args[0], args[2] + ".npy"))
    for i in range(batch.shape[0]):
        row = np.load(os.path.join(args[1] + str(i), args[2] + ".npy"))
        if row.shape != (1,) + batch.shape[1:]:
            print(f"sequence {i}: shape {row.shape} against {batch.shape}")
            sys.exit(1)
        if not np.array_equal(row[0], batch[i]):
            print(f"sequence {i}: differs (max {np.abs(row[0] - batch[i]).max()})")
            sys.exit(1)
    print(f"{batch.shape[0]} sequences: identical")
else:
    for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.npy"))):
        a = np.load(path)
        for i in range(a.shape[0]):
            os.makedirs(sys.argv[2] + str(i), exist_ok=True)
            np.save(os.path.join(sys.argv[2] + str(i), os.path.basename(path)), a[i : i + 1])
