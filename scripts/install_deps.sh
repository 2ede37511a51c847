#!/usr/bin/env bash
# Installs what albertc needs on Debian 12 (idempotent). Run as root.
set -euo pipefail
pkgs=(cmake ninja-build g++ clang-14 python3 python3-numpy python3-torch
      llvm-14-dev llvm-14-tools libmlir-14-dev mlir-14-tools libhalide14-0-dev
      googletest libgtest-dev libgmock-dev libbenchmark-dev
      libclang-rt-14-dev   # ASan/UBSan/libFuzzer runtimes: scripts/sanitize.sh, scripts/fuzz.sh
      libsentencepiece-dev libicu-dev sentencepiece python3-sentencepiece)  # tokenizer + its tests
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install_deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
