#!/usr/bin/python3
"""write_npy_header.py PATH SHAPE NBYTES [VERSION]: a .npy file of int32 whose header says
'shape': SHAPE verbatim (e.g. "(-1, 5)", which numpy itself would not write), then NBYTES bytes
of data (int32 values 2, 3, 4, ...). A SHAPE starting with '{' is the whole header dict instead
(other quotes, keys or padding than numpy's); "PAD<n>" in it stands for n spaces. VERSION 2
gives a 4-byte header length."""
import re
import struct
import sys

path, shape, nbytes = sys.argv[1], sys.argv[2], int(sys.argv[3])
shape = re.sub(r"PAD(\d+)", lambda m: " " * int(m.group(1)), shape)
version = int(sys.argv[4]) if len(sys.argv) > 4 else 1
header = shape if shape.startswith("{") else \
    "{'descr': '<i4', 'fortran_order': False, 'shape': %s, }" % shape
prefix = 10 if version == 1 else 12
header += " " * ((64 - (prefix + len(header) + 1) % 64) % 64) + "\n"
size = struct.pack("<H" if version == 1 else "<I", len(header))
data = b"".join(struct.pack("<i", 2 + i) for i in range(nbytes // 4))
with open(path, "wb") as f:
    f.write(b"\x93NUMPY" + bytes([version, 0]) + size + header.encode() + data)
