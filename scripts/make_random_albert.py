#!/usr/bin/python3
"""Write a random HuggingFace-style ALBERT checkpoint (config.json + model.safetensors).

The safetensors file is written by hand (no `safetensors` package needed):

    [8 bytes]  little-endian u64 N = length of the JSON header
    [N bytes]  JSON header, space-padded so that 8 + N is a multiple of 8:
               {name: {"dtype": ..., "shape": [...], "data_offsets": [begin, end]}, ...,
                "__metadata__": {"format": "pt"}}
    [...]      raw little-endian tensor data; offsets are relative to the end of the header

Tensors are laid out like the `safetensors` library does it: by decreasing element size, then by name,
so every tensor starts at an offset aligned to its element size.

Parameter names and shapes follow transformers' modeling_albert.py (see shared/notes/albert-model.md).
Weights are normal * std (std 0.5 by default so the model is far from trivial); LayerNorm weights are
1 + 0.1 * normal and all biases 0.1 * normal.

Example:
    /usr/bin/python3 scripts/make_random_albert.py tests/models/tiny --hidden 32 --embedding 16 \\
        --layers 4 --groups 2 --inner 2 --heads 4 --intermediate 48 --vocab 50 --max-pos 64 \\
        --type-vocab 2 --arch AlbertForPreTraining --dtype F32 --seed 1
"""

import argparse
import json
import os
import struct
import sys

import numpy as np

ARCHS = ("AlbertModel", "AlbertForMaskedLM", "AlbertForPreTraining",
         "AlbertForSequenceClassification", "AlbertForTokenClassification",
         "AlbertForQuestionAnswering", "AlbertForMultipleChoice")
# Heads on the pooled output keep the pooler; transformers builds the others with
# AlbertModel(add_pooling_layer=False).
POOLED = ("AlbertModel", "AlbertForPreTraining", "AlbertForSequenceClassification",
          "AlbertForMultipleChoice")
ACTS = ("gelu_new", "gelu", "relu")
DTYPES = ("F32", "F16", "BF16")


# ----------------------------------------------------------------------------------------------
# dtype conversion
# ----------------------------------------------------------------------------------------------

