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
if not launches:
    sys.exit("cuda_launches: no halide_cuda_run in " + sys.argv[1])
worst = 0
for name, x, y, z in sorted(set(launches)):
    threads = int(x) * int(y) * int(z)
    worst = max(worst, threads)
    print(f"kernel {name} threads {x} {y} {z}")
print(f"launches: {len(set(launches))}, max threads per block: {worst}")
sys.exit(0 if worst <= 1024 else 1)
