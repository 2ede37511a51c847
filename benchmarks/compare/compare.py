#!/usr/bin/python3
"""albertc vs ONNX Runtime vs PyTorch, side by side, in one run.

For each model (default: a random ALBERT-base sized AlbertForPreTraining checkpoint and a tiny one, F32,
fixed seed, made by scripts/make_random_albert.py):
  1. exports the same weights to ONNX (torch.onnx.export of a float32 PyTorch ALBERT written like
     scripts/albert_golden.py; outputs `logits` and `sop_logits`; dynamic batch and sequence axes; opset 17),
  2. compiles it with build/bin/albertc (under flock /tmp/albertc-build.lock, from a snapshot of the binary),
  3. checks that albertc, ONNX Runtime and PyTorch agree on one padded input (relative L2 between each pair
     and against the float64 golden of scripts/albert_golden.py),
  4. times the three engines on a grid of threads x (batch x seq), alternating them in rounds (each round
     visits every grid cell once, and runs the three engines back to back in a rotating order), so machine
     noise and drift hit all of them alike,
  5. prints the table: ms per engine (median over rounds of each round's median), albertc/ORT and
     albertc/PyTorch against the issue's goals, GFLOP/s and % of FMA peak (the nominal --peak and the peak
     fma_peak.c measures on this machine), 2-thread/1-thread speedups; --markdown FILE writes it too, and
     WORK/results.json keeps every measurement (--from-json FILE prints the tables again).

The machine may be shared: around each measurement the script reads /proc/stat and subtracts its own CPU
time; when other processes kept more than --max-other-cpu cores busy, it waits for quiet and redoes the
measurement (--retries, --retry-wait, --wait-budget), and the medians use only the rounds measured in quiet
(all rounds when none was; the table's "rounds a/o/p" column says how many).

Engines: ONNX Runtime through node (benchmarks/compare/ort_bench.js --serve: graphOptimizationLevel 'all',
intraOpNumThreads T, interOpNumThreads 1; one warm session per (model, threads)), PyTorch float32 in this
process (torch.set_num_threads(T), inference_mode), albertc as `albertc bench OUT --json` (a new process
per round and cell: it loads the library each time, the warm-up runs absorb that).

Setup: scripts/install_bench_deps.sh (python3-onnx, OpenBLAS for PyTorch, onnxruntime-node). Run with
/usr/bin/python3.

    /usr/bin/python3 benchmarks/compare/compare.py                       # default grid, 6-13 minutes
    /usr/bin/python3 benchmarks/compare/compare.py --quick               # base 1x32 + tiny 1x16, 2 rounds
    /usr/bin/python3 benchmarks/compare/compare.py --shapes base=1x128 --threads 2 --rounds 9
    /usr/bin/python3 benchmarks/compare/compare.py --model mine=/path/to/albert --shapes mine=1x64,4x128

FLOPs counted (matmul work only, from config.json; Lx = layer applications = num_hidden_layers *
inner_group_num): per token Lx * (2*H*3H + 2*H*H + 2*2*H*F + 4*S*H) + 2*E*H (embedding projection) +
2*H*E + 2*E*V (MLM head); per sequence 2*H*H + 2*H*2 (pooler + SOP).
"""

import argparse
import fcntl
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import albert_golden  # noqa: E402  (float64 reference and the safetensors reader)

PY = "/usr/bin/python3"
LOCK = "/tmp/albertc-build.lock"
ENGINES = ("albertc", "ort", "torch")
ENGINE_NAMES = {"albertc": "albertc", "ort": "ONNX Runtime", "torch": "PyTorch"}

# Random checkpoints made here when no --model NAME=DIR is given (make_random_albert.py arguments).
BUILTIN = {
    "base": dict(hidden=768, embedding=128, layers=12, groups=1, inner=1, heads=12, intermediate=3072,
                 vocab=30000, max_pos=512, type_vocab=2),
    "tiny": dict(hidden=64, embedding=32, layers=4, groups=1, inner=1, heads=4, intermediate=256,
                 vocab=1000, max_pos=128, type_vocab=2),
}
DEFAULT_SHAPES = {"base": "1x32,1x128,8x128", "tiny": "1x16"}


