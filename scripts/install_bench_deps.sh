#!/usr/bin/env bash
# Installs the tools of benchmarks/compare/ (the ONNX Runtime / PyTorch side-by-side comparison).
# Not needed to build or test albertc. Idempotent; run as root (or with sudo available).
#
#   - Debian: python3-torch, python3-numpy (already albertc's), python3-onnx (ONNX export checks),
#             libopenblas0-openmp: Debian's torch does its float32 matmuls through libblas.so.3 (it is built
#             with BLAS_INFO=generic) and recommends OpenBLAS; with --no-install-recommends (as
#             scripts/install_deps.sh installs) only the reference BLAS is there and PyTorch runs ~30x
#             slower. The OpenMP build follows torch.set_num_threads. Installing it makes OpenBLAS the
#             system's libblas.so.3 alternative (numpy uses it too; results change only by rounding).
#   - npm:    onnxruntime-node (version pinned in benchmarks/compare/package.json) into
#             benchmarks/compare/node_modules, with --ignore-scripts: its install script downloads GPU
#             binaries and fails offline; the CPU library ships inside the package.
#
# Ends by loading onnxruntime-node and running a small ONNX model through it (checked against numpy).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/benchmarks/compare"
PY=/usr/bin/python3

# --- Debian packages --------------------------------------------------------------------------
pkgs=(python3 python3-numpy python3-torch python3-onnx libopenblas0-openmp nodejs npm)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node and npm may come from elsewhere (nvm, NodeSource): only ask apt for them when absent.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs/}"); missing=("${missing[@]/npm/}")
fi
want=()
for p in "${missing[@]}"; do [ -n "$p" ] && want+=("$p"); done
if [ ${#want[@]} -gt 0 ]; then
  echo "install_bench_deps: apt-get install ${want[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${want[@]}"
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 16 ]; then
  echo "install_bench_deps: node $(node --version) is too old for onnxruntime-node (need >= 16)" >&2
  exit 1
fi

# --- onnxruntime-node -------------------------------------------------------------------------
want_ver=$(node -p "require('$dir/package.json').dependencies['onnxruntime-node']")
have_ver=$(node -p "try { require('$dir/node_modules/onnxruntime-node/package.json').version } catch (e) { '' }")
if [ "$have_ver" != "$want_ver" ]; then
  echo "install_bench_deps: npm install --ignore-scripts onnxruntime-node@$want_ver"
  (cd "$dir" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error)
else
  echo "install_bench_deps: onnxruntime-node $have_ver already in $dir/node_modules"
fi

# --- check: load it and run a model -----------------------------------------------------------
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PY" - "$tmp" <<'EOF'
import sys, numpy as np, onnx
from onnx import helper, TensorProto, numpy_helper
d = sys.argv[1]
rng = np.random.default_rng(0)
w = rng.standard_normal((3, 4)).astype(np.float32)
b = rng.standard_normal(4).astype(np.float32)
x = rng.standard_normal((2, 3)).astype(np.float32)
g = helper.make_graph(
    [helper.make_node("MatMul", ["x", "w"], ["xw"]), helper.make_node("Add", ["xw", "b"], ["y0"]),
     helper.make_node("Tanh", ["y0"], ["y"])],
    "check", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 4])],
    [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
m.ir_version = 8
onnx.checker.check_model(m)
onnx.save(m, d + "/check.onnx")
x.tofile(d + "/x.f32")
np.tanh(x @ w + b).astype(np.float32).tofile(d + "/y.f32")
EOF
(cd "$dir" && node - "$tmp" <<'EOF'
const fs = require('fs');
const ort = require('onnxruntime-node');
const d = process.argv[2];
(async () => {
  const s = await ort.InferenceSession.create(d + '/check.onnx',
      {graphOptimizationLevel: 'all', intraOpNumThreads: 1, interOpNumThreads: 1});
  const x = new Float32Array(new Uint8Array(fs.readFileSync(d + '/x.f32')).buffer);
  const want = new Float32Array(new Uint8Array(fs.readFileSync(d + '/y.f32')).buffer);
  const y = (await s.run({x: new ort.Tensor('float32', x, [2, 3])})).y.data;
  let err = 0;
  for (let i = 0; i < want.length; ++i) err = Math.max(err, Math.abs(y[i] - want[i]));
  if (y.length !== want.length || !(err < 1e-5)) {
    console.error('install_bench_deps: onnxruntime-node gave wrong results (max error ' + err + ')');
    process.exit(1);
  }
  console.log('install_bench_deps: onnxruntime-node ' + ort.env.versions.node + ' loads and runs a model ' +
              '(CPU, max error ' + err.toExponential(1) + ')');
})().catch((e) => { console.error('install_bench_deps: ' + e); process.exit(1); });
EOF
)
"$PY" -c "import torch, onnx; print('install_bench_deps: torch %s, onnx %s' % (torch.__version__, onnx.__version__))"
