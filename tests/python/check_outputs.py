"""Loads the Arrow, Parquet and Hive-partitioned outputs of the testdata run with pyarrow, polars and DuckDB, and
checks what an analyst relies on: the schema and its metadata, the row count, the list and struct columns, and that
every evidence span slices the text to the matched words in Python (offsets are in characters, so
text[start:end] works on a Python str).

Usage: python3 tests/python/check_outputs.py OUT_DIR EXPECTED_ROWS
OUT_DIR holds out.arrow, out.parquet and parts/ (partitioned by lang), all from the same input.
Run by tests/python.rs, which makes OUT_DIR with the real binary.
"""

import sys
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

out = Path(sys.argv[1])
expected_rows = int(sys.argv[2])
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


# --- pyarrow ---------------------------------------------------------------------------------------------------
arrow_table = pa.ipc.open_file(out / "out.arrow").read_all()
parquet_table = pq.read_table(out / "out.parquet")
for name, table in [("arrow", arrow_table), ("parquet", parquet_table)]:
    check(table.num_rows == expected_rows, f"pyarrow {name}: {table.num_rows} rows, expected {expected_rows}")
    md = table.schema.metadata or {}
    check(md.get(b"hlas.schema_version") == b"2", f"pyarrow {name}: schema_version metadata {md.get(b'hlas.schema_version')}")
    check(b"hlas.lexicon_hash" in md, f"pyarrow {name}: no lexicon_hash metadata")
    themes_type = table.schema.field("themes").type
    check(pa.types.is_list(themes_type) and pa.types.is_string(themes_type.value_type), f"pyarrow {name}: themes is {themes_type}")
    ev_type = table.schema.field("evidence").type
    check(pa.types.is_list(ev_type) and pa.types.is_struct(ev_type.value_type), f"pyarrow {name}: evidence is {ev_type}")
    check(
        [ev_type.value_type.field(i).name for i in range(ev_type.value_type.num_fields)]
        == ["kind", "label", "start", "end", "weight"],
        f"pyarrow {name}: evidence fields",
    )
    ts_type = table.schema.field("theme_sentiment").type.value_type
    check([ts_type.field(i).name for i in range(ts_type.num_fields)] == ["theme", "sentiment", "label", "mentions"], f"pyarrow {name}: theme_sentiment fields")
    for col in ["id", "text", "lang", "sentiment", "sentiment_label", "flagged", "priority", "flag_reasons", "error"]:
        check(col in table.schema.names, f"pyarrow {name}: no column {col}")
check(arrow_table.schema.equals(parquet_table.schema, check_metadata=True), "Arrow and Parquet schemas differ")
# Dictionary columns come back from Parquet with only the values used, so compare decoded values.
check(arrow_table.to_pylist() == parquet_table.to_pylist(), "Arrow and Parquet hold different values")

# Every evidence span slices the text to the matched words.
spans = 0
for row in arrow_table.select(["id", "text", "evidence", "themes"]).to_pylist():
    text = row["text"]
    for ev in row["evidence"]:
        check(0 <= ev["start"] < ev["end"] <= len(text), f"{row['id']}: span {ev} outside the text ({len(text)} chars)")
        piece = text[ev["start"]:ev["end"]]
        check(piece.strip() == piece and piece != "", f"{row['id']}: span {ev} slices {piece!r}")
        if ev["kind"] == "theme":
            check(ev["label"] in row["themes"], f"{row['id']}: theme evidence {ev['label']} not in themes {row['themes']}")
        spans += 1
check(spans > 100, f"only {spans} evidence spans")

# Hive-partitioned directory.
parts = ds.dataset(out / "parts", format="parquet", partitioning="hive").to_table()
check(parts.num_rows == expected_rows, f"pyarrow.dataset parts: {parts.num_rows} rows")
all_langs = set(arrow_table.column("lang").to_pylist())
check(all_langs >= {"cs", "pl", "sk", "en"}, f"the testdata run's languages: {all_langs}")
check(set(parts.column("lang").to_pylist()) == all_langs, "pyarrow.dataset parts: languages")
part_counts = parts.group_by("lang").aggregate([("lang", "count")]).to_pylist()
file_counts = arrow_table.group_by("lang").aggregate([("lang", "count")]).to_pylist()
check(sorted(map(str, part_counts)) == sorted(map(str, file_counts)), "rows per language differ between parts and file")

