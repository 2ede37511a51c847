#!/usr/bin/env bash
# Regenerates the committed end-to-end test cases under tests/e2e/cases/:
#
#   <case>/model/{config.json,model.safetensors}        scripts/make_random_albert.py
#   <case>/inputs/<set>/{ids,attention_mask,token_type_ids}.npy   albert_golden.py --make-inputs
#   <case>/golden/<set>/<output>.npy                      albert_golden.py (PyTorch, float64)
#
# Input sets: b1_s1 (batch 1, seq 1), b3_pad (batch 3, seq 17, padded rows),
# b2_long (batch 2, seq = max_position_embeddings, padded rows).
#
# Usage: scripts/make_e2e_cases.sh [CASES_DIR]     (default: tests/e2e/cases)
# Needs a Python with numpy and torch (PYTHON, default /usr/bin/python3).
# Everything is seeded, so a rerun rewrites identical files.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-/usr/bin/python3}"
OUT="${1:-$ROOT/tests/e2e/cases}"
MAKE="$ROOT/scripts/make_random_albert.py"
GOLDEN="$ROOT/scripts/albert_golden.py"

# make_case NAME SEED P -- make_random_albert.py options (without out dir / seed / std)
make_case() {
  local name="$1" seed="$2" maxpos="$3"
  shift 4
  local dir="$OUT/$name"
  rm -rf "$dir"
  mkdir -p "$dir"
  "$PY" "$MAKE" "$dir/model" --seed "$seed" --std 0.3 --max-pos "$maxpos" "$@"
  local set b s pad iseed=$((seed * 100))
  for set in b1_s1 b3_pad b2_long; do
    case "$set" in
      b1_s1)   b=1; s=1;        pad=() ;;
      b3_pad)  b=3; s=17;       pad=(--pad) ;;
      b2_long) b=2; s=$maxpos;  pad=(--pad) ;;
    esac
    iseed=$((iseed + 1))
    "$PY" "$GOLDEN" "$dir/model" --make-inputs "$b" "$s" --seed "$iseed" "${pad[@]}" \
      -o "$dir/inputs/$set"
    "$PY" "$GOLDEN" "$dir/model" -o "$dir/golden/$set" \
      --input-ids "$dir/inputs/$set/ids.npy" \
      --attention-mask "$dir/inputs/$set/attention_mask.npy" \
      --token-type-ids "$dir/inputs/$set/token_type_ids.npy" 2>/dev/null
  done
  echo "case $name: $(du -sh "$dir" | cut -f1)" >&2
}

make_case pretrain_groups 11 64 -- \
  --arch AlbertForPreTraining --dtype F32 --act gelu_new \
  --hidden 32 --embedding 16 --layers 4 --groups 2 --inner 2 --heads 4 --intermediate 48 \
  --vocab 50 --type-vocab 2

make_case base_f16_noprefix 12 40 -- \
  --arch AlbertModel --dtype F16 --no-prefix --position-ids --act gelu \
  --hidden 48 --heads 3 --embedding 24 --intermediate 80 --layers 3 --groups 1 --inner 1 \
  --vocab 67 --type-vocab 2

make_case mlm_bf16_groups3 13 48 -- \
  --arch AlbertForMaskedLM --dtype BF16 --no-decoder --act relu \
  --hidden 64 --heads 4 --embedding 32 --intermediate 128 --layers 5 --groups 3 --inner 1 \
  --vocab 99 --type-vocab 2

make_case pretrain_odd 14 70 -- \
  --arch AlbertForPreTraining --dtype F32 --act gelu_new \
  --hidden 40 --heads 5 --embedding 12 --intermediate 72 --layers 2 --groups 1 --inner 3 \
  --vocab 37 --type-vocab 3

echo "wrote $OUT ($(du -sh "$OUT" | cut -f1))" >&2
