#!/usr/bin/python3
"""write_cases.py OUT.json CASE...: a cases file for scripts/albert_tokenize.py. A case is a text,
or "text|pair" for a pair."""
import json
import sys

cases = []
for arg in sys.argv[2:]:
    text, sep, pair = arg.partition("|")
    cases.append({"text": text, "pair": pair} if sep else {"text": text})
with open(sys.argv[1], "w") as f:
    json.dump(cases, f, ensure_ascii=False)