# --- polars ----------------------------------------------------------------------------------------------------
for name, df in [("arrow", pl.read_ipc(out / "out.arrow")), ("parquet", pl.read_parquet(out / "out.parquet"))]:
    check(df.height == expected_rows, f"polars {name}: {df.height} rows")
    check(df.schema["themes"] == pl.List(pl.String), f"polars {name}: themes is {df.schema['themes']}")
    check(isinstance(df.schema["evidence"], pl.List), f"polars {name}: evidence is {df.schema['evidence']}")
    exploded = df.select("id", "text", "evidence").explode("evidence").drop_nulls("evidence").unnest("evidence")
    check(set(exploded.columns) >= {"kind", "label", "start", "end", "weight"}, f"polars {name}: unnest evidence")
    mismatches = [
        r for r in exploded.iter_rows(named=True) if not r["text"][r["start"]:r["end"]]
    ]
    check(not mismatches, f"polars {name}: {len(mismatches)} empty evidence slices")
    per_theme = df.explode("themes").drop_nulls("themes").group_by("themes").len()
    check(per_theme.height >= 10, f"polars {name}: only {per_theme.height} themes")
lazy = pl.scan_parquet(out / "parts" / "**" / "*.parquet", hive_partitioning=True).group_by("lang").len().collect()
check(lazy["len"].sum() == expected_rows, f"polars parts: {lazy['len'].sum()} rows")

# --- DuckDB ----------------------------------------------------------------------------------------------------
con = duckdb.connect()
n = con.execute(f"select count(*) from read_parquet('{out / 'out.parquet'}')").fetchone()[0]
check(n == expected_rows, f"duckdb parquet: {n} rows")
n = con.execute(f"select count(*) from read_parquet('{out / 'parts'}/*/*.parquet', hive_partitioning = true)").fetchone()[0]
check(n == expected_rows, f"duckdb parts: {n} rows")
langs = {r[0] for r in con.execute(f"select distinct lang from read_parquet('{out / 'parts'}/*/*.parquet', hive_partitioning = true)").fetchall()}
check(langs == all_langs, f"duckdb parts: languages {langs}")
# Struct fields and list unnesting in SQL; DuckDB's substring is 1-based and counts characters.
rows = con.execute(
    f"""
    select e.kind, e.label, substring(text, e.start + 1, e."end" - e.start) as piece
    from (select text, unnest(evidence) as e from read_parquet('{out / 'out.parquet'}'))
    """
).fetchall()
check(len(rows) == spans, f"duckdb: {len(rows)} evidence rows, pyarrow saw {spans}")
check(all(piece for _, _, piece in rows), "duckdb: an empty evidence slice")
kv = {r[0]: r[1] for r in con.execute(f"select key, value from parquet_kv_metadata('{out / 'out.parquet'}')").fetchall()}
check(kv.get(b"hlas.schema_version") == b"2", f"duckdb: kv metadata {list(kv)}")
arrow_rel = con.from_arrow(arrow_table)
check(con.execute("select count(*) from arrow_rel").fetchone()[0] == expected_rows, "duckdb over Arrow: rows")
theme_counts = con.execute("select t, count(*) from (select unnest(themes) as t from arrow_rel) group by t").fetchall()
check(len(theme_counts) >= 10, f"duckdb: only {len(theme_counts)} themes")

if failures:
    print(f"{len(failures)} checks failed:")
    for f in failures[:50]:
        print("  " + f)
    sys.exit(1)
print(f"ok: {expected_rows} rows, {spans} evidence spans, pyarrow {pa.__version__}, polars {pl.__version__}, duckdb {duckdb.__version__}")