def log(msg):
    print("[compare %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------
# float32 PyTorch ALBERT (same math as albert_golden.Albert, written with nn.functional ops so that the
# ONNX export has the usual node patterns: MatMul+Add, LayerNormalization, Softmax, tanh-GELU)
# ----------------------------------------------------------------------------------------------

def make_activation(name):
    if name in ("gelu_new", "gelu_pytorch_tanh", "gelu_fast"):
        c = math.sqrt(2.0 / math.pi)
        return lambda x: 0.5 * x * (1.0 + torch.tanh(c * (x + 0.044715 * torch.pow(x, 3.0))))
    if name == "gelu":
        return lambda x: F.gelu(x)
    if name == "relu":
        return F.relu
    raise ValueError("unsupported hidden_act %r" % name)


class AlbertForPreTraining32(torch.nn.Module):
    """ALBERT with the MLM and SOP heads, float32. forward(ids, mask, tt) -> (logits, sop_logits)."""

    def __init__(self, cfg, w64):
        super().__init__()
        self.H = int(cfg["hidden_size"])
        self.heads = int(cfg["num_attention_heads"])
        self.eps = float(cfg.get("layer_norm_eps", 1e-12))
        self.act = make_activation(cfg.get("hidden_act", "gelu_new"))
        self.schedule = albert_golden.Albert(cfg, w64).schedule()
        self.names = {}
        for name, t in w64.items():
            if t.dtype != torch.float64 or name.startswith("predictions.decoder."):
                continue  # tied to word embeddings / predictions.bias; position_ids unused
            key = name.replace(".", "__")
            self.names[name] = key
            self.register_parameter(key, torch.nn.Parameter(t.to(torch.float32), requires_grad=False))
        # Python ints, so that the export sees constant normalized shapes.
        self.ln_shape = {n[:-len(".weight")]: (int(t.shape[0]),) for n, t in w64.items()
                         if n.endswith(".weight") and t.dim() == 1}
        for need in ("predictions.dense.weight", "pooler.weight", "sop_classifier.classifier.weight"):
            if need not in self.names:
                raise ValueError("checkpoint has no %s: compare.py needs AlbertForPreTraining weights" % need)

    def p(self, name):
        return getattr(self, self.names[name])

    def linear(self, x, name):
        return F.linear(x, self.p(name + ".weight"), self.p(name + ".bias"))

    def ln(self, x, name):
        w = self.p(name + ".weight")
        return F.layer_norm(x, self.ln_shape[name], w, self.p(name + ".bias"), self.eps)

    def layer(self, h, mask_add, pre):
        B, S = h.shape[0], h.shape[1]
        n = self.heads
        d = self.H // n

        def split(t):
            return t.view(B, S, n, d).transpose(1, 2)

        q = split(self.linear(h, pre + "attention.query"))
        k = split(self.linear(h, pre + "attention.key"))
        v = split(self.linear(h, pre + "attention.value"))
        s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d) + mask_add
        c = torch.matmul(torch.softmax(s, dim=-1), v).transpose(1, 2).reshape(B, S, self.H)
        a = self.ln(h + self.linear(c, pre + "attention.dense"), pre + "attention.LayerNorm")
        f = self.linear(self.act(self.linear(a, pre + "ffn")), pre + "ffn_output")
        return self.ln(a + f, pre + "full_layer_layer_norm")

    def forward(self, input_ids, attention_mask, token_type_ids):
        S = input_ids.shape[1]
        x = (F.embedding(input_ids, self.p("embeddings.word_embeddings.weight"))
             + F.embedding(token_type_ids, self.p("embeddings.token_type_embeddings.weight"))
             + self.p("embeddings.position_embeddings.weight")[:S].unsqueeze(0))
        h = self.linear(self.ln(x, "embeddings.LayerNorm"), "encoder.embedding_hidden_mapping_in")
        mask_add = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min
        for g, j in self.schedule:
            h = self.layer(h, mask_add, "encoder.albert_layer_groups.%d.albert_layers.%d." % (g, j))
        t = self.ln(self.act(self.linear(h, "predictions.dense")), "predictions.LayerNorm")
        logits = F.linear(t, self.p("embeddings.word_embeddings.weight"), self.p("predictions.bias"))
        pooled = torch.tanh(self.linear(h[:, 0], "pooler"))
        return logits, self.linear(pooled, "sop_classifier.classifier")


# ----------------------------------------------------------------------------------------------
# models: make, export, compile
# ----------------------------------------------------------------------------------------------

class Model:
    def __init__(self, name, src_dir, work):
        self.name, self.src = name, src_dir
        self.dir = os.path.join(work, name)
        self.onnx = os.path.join(self.dir, "model.onnx")
        self.lib = os.path.join(self.dir, "albertc-out")
        with open(os.path.join(src_dir, "config.json")) as f:
            self.cfg = json.load(f)
        c = self.cfg
        self.H, self.E = int(c["hidden_size"]), int(c.get("embedding_size", 128))
        self.F, self.V = int(c["intermediate_size"]), int(c["vocab_size"])
        self.P = int(c.get("max_position_embeddings", 512))
        self.Lx = int(c["num_hidden_layers"]) * int(c.get("inner_group_num", 1))
        self.torch_model = None
        self.info = {}

    def gflop(self, B, S):
        H, E, Fi, V = self.H, self.E, self.F, self.V
        per_token = self.Lx * (2 * H * 3 * H + 2 * H * H + 2 * 2 * H * Fi + 4 * S * H) \
            + 2 * E * H + 2 * H * E + 2 * E * V
        per_seq = 2 * H * H + 2 * H * 2
        return (B * S * per_token + B * per_seq) / 1e9

    def describe(self):
        c = self.cfg
        return ("H %d, E %d, layers %d (groups %d, inner %d), heads %d, F %d, V %d, P %d, %s"
                % (self.H, self.E, int(c["num_hidden_layers"]), int(c.get("num_hidden_groups", 1)),
                   int(c.get("inner_group_num", 1)), int(c["num_attention_heads"]), self.F, self.V, self.P,
                   c.get("hidden_act", "gelu_new")))


def make_random(name, out_dir, seed, std):
    d = BUILTIN[name]
    args = [PY, os.path.join(ROOT, "scripts", "make_random_albert.py"), out_dir]
    for k, v in d.items():
        args += ["--" + k.replace("_", "-"), str(v)]
    args += ["--act", "gelu_new", "--arch", "AlbertForPreTraining", "--dtype", "F32",
             "--seed", str(seed), "--std", str(std)]
    stamp = os.path.join(out_dir, ".made-with")
    if os.path.exists(stamp) and open(stamp).read() == json.dumps(args[2:]):
        return
    log("making random checkpoint %s" % out_dir)
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(stamp, "w") as f:
        f.write(json.dumps(args[2:]))


def load_torch(m):
    cfg, w = albert_golden.load_model(m.src)
    m.torch_model = AlbertForPreTraining32(cfg, w).eval()
    return cfg, w


