#!/bin/sh
# ctest e2e_cuda: runs e2e_test ($1) on libraries compiled with --target cuda,
# or exits 77 (ctest: skipped) where the CUDA driver does not load.
if ! /usr/bin/python3 -c 'import ctypes; ctypes.CDLL("libcuda.so.1")' 2>/dev/null; then
  echo "SKIPPED: no CUDA driver (libcuda.so.1) on this machine; the GPU tests need an NVIDIA GPU"
  exit 77
fi
ALBERTC_E2E_COMPILE_FLAGS="--target cuda" exec "$1"
