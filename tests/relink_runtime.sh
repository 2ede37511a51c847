#!/bin/sh
# Relinks a generated lib<name>.a into lib<name>.so with another build of the
# runtime: the sanitizer tree (runtime_test) and the fuzzers use it to get an
# instrumented runtime.c into a real compiled model. albertc itself links the
# plain libalbert_rt.a with `cc -shared -Wl,--no-undefined`, where the
# sanitizer runtimes' symbols could not be resolved.
#
#   relink_runtime.sh CC OUT.so MODEL.a RUNTIME.a NAME [link flags...]
#
# MODEL.a: albertc's static library (its runtime member runtime.c.o is
# dropped); RUNTIME.a: the runtime to link instead. Only <NAME>_* is exported,
# as in albertc's own link.
set -eu
cc=$1 out=$2 model=$3 rt=$4 name=$5
shift 5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$model" "$tmp/model.a"
if ! ar t "$tmp/model.a" | grep -qx 'runtime.c.o'; then
  echo "relink_runtime.sh: $model has no runtime.c.o member" >&2
  exit 1
fi
ar d "$tmp/model.a" runtime.c.o
echo "{ global: ${name}_*; local: *; };" >"$tmp/exports.map"
mkdir -p "$(dirname "$out")"
# shellcheck disable=SC2086
$cc -shared "$@" -o "$out" -Wl,--whole-archive "$tmp/model.a" "$rt" -Wl,--no-whole-archive \
  -Wl,--version-script="$tmp/exports.map" -lpthread -ldl -lm
