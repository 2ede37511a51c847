#!/usr/bin/python3
"""Reference ALBERT tokenizer: HuggingFace transformers' slow AlbertTokenizer, reproduced with
the `sentencepiece` package alone (no transformers needed), for golden token ids.

    albert_tokenize.py SPIECE_MODEL [--do-lower-case 0/1] [--keep-accents 0/1]
                       [--remove-space 0/1] --cases CASES.json --out GOLDEN.json

CASES.json is a list of {"text": str, "pair": str (optional), "max_length": int (optional)}.
GOLDEN.json is {"options": {...}, "cases": [...]} with, per case, the input fields and:
  ids, token_type_ids   what `tokenizer(text, pair, truncation=True, max_length=...)` returns
  tokens                the pieces behind those ids (tokenize()'s strings, so an unknown
                        character shows as itself, not as <unk>), with [CLS]/[SEP]
  decoded               tokenizer.decode(ids, clean_up_tokenization_spaces=False)
  decoded_skip_special  the same with skip_special_tokens=True
  decoded_clean_up      tokenizer.decode(ids, clean_up_tokenization_spaces=True)
  error                 only where the native tokenizer (runtime/tokenizer) refuses the case
                        instead of returning what HF returns: max_length below the 2 or 3
                        special tokens, or a single sequence HF cannot truncate (HF logs an
                        error and returns the ids untruncated; they are still given here)

What each step reproduces (transformers 4.34+, PreTrainedTokenizer.tokenize and
AlbertTokenizer):
  1. do_lower_case: every character outside the special tokens is lowercased on its own
     (tokenize()'s `re.sub(r"(<specials>)|(.+?)", ...)`): so Σ becomes σ, never the final ς.
  2. The text is cut at the special tokens ([CLS] [SEP] <unk> <pad> [MASK]); [MASK] is an
     AddedToken with lstrip=True, so whitespace ending the piece before it is dropped. The
     other special tokens strip nothing (they are AddedToken(lstrip=False, rstrip=False)).
  3. Every other non-empty piece goes through preprocess_text (remove_space, `` and '' to ",
     NFKD + drop combining marks unless keep_accents, str.lower()) and the SentencePiece model,
     with the digit-comma fix ("▁9," -> "▁9" ","), then PieceToId.
  4. [CLS] A [SEP] (B [SEP]), token types 0 then 1; longest_first truncation, right side.
"""

import argparse
import json
import re
import sys
import unicodedata

import sentencepiece as spm

SPIECE_UNDERLINE = "\u2581"
CLS, SEP, UNK, PAD, MASK = "[CLS]", "[SEP]", "<unk>", "<pad>", "[MASK]"
# HF's all_special_tokens order: bos, eos, unk, sep, pad, cls, mask (deduplicated).
SPECIAL_TOKENS = [CLS, SEP, UNK, PAD, MASK]


