#!/usr/bin/env python3
"""Scores lingua (cs/pl/sk/en only, high accuracy) on a lid.tsv, per language and kind, the way `hlas eval` does.

A measurement tool only: lingua is not a dependency of hlas. Run it in a throw-away virtual environment:

    python3 -m venv /tmp/lingua && /tmp/lingua/bin/pip install lingua-language-detector
    /tmp/lingua/bin/python tools/lingua_baseline.py ../shared/eval/lid.tsv [--strip-diacritics]

With --strip-diacritics only the units that change are scored, with diacritics removed exactly as
`hlas eval --strip-diacritics` removes them (NFD, combining marks dropped, ł → l).
"""
import csv
import sys
import time
import unicodedata
from collections import defaultdict

from lingua import Language, LanguageDetectorBuilder

CODES = {Language.CZECH: "cs", Language.POLISH: "pl", Language.SLOVAK: "sk", Language.ENGLISH: "en"}


def strip_diacritics(text: str) -> str:
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.replace("ł", "l").replace("Ł", "L")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    strip = "--strip-diacritics" in sys.argv
    detector = LanguageDetectorBuilder.from_languages(*CODES).build()
    right: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    units = 0
    start = time.time()
    with open(args[0], encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            text = row["text"]
            if strip:
                stripped = strip_diacritics(text)
                if stripped == text:
                    continue
                text = stripped
            units += 1
            predicted = CODES.get(detector.detect_language_of(text), "und")
            for key in (row["lang"], f"{row['lang']} {row['kind']}"):
                total[key] += 1
                right[key] += predicted == row["lang"]
    elapsed = time.time() - start
    for key in sorted(total):
        print(f"{key:28s} {100 * right[key] / total[key]:5.1f}%  (n={total[key]})")
    print(f"{units} units in {elapsed:.1f} s: {units / elapsed:,.0f} units/s")


if __name__ == "__main__":
    main()
