#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang-14, ASan+UBSan) into build-fuzz/
# and runs each for a bounded time over its seed corpus fuzz/corpus/<target>/.
#
#   scripts/fuzz.sh [seconds per target, default 20] [target...]
#
# New corpus entries go to build-fuzz/corpus/<target>/ (the checked-in seeds
# are not touched); a crash, leak, UB report or timeout is written to
# build-fuzz/artifacts/ and fails the run. Reproduce one with
#   build-fuzz/bin/<target> build-fuzz/artifacts/<file>
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_safetensors fuzz_config fuzz_npy fuzz_runtime_inputs fuzz_weights_open fuzz_tokenizer fuzz_import)

bash scripts/install_deps.sh
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DALBERTC_BUILD_FUZZERS=ON -DALBERTC_BUILD_TESTS=OFF -DALBERTC_BUILD_BENCHMARKS=OFF >/dev/null
flock /tmp/albertc-build.lock ninja -C build-fuzz "${targets[@]}"

# The ASan quarantine (256 MB by default) reads as growth of the resident size;
# keep it small so that -rss_limit_mb catches real growth.
export ASAN_OPTIONS="quarantine_size_mb=32:detect_leaks=1"
export UBSAN_OPTIONS="print_stacktrace=1"
status=0 passed=0 failed=0
mkdir -p build-fuzz/artifacts
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t"
  echo "fuzz.sh: $t for ${seconds}s"
  if ! build-fuzz/bin/"$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="build-fuzz/artifacts/$t-" \
      "build-fuzz/corpus/$t" "fuzz/corpus/$t" >"build-fuzz/$t.log" 2>&1; then
    echo "fuzz.sh: $t FAILED (build-fuzz/$t.log):" >&2
    grep -v '^#' "build-fuzz/$t.log" | tail -40 >&2
    status=1 failed=$((failed + 1))
  else
    grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "build-fuzz/$t.log" || true
    passed=$((passed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
exit "$status"