class AlbertTokenizer:
    def __init__(self, spiece_model, do_lower_case=True, remove_space=True, keep_accents=False):
        self.sp = spm.SentencePieceProcessor()
        self.sp.Load(spiece_model)
        self.do_lower_case = do_lower_case
        self.remove_space = remove_space
        self.keep_accents = keep_accents
        for tok in SPECIAL_TOKENS:
            if self.sp.IdToPiece(self.sp.PieceToId(tok)) != tok:
                raise ValueError(f"{spiece_model}: special token {tok} is not in the vocabulary")
        self.special_ids = {tok: self.sp.PieceToId(tok) for tok in SPECIAL_TOKENS}
        escaped = "|".join(re.escape(tok) for tok in SPECIAL_TOKENS)
        self._lower_pattern = re.compile(r"(" + escaped + r")|(.+?)")
        # HF splits with a trie (Trie.split); for these five tokens, none of which is a prefix
        # of or overlaps another and whose first characters ('[' '<') occur nowhere else in
        # them, its longest-match scan is the same as a left-to-right alternation.
        self._split_pattern = re.compile(r"(" + escaped + r")")

    # --- PreTrainedTokenizer.tokenize ------------------------------------------------------
    def tokenize(self, text):
        if self.do_lower_case:
            text = self._lower_pattern.sub(lambda m: m.groups()[0] or m.groups()[1].lower(), text)
        parts = [p for p in self._split_pattern.split(text) if p != ""]
        for i, part in enumerate(parts):
            # [MASK] has lstrip=True: it eats the whitespace on its left.
            if part == MASK and i > 0 and parts[i - 1]:
                parts[i - 1] = parts[i - 1].rstrip()
        tokens = []
        for part in parts:
            if not part:
                continue
            if part in self.special_ids:
                tokens.append(part)
            else:
                tokens.extend(self._tokenize(part))
        return tokens

    # --- AlbertTokenizer -------------------------------------------------------------------
    def preprocess_text(self, inputs):
        if self.remove_space:
            outputs = " ".join(inputs.strip().split())
        else:
            outputs = inputs
        outputs = outputs.replace("``", '"').replace("''", '"')
        if not self.keep_accents:
            outputs = unicodedata.normalize("NFKD", outputs)
            outputs = "".join([c for c in outputs if not unicodedata.combining(c)])
        if self.do_lower_case:
            outputs = outputs.lower()
        return outputs

    def _tokenize(self, text):
        text = self.preprocess_text(text)
        pieces = self.sp.encode(text, out_type=str)
        new_pieces = []
        for piece in pieces:
            if len(piece) > 1 and piece[-1] == "," and piece[-2].isdigit():
                # "▁9," -> "▁9" "," (BERT's rule for numbers).
                cur = self.sp.EncodeAsPieces(piece[:-1].replace(SPIECE_UNDERLINE, ""))
                if piece[0] != SPIECE_UNDERLINE and cur[0][0] == SPIECE_UNDERLINE:
                    if len(cur[0]) == 1:
                        cur = cur[1:]
                    else:
                        cur[0] = cur[0][1:]
                cur.append(piece[-1])
                new_pieces.extend(cur)
            else:
                new_pieces.append(piece)
        return new_pieces

    def token_to_id(self, token):
        if token in self.special_ids:
            return self.special_ids[token]
        return self.sp.PieceToId(token)

    # --- PreTrainedTokenizerBase.prepare_for_model / truncate_sequences --------------------
    def encode(self, text, pair=None, max_length=None):
        a = self.tokenize(text)
        b = self.tokenize(pair) if pair is not None else None
        num_special = 3 if b is not None else 2
        error = None
        if max_length is not None and max_length > 0:
            total = len(a) + (len(b) if b is not None else 0) + num_special
            if max_length < num_special:
                names = "[CLS], [SEP] and [SEP]" if b is not None else "[CLS] and [SEP]"
                error = f"max_length {max_length} cannot hold {names}"
            if total > max_length:
                remove = total - max_length
                if b is None:
                    if len(a) > remove:
                        a = a[:-remove]
                    elif error is None:
                        # HF logs an error and leaves the sequence as it is.
                        error = (f"max_length {max_length} leaves no room for the text's "
                                 f"{len(a)} tokens after [CLS] and [SEP]")
                else:
                    for _ in range(remove):  # longest_first, one token at a time
                        if len(a) > len(b):
                            a = a[:-1]
                        else:
                            b = b[:-1]
        tokens = [CLS] + a + [SEP]
        token_type_ids = [0] * len(tokens)
        if b is not None:
            tokens += b + [SEP]
            token_type_ids += [1] * (len(b) + 1)
        ids = [self.token_to_id(t) for t in tokens]
        return ids, token_type_ids, tokens, error

    # --- decode (PreTrainedTokenizer._decode + AlbertTokenizer.convert_tokens_to_string) ----
    def decode(self, ids, skip_special_tokens=False, clean_up_tokenization_spaces=False):
        special_ids = set(self.special_ids.values())
        tokens = [self.sp.IdToPiece(i) for i in ids
                  if not (skip_special_tokens and i in special_ids)]
        current, out, prev_is_special = [], "", False
        for token in tokens:
            if token in self.special_ids:
                if not prev_is_special:
                    out += " "
                out += self.sp.decode(current) + token
                prev_is_special = True
                current = []
            else:
                current.append(token)
                prev_is_special = False
        out += self.sp.decode(current)
        text = out.strip()
        if clean_up_tokenization_spaces:
            text = (text.replace(" .", ".").replace(" ?", "?").replace(" !", "!")
                    .replace(" ,", ",").replace(" ' ", "'").replace(" n't", "n't")
                    .replace(" 'm", "'m").replace(" 's", "'s").replace(" 've", "'ve")
                    .replace(" 're", "'re"))
        return text


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("spiece_model")
    ap.add_argument("--do-lower-case", type=int, default=1, choices=[0, 1])
    ap.add_argument("--keep-accents", type=int, default=0, choices=[0, 1])
    ap.add_argument("--remove-space", type=int, default=1, choices=[0, 1])
    ap.add_argument("--cases", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    tok = AlbertTokenizer(args.spiece_model, do_lower_case=bool(args.do_lower_case),
                          remove_space=bool(args.remove_space),
                          keep_accents=bool(args.keep_accents))
    with open(args.cases, encoding="utf-8") as f:
        cases = json.load(f)
    out = []
    for case in cases:
        text, pair, max_length = case["text"], case.get("pair"), case.get("max_length")
        ids, tt, tokens, error = tok.encode(text, pair, max_length)
        res = dict(case)
        res.update(ids=ids, token_type_ids=tt, tokens=tokens,
                   decoded=tok.decode(ids),
                   decoded_skip_special=tok.decode(ids, skip_special_tokens=True),
                   decoded_clean_up=tok.decode(ids, clean_up_tokenization_spaces=True))
        if error:
            res["error"] = error
        out.append(res)
    golden = {"options": {"do_lower_case": args.do_lower_case, "keep_accents": args.keep_accents,
                          "remove_space": args.remove_space},
              "cases": out}
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
