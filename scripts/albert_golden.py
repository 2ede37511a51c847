#!/usr/bin/python3
"""Float64 PyTorch reference for HuggingFace ALBERT checkpoints (golden outputs for albertc tests).

Reads MODEL_DIR/config.json and MODEL_DIR/model.safetensors (hand-written reader: F64/F32/F16/BF16/I64/I32,
with or without the "albert." prefix, with or without the tied predictions.decoder.* tensors), upcasts every
weight to float64 and runs the forward pass with transformers' semantics (see shared/notes/albert-model.md):

    emb  = LayerNorm_E(word[ids] + token_type[tt] + position[0..S-1])
    h    = embedding_hidden_mapping_in(emb)                       E -> H
    for i in 0..L-1: g = int(i / (L / G)); run layers 0..I-1 of group g
    layer: a = LN(h + dense(attn(h))); h = LN(a + ffn_output(act(ffn(a))))   (post-LN)
    attention scores += finfo(float64).min where attention_mask == 0
    pooler = tanh(pooler(h[:, 0]))
    MLM logits = LN_E(act(predictions.dense(h))) @ word_embeddings^T + predictions.bias
                 (predictions.decoder.weight^T for "tie_word_embeddings": false)
    SOP logits = sop_classifier.classifier(pooler)

Outputs (float64 .npy in OUT_DIR):
    base:        last_hidden_state [B,S,H], pooler_output [B,H]
    masked-lm:   logits [B,S,V]
    pretraining: logits [B,S,V], sop_logits [B,2]
    sequence-classification: logits [B,N] = classifier(pooler)
    token-classification:    logits [B,S,N] = classifier(h)
    question-answering:      start_logits, end_logits [B,S] = qa_outputs(h)[..., 0 / 1]
    multiple-choice:         inputs [B,C,S], run as B*C rows; logits [B,C] = classifier(pooler)

Usage:
    albert_golden.py MODEL_DIR --input-ids ids.npy [--attention-mask m.npy] [--token-type-ids t.npy]
                     -o OUT_DIR [--task base|masked-lm|pretraining]
    albert_golden.py MODEL_DIR --make-inputs B S [--seed K] [--pad] -o OUT_DIR
        writes ids.npy (int64 uniform in [0,V)), attention_mask.npy (int64; with --pad row r has its last
        r*S//(B+1) positions zeroed, row 0 unpadded) and token_type_ids.npy (int64; positions >= S//2 are 1
        when type_vocab_size >= 2, else all 0).
"""

import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch

TASK_OF_ARCH = {"AlbertModel": "base", "AlbertForMaskedLM": "masked-lm", "AlbertForPreTraining": "pretraining",
                "AlbertForSequenceClassification": "sequence-classification",
                "AlbertForTokenClassification": "token-classification",
                "AlbertForQuestionAnswering": "question-answering",
                "AlbertForMultipleChoice": "multiple-choice"}
TASKS = tuple(TASK_OF_ARCH.values())


# ----------------------------------------------------------------------------------------------
# safetensors reader
# ----------------------------------------------------------------------------------------------

def _decode(raw, dtype, shape):
    """Raw little-endian bytes -> numpy array (float64 for floats, int64 for ints)."""
    if dtype == "F64":
        a = np.frombuffer(raw, dtype="<f8")
    elif dtype == "F32":
        a = np.frombuffer(raw, dtype="<f4").astype(np.float64)
    elif dtype == "F16":
        a = np.frombuffer(raw, dtype="<f2").astype(np.float64)
    elif dtype == "BF16":
        # bfloat16 is the top half of a float32: shift the bits back up.
        a = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    elif dtype == "I64":
        a = np.frombuffer(raw, dtype="<i8").astype(np.int64)
    elif dtype == "I32":
        a = np.frombuffer(raw, dtype="<i4").astype(np.int64)
    else:
        raise ValueError("unsupported safetensors dtype %r" % dtype)
    n = int(np.prod(shape)) if len(shape) else 1
    if a.size != n:
        raise ValueError("tensor byte size does not match shape %s / %s" % (shape, dtype))
    return a.reshape(shape)


