#!/usr/bin/env python3
"""Rewrites tests/eval_floor.tsv from the figures `hlas eval --json` prints now, minus 0.01 (higher-is-better
figures only: no cs/sk confusion, no flag rate on non-complaints, no length buckets). Run after an improvement, from
the repository root, with a release build: `cargo build --release && python3 tools/update_eval_floor.py`."""
import json
import subprocess

EVAL = "../shared/eval"
FILES = ["sentiment.tsv", "emotion.tsv", "lemmas.tsv", "lid.tsv", "themes.tsv"]
HLAS = "target/release/hlas"


def run(*args: str) -> dict:
    out = subprocess.run([HLAS, "eval", "--json", *args], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


figures = run(*[f"{EVAL}/{f}" for f in FILES])
figures.update({f"nodia.{k}": v for k, v in run("--strip-diacritics", f"{EVAL}/lid.tsv").items()})
path = "tests/eval_floor.tsv"
header = [line for line in open(path, encoding="utf-8").read().split("\n") if line.startswith("#")]
rows = [
    f"{k}\t{max(0.0, v - 0.01):.4f}"
    for k, v in sorted(figures.items())
    if v is not None and not k.endswith(("cs_as_sk", "sk_as_cs", "not_complaint")) and ".len_" not in k
]
open(path, "w", encoding="utf-8").write("\n".join(header + rows) + "\n")
print(f"{len(rows)} floors written to {path}")
