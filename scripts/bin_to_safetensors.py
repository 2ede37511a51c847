#!/usr/bin/python3
"""Convert a HuggingFace checkpoint's pytorch_model.bin into the model.safetensors albertc reads.

Many fine-tuned ALBERT checkpoints on the Hub predate safetensors and ship only pytorch_model.bin.
This reads it with torch.load (weights_only: tensors, no code runs) and writes MODEL_DIR/model.safetensors
next to it, every floating tensor in its stored dtype (F32, F16 or BF16), integer buffers as I64.

    /usr/bin/python3 scripts/bin_to_safetensors.py MODEL_DIR      # then: albertc compile MODEL_DIR -o out

Needs Debian's python3-torch (no transformers, no safetensors package).
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_random_albert import write_safetensors  # noqa: E402

DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    model_dir = sys.argv[1]
    src = os.path.join(model_dir, "pytorch_model.bin")
    dst = os.path.join(model_dir, "model.safetensors")
    if not os.path.isfile(src):
        sys.exit("bin_to_safetensors: %s: no such file" % src)
    if os.path.exists(dst):
        sys.exit("bin_to_safetensors: %s exists; not overwriting it" % dst)
    state = torch.load(src, map_location="cpu", weights_only=True)
    tensors = []
    for name, t in state.items():
        if t.dtype not in DTYPES:
            sys.exit("bin_to_safetensors: %s has dtype %s, not one of %s" % (name, t.dtype, list(DTYPES)))
        dtype = DTYPES[t.dtype]
        # write_safetensors encodes BF16 from float32 values; the widening is exact.
        arr = t.float().numpy() if dtype == "BF16" else t.contiguous().numpy()
        tensors.append((name, arr, dtype))
    write_safetensors(dst, tensors)
    print("wrote %s: %d tensors" % (dst, len(tensors)), file=sys.stderr)


if __name__ == "__main__":
    main()
