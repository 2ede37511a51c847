#!/bin/sh
# ctest e2e_cuda: runs e2e_test ($1) on libraries compiled with --target cuda,
# or exits 77 (ctest: skipped) where the CUDA driver does not load or finds no GPU.
if ! /usr/bin/python3 -c '
import ctypes, sys
cuda = ctypes.CDLL("libcuda.so.1")
n = ctypes.c_int(0)
sys.exit(cuda.cuInit(0) != 0 or cuda.cuDeviceGetCount(ctypes.byref(n)) != 0 or n.value < 1)
' 2>/dev/null; then
  echo "SKIPPED: no CUDA driver (libcuda.so.1) or no GPU on this machine; these tests need an NVIDIA GPU"
  exit 77
fi
ALBERTC_E2E_COMPILE_FLAGS="--target cuda" exec "$1"
