"""Writes MODEL_DIR/tokenizer_config.json (and for `added_file`,
added_tokens.json) as transformers >= 4.34 saves them for albert-base-v2,
or with one change: tokenizer_config.py MODEL_DIR VARIANT."""
import json
import os
import sys

model_dir, variant = sys.argv[1], sys.argv[2]


def added(content, lstrip=False):
    return {"content": content, "lstrip": lstrip, "normalized": False, "rstrip": False,
            "single_word": False, "special": True}


config = {
    "added_tokens_decoder": {"0": added("<pad>"), "1": added("<unk>"), "2": added("[CLS]"),
                             "3": added("[SEP]"), "4": added("[MASK]", lstrip=True)},
    "bos_token": "[CLS]", "clean_up_tokenization_spaces": True, "cls_token": "[CLS]",
    "do_lower_case": True, "eos_token": "[SEP]", "keep_accents": False,
    "mask_token": {"__type": "AddedToken", "content": "[MASK]", "lstrip": True,
                   "normalized": False, "rstrip": False, "single_word": False},
    "model_max_length": 512, "pad_token": "<pad>", "remove_space": True, "sep_token": "[SEP]",
    "tokenizer_class": "AlbertTokenizer", "unk_token": "<unk>",
}
if variant == "mask_no_lstrip":
    config["mask_token"]["lstrip"] = False
elif variant == "additional":
    config["additional_special_tokens"] = ["<x>"]
elif variant == "added_decoder":
    config["added_tokens_decoder"]["800"] = added("[NEW]")
elif variant == "added_file":
    with open(os.path.join(model_dir, "added_tokens.json"), "w") as f:
        json.dump({"[NEW]": 800}, f)
elif variant != "standard":
    sys.exit("unknown variant " + variant)
with open(os.path.join(model_dir, "tokenizer_config.json"), "w") as f:
    json.dump(config, f, indent=2)
