#!/usr/bin/env python3
"""Compares albertc outputs (float32 .npy) with reference outputs (.npy).

For every reference file, prints the relative L2 error ||a - b|| / ||b|| over
non-padded positions ([B, S, C] outputs, and [B, S] ones such as start_logits, keep the positions
whose mask is 1) and exits 1
if any exceeds --tol (default 1e-5).

    compare_outputs.py RESULT_DIR REFERENCE_DIR [--mask attention_mask.npy]
"""
import argparse
import os
import sys

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("result")
    ap.add_argument("reference")
    ap.add_argument("--mask", help="[batch, seq] attention mask .npy (default: all ones)")
    ap.add_argument("--tol", type=float, default=1e-5)
    args = ap.parse_args()
    mask = np.load(args.mask).astype(bool) if args.mask else None
    worst = 0.0
    names = sorted(f for f in os.listdir(args.reference) if f.endswith(".npy"))
    if not names:
        sys.exit(f"compare_outputs: no .npy files in {args.reference}")
    for name in names:
        ref = np.load(os.path.join(args.reference, name)).astype(np.float64)
        path = os.path.join(args.result, name)
        if not os.path.exists(path):
            sys.exit(f"compare_outputs: {path} is missing")
        got = np.load(path).astype(np.float64)
        if got.shape != ref.shape:
            sys.exit(f"compare_outputs: {name}: shape {got.shape} != reference {ref.shape}")
        if mask is not None and got.shape[:2] == mask.shape and (got.ndim == 3 or name[:-4].endswith(
                ("start_logits", "end_logits"))):
            got, ref = got[mask], ref[mask]
        err = np.linalg.norm(got - ref) / max(np.linalg.norm(ref), 1e-300)
        worst = max(worst, err)
        print(f"{name[:-4]:>20}: shape {tuple(np.load(path, mmap_mode='r').shape)}, "
              f"relative L2 error {err:.3e}")
    ok = worst <= args.tol
    print(f"{'PASS' if ok else 'FAIL'}: worst relative L2 error {worst:.3e} (tolerance {args.tol:g})")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