def read_safetensors(path):
    """Return {name: (numpy array, original dtype string)} for every tensor in a .safetensors file."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        out[name] = (_decode(blob[base + b:base + e], info["dtype"], list(info["shape"])), info["dtype"])
    return out


# ----------------------------------------------------------------------------------------------
# model
# ----------------------------------------------------------------------------------------------

def load_model(model_dir):
    """Return (config dict, {canonical name: float64 torch tensor}).

    Canonical names drop the "albert." prefix: "embeddings.*", "encoder.*", "pooler.*",
    "predictions.*", "sop_classifier.*".
    """
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    raw = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    w = {}
    for name, (arr, dtype) in raw.items():
        key = name[len("albert."):] if name.startswith("albert.") else name
        if key in w:
            raise ValueError("tensor %s present both with and without the 'albert.' prefix" % key)
        w[key] = torch.from_numpy(np.array(arr, dtype=np.int64 if dtype in ("I64", "I32") else np.float64))
    # predictions.bias and predictions.decoder.bias are one tied parameter; either may carry it.
    if "predictions.bias" not in w and "predictions.decoder.bias" in w:
        w["predictions.bias"] = w["predictions.decoder.bias"]
    return cfg, w


def activation(name):
    if name == "gelu_new":
        c = math.sqrt(2.0 / math.pi)
        return lambda x: 0.5 * x * (1.0 + torch.tanh(c * (x + 0.044715 * x ** 3)))
    if name == "gelu":  # exact erf form
        return lambda x: 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
    if name == "relu":
        return torch.relu
    raise ValueError("unsupported hidden_act %r" % name)


class Albert:
    """Plain-function float64 ALBERT forward pass over a dict of weights."""

    def __init__(self, cfg, w):
        self.cfg, self.w = cfg, w
        self.eps = float(cfg.get("layer_norm_eps", 1e-12))
        self.act = activation(cfg.get("hidden_act", "gelu_new"))
        self.L = int(cfg["num_hidden_layers"])
        self.G = int(cfg.get("num_hidden_groups", 1))
        self.I = int(cfg.get("inner_group_num", 1))
        self.heads = int(cfg["num_attention_heads"])
        pe = cfg.get("position_embedding_type", "absolute")
        if pe != "absolute":
            raise ValueError("position_embedding_type %r not supported" % pe)

    # -- primitives --
    def linear(self, x, name):
        y = x @ self.w[name + ".weight"].T
        b = self.w.get(name + ".bias")
        return y if b is None else y + b

    def layernorm(self, x, name):
        mu = x.mean(-1, keepdim=True)
        var = ((x - mu) ** 2).mean(-1, keepdim=True)  # biased variance, as torch.nn.LayerNorm
        return (x - mu) / torch.sqrt(var + self.eps) * self.w[name + ".weight"] + self.w[name + ".bias"]

    # -- blocks --
    def embeddings(self, ids, tt):
        S = ids.shape[1]
        word = self.w["embeddings.word_embeddings.weight"]
        pos = self.w["embeddings.position_embeddings.weight"]
        typ = self.w["embeddings.token_type_embeddings.weight"]
        if S > pos.shape[0]:
            raise ValueError("sequence length %d > max_position_embeddings %d" % (S, pos.shape[0]))
        x = word[ids] + typ[tt] + pos[:S][None, :, :]
        return self.layernorm(x, "embeddings.LayerNorm")

    def layer(self, h, mask_add, p):
        B, S, H = h.shape
        n = self.heads
        d = H // n

        def split(t):  # [B,S,H] -> [B,n,S,d]
            return t.reshape(B, S, n, d).permute(0, 2, 1, 3)

        q = split(self.linear(h, p + "attention.query"))
        k = split(self.linear(h, p + "attention.key"))
        v = split(self.linear(h, p + "attention.value"))
        s = q @ k.transpose(-1, -2) / math.sqrt(d) + mask_add
        prob = torch.softmax(s, dim=-1)
        c = (prob @ v).permute(0, 2, 1, 3).reshape(B, S, H)
        a = self.layernorm(h + self.linear(c, p + "attention.dense"), p + "attention.LayerNorm")
        f = self.linear(self.act(self.linear(a, p + "ffn")), p + "ffn_output")
        return self.layernorm(a + f, p + "full_layer_layer_norm")

    def schedule(self):
        """[(group, inner layer)] in execution order: transformers' int(i / (L / G)) rule."""
        order = []
        for i in range(self.L):
            g = int(i / (self.L / self.G))
            order += [(g, j) for j in range(self.I)]
        return order

    def encoder(self, ids, mask, tt):
        h = self.linear(self.embeddings(ids, tt), "encoder.embedding_hidden_mapping_in")
        # Additive mask [B,1,1,S]: 0 where attended, finfo.min where masked (transformers' convention).
        mask_add = (1.0 - mask.to(torch.float64))[:, None, None, :] * torch.finfo(torch.float64).min
        for g, j in self.schedule():
            h = self.layer(h, mask_add, "encoder.albert_layer_groups.%d.albert_layers.%d." % (g, j))
        return h

    def pooler(self, h):
        return torch.tanh(self.linear(h[:, 0], "pooler"))

    def mlm_logits(self, h):
        t = self.layernorm(self.act(self.linear(h, "predictions.dense")), "predictions.LayerNorm")
        # The decoder is tied to the word embeddings unless the config says
        # "tie_word_embeddings": false; its bias is predictions.bias either way.
        decoder = ("embeddings.word_embeddings.weight" if self.cfg.get("tie_word_embeddings", True)
                   else "predictions.decoder.weight")
        return t @ self.w[decoder].T + self.w["predictions.bias"]

    def sop_logits(self, pooled):
        return self.linear(pooled, "sop_classifier.classifier")

    def run(self, task, ids, mask, tt):
        return self.task_outputs(task, self.encoder(ids, mask, tt))

    def task_outputs(self, task, h):
        """The task's outputs from the encoder output h."""
        if task == "base":
            out = {"last_hidden_state": h}
            if "pooler.weight" in self.w:
                out["pooler_output"] = self.pooler(h)
            else:
                print("warning: no pooler weights; pooler_output not written", file=sys.stderr)
            return out
        if task == "masked-lm":
            return {"logits": self.mlm_logits(h)}
        if task == "pretraining":
            return {"logits": self.mlm_logits(h), "sop_logits": self.sop_logits(self.pooler(h))}
        # Heads of the fine-tuning architectures (dropout is the identity at inference).
        if task in ("sequence-classification", "multiple-choice"):
            return {"logits": self.linear(self.pooler(h), "classifier")}
        if task == "token-classification":
            return {"logits": self.linear(h, "classifier")}
        if task == "question-answering":
            qa = self.linear(h, "qa_outputs")
            return {"start_logits": qa[..., 0], "end_logits": qa[..., 1]}
        raise ValueError("unknown task %r" % task)


