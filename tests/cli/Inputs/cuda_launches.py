#!/usr/bin/python3
"""Reads `albertc compile --emit=halide` output for a CUDA target and checks every kernel launch
(halide_cuda_run) has a block of at most 1024 threads, which cuLaunchKernel refuses otherwise
(CUDA_ERROR_INVALID_VALUE) and which nothing short of a GPU would notice. Prints one line per
distinct kernel ("kernel NAME threads X Y Z") and "launches: N, max threads per block: T".

    cuda_launches.py STMT_FILE
"""
import re
import sys

text = open(sys.argv[1], "rb").read().decode("latin-1")
launches = re.findall(r'halide_cuda_run\(cuda\[0\], "([^"]+)", [^,]+, [^,]+, [^,]+, '
                      r'(\d+), (\d+), (\d+),', text)
calls = text.count("halide_cuda_run(cuda[0], ")
if not launches or len(launches) != calls:
    sys.exit(f"cuda_launches: {sys.argv[1]}: {calls} launches, {len(launches)} with constant "
             "thread counts: cannot check them all")
worst = 0
for name, x, y, z in sorted(set(launches)):
    threads = int(x) * int(y) * int(z)
    worst = max(worst, threads)
    print(f"kernel {name} threads {x} {y} {z}")
print(f"launches: {len(set(launches))}, max threads per block: {worst}")
sys.exit(0 if worst <= 1024 else 1)
