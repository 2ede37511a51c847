#!/usr/bin/env bash
# The whole test suite: install, build, then every test (lit IR and CLI
# suites, unit tests, end-to-end numeric tests against float64 references).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/build.sh
cd build
ctest --output-on-failure -j2 "$@"
