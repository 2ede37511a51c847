#!/usr/bin/python3
"""same_ids.py GOLDEN.json RESULT.json...: the input_ids that `albertc run --text ... --json`
ran on (one RESULT per case, in order) equal the Python reference's
(scripts/albert_tokenize.py) for the cases of GOLDEN.json. Multiple choice results hold one
row per choice: their cases follow each other in GOLDEN.json."""
import json
import sys

golden = json.load(open(sys.argv[1]))["cases"]
rows = []
for path in sys.argv[2:]:
    rows += json.load(open(path))["input_ids"]
if len(rows) != len(golden):
    sys.exit("same_ids: %d rows ran, %d golden cases" % (len(rows), len(golden)))
for i, (got, case) in enumerate(zip(rows, golden)):
    if got != case["ids"]:
        sys.exit("same_ids: case %d (%r): albertc ran %s, the reference gives %s"
                 % (i, case.get("text"), got, case["ids"]))
print("same_ids: %d sequences match" % len(rows))