def export_onnx(m, opset):
    """torch.onnx.export of the float32 module; cached (keyed on the checkpoint's size/mtime and opset)."""
    st = os.stat(os.path.join(m.src, "model.safetensors"))
    key = json.dumps([os.path.abspath(m.src), st.st_size, st.st_mtime_ns, opset, torch.__version__,
                      os.path.getmtime(os.path.abspath(__file__))])
    stamp = m.onnx + ".key"
    if os.path.exists(m.onnx) and os.path.exists(stamp) and open(stamp).read() == key:
        log("%s: ONNX export cached (%s)" % (m.name, m.onnx))
        return
    t0 = time.time()
    B, S = 2, min(8, m.P)
    ids = torch.randint(0, m.V, (B, S), dtype=torch.int64)
    mask = torch.ones(B, S, dtype=torch.int64)
    tt = torch.zeros(B, S, dtype=torch.int64)
    dyn = {n: {0: "batch", 1: "seq"} for n in ("input_ids", "attention_mask", "token_type_ids", "logits")}
    dyn["sop_logits"] = {0: "batch"}
    os.makedirs(m.dir, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(m.torch_model, (ids, mask, tt), m.onnx, opset_version=opset,
                          input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["logits", "sop_logits"], dynamic_axes=dyn,
                          do_constant_folding=True)
    try:
        import onnx
        onnx.checker.check_model(m.onnx)
        mo = onnx.load(m.onnx)
        ops = {}
        for n in mo.graph.node:
            ops[n.op_type] = ops.get(n.op_type, 0) + 1
        m.info["onnx_ops"] = ops
    except ImportError:
        log("python3-onnx missing: export not checked (scripts/install_bench_deps.sh)")
    with open(stamp, "w") as f:
        f.write(key)
    log("%s: exported ONNX opset %d in %.1f s (%.0f MB)" % (m.name, opset, time.time() - t0,
                                                          os.path.getsize(m.onnx) / 2 ** 20))


class BuildLock:
    """flock(2) on /tmp/albertc-build.lock: the same lock `flock /tmp/albertc-build.lock CMD` takes."""

    def __enter__(self):
        self.f = open(LOCK, "a+")
        t0 = time.time()
        fcntl.flock(self.f, fcntl.LOCK_EX)
        if time.time() - t0 > 1:
            log("waited %.0f s for %s" % (time.time() - t0, LOCK))
        return self

    def __exit__(self, *a):
        fcntl.flock(self.f, fcntl.LOCK_UN)
        self.f.close()


def snapshot_albertc(src, work):
    """Copy albertc (under the build lock) so a concurrent rebuild cannot swap it mid-run."""
    dst = os.path.join(work, "albertc")
    shutil.copy2(src, dst)
    return dst


def git_state():
    try:
        head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.split("\n")
        dirty = [l[3:] for l in dirty if l.strip()]
        return head, dirty
    except (OSError, subprocess.CalledProcessError):
        return "?", []


def compile_albertc(m, albertc, target):
    t0 = time.time()
    if os.path.isdir(m.lib):
        shutil.rmtree(m.lib)
    cmd = [albertc, "compile", m.src, "-o", m.lib, "--quiet"] + (["--target", target] if target else [])
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        sys.exit("compare: albertc compile failed for %s:\n%s%s" % (m.name, r.stdout, r.stderr))
    m.info["compile_s"] = time.time() - t0
    log("%s: albertc compile %.1f s" % (m.name, m.info["compile_s"]))


# ----------------------------------------------------------------------------------------------
# engines
# ----------------------------------------------------------------------------------------------

class OrtServer:
    def __init__(self, node):
        script = os.path.join(HERE, "ort_bench.js")
        self.p = subprocess.Popen([node, script, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, bufsize=1, cwd=HERE)
        self.version = self.ask({"op": "info"})["versions"]["node"]

    def ask(self, req):
        self.p.stdin.write(json.dumps(req) + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line:
            sys.exit("compare: ort_bench.js exited (rc %s); is onnxruntime-node installed? "
                     "(scripts/install_bench_deps.sh)" % self.p.poll())
        r = json.loads(line)
        if "error" in r:
            sys.exit("compare: ort_bench.js: %s" % r["error"])
        return r

    def close(self):
        try:
            self.p.stdin.write(json.dumps({"op": "quit"}) + "\n")
            self.p.stdin.close()
            self.p.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.p.kill()


def bench_albertc(albertc, m, B, S, T, runs, warmup):
    cmd = [albertc, "bench", m.lib, "--batch", str(B), "--seq", str(S), "--threads", str(T),
           "--runs", str(runs), "--warmup", str(warmup), "--json"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        sys.exit("compare: %s\n%s%s" % (" ".join(cmd), r.stdout, r.stderr))
    for line in reversed(r.stdout.splitlines()):
        line = line.strip()
        if line.startswith("{") and "median_ms" in line:
            return json.loads(line)["median_ms"]
    sys.exit("compare: no JSON from %s:\n%s" % (" ".join(cmd), r.stdout))


def bench_ort(ort, m, B, S, T, runs, warmup):
    r = ort.ask({"op": "bench", "model": m.onnx, "threads": T, "batch": B, "seq": S, "runs": runs,
                 "warmup": warmup, "vocab": m.V})
    return statistics.median(r["times_ms"])


_OPENBLAS = []


def blas_in_use():
    """Path of the BLAS library this process loaded (PyTorch's matmuls go through it: Debian's torch is
    built with BLAS_INFO=generic), and OpenBLAS's thread setter when it is OpenBLAS."""
    x = torch.ones(64, 64)
    torch.mm(x, x)
    libs = sorted({l.split()[-1] for l in open("/proc/self/maps") if "blas" in l.split()[-1].lower()
                   or "blis" in l.split()[-1].lower() or "mkl" in l.split()[-1].lower()})
    for lib in libs:
        try:
            import ctypes
            f = ctypes.CDLL(lib).openblas_set_num_threads
            _OPENBLAS.append(f)
            break
        except (OSError, AttributeError):
            pass
    return libs


def set_torch_threads(T):
    torch.set_num_threads(T)          # OpenMP (and OpenBLAS built with OpenMP follows it)
    for f in _OPENBLAS:
        f(T)                          # OpenBLAS built with pthreads does not


def bench_torch(m, B, S, T, runs, warmup):
    set_torch_threads(T)
    rng = np.random.default_rng(B * 1000 + S)
    ids = torch.from_numpy(rng.integers(0, m.V, size=(B, S), dtype=np.int64))
    mask = torch.ones(B, S, dtype=torch.int64)
    tt = torch.zeros(B, S, dtype=torch.int64)
    times = []
    with torch.inference_mode():
        for i in range(warmup + runs):
            t0 = time.perf_counter()
            m.torch_model(ids, mask, tt)
            if i >= warmup:
                times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


# ----------------------------------------------------------------------------------------------
# correctness: one padded input through all three (and the float64 golden)
# ----------------------------------------------------------------------------------------------

def check_outputs(m, albertc, ort, w64, work, B=2, S=32):
    S = min(S, m.P)
    rng = np.random.default_rng(7)
    ids = rng.integers(0, m.V, size=(B, S), dtype=np.int64)
    mask = np.ones((B, S), dtype=np.int64)
    for r in range(1, B):
        mask[r, S - r * S // (B + 1):] = 0            # row r: last r*S/(B+1) positions padded
    tt = np.zeros((B, S), dtype=np.int64)
    if int(m.cfg.get("type_vocab_size", 2)) >= 2:
        tt[:, S // 2:] = 1
    d = tempfile.mkdtemp(prefix="check-", dir=os.path.join(work, m.name))
    for n, a in (("ids", ids), ("mask", mask), ("tt", tt)):
        np.save(os.path.join(d, n + ".npy"), a)
    outs = {}
    # float64 golden
    with torch.no_grad():
        g = albert_golden.Albert(m.cfg, w64).run("pretraining", torch.from_numpy(ids), torch.from_numpy(mask),
                                                 torch.from_numpy(tt))
    outs["float64"] = {k: v.numpy() for k, v in g.items()}
    # PyTorch float32
    set_torch_threads(1)
    with torch.inference_mode():
        lo, so = m.torch_model(torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(tt))
    outs["torch"] = {"logits": lo.numpy().copy(), "sop_logits": so.numpy().copy()}
    # ONNX Runtime
    r = ort.ask({"op": "run", "model": m.onnx, "threads": 1, "batch": B, "seq": S,
                 "input_ids": ids.ravel().tolist(), "attention_mask": mask.ravel().tolist(),
                 "token_type_ids": tt.ravel().tolist(), "out_dir": os.path.join(d, "ort")})
    outs["ort"] = {k: np.fromfile(os.path.join(d, "ort", k + ".f32"), dtype="<f4").reshape(dims)
                   for k, dims in r["outputs"].items()}
    # albertc
    cmd = [albertc, "run", m.lib, "--input-ids", os.path.join(d, "ids.npy"), "--attention-mask",
           os.path.join(d, "mask.npy"), "--token-type-ids", os.path.join(d, "tt.npy"), "-o",
           os.path.join(d, "albertc"), "--threads", "1"]
    rr = subprocess.run(cmd, capture_output=True, text=True)
    if rr.returncode:
        sys.exit("compare: %s\n%s" % (" ".join(cmd), rr.stderr))
    outs["albertc"] = {k: np.load(os.path.join(d, "albertc", k + ".npy")) for k in ("logits", "sop_logits")}
    shutil.rmtree(d, ignore_errors=True)

    keep = mask.astype(bool)

    def rel(a, b, name):
        a, b = np.asarray(a[name], np.float64), np.asarray(b[name], np.float64)
        if a.shape != b.shape:
            return float("nan")
        if a.ndim == 3:
            a, b = a[keep], b[keep]   # values at padded positions are unspecified
        return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))

    pairs = [("albertc", "ort"), ("albertc", "torch"), ("ort", "torch"),
             ("albertc", "float64"), ("ort", "float64"), ("torch", "float64")]
    res = {"%s vs %s" % p: {k: rel(outs[p[0]], outs[p[1]], k) for k in ("logits", "sop_logits")} for p in pairs}
    return {"batch": B, "seq": S, "padded_positions": int((~keep).sum()), "rel_l2": res}


# ----------------------------------------------------------------------------------------------
# timing plan
# ----------------------------------------------------------------------------------------------

def parse_shapes(specs, models):
    shapes = {}
    for spec in specs:
        if "=" not in spec:
            sys.exit("compare: --shapes wants MODEL=BxS[,BxS...], got %r" % spec)
        name, lst = spec.split("=", 1)
        out = []
        for s in lst.split(","):
            try:
                b, q = s.lower().split("x")
                out.append((int(b), int(q)))
            except ValueError:
                sys.exit("compare: bad shape %r (want BxS, e.g. 1x128)" % s)
        shapes[name] = out
    for name in shapes:
        if name not in models:
            sys.exit("compare: --shapes names model %r, which is neither built in (%s) nor given with --model"
                     % (name, ", ".join(BUILTIN)))
    return shapes


def auto_counts(gflop, T, target_s, runs_opt, warmup_opt):
    """Timed runs / warm-ups per engine per round: about target_s of timed work, odd, 3..501."""
    est_ms = gflop / (60.0 * T) * 1e3 + 0.05  # a conservative guess (60 GFLOP/s per thread)
    if runs_opt == "auto":
        runs = int(min(501, max(3, round(target_s * 1e3 / est_ms))))
        runs += 1 - runs % 2
    else:
        runs = int(runs_opt)
    if warmup_opt == "auto":
        warmup = int(min(50, max(1, math.ceil(150.0 / est_ms))))
    else:
        warmup = int(warmup_opt)
    return runs, warmup


def fmt_ms(x):
    if x is None:
        return "-"
    return "%.3f" % x if x < 1 else ("%.2f" % x if x < 10 else ("%.1f" % x if x < 1000 else "%.0f" % x))


def fmt_ratio(x):
    if x is None:
        return "-"
    return "%.2f" % x if x >= 0.1 else "%.3f" % x


def goal_for(model, S):
    if model == "tiny":
        return 0.50
    return 0.75 if S <= 32 else 0.85


def summarize(cells, threshold):
    """Per cell and engine: the median over the rounds measured while the machine was quiet (other
    processes <= threshold cores); over all rounds when none was."""
    results = []
    for c in cells:
        med, used, spread = {}, {}, {}
        for e, v in c["rounds"].items():
            other = c["other"][e]
            quiet = [ms for ms, o in zip(v, other) if o <= threshold]
            pick = quiet or v
            med[e] = statistics.median(pick)
            used[e] = "%d" % len(quiet) if quiet else "0(%d)" % len(v)
            if len(pick) > 1:
                spread[e] = max(pick) / min(pick) - 1
        results.append(dict(c, median_ms=med, used=used, spread=spread))
    return results


def build_tables(results, threads, peak_core, measured_peak):
    """Returns (header, rows) for the main table and (header, rows) for the thread-speedup table."""
    head = ["model", "batch x seq", "threads", "albertc ms", "ORT ms", "PyTorch ms", "albertc/ORT",
            "albertc/PyTorch", "goal", "GFLOP", "albertc GFLOP/s", "% peak", "ORT % peak", "rounds a/o/p",
            "spread a/o/p"]
    if measured_peak:
        head.insert(12, "% meas. peak")
    rows = []
    for cell in results:
        med = cell["median_ms"]
        a, o, p = med.get("albertc"), med.get("ort"), med.get("torch")
        T = cell["threads"]
        gf = cell["gflop"]
        peak = peak_core * T
        ra = a / o if a and o else None
        row = [cell["model"], "%d x %d" % (cell["batch"], cell["seq"]), str(T), fmt_ms(a), fmt_ms(o), fmt_ms(p),
               fmt_ratio(ra), fmt_ratio(a / p if a and p else None),
               ("<= %.2f %s" % (cell["goal"], "ok" if ra <= cell["goal"] else "miss")) if ra else "-",
               "%.3g" % gf, "%.1f" % (gf / a * 1e3) if a else "-",
               "%.0f%%" % (100 * gf / a * 1e3 / peak) if a else "-",
               "%.0f%%" % (100 * gf / o * 1e3 / peak) if o else "-",
               "/".join(str(cell["used"][e]) if e in cell["used"] else "-" for e in ENGINES),
               "/".join("%.0f" % (100 * cell["spread"][e]) if e in cell["spread"] else "-" for e in ENGINES) + "%"]
        if measured_peak:
            mp = measured_peak.get(T)
            row.insert(12, "%.0f%%" % (100 * gf / a * 1e3 / mp) if a and mp else "-")
        rows.append(row)
    # 2-thread / 1-thread speedups
    shead, srows = [], []
    if len(threads) >= 2:
        lo, hi = min(threads), max(threads)
        byk = {(c["model"], c["batch"], c["seq"], c["threads"]): c for c in results}
        seen = set()
        for c in results:
            k = (c["model"], c["batch"], c["seq"])
            if k in seen or (k + (lo,)) not in byk or (k + (hi,)) not in byk:
                continue
            seen.add(k)
            r = [c["model"], "%d x %d" % (c["batch"], c["seq"])]
            for e in ENGINES:
                x, y = byk[k + (lo,)]["median_ms"].get(e), byk[k + (hi,)]["median_ms"].get(e)
                r.append("%.2fx" % (x / y) if x and y else "-")
            srows.append(r)
        shead = ["model", "batch x seq"] + ["%s %dT/%dT" % (ENGINE_NAMES[e], hi, lo) for e in ENGINES]
    return (head, rows), (shead, srows)


def text_table(head, rows):
    w = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    line = lambda r: "  ".join(str(x).rjust(w[i]) if i >= 2 else str(x).ljust(w[i]) for i, x in enumerate(r))
    return "\n".join([line(head), "  ".join("-" * n for n in w)] + [line(r) for r in rows])


def md_table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(str(x) for x in r) + " |" for r in rows]
    return "\n".join(out)


def measure_fma_peak(work):
    src = os.path.join(HERE, "fma_peak.c")
    exe = os.path.join(work, "fma_peak")
    cc = os.environ.get("CC", "cc")
    r = subprocess.run([cc, "-O2", "-mavx512f", "-mfma", "-pthread", src, "-o", exe], capture_output=True,
                       text=True)
    if r.returncode:
        log("fma_peak.c did not build (%s); no measured peak" % r.stderr.strip()[:200])
        return None
    out = {}
    for T in (1, 2):
        rr = subprocess.run([exe, str(T), "0.3"], capture_output=True, text=True)
        if rr.returncode == 0:
            out[T] = json.loads(rr.stdout)
    return out


class CpuMeter:
    """CPU time used on this machine by processes other than ours (this one, its reaped children, the
    node server) while we measure: /proc/stat busy time minus our own. In cores (1.0 = one core busy)."""

    def __init__(self):
        self.hz = os.sysconf("SC_CLK_TCK")
        self.pids = []

    def _machine(self):
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        busy = v[0] + v[1] + v[2] + v[5] + v[6]   # user nice system irq softirq
        steal = v[7] if len(v) > 7 else 0
        return busy / self.hz, steal / self.hz

    def _own(self):
        t = os.times()
        own = t.user + t.system + t.children_user + t.children_system
        for pid in self.pids:
            try:
                with open("/proc/%d/stat" % pid) as f:
                    st = f.read().rsplit(")", 1)[1].split()
                own += (int(st[11]) + int(st[12])) / self.hz
            except (OSError, IndexError, ValueError):
                pass
        return own

    def start(self):
        self.t0, (self.b0, self.s0), self.o0 = time.time(), self._machine(), self._own()

    def stop(self):
        """(other processes' CPU in cores, steal in cores) since start()."""
        wall = max(time.time() - self.t0, 1e-3)
        b, st = self._machine()
        other = max(0.0, (b - self.b0) - (self._own() - self.o0))
        return other / wall, (st - self.s0) / wall


def wait_quiet(meter, threshold, max_wait):
    """Wait (up to max_wait s) until other processes use <= threshold cores over a 0.25 s window."""
    t0 = time.time()
    while True:
        meter.start()
        time.sleep(0.25)
        other, _ = meter.stop()
        if other <= threshold or time.time() - t0 >= max_wait:
            return time.time() - t0


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


# ----------------------------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--work", default="/tmp/albertc-compare",
                    help="folder for checkpoints, ONNX files, compiled libraries (default %(default)s)")
    ap.add_argument("--model", action="append", default=[], metavar="NAME=DIR",
                    help="use an existing AlbertForPreTraining checkpoint folder as model NAME (repeatable); "
                         "built-in names: base, tiny (random, made in --work)")
    ap.add_argument("--shapes", action="append", default=[], metavar="MODEL=BxS,...",
                    help="grid per model (repeatable); default base=%s tiny=%s"
                         % (DEFAULT_SHAPES["base"], DEFAULT_SHAPES["tiny"]))
    ap.add_argument("--threads", default="1,2", help="thread counts (default %(default)s)")
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds (default %(default)s)")
    ap.add_argument("--runs", default="auto",
                    help="timed runs per engine per round and cell (default auto: ~--target-seconds of work, "
                         "odd, 3..501)")
    ap.add_argument("--warmup", default="auto", help="warm-up runs per engine per round and cell (default auto)")
    ap.add_argument("--target-seconds", type=float, default=0.8,
                    help="auto --runs: timed seconds per engine per round and cell (default %(default)s)")
    ap.add_argument("--engines", default=",".join(ENGINES), help="subset of albertc,ort,torch")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: shapes base=1x32 tiny=1x16, 2 rounds (unless given)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random checkpoints (default 0)")
    ap.add_argument("--std", type=float, default=0.05,
                    help="std of the random checkpoints' weights (default %(default)s, as docs/performance.md)")
    ap.add_argument("--opset", type=int, default=17, help="ONNX opset (default %(default)s)")
    ap.add_argument("--albertc", default=os.path.join(ROOT, "build", "bin", "albertc"))
    ap.add_argument("--target", default="", help="albertc compile --target (default: host)")
    ap.add_argument("--no-compile", action="store_true", help="reuse the libraries compiled in --work")
    ap.add_argument("--node", default="node")
    ap.add_argument("--peak", type=float, default=117.4,
                    help="FMA peak GFLOP/s per core for '%% peak' (default %(default)s: the development "
                         "machine, Zen 4)")
    ap.add_argument("--no-measure-peak", action="store_true",
                    help="skip the FMA probe (fma_peak.c) that measures this machine's peak")
    ap.add_argument("--max-other-cpu", type=float, default=0.15,
                    help="redo a measurement during which other processes kept more than this many cores busy "
                         "(default %(default)s; the machine may be shared)")
    ap.add_argument("--retries", type=int, default=2, help="redos per measurement (default %(default)s)")
    ap.add_argument("--retry-wait", type=float, default=20.0,
                    help="before a redo, wait up to this many seconds for the other processes to quieten "
                         "(default %(default)s)")
    ap.add_argument("--wait-budget", type=float, default=180.0,
                    help="total seconds the whole run may spend waiting for quiet; no redos after that "
                         "(default %(default)s)")
    ap.add_argument("--skip-check", action="store_true", help="skip the output agreement check")
    ap.add_argument("--check-tol", type=float, default=1e-4,
                    help="flag a pair of engines whose relative L2 exceeds this (default %(default)s)")
    ap.add_argument("--markdown", metavar="FILE", help="also write the tables as markdown")
    ap.add_argument("--json", metavar="FILE", help="write every measurement as JSON "
                                                    "(default: WORK/results.json)")
    ap.add_argument("--from-json", metavar="FILE",
                    help="print the tables of an earlier run's results.json (no measuring)")
    a = ap.parse_args()
    if a.from_json:
        with open(a.from_json) as f:
            run = json.load(f)
        if a.max_other_cpu != ap.get_default("max_other_cpu"):
            run["max_other_cpu"] = a.max_other_cpu
        return 0 if report(run, a.peak, a.markdown) else 1

    t_start = time.time()
    work = os.path.abspath(a.work)
    os.makedirs(work, exist_ok=True)
    threads = [int(t) for t in a.threads.split(",") if t.strip()]
    engines = [e.strip() for e in a.engines.split(",") if e.strip()]
    for e in engines:
        if e not in ENGINES:
            sys.exit("compare: unknown engine %r (albertc, ort, torch)" % e)
    if a.quick:
        if not a.shapes:
            a.shapes = ["base=1x32", "tiny=1x16"]
        if a.rounds == ap.get_default("rounds"):
            a.rounds = 2

    # models
    given = {}
    for spec in a.model:
        if "=" not in spec:
            sys.exit("compare: --model wants NAME=DIR")
        n, d = spec.split("=", 1)
        if not os.path.exists(os.path.join(d, "config.json")):
            sys.exit("compare: %s has no config.json" % d)
        given[n] = os.path.abspath(d)
    names = set(BUILTIN) | set(given)
    if a.shapes:
        shapes = parse_shapes(a.shapes, names)
    else:
        shapes = parse_shapes(["%s=%s" % kv for kv in DEFAULT_SHAPES.items()] +
                              ["%s=1x32,1x128" % n for n in given if n not in DEFAULT_SHAPES], names)
    models = {}
    for name in shapes:
        if name in given:
            src = given[name]
        else:
            src = os.path.join(work, name, "checkpoint")
            make_random(name, src, a.seed, a.std)
        models[name] = Model(name, src, work)
        for B, S in shapes[name]:
            if S > models[name].P:
                sys.exit("compare: %s: seq %d > max_position_embeddings %d" % (name, S, models[name].P))

    head, dirty = git_state()
    log("albertc tree %s%s; models: %s; threads %s; %d rounds"
        % (head, " (+%d modified files)" % len(dirty) if dirty else "", ", ".join(models), threads, a.rounds))

    blas = blas_in_use() if "torch" in engines else []
    fast_blas = [b for b in blas if any(k in b.lower() for k in ("openblas", "blis", "mkl", "atlas"))]
    blas_label = os.path.basename(fast_blas[-1] if fast_blas else blas[0]) if blas else "-"
    if "torch" in engines and not fast_blas:
        log("WARNING: PyTorch runs on the reference BLAS (%s): its times mean little; "
            "scripts/install_bench_deps.sh installs OpenBLAS" % (", ".join(blas) or "none found"))

    # build: export ONNX, compile albertc
    w64s = {}
    for m in models.values():
        _, w64s[m.name] = load_torch(m)
        if "ort" in engines or not a.skip_check:
            export_onnx(m, a.opset)
    albertc = a.albertc
    if "albertc" in engines or not a.skip_check:
        if not os.path.exists(a.albertc):
            sys.exit("compare: %s not found (scripts/build.sh)" % a.albertc)
        with BuildLock():
            albertc = snapshot_albertc(a.albertc, work)
            if not a.no_compile:
                for m in models.values():
                    compile_albertc(m, albertc, a.target)

    ort = OrtServer(a.node) if ("ort" in engines or not a.skip_check) else None
    ort_version = ort.version if ort else None

    # correctness
    checks = {}
    if not a.skip_check:
        for m in models.values():
            checks[m.name] = check_outputs(m, albertc, ort, w64s[m.name], work)
    del w64s

    # machine peak
    # (report() uses the 1-thread probe per core; the 2-thread probe is only shown: another process on
    # the other core lowers it.)
    measured = None if a.no_measure_peak else measure_fma_peak(work)

    # timing
    cells = []
    for name, lst in shapes.items():
        for T in threads:
            for B, S in lst:
                gf = models[name].gflop(B, S)
                runs, warmup = auto_counts(gf, T, a.target_seconds, a.runs, a.warmup)
                cells.append(dict(model=name, batch=B, seq=S, threads=T, gflop=gf, runs=runs, warmup=warmup,
                                  goal=goal_for(name, S), rounds={e: [] for e in engines},
                                  other={e: [] for e in engines}, steal={e: [] for e in engines},
                                  retried=0, contended=0))
    load = []
    meter = CpuMeter()
    if ort:
        meter.pids.append(ort.p.pid)
    t_bench = time.time()
    waited = 0.0
    for rnd in range(a.rounds):
        load.append(os.getloadavg()[0])
        for ci, c in enumerate(cells):
            m = models[c["model"]]
            k = (rnd + ci) % len(engines)
            for e in engines[k:] + engines[:k]:
                B, S, T, n, w = c["batch"], c["seq"], c["threads"], c["runs"], c["warmup"]
                for attempt in range(a.retries + 1):
                    meter.start()
                    if e == "albertc":
                        ms = bench_albertc(albertc, m, B, S, T, n, w)
                    elif e == "ort":
                        ms = bench_ort(ort, m, B, S, T, n, w)
                    else:
                        ms = bench_torch(m, B, S, T, n, w)
                    other, steal = meter.stop()
                    if other <= a.max_other_cpu or attempt == a.retries or waited >= a.wait_budget:
                        break
                    c["retried"] += 1
                    waited += wait_quiet(meter, a.max_other_cpu, min(a.retry_wait, a.wait_budget - waited))
                c["rounds"][e].append(ms)
                c["other"][e].append(other)
                c["steal"][e].append(steal)
                if other > a.max_other_cpu:
                    c["contended"] += 1
        el = time.time() - t_bench
        log("round %d/%d done (%.0f s; about %.0f s to go)" % (rnd + 1, a.rounds, el,
                                                               el / (rnd + 1) * (a.rounds - rnd - 1)))
    load.append(os.getloadavg()[0])
    if ort:
        ort.close()

    cmdline = " ".join([os.path.relpath(sys.argv[0], os.getcwd()) if os.path.exists(sys.argv[0]) else sys.argv[0]]
                       + sys.argv[1:])
    run = {"command": cmdline, "date": time.strftime("%Y-%m-%d %H:%M"), "ort_version": ort_version,
           "torch_version": torch.__version__, "blas": blas_label, "albertc_tree": head, "modified_files": dirty,
           "cpu": cpu_name(), "cpus": os.cpu_count(), "measured_peak": measured, "load_avg": load,
           "waited_s": waited, "rounds": a.rounds, "retries": a.retries, "max_other_cpu": a.max_other_cpu,
           "engines": engines, "threads": threads, "checks": checks, "check_tol": a.check_tol, "cells": cells,
           "models": {n: dict(m.info, src=m.src, config=m.cfg, describe=m.describe()) for n, m in models.items()},
           "total_s": time.time() - t_start}
    jpath = a.json or os.path.join(work, "results.json")
    with open(jpath, "w") as f:
        json.dump(run, f, indent=1)
    ok = report(run, a.peak, a.markdown)
    log("wrote %s%s" % (jpath, (" and " + a.markdown) if a.markdown else ""))
    return 0 if ok else 1


def report(run, peak, markdown=None):
    """Prints the tables of a run (live, or loaded with --from-json); returns False on disagreement."""
    thr = run["max_other_cpu"]
    cells = run["cells"]
    results = summarize(cells, thr)
    measured = {int(k): v for k, v in (run.get("measured_peak") or {}).items()}
    measured_peak = {T: T * measured[1]["avx512_gflops"] for T in run["threads"]} if 1 in measured else None
    (h1, r1), (h2, r2) = build_tables(results, run["threads"], peak, measured_peak)
    notes = []
    notes.append("Machine: %s, %d CPUs; ONNX Runtime %s (onnxruntime-node), PyTorch %s (BLAS %s), albertc tree "
                 "%s%s." % (run["cpu"], run["cpus"], run["ort_version"] or "-", run["torch_version"],
                            run["blas"], run["albertc_tree"],
                            " + %d modified files" % len(run["modified_files"]) if run["modified_files"] else ""))
    if measured:
        notes.append("FMA peak measured here (fma_peak.c, register-only FMAs): AVX-512 %s GFLOP/s, AVX2 %s "
                     "GFLOP/s (1 / 2 threads; 2 threads < 2x 1 thread means the other core was busy). '%% peak' "
                     "uses %.1f GFLOP/s per core (--peak); '%% meas. peak' uses threads x the 1-thread AVX-512 rate."
                     % (" / ".join("%.0f" % measured[T]["avx512_gflops"] for T in sorted(measured)),
                        " / ".join("%.0f" % measured[T]["avx2_gflops"] for T in sorted(measured)), peak))
    else:
        notes.append("'%% peak' uses %.1f GFLOP/s per core (--peak)." % peak)
    n_meas = sum(len(v) for c in cells for v in c["rounds"].values())
    notes.append("ms: per engine, the median over the rounds measured while other processes kept <= %.2f cores busy "
                 "(rounds a/o/p: how many of the %d rounds that was for albertc / ORT / PyTorch; 0(n): none was, "
                 "median over all n) of each round's median; runs per round and cell: %s. spread a/o/p: max/min - 1 "
                 "over those rounds. goal: the issue's albertc/ORT target. Redone measurements: %d (%.0f s waited "
                 "for quiet); kept while busy after %d redos: %d of %d. Load average 1 min at round starts: %s. "
                 "Total wall time %.0f s."
                 % (thr, run["rounds"], ", ".join(sorted({"%d+%dw" % (c["runs"], c["warmup"]) for c in cells})),
                    sum(c["retried"] for c in cells), run["waited_s"], run["retries"],
                    sum(c["contended"] for c in cells), n_meas, " ".join("%.1f" % x for x in run["load_avg"]),
                    run["total_s"]))
    for name, m in run["models"].items():
        notes.append("Model %s: %s." % (name, m["describe"]))

    check_lines = []
    bad = []
    for name, ch in run["checks"].items():
        check_lines.append("%s (batch %d x seq %d, %d padded positions excluded from logits):"
                           % (name, ch["batch"], ch["seq"], ch["padded_positions"]))
        for pair, v in ch["rel_l2"].items():
            check_lines.append("  %-20s logits %.2e  sop_logits %.2e" % (pair, v["logits"], v["sop_logits"]))
            if "float64" not in pair and not all(x <= run["check_tol"] for x in v.values()):
                bad.append("%s %s" % (name, pair))
    if bad:
        check_lines.append("DISAGREEMENT above %.0e: %s" % (run["check_tol"], ", ".join(bad)))
    elif run["checks"]:
        check_lines.append("all pairs of engines agree within %.0e (relative L2)" % run["check_tol"])

    out = []
    if check_lines:
        out += ["", "== output agreement (relative L2 of the first vs the second) =="] + check_lines
    out += ["", "== timings ==", text_table(h1, r1)]
    if r2:
        out += ["", "== thread scaling ==", text_table(h2, r2)]
    out += [""] + notes + ["Command: " + run["command"]]
    print("\n".join(out), flush=True)

    if markdown:
        md = ["# albertc vs ONNX Runtime vs PyTorch (%s)" % run.get("date", ""), "",
              "```sh", run["command"], "```", "", md_table(h1, r1)]
        if r2:
            md += ["", md_table(h2, r2)]
        if check_lines:
            md += ["", "Output agreement (relative L2):", "", "```"] + check_lines + ["```"]
        md += [""] + ["- " + n for n in notes] + [""]
        with open(markdown, "w") as f:
            f.write("\n".join(md))
    return not bad


if __name__ == "__main__":
    sys.exit(main())
