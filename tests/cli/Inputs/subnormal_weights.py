"""subnormal_weights.py MODEL OUT FRACTION: copies the checkpoint MODEL to OUT with
FRACTION of the values of each matrix (2-D float32 tensor; not the MLM decoder's,
which is tied to the word embeddings) replaced by subnormal floats (+-1e-39, below
2^-126 = 1.18e-38).

subnormal_weights.py --count WEIGHTS: prints how many of the float32 values of a
library's weights file (after its 64-byte header) are subnormal."""
import json
import os
import shutil
import struct
import sys

import numpy as np


def subnormal(a):
    return int(np.count_nonzero((a != 0) & (np.abs(a) < np.finfo(np.float32).tiny)))


if sys.argv[1] == "--count":
    a = np.fromfile(sys.argv[2], dtype=np.float32, offset=64)
    print("subnormal values in the weights file:", subnormal(a))
    sys.exit(0)

src, dst, frac = sys.argv[1], sys.argv[2], float(sys.argv[3])
os.makedirs(dst, exist_ok=True)
shutil.copy(os.path.join(src, "config.json"), dst)
data = bytearray(open(os.path.join(src, "model.safetensors"), "rb").read())
n = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + n])
rng = np.random.default_rng(0)
total = 0
for name, t in header.items():
    if (name == "__metadata__" or name.endswith("decoder.weight") or t["dtype"] != "F32" or
            len(t["shape"]) != 2):
        continue
    b, e = t["data_offsets"]
    a = np.frombuffer(data, dtype=np.float32, count=(e - b) // 4, offset=8 + n + b).copy()
    m = rng.random(a.size) < frac
    a[m] = np.where(rng.random(int(m.sum())) < 0.5, -1e-39, 1e-39).astype(np.float32)
    data[8 + n + b:8 + n + e] = a.tobytes()
    total += subnormal(a)
open(os.path.join(dst, "model.safetensors"), "wb").write(data)
print("subnormal values written:", total)
