#!/usr/bin/python3
"""write_npy_header.py PATH SHAPE NBYTES: a version 1 .npy file of int32 whose header says
'shape': SHAPE verbatim (e.g. "(-1, 5)", which numpy itself would not write), then NBYTES zero
bytes of data."""
import sys

path, shape, nbytes = sys.argv[1], sys.argv[2], int(sys.argv[3])
header = "{'descr': '<i4', 'fortran_order': False, 'shape': %s, }" % shape
header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
with open(path, "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode())
    f.write(b"\x00" * nbytes)
