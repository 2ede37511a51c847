#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/.

Small hand-made inputs (standard library only): valid files the readers accept,
near misses they must refuse, and runtime call encodings (see
fuzz_runtime_inputs.cpp for the layout). Run it again after changing it; the
files are checked in.
"""
import base64
import json
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TINY = os.path.join(REPO, "tests", "models", "tiny")


def write(target, name, data):
    path = os.path.join(HERE, "corpus", target, name)
    if isinstance(data, str):
        data = data.encode()
    with open(path, "wb") as f:
        f.write(data)


def safetensors(tensors, data=b"", metadata=None, raw_header=None):
    header = dict(tensors)
    if metadata is not None:
        header["__metadata__"] = metadata
    text = raw_header if raw_header is not None else json.dumps(header, separators=(",", ":"))
    text = text.encode()
    return struct.pack("<Q", len(text)) + text + data


def entry(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


def safetensors_seeds():
    t = "fuzz_safetensors"
    f32 = struct.pack("<4f", 1.5, -2.0, 0.25, 3.0)
    f16 = struct.pack("<4H", 0x3C00, 0xC000, 0x0001, 0x7C00)  # 1, -2, subnormal, inf
    bf16 = struct.pack("<4H", 0x3FC0, 0x4049, 0x7FC0, 0x8000)  # 1.5, 3.14, nan, -0
    i64 = struct.pack("<2q", 7, -1)
    write(t, "valid_mixed", safetensors({
        "a": entry("F32", [2, 2], 0, 16),
        "b": entry("F16", [4], 16, 24),
        "c": entry("BF16", [1, 4], 24, 32),
        "ids": entry("I64", [2], 32, 48),
        "empty": entry("F32", [0, 3], 48, 48),
    }, f32 + f16 + bf16 + i64, metadata={"format": "pt"}))
    write(t, "valid_albert_names", safetensors({
        "albert.embeddings.LayerNorm.weight": entry("F32", [4], 0, 16),
        "albert.pooler.bias": entry("F16", [4], 16, 24),
        "predictions.bias": entry("BF16", [4], 24, 32),
    }, f32 + f16 + bf16))
    write(t, "empty_header", safetensors({}, b""))
    write(t, "overlap", safetensors({
        "a": entry("F32", [4], 0, 16), "e": entry("F32", [0], 0, 0), "b": entry("F32", [1], 8, 12),
    }, f32))
    write(t, "duplicate_name", safetensors({}, f32, raw_header=(
        '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
        '"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}')))
    write(t, "shape_mismatch", safetensors({"a": entry("F16", [3], 0, 8)}, f32))
    write(t, "past_end", safetensors({"a": entry("F32", [8], 0, 32)}, f32))
    write(t, "header_too_long", struct.pack("<Q", 1 << 40) + b"{}")
    # The bundled tiny model's real header, with only the first tensor's data.
    with open(os.path.join(TINY, "model.safetensors"), "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = f.read(n)
        first = f.read(64)
    write(t, "tiny_header", struct.pack("<Q", n) + header + first)


def config_seeds():
    t = "fuzz_config"
    with open(os.path.join(TINY, "config.json")) as f:
        tiny = f.read()
    write(t, "tiny", tiny)
    write(t, "minimal", '{"model_type": "albert"}')
    write(t, "empty_object", "{}")
    cfg = json.loads(tiny)
    cfg.update({"hidden_act": "gelu_pytorch_tanh", "hidden_size": 32.0, "layer_norm_eps": 1e-5,
                "id2label": {"0": "A", "1": "B"}, "architectures": ["AlbertModel"]})
    write(t, "aliases_and_floats", json.dumps(cfg))
    cfg = json.loads(tiny)
    cfg.update({"num_hidden_layers": 12, "num_hidden_groups": 5, "inner_group_num": 3,
                "architectures": ["AlbertForMaskedLM"], "hidden_act": "relu"})
    write(t, "groups", json.dumps(cfg))
    write(t, "bad_types", '{"hidden_size": "32", "vocab_size": null, "hidden_act": 3}')
    write(t, "not_divisible", '{"hidden_size": 30, "num_attention_heads": 4}')
    write(t, "relative_positions", '{"position_embedding_type": "relative_key"}')
    # Found by fuzz_config: a double of 2^63, which LLVM 14's getAsInteger converted with UB.
    write(t, "huge_double", '{"max_position_embeddings": 9223372036854775807.4}')


def runtime_seeds():
    t = "fuzz_runtime_inputs"

    def call(batch_sel, seq_sel, flags, index, cap_sel, values):
        return bytes([batch_sel, seq_sel, flags, index & 0xFF, cap_sel]) + struct.pack(
            "<%di" % len(values), *values)

    # batch = 1 + sel % 8 (sel % 16 < 12); seq = sel % 80 (sel < 240).
    ids = [2, 7, 9, 3, 11, 4, 0, 49, 1]
    vals = []
    for k, i in enumerate(ids * 2):
        vals += [i, 1 if k % 9 < 7 else 0, k % 2]
    write(t, "batch2_seq9_padded", call(1, 9, 0x01 | 0x02, 0, 0, vals))
    write(t, "all_zero_mask_row", call(2, 4, 0x01, 1, 0, sum([[5, 0, 0]] * 4 + [[6, 1, 1]] * 8, [])))
    write(t, "defaults_longest", call(0, 64, 0x80, 0, 1, [3, 1, 0]))
    write(t, "seq_too_long", call(0, 65, 0, 0, 0, [1, 1, 0]))
    write(t, "raw_ids", call(0, 3, 0x04, 0, 0, [-1, 1, 0, 50, 1, 0, 7, 1, 0]))
    write(t, "raw_mask", call(0, 3, 0x01 | 0x08, 0, 0, [1, 2, 0, 1, 1, 0, 1, -1, 0]))
    write(t, "raw_types", call(0, 3, 0x02 | 0x10, 0, 0, [1, 1, 2, 1, 1, 0, 1, 1, 0]))
    write(t, "null_ids", call(0, 3, 0x20, 0, 0, [1, 1, 0]))
    write(t, "closed_handle", call(1, 5, 0x40 | 0x01, 0, 0, [4, 1, 1]))
    write(t, "hostile_batch", call(12, 3, 0, 0, 0, [1, 1, 0]))
    write(t, "hostile_seq", call(0, 241, 0, 0, 0, [1, 1, 0]))
    write(t, "bad_output_index", call(3, 7, 0x03, -3, 200, [8, 1, 1, 9, 0, 0]))
    write(t, "small_capacity", call(3, 7, 0x03, 1, 3, [8, 1, 1, 9, 0, 0]))


def tokenizer_seeds():
    """[options][max_length][text] NUL [pair]: options bit 0 do_lower_case, bit 1 keep_accents."""
    t = "fuzz_tokenizer"

    def case(options, max_length, text, pair=None):
        data = bytes([options, max_length]) + text.encode("utf-8")
        return data + (b"\0" + pair.encode("utf-8") if pair is not None else b"")

    write(t, "plain", case(1, 0, "Hello World!"))
    write(t, "mask_digits", case(1, 0, "It costs 1,000,000 dollars [MASK]."))
    write(t, "accents_kept", case(2, 0, "The café is naïve, said the résumé."))
    write(t, "accents_stripped", case(1, 0, "Crème brûlée à la carte, ΟΔΟΣ."))
    write(t, "pair_truncated", case(1, 9, "Who wrote it?", "The book was written by Mary Shelley."))
    write(t, "specials_in_text", case(0, 0, "[CLS] a [SEP] <pad> <unk>[MASK] b"))
    write(t, "quotes_spaces", case(1, 0, "  ``quoted''\t\n  text  "))
    write(t, "too_short", case(1, 2, "x", "y"))
    write(t, "bad_utf8", bytes([1, 0]) + b"bad \xff\xfe utf-8")
    write(t, "emoji_cjk", case(3, 0, "emoji \U0001F600 and 漢字"))


def weights_seeds():
    """[size selector u16][edits: offset u32, length u8, bytes]: see fuzz_weights_open.cpp."""
    t = "fuzz_weights_open"

    def edit(offset, data):
        return struct.pack("<IB", offset, len(data)) + data

    write(t, "unchanged", struct.pack("<H", 0))
    write(t, "magic", struct.pack("<H", 0) + edit(0, b"ALBERTW9"))
    # Two float exponents damaged so that format 1's FNV-1a checksum matched
    # (found by the fuzzer in CI).
    write(t, "exponent_pair", base64.b64decode("AAH//PddAf////QCAf8C"))
    write(t, "fingerprint", struct.pack("<H", 0) + edit(8, b"\x01"))
    write(t, "file_size", struct.pack("<H", 0) + edit(16, b"\xff\xff"))
    write(t, "checksum", struct.pack("<H", 0) + edit(24, b"\x00" * 8))
    write(t, "reserved", struct.pack("<H", 0) + edit(40, b"\x7f" * 8))
    write(t, "tensor_bit", struct.pack("<H", 0) + edit(5000, b"\x42"))
    write(t, "cut", struct.pack("<H", 4 * 1000 + 1))
    write(t, "grown", struct.pack("<H", 4 * 64 + 2))
    write(t, "empty", struct.pack("<H", 1))


def import_seeds():
    """fuzz_import: config.json, a line --safetensors--, model.safetensors. Miniature checkpoints
    (H 4, 2 heads, V 6) of every architecture from scripts/make_random_albert.py (which needs
    numpy), plus the bundled tiny model and a config alone."""
    import subprocess
    import tempfile
    t = "fuzz_import"
    base = ["--hidden", "4", "--embedding", "2", "--heads", "2", "--intermediate", "4",
            "--vocab", "6", "--max-pos", "4", "--type-vocab", "2", "--act", "gelu_new",
            "--dtype", "F16", "--seed", "1"]
    archs = [("AlbertModel", ["--layers", "2", "--groups", "1", "--inner", "1"]),
             ("AlbertForMaskedLM", ["--layers", "4", "--groups", "2", "--inner", "2"]),
             ("AlbertForPreTraining", ["--layers", "3", "--groups", "3", "--inner", "1",
                                       "--no-decoder"]),
             ("AlbertForSequenceClassification", ["--layers", "1", "--groups", "1", "--inner", "1",
                                                  "--labels", "neg,pos"]),
             ("AlbertForTokenClassification", ["--layers", "1", "--groups", "1", "--inner", "1",
                                               "--num-labels", "3"]),
             ("AlbertForQuestionAnswering", ["--layers", "1", "--groups", "1", "--inner", "1"]),
             ("AlbertForMultipleChoice", ["--layers", "1", "--groups", "1", "--inner", "1"])]
    script = os.path.join(REPO, "scripts", "make_random_albert.py")
    for arch, extra in archs:
        with tempfile.TemporaryDirectory() as d:
            subprocess.run(["/usr/bin/python3", script, d, "--arch", arch] + base + extra,
                           check=True, stdout=subprocess.DEVNULL)
            with open(os.path.join(d, "config.json"), "rb") as f:
                config = f.read()
            with open(os.path.join(d, "model.safetensors"), "rb") as f:
                weights = f.read()
        write(t, arch, config + b"\n--safetensors--\n" + weights)
    with open(os.path.join(TINY, "config.json"), "rb") as f:
        config = f.read()
    with open(os.path.join(TINY, "model.safetensors"), "rb") as f:
        write(t, "tiny", config + b"\n--safetensors--\n" + f.read())
    write(t, "config_only", config)


def npy(header, data=b"", version=1):
    text = header + " " * ((64 - ((10 if version == 1 else 12) + len(header) + 1) % 64) % 64) + "\n"
    size = struct.pack("<H" if version == 1 else "<I", len(text))
    return b"\x93NUMPY" + bytes([version, 0]) + size + text.encode() + data


def npy_seeds():
    t = "fuzz_npy"
    ids = struct.pack("<6i", 2, 5, 7, 9, 3, 0)
    write(t, "int32_2x3", npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }", ids))
    write(t, "int64_1d", npy("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }",
                             struct.pack("<3q", 1, -2, 1 << 40)))
    write(t, "scalar", npy("{'descr': '|i4', 'fortran_order': False, 'shape': (), }", ids[:4]))
    write(t, "double_quotes_v2", npy('{"descr": "<i4", "fortran_order": False, "shape": (3, 2)}',
                                     ids, version=2))
    write(t, "fortran", npy("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }", ids))
    write(t, "float", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", ids[:8]))
    write(t, "truncated", npy("{'descr': '<i4', 'fortran_order': False, 'shape': (9, 9), }", ids))


def main():
    for target in ("fuzz_safetensors", "fuzz_config", "fuzz_npy", "fuzz_runtime_inputs",
                   "fuzz_weights_open", "fuzz_tokenizer", "fuzz_import"):
        path = os.path.join(HERE, "corpus", target)
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
    safetensors_seeds()
    config_seeds()
    npy_seeds()
    runtime_seeds()
    weights_seeds()
    tokenizer_seeds()
    import_seeds()


if __name__ == "__main__":
    main()
