#!/bin/bash
# The GPU check, run on the GPU machine over what benchmarks/gpu/prepare.sh
# built into .gpu/ (run from the repository root): correctness of every e2e
# checkpoint and of ALBERT-base dimensions against float64 goldens, then
# albertc's and PyTorch's latency for 1x32, 1x128, 8x128, 32x128, and a table.
#
#   benchmarks/gpu/check.sh [--quick] [RESULT_DIR]
# --quick: correctness and albertc's latency only (no PyTorch, profile, ptxas).
set -uo pipefail
quick=0
[ "${1:-}" = --quick ] && quick=1 && shift
g=.gpu
res=${1:-/tmp/gpu_check}
mkdir -p "$res"
py=${PYTHON:-python3}
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
fail=0
echo "== correctness (relative L2 at non-padded positions vs float64, tolerance 1e-5)"
for lib in $g/cases/*/; do
  name=$(basename "$lib")
  for set in tests/e2e/cases/$name/inputs/*/; do
    s=$(basename "$set")
    o=$res/cases/$name/$s
    mkdir -p "$o"
    if ! $g/gpu_run "$lib/lib$name.so" "$name" "$lib" --inputs "$set" --out "$o" 2>"$o/err"; then
      echo "FAIL $name $s: $(cat "$o/err")"; fail=1; continue
    fi
    mask=""
    [ "$name" != head_multiple_choice ] && mask="--mask $set/attention_mask.npy"
    line=$($py scripts/compare_outputs.py "$o" "tests/e2e/cases/$name/golden/$s" $mask | tail -1)
    echo "$name $s: $line"
    [[ $line == PASS* ]] || fail=1
  done
done
for set in $g/base/sets/*/; do
  s=$(basename "$set")
  o=$res/base/$s
  mkdir -p "$o"
  if ! $g/gpu_run $g/base/lib/libalbert_base.so albert_base $g/base/lib --inputs "$set/inputs" \
      --out "$o" 2>"$o/err"; then
    echo "FAIL base $s: $(cat "$o/err")"; fail=1; continue
  fi
  line=$($py scripts/compare_outputs.py "$o" "$set/golden" --mask "$set/inputs/attention_mask.npy" | tail -1)
  echo "albert-base $s: $line"
  [[ $line == PASS* ]] || fail=1
done
echo "== latency (ms, median of 50 runs; inputs from host, outputs to host)"
shapes="1x32 1x128 8x128 32x128"
: > "$res/albertc.txt"
for shape in $shapes; do
  b=${shape%x*}; s=${shape#*x}
  if t=$($g/gpu_run $g/base/lib/libalbert_base.so albert_base $g/base/lib --random "$b" "$s" --runs 50); then
    echo "albertc $shape $t" | tee -a "$res/albertc.txt"
  else
    echo "FAIL albertc $shape"; fail=1
  fi
done
[ $quick = 1 ] && exit $fail
$py benchmarks/gpu/torch_albert.py $g/base/config.json --shapes $shapes > "$res/torch.txt" || fail=1
cat "$res/torch.txt"
if [ -d $g/profile ]; then
  echo "== per-kernel time (Halide profiler, CUDA_LAUNCH_BLOCKING=1), 1x128 and 32x128"
  for shape in "1 128" "32 128"; do
    CUDA_LAUNCH_BLOCKING=1 $g/gpu_run $g/profile/libalbert_base.so albert_base $g/base/lib \
      --random $shape --runs 20 2>&1 | grep -v "^ *$" | head -80
  done
fi
echo "== registers and spills of the base model's kernels (ptxas -v, sm_90)"
if command -v ptxas >/dev/null; then
  rm -f "$res"/k*.ptx
  $py - "$g/base/lib/libalbert_base.so" "$res" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
i, n = 0, 0
while (i := data.find(b".version ", i)) >= 0:
    start, end = data.rfind(b"\0", 0, i) + 1, data.find(b"\0", i)
    open(f"{sys.argv[2]}/k{n}.ptx", "wb").write(data[start:end])
    n, i = n + 1, end
PY
  for f in "$res"/k*.ptx; do
    ptxas -arch=sm_90 -v "$f" -o /dev/null 2>&1 | grep -E "Compiling entry|registers|spill" |
      sed -E 's/ptxas info +: //' | paste - - - | sed -E 's/Compiling entry function .(_kernel_)?//; s/. for .sm_90.//'
  done
fi
echo "== table (median ms)"
printf "%-8s %10s %12s %12s %10s\n" shape albertc torch-eager torch-graph albertc/graph
for shape in $shapes; do
  a=$(awk -v s=$shape '$1=="albertc" && $2==s {print $5}' "$res/albertc.txt")
  e=$(awk -v s=$shape '$2=="eager" && $3==s {print $5}' "$res/torch.txt")
  gr=$(awk -v s=$shape '$2=="graph" && $3==s {print $5}' "$res/torch.txt")
  printf "%-8s %10s %12s %12s %10s\n" $shape "$a" "$e" "$gr" \
    "$(awk -v a="$a" -v b="$gr" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b }')"
done
exit $fail
