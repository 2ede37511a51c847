#!/bin/bash
# Builds, on the development machine, everything the GPU check needs into .gpu/:
# the e2e checkpoints and an ALBERT-base-sized random checkpoint compiled with
# --target cuda, their inputs and float64 golden outputs, and gpu_run (the GPU
# machine has a driver and Python with PyTorch, but none of albertc's build
# dependencies). Then, on the GPU machine: benchmarks/gpu/check.sh.
#
#   benchmarks/gpu/prepare.sh            (after building albertc into build/)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
albertc=${ALBERTC:-$root/build/bin/albertc}
py=/usr/bin/python3
# GPU_CHECK_TARGET="--gpu-schedule-on-host" builds the same for this CPU (to try check.sh here).
target=${GPU_CHECK_TARGET:---target cuda}
out=$root/.gpu
rm -rf "$out"
mkdir -p "$out/cases" "$out/base"
cc -O2 -Wall -o "$out/gpu_run" "$root/benchmarks/gpu/gpu_run.c" -ldl

# Every e2e checkpoint (all tasks); inputs and goldens stay in tests/e2e/cases.
for dir in "$root"/tests/e2e/cases/*/; do
  name=$(basename "$dir")
  "$albertc" compile "$dir/model" -o "$out/cases/$name" $target --name "$name" --quiet
  rm -f "$out/cases/$name"/*.a
done

# ALBERT-base dimensions (H 768, E 128, 12 layers, 12 heads, F 3072, V 30000).
model=$(mktemp -d)
trap 'rm -rf "$model"' EXIT
$py "$root/scripts/make_random_albert.py" "$model" --hidden 768 --embedding 128 --layers 12 \
  --groups 1 --inner 1 --heads 12 --intermediate 3072 --vocab 30000 --max-pos 512 \
  --type-vocab 2 --act gelu_new --arch AlbertModel --dtype F32 --seed 7 --std 0.05 >/dev/null
cp "$model/config.json" "$out/base/config.json"
"$albertc" compile "$model" -o "$out/base/lib" $target --name albert_base --quiet
rm -f "$out/base/lib"/*.a
for spec in "1 32 b1_s32" "1 128 b1_s128" "2 128 b2_s128_pad --pad"; do
  set -- $spec
  sets="$out/base/sets/$3"
  $py "$root/scripts/albert_golden.py" "$model" --make-inputs "$1" "$2" --seed 3 ${4:-} \
    -o "$sets/inputs" >/dev/null
  $py "$root/scripts/albert_golden.py" "$model" --input-ids "$sets/inputs/ids.npy" \
    --attention-mask "$sets/inputs/attention_mask.npy" \
    --token-type-ids "$sets/inputs/token_type_ids.npy" -o "$sets/golden" >/dev/null
done

# The same with Halide's profiler, for a per-kernel breakdown (check.sh runs it
# with CUDA_LAUNCH_BLOCKING=1 so that each kernel's host-side time is its own).
if [ "$target" = "--target cuda" ]; then
  "$albertc" compile "$model" -o "$out/profile" --name albert_base --quiet \
    --target x86-64-linux-avx-avx2-f16c-fma-sse41-cuda-cuda_capability_86-profile
  rm -f "$out/profile"/*.a "$out/profile"/*.weights
fi

du -sh "$out"
