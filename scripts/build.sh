#!/usr/bin/env bash
# Configures and builds albertc into build/ (Release, clang-14, Ninja).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DALBERTC_BUILD_TESTS=ON -DALBERTC_BUILD_BENCHMARKS=ON >/dev/null
ninja -C build
