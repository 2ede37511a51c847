#!/usr/bin/env python3
"""Random-shape sweep: compiles random small ALBERT checkpoints whose dimensions fit none of the
kernels' tiles and checks every output against the float64 reference.

For each seed: a random configuration (hidden size as heads x head size, embedding size, FFN
width, layer groups, vocabulary, task head, a padded batch), `albertc compile` with the CPU
schedules and with the GPU schedules run on the host (--gpu-schedule-on-host), `albertc run`,
the relative L2 error of every output at non-padded positions, and `--target cuda --emit=halide`
checked for CUDA's block limit (tests/cli/Inputs/cuda_launches.py). Prints one line per seed and
exits 1 if any compile or run fails or any error exceeds the tolerance.

The tolerance is 1e-5, or twice what the same reference computed in float32 by PyTorch reaches
when that is larger: a random checkpoint can be so ill-conditioned that float32 itself misses
1e-5 (the pooler's tanh and a 2-class head on weights of std 0.3: PyTorch float32 1.8e-5).

Found the GPU schedules' failures on K not a multiple of 4 and on H not a multiple of 4
(tests/cli/odd_shapes.test). About 10 s per seed on the 2-core dev machine.

    shape_sweep.py [--seeds 20-39] [--large] [--albertc build/bin/albertc] [--keep DIR]
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import albert_golden  # noqa: E402

ARCHS = ["AlbertModel", "AlbertForMaskedLM", "AlbertForPreTraining",
         "AlbertForSequenceClassification", "AlbertForTokenClassification",
         "AlbertForQuestionAnswering"]


def random_config(seed, large):
    r = random.Random(seed)
    heads = r.choice([1, 2, 3, 4, 5, 6])
    head = r.choice([8, 13, 16, 24, 32, 48, 64] if large else [1, 2, 3, 5, 7, 8, 9, 16])
    groups = r.choice([1, 2, 3])
    max_pos = r.choice([33, 64, 130] if large else [8, 16, 33, 64])
    return {
        "hidden": heads * head, "heads": heads,
        "embedding": r.choice([r.randint(3, 70), 64, 128]) if large else r.randint(3, 40),
        "intermediate": r.choice([r.randint(200, 900), 768, 1536, 392, 3584]) if large
        else r.randint(5, 90),
        "groups": groups, "layers": groups * r.choice([1, 2]), "inner": r.choice([1, 2]),
        "vocab": r.randint(5, 120), "type-vocab": r.choice([1, 2, 3]), "max-pos": max_pos,
        "act": r.choice(["gelu", "gelu_new", "relu"]), "arch": r.choice(ARCHS),
        "std": 0.1 if large else 0.3,
        "batch": r.randint(1, 5), "seq": r.randint(1, max_pos),
    }


def float32_errors(model, inputs, golden):
    """Relative L2 error of the float32 PyTorch reference, per output (same masking)."""
    cfg, w = albert_golden.load_model(model)
    w = {k: v.float() if v.is_floating_point() else v for k, v in w.items()}

    class Float32Torch:  # the reference's float64 constants, as float32
        def __getattr__(self, name):
            return torch.float32 if name == "float64" else getattr(torch, name)

    saved, albert_golden.torch = albert_golden.torch, Float32Torch()
    try:
        task = albert_golden.TASK_OF_ARCH[cfg["architectures"][0]]
        ids, mask, tt = (albert_golden.load_ids(os.path.join(inputs, f + ".npy"), f, 2)
                         for f in ("ids", "attention_mask", "token_type_ids"))
        with torch.no_grad():
            outs = albert_golden.Albert(cfg, w).run(task, ids, mask, tt)
    finally:
        albert_golden.torch = saved
    keep = mask.numpy().astype(bool)
    errors = {}
    for name, t in outs.items():
        got, ref = t.double().numpy(), np.load(os.path.join(golden, name + ".npy"))
        if got.shape[:2] == keep.shape and (got.ndim == 3 or name.endswith("_logits")):
            got, ref = got[keep], ref[keep]
        errors[name] = np.linalg.norm(got - ref) / max(np.linalg.norm(ref), 1e-300)
    return errors


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode, (p.stdout + p.stderr).strip()


def sweep_one(seed, large, albertc, work):
    c = random_config(seed, large)
    d = os.path.join(work, "s%d" % seed)
    model, inputs, golden = d + "/model", d + "/in", d + "/golden"
    py = sys.executable
    args = [py, os.path.join(ROOT, "scripts/make_random_albert.py"), model, "--dtype", "F32",
            "--seed", str(seed)]
    for k in ("hidden", "heads", "embedding", "intermediate", "groups", "layers", "inner",
              "vocab", "type-vocab", "max-pos", "act", "arch", "std"):
        args += ["--" + k, str(c[k])]
    label = "s%d H%d/%d E%d F%d L%d/G%d/I%d V%d %s %dx%d" % (
        seed, c["hidden"], c["heads"], c["embedding"], c["intermediate"], c["layers"],
        c["groups"], c["inner"], c["vocab"], c["arch"][6:] or "Model", c["batch"], c["seq"])
    golden_py = os.path.join(ROOT, "scripts/albert_golden.py")
    for cmd in (args,
                [py, golden_py, model, "--make-inputs", str(c["batch"]), str(c["seq"]), "--pad",
                 "--seed", str(seed), "-o", inputs],
                [py, golden_py, model, "-o", golden, "--input-ids", inputs + "/ids.npy",
                 "--attention-mask", inputs + "/attention_mask.npy",
                 "--token-type-ids", inputs + "/token_type_ids.npy"]):
        rc, out = run(cmd)
        if rc:
            return False, "%s: setup failed: %s" % (label, out.splitlines()[-1])
    f32 = float32_errors(model, inputs, golden)
    tol = max(1e-5, 2 * max(f32.values()))
    ok, parts = True, []
    for mode, flags in (("cpu", []), ("gpu", ["--gpu-schedule-on-host"])):
        lib = d + "/" + mode
        rc, out = run([albertc, "compile", model, "-o", lib, "--quiet"] + flags)
        if not rc:
            rc, out = run([albertc, "run", lib, "--input-ids", inputs + "/ids.npy",
                           "--attention-mask", inputs + "/attention_mask.npy",
                           "--token-type-ids", inputs + "/token_type_ids.npy", "-o", lib + ".res"])
        if rc:
            ok = False
            parts.append("%s FAIL (%s)" % (mode, out.splitlines()[-1] if out else rc))
            continue
        rc, out = run([py, os.path.join(ROOT, "scripts/compare_outputs.py"), lib + ".res", golden,
                       "--mask", inputs + "/attention_mask.npy", "--tol", str(tol)])
        worst = out.splitlines()[-1].split("error ")[1].split()[0] if "error " in out else out
        ok &= rc == 0
        parts.append("%s %s%s" % (mode, "" if rc == 0 else "FAIL ", worst))
    rc, out = run([albertc, "compile", model, "-o", d + "/cuda.stmt", "--target", "cuda",
                   "--emit=halide", "--quiet"])
    if not rc:
        rc, out = run([py, os.path.join(ROOT, "tests/cli/Inputs/cuda_launches.py"),
                       d + "/cuda.stmt"])
    ok &= rc == 0
    parts.append("cuda " + ("ok" if rc == 0 else "FAIL (%s)" % out.splitlines()[-1]))
    return ok, "%s: %s (tolerance %.1e)" % (label, ", ".join(parts), tol)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="20-39", help="first-last (default 20-39)")
    ap.add_argument("--large", action="store_true",
                    help="wider models (head sizes 8-64, FFN up to 1536: the split-K GEMMs;"
                         " FFN 3584: the K-blocked CPU FFN output, kBlock)")
    ap.add_argument("--albertc", default=os.path.join(ROOT, "build/bin/albertc"))
    ap.add_argument("--keep", help="work in this folder and keep it (default: a temporary one)")
    a = ap.parse_args()
    first, last = (int(x) for x in a.seeds.split("-"))
    work = a.keep or tempfile.mkdtemp(prefix="albertc-sweep-")
    os.makedirs(work, exist_ok=True)
    failed = 0
    try:
        for seed in range(first, last + 1):
            ok, line = sweep_one(seed, a.large, a.albertc, work)
            failed += not ok
            print(("PASS " if ok else "FAIL ") + line, flush=True)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("%d of %d seeds failed" % (failed, last - first + 1))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
