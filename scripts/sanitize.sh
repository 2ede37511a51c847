#!/usr/bin/env bash
# The test suite (unit, cli, ir, e2e) built with AddressSanitizer +
# UndefinedBehaviorSanitizer (+ LeakSanitizer) into build-asan/.
#
#   scripts/sanitize.sh [ctest args...]     e.g. -L unit
#
# The project's own C/C++ code is instrumented (-DALBERTC_SANITIZE=ON); LLVM,
# MLIR and Halide are not. libalbert_rt.a, which albertc links into every
# generated library, stays plain (see runtime/CMakeLists.txt); runtime_test
# runs the tiny model relinked with an instrumented runtime.
#
# Every report goes to a file under build-asan/sanitizer-logs/ (log_path), so a
# report from a process whose failure a test expects (lit's `not`) is not
# lost: the run fails if any report file appears, whatever ctest says.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
bash scripts/install_deps.sh
lock=/tmp/albertc-build.lock
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DALBERTC_SANITIZE=ON -DALBERTC_BUILD_TESTS=ON -DALBERTC_BUILD_BENCHMARKS=OFF >/dev/null
flock "$lock" ninja -C build-asan

logs=$src/build-asan/sanitizer-logs
rm -rf "$logs"
mkdir -p "$logs"
common="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
export ASAN_OPTIONS="$common:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:log_path=$logs/asan"
export UBSAN_OPTIONS="$common:log_path=$logs/ubsan"
export LSAN_OPTIONS="suppressions=$src/scripts/lsan.supp:print_suppressions=0"
# The compiled models' kernels spin up Halide's thread pool: keep it small.
export HL_NUM_THREADS=2
# Halide runs its compiler on a swapcontext'd large stack, which ASan cannot
# follow (it warns of possible false positives); 0 runs it on the caller's.
export HL_COMPILER_STACK_SIZE=0

status=0
(cd build-asan && ctest --output-on-failure -j2 "$@") || status=$?
# Errors (ASan/LSan "ERROR:", UBSan "runtime error:") fail the run; anything
# else a sanitizer logged (warnings) is shown.
for f in $(find "$logs" -type f | sort); do
  echo "==== $f" >&2
  cat "$f" >&2
  if grep -qE 'ERROR: |runtime error: ' "$f"; then status=1; fi
done
if [ "$status" -eq 0 ]; then
  echo "sanitize.sh: no sanitizer reports"
fi
exit "$status"
