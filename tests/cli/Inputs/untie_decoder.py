#!/usr/bin/python3
"""untie_decoder.py MODEL_DIR: sets "tie_word_embeddings": false in MODEL_DIR/config.json and
replaces the values of predictions.decoder.weight in MODEL_DIR/model.safetensors (F32) with
others (the word embeddings reversed and scaled), so that a tied and an untied decoder give
different logits."""
import json
import struct
import sys

import numpy as np

d = sys.argv[1]
cfg = json.load(open(d + "/config.json"))
cfg["tie_word_embeddings"] = False
json.dump(cfg, open(d + "/config.json", "w"), indent=2)
b = bytearray(open(d + "/model.safetensors", "rb").read())
n = struct.unpack("<Q", b[:8])[0]
header = json.loads(b[8:8 + n])
s, e = header["predictions.decoder.weight"]["data_offsets"]
w = np.frombuffer(bytes(b[8 + n + s:8 + n + e]), np.float32)
b[8 + n + s:8 + n + e] = (w[::-1] * np.float32(1.5)).astype(np.float32).tobytes()
open(d + "/model.safetensors", "wb").write(b)
