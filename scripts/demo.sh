#!/usr/bin/env bash
# The main job: install, build, compile the bundled model into a library, run
# it from the command line and from a C program, check it against PyTorch,
# run a model with a tokenizer on text, then compile and time an ALBERT-base
# sized model.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/build.sh
PY=/usr/bin/python3
out=out/demo
rm -rf "$out" && mkdir -p "$out"

echo "== 1. compile the bundled model (tests/models/tiny, AlbertForPreTraining)"
build/bin/albertc compile tests/models/tiny -o "$out/tiny"
ls -l "$out/tiny"

echo "== 2. albertc run on a padded batch, compared with a float64 PyTorch reference"
$PY scripts/albert_golden.py tests/models/tiny --make-inputs 2 12 --seed 7 --pad -o "$out/inputs"
build/bin/albertc run "$out/tiny" --input-ids "$out/inputs/ids.npy" \
  --attention-mask "$out/inputs/attention_mask.npy" \
  --token-type-ids "$out/inputs/token_type_ids.npy" -o "$out/result"
$PY scripts/albert_golden.py tests/models/tiny --input-ids "$out/inputs/ids.npy" \
  --attention-mask "$out/inputs/attention_mask.npy" \
  --token-type-ids "$out/inputs/token_type_ids.npy" -o "$out/golden"
$PY scripts/compare_outputs.py "$out/result" "$out/golden" --mask "$out/inputs/attention_mask.npy"

echo "== 3. a C program linked against the library"
cc examples/albert_demo.c -I"$out/tiny" -L"$out/tiny" -lalbert -Wl,-rpath,"$PWD/$out/tiny" \
  -o "$out/albert_demo"
"$out/albert_demo" "$out/tiny"

echo "== 4. text in, answers out: a fill-mask model with a tokenizer (spiece.model)"
# Random weights (the predictions mean nothing) and the SentencePiece model the build trains for
# the tests; a real checkpoint folder (config.json, model.safetensors, spiece.model) works alike.
$PY scripts/make_random_albert.py "$out/fill-model" --hidden 64 --embedding 32 --layers 2 \
  --groups 1 --inner 1 --heads 4 --intermediate 128 --vocab 800 --max-pos 128 --type-vocab 2 \
  --act gelu_new --arch AlbertForMaskedLM --dtype F32 --seed 3
cp build/tests/tokenizer/spiece.model "$out/fill-model/"
build/bin/albertc compile "$out/fill-model" -o "$out/fill" --name fillmask --quiet
build/bin/albertc run "$out/fill" --text "The capital of France is [MASK]." --top-k 3
cc examples/fill_mask.c -I"$out/fill" -L"$out/fill" -lfillmask -Wl,-rpath,"$PWD/$out/fill" -lm \
  -o "$out/fill_mask"
"$out/fill_mask" "$out/fill" "Paris is the [MASK] of France."

echo "== 5. an ALBERT-base sized model (random weights): compile, then time it"
$PY scripts/make_random_albert.py "$out/base-model" --hidden 768 --embedding 128 --layers 12 \
  --groups 1 --inner 1 --heads 12 --intermediate 3072 --vocab 30000 --max-pos 512 \
  --type-vocab 2 --act gelu_new --arch AlbertForPreTraining --dtype F32 --std 0.05 --seed 1
build/bin/albertc compile "$out/base-model" -o "$out/base"
build/bin/albertc bench "$out/base" --batch 1 --seq 128 --threads 2 --runs 10