def check_tied(w):
    """Warn if the file's decoder tensors disagree with the tensors they are tied to."""
    for dec, src in (("predictions.decoder.weight", "embeddings.word_embeddings.weight"),
                     ("predictions.decoder.bias", "predictions.bias")):
        if dec in w and src in w and not torch.equal(w[dec], w[src]):
            print("warning: %s differs from %s; using %s (tied, as transformers does)" % (dec, src, src),
                  file=sys.stderr)


# ----------------------------------------------------------------------------------------------
# CLI
# ----------------------------------------------------------------------------------------------

def load_ids(path, name, rank=2):
    a = np.load(path)
    if a.dtype not in (np.int32, np.int64):
        raise SystemExit("%s: expected int32 or int64, got %s" % (name, a.dtype))
    if a.ndim != rank:
        raise SystemExit("%s: expected %s, got shape %s"
                         % (name, "[batch, seq]" if rank == 2 else "[batch, choices, seq]", a.shape))
    return torch.from_numpy(a.astype(np.int64))


def make_inputs(cfg, B, S, seed, pad, out_dir, choices=0):
    V = int(cfg["vocab_size"])
    T = int(cfg.get("type_vocab_size", 2))
    rng = np.random.default_rng(seed)
    R = B * max(choices, 1)  # rows: every (example, choice) of a multiple-choice input
    ids = rng.integers(0, V, size=(R, S), dtype=np.int64)
    mask = np.ones((R, S), dtype=np.int64)
    if pad:
        for r in range(R):
            n = r * S // (R + 1)
            if n:
                mask[r, S - n:] = 0
    tt = np.zeros((R, S), dtype=np.int64)
    if T >= 2:
        tt[:, S // 2:] = 1
    if choices:
        ids, mask, tt = (a.reshape(B, choices, S) for a in (ids, mask, tt))
    os.makedirs(out_dir, exist_ok=True)
    np.save(os.path.join(out_dir, "ids.npy"), ids)
    np.save(os.path.join(out_dir, "attention_mask.npy"), mask)
    np.save(os.path.join(out_dir, "token_type_ids.npy"), tt)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Float64 golden outputs for an ALBERT checkpoint.")
    ap.add_argument("model_dir", help="directory with config.json and model.safetensors")
    ap.add_argument("-o", "--out-dir", required=True, help="output directory for .npy files")
    ap.add_argument("--input-ids", help="int32/int64 [B,S] .npy")
    ap.add_argument("--attention-mask", help="int32/int64 [B,S] .npy (1 = attend, 0 = masked); default all 1")
    ap.add_argument("--token-type-ids", help="int32/int64 [B,S] .npy; default all 0")
    ap.add_argument("--task", choices=TASKS,
                    help="default: from config architectures[0]")
    ap.add_argument("--make-inputs", nargs=2, type=int, metavar=("B", "S"),
                    help="instead of running the model, write ids/attention_mask/token_type_ids .npy")
    ap.add_argument("--seed", type=int, default=0, help="seed for --make-inputs (default 0)")
    ap.add_argument("--pad", action="store_true", help="--make-inputs: zero a growing tail of the mask per row")
    ap.add_argument("--choices", type=int, default=0,
                    help="--make-inputs: [B, CHOICES, S] inputs for a multiple-choice model")
    a = ap.parse_args(argv)

    if a.make_inputs:
        with open(os.path.join(a.model_dir, "config.json")) as f:
            cfg = json.load(f)
        B, S = a.make_inputs
        if B < 1 or S < 1:
            ap.error("--make-inputs needs B >= 1 and S >= 1")
        make_inputs(cfg, B, S, a.seed, a.pad, a.out_dir, a.choices)
        return
    if not a.input_ids:
        ap.error("--input-ids is required (or use --make-inputs)")

    cfg, w = load_model(a.model_dir)
    task = a.task
    if task is None:
        arch = (cfg.get("architectures") or ["AlbertModel"])[0]
        if arch not in TASK_OF_ARCH:
            ap.error("cannot infer task from architecture %r; pass --task" % arch)
        task = TASK_OF_ARCH[arch]
    need = {"base": [], "masked-lm": ["predictions.dense.weight", "predictions.bias"],
            "pretraining": ["predictions.dense.weight", "predictions.bias", "pooler.weight",
                            "sop_classifier.classifier.weight"],
            "sequence-classification": ["pooler.weight", "classifier.weight"],
            "token-classification": ["classifier.weight"],
            "question-answering": ["qa_outputs.weight"],
            "multiple-choice": ["pooler.weight", "classifier.weight"]}[task]
    missing = [n for n in need if n not in w]
    if missing:
        ap.error("task %s needs tensors missing from the checkpoint: %s" % (task, ", ".join(missing)))
    if cfg.get("tie_word_embeddings", True):
        check_tied(w)
    elif task in ("masked-lm", "pretraining") and "predictions.decoder.weight" not in w:
        ap.error("tie_word_embeddings is false but predictions.decoder.weight is missing")

    rank = 3 if task == "multiple-choice" else 2
    ids = load_ids(a.input_ids, "input-ids", rank)
    mask = load_ids(a.attention_mask, "attention-mask", rank) if a.attention_mask else torch.ones_like(ids)
    tt = load_ids(a.token_type_ids, "token-type-ids", rank) if a.token_type_ids else torch.zeros_like(ids)
    for name, t in (("attention-mask", mask), ("token-type-ids", tt)):
        if t.shape != ids.shape:
            ap.error("%s shape %s != input-ids shape %s" % (name, tuple(t.shape), tuple(ids.shape)))
    V = int(cfg["vocab_size"])
    if ids.min() < 0 or ids.max() >= V:
        ap.error("input ids out of range [0, %d)" % V)
    if tt.min() < 0 or tt.max() >= int(cfg.get("type_vocab_size", 2)):
        ap.error("token type ids out of range")

    shape = ids.shape
    if rank == 3:  # AlbertForMultipleChoice: input_ids.view(-1, seq)
        ids, mask, tt = (t.reshape(-1, shape[-1]) for t in (ids, mask, tt))
    with torch.no_grad():
        outs = Albert(cfg, w).run(task, ids, mask, tt)
    if rank == 3:  # logits.view(-1, num_choices)
        outs = {k: v.reshape(shape[0], shape[1]) for k, v in outs.items()}
    os.makedirs(a.out_dir, exist_ok=True)
    for name, t in outs.items():
        np.save(os.path.join(a.out_dir, name + ".npy"), t.numpy().astype(np.float64))
        print("%s: %s" % (name, tuple(t.shape)), file=sys.stderr)


if __name__ == "__main__":
    main()