def float32_to_bf16_bits(x):
    """float32 array -> uint16 array of bfloat16 bits, round-to-nearest-even (NaN kept quiet)."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    bits = x.view(np.uint32).astype(np.uint64)
    rounding = ((bits >> 16) & 1) + 0x7FFF
    out = ((bits + rounding) >> 16).astype(np.uint16)
    nan = np.isnan(x)
    if nan.any():
        out[nan] = ((bits[nan] >> 16) | 0x40).astype(np.uint16)
    return out


def bf16_bits_to_float32(b):
    """uint16 array of bfloat16 bits -> float32 array (exact)."""
    return (np.asarray(b, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


def encode(x, dtype):
    """Return (bytes, safetensors dtype string) of array x stored as `dtype`."""
    if dtype == "F32":
        data = np.asarray(x, dtype="<f4")
    elif dtype == "F16":
        data = np.asarray(x, dtype=np.float32).astype("<f2")   # numpy rounds to nearest even
    elif dtype == "BF16":
        data = float32_to_bf16_bits(x).astype("<u2")
    elif dtype == "I64":
        data = np.asarray(x, dtype="<i8")
    else:
        raise ValueError("unsupported dtype " + dtype)
    return np.ascontiguousarray(data).tobytes(), dtype


ELEM_SIZE = {"F64": 8, "I64": 8, "F32": 4, "I32": 4, "F16": 2, "BF16": 2, "U8": 1}


def write_safetensors(path, tensors):
    """tensors: list of (name, array, dtype). Writes a safetensors file by hand."""
    # Same ordering as the safetensors library: larger element size first, then by name.
    order = sorted(tensors, key=lambda t: (-ELEM_SIZE[t[2]], t[0]))
    header = {}
    blobs = []
    offset = 0
    for name, arr, dtype in order:
        raw, dt = encode(arr, dtype)
        header[name] = {"dtype": dt, "shape": [int(s) for s in np.shape(arr)],
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = {"format": "pt"}
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((-(8 + len(hjson))) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for raw in blobs:
            f.write(raw)


# ----------------------------------------------------------------------------------------------
# model
# ----------------------------------------------------------------------------------------------

def build_tensors(a):
    """Return an ordered list of (name, float32 array) for the requested architecture."""
    rng = np.random.default_rng(a.seed)
    H, E, F, V, P, T = a.hidden, a.embedding, a.intermediate, a.vocab, a.max_pos, a.type_vocab
    out = []

    def weight(name, *shape):
        out.append((name, (rng.standard_normal(shape) * a.std).astype(np.float32)))

    def bias(name, n):
        out.append((name, (rng.standard_normal(n) * 0.1).astype(np.float32)))

    def layernorm(name, n):
        out.append((name + ".weight", (1.0 + 0.1 * rng.standard_normal(n)).astype(np.float32)))
        bias(name + ".bias", n)

    def linear(name, n_out, n_in):
        weight(name + ".weight", n_out, n_in)
        bias(name + ".bias", n_out)

    # The base model. AlbertModel checkpoints may omit the "albert." prefix; heads never do.
    pre = "" if a.no_prefix else "albert."
    weight(pre + "embeddings.word_embeddings.weight", V, E)
    weight(pre + "embeddings.position_embeddings.weight", P, E)
    weight(pre + "embeddings.token_type_embeddings.weight", T, E)
    layernorm(pre + "embeddings.LayerNorm", E)
    linear(pre + "encoder.embedding_hidden_mapping_in", H, E)
    for g in range(a.groups):
        for j in range(a.inner):
            p = "%sencoder.albert_layer_groups.%d.albert_layers.%d." % (pre, g, j)
            for m in ("query", "key", "value", "dense"):
                linear(p + "attention." + m, H, H)
            layernorm(p + "attention.LayerNorm", H)
            linear(p + "ffn", F, H)
            linear(p + "ffn_output", H, F)
            layernorm(p + "full_layer_layer_norm", H)
    # AlbertForMaskedLM builds AlbertModel(add_pooling_layer=False): no pooler there.
    if a.arch in POOLED:
        linear(pre + "pooler", H, H)
    # Task heads: classifier [num_labels, H] (multiple choice: one score), qa_outputs [2, H].
    if a.arch in ("AlbertForSequenceClassification", "AlbertForTokenClassification"):
        linear("classifier", a.num_labels, H)
    if a.arch == "AlbertForMultipleChoice":
        linear("classifier", 1, H)
    if a.arch == "AlbertForQuestionAnswering":
        linear("qa_outputs", 2, H)

    if a.arch in ("AlbertForMaskedLM", "AlbertForPreTraining"):
        linear("predictions.dense", E, H)
        layernorm("predictions.LayerNorm", E)
        bias("predictions.bias", V)
        if not a.no_decoder:
            # Tied: decoder.weight is the word-embedding matrix, decoder.bias is predictions.bias.
            vals = dict(out)
            out.append(("predictions.decoder.weight", vals[pre + "embeddings.word_embeddings.weight"]))
            out.append(("predictions.decoder.bias", vals["predictions.bias"]))
    if a.arch == "AlbertForPreTraining":
        linear("sop_classifier.classifier", 2, H)
    return out


def make_config(a):
    cfg = {
        "architectures": [a.arch],
        "model_type": "albert",
        "vocab_size": a.vocab,
        "embedding_size": a.embedding,
        "hidden_size": a.hidden,
        "num_hidden_layers": a.layers,
        "num_hidden_groups": a.groups,
        "inner_group_num": a.inner,
        "num_attention_heads": a.heads,
        "intermediate_size": a.intermediate,
        "hidden_act": a.act,
        "max_position_embeddings": a.max_pos,
        "type_vocab_size": a.type_vocab,
        "layer_norm_eps": a.eps,
        "position_embedding_type": "absolute",
        "initializer_range": 0.02,
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "classifier_dropout_prob": 0.1,
        "pad_token_id": 0,
        "bos_token_id": 2,
        "eos_token_id": 3,
        "torch_dtype": {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}[a.dtype],
    }
    if a.arch in ("AlbertForSequenceClassification", "AlbertForTokenClassification"):
        labels = a.labels.split(",") if a.labels else ["LABEL_%d" % i for i in range(a.num_labels)]
        cfg["id2label"] = {str(i): l for i, l in enumerate(labels)}
        cfg["label2id"] = {l: i for i, l in enumerate(labels)}
    return cfg


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description="Write a random ALBERT checkpoint (config.json + model.safetensors).")
    ap.add_argument("out_dir", help="output directory (created if missing)")
    ap.add_argument("--hidden", type=int, required=True, help="hidden_size H")
    ap.add_argument("--embedding", type=int, required=True, help="embedding_size E")
    ap.add_argument("--layers", type=int, required=True, help="num_hidden_layers L")
    ap.add_argument("--groups", type=int, required=True, help="num_hidden_groups G")
    ap.add_argument("--inner", type=int, required=True, help="inner_group_num I")
    ap.add_argument("--heads", type=int, required=True, help="num_attention_heads")
    ap.add_argument("--intermediate", type=int, required=True, help="intermediate_size F")
    ap.add_argument("--vocab", type=int, required=True, help="vocab_size V")
    ap.add_argument("--max-pos", type=int, required=True, help="max_position_embeddings P")
    ap.add_argument("--type-vocab", type=int, required=True, help="type_vocab_size T")
    ap.add_argument("--act", choices=ACTS, required=True, help="hidden_act")
    ap.add_argument("--arch", choices=ARCHS, required=True, help="architectures[0]")
    ap.add_argument("--dtype", choices=DTYPES, required=True, help="storage dtype of all float tensors")
    ap.add_argument("--no-prefix", action="store_true",
                    help="omit the 'albert.' prefix (AlbertModel only, as in some HF base checkpoints)")
    ap.add_argument("--no-decoder", action="store_true",
                    help="omit predictions.decoder.{weight,bias} (they are tied and may be absent)")
    ap.add_argument("--position-ids", action="store_true",
                    help="also store the embeddings.position_ids buffer (I64 [1, P])")
    ap.add_argument("--num-labels", type=int, default=2,
                    help="classes of a sequence/token classification head (default 2)")
    ap.add_argument("--labels", help="comma-separated class names (id2label); default LABEL_i")
    ap.add_argument("--seed", type=int, default=0, help="RNG seed (default 0)")
    ap.add_argument("--eps", type=float, default=1e-12, help="layer_norm_eps (default 1e-12)")
    ap.add_argument("--std", type=float, default=0.5, help="std of weight matrices (default 0.5)")
    a = ap.parse_args(argv)

    for k in ("hidden", "embedding", "layers", "groups", "inner", "heads", "intermediate",
              "vocab", "max_pos", "type_vocab"):
        if getattr(a, k) < 1:
            ap.error("--%s must be >= 1" % k.replace("_", "-"))
    if a.labels:
        a.num_labels = len(a.labels.split(","))
    if a.num_labels < 1:
        ap.error("--num-labels must be >= 1")
    if a.hidden % a.heads:
        ap.error("--hidden must be a multiple of --heads")
    if a.no_prefix and a.arch != "AlbertModel":
        ap.error("--no-prefix is only meaningful for AlbertModel (heads always use 'albert.')")
    if a.no_decoder and a.arch == "AlbertModel":
        ap.error("--no-decoder needs an architecture with an MLM head")
    return a


def main(argv=None):
    a = parse_args(argv)
    os.makedirs(a.out_dir, exist_ok=True)
    tensors = [(n, t, a.dtype) for n, t in build_tensors(a)]
    if a.position_ids:
        name = ("" if a.no_prefix else "albert.") + "embeddings.position_ids"
        tensors.append((name, np.arange(a.max_pos, dtype=np.int64).reshape(1, a.max_pos), "I64"))
    with open(os.path.join(a.out_dir, "config.json"), "w") as f:
        json.dump(make_config(a), f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(a.out_dir, "model.safetensors"), tensors)
    n_params = sum(int(np.prod(np.shape(t))) for n, t, _ in tensors)
    print("wrote %s: %d tensors, %d values, %s" % (a.out_dir, len(tensors), n_params, a.dtype),
          file=sys.stderr)


if __name__ == "__main__":
    main()
