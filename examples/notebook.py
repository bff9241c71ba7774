# %% [markdown]
# # hlas output in a notebook
#
# The usual analyses of an hlas run, with polars and DuckDB. This file is a notebook in the "percent" format:
# Jupyter (with jupytext), VS Code and PyCharm open it cell by cell, and `python3 examples/notebook.py OUT` runs
# it top to bottom (CI does, on the testdata run). OUT is an hlas output: `.parquet`, `.arrow`, or a directory
# written with `--partition-by`.
#
#     hlas analyze testdata/feedback.csv testdata/chats.csv -o out.parquet
#     python3 examples/notebook.py out.parquet

# %%
import sys
from pathlib import Path

import duckdb
import polars as pl

pl.Config.set_tbl_rows(30)
pl.Config.set_fmt_str_lengths(90)
out = Path(sys.argv[1] if len(sys.argv) > 1 else "out.parquet")


def load(path: Path) -> pl.DataFrame:
    """One DataFrame from any hlas output."""
    if path.is_dir():
        return pl.scan_parquet(path / "**" / "*.parquet", hive_partitioning=True).collect()
    if path.suffix in (".arrow", ".ipc", ".feather"):
        return pl.read_ipc(path)
    return pl.read_parquet(path)


df = load(out)
print(f"{df.height} interactions, {df.filter(pl.col('error').is_not_null()).height} with an error")
print(df.group_by("lang").len().sort("len", descending=True))

# %% [markdown]
# ## Sentiment by theme and language
# `themes` is a list per row; `theme_sentiment` carries each theme's own sentiment (the sentences that mention it),
# so "lovely staff, but I waited an hour" counts positive for agent_attitude and negative for wait_time.

# %%
per_theme = (
    df.select("lang", "theme_sentiment")
    .explode("theme_sentiment")
    .drop_nulls("theme_sentiment")
    .unnest("theme_sentiment")
)
by_theme_lang = (
    per_theme.group_by("theme", "lang")
    .agg(
        pl.len().alias("rows"),
        pl.col("sentiment").mean().round(2).alias("mean_sentiment"),
        (pl.col("label") == "negative").mean().round(2).alias("share_negative"),
    )
    .sort(["rows", "theme", "lang"], descending=[True, False, False])
)
print(by_theme_lang)
print(by_theme_lang.pivot(on="lang", index="theme", values="mean_sentiment").sort("theme"))

# %% [markdown]
# ## Top negative themes per channel
# Any input column survives into the output; here the feedback export's `channel`. DuckDB reads the same file in SQL.

# %%
if "channel" in df.columns:
    con = duckdb.connect()
    con.register("hlas", df.to_arrow())
    top = con.sql(
        """
        with t as (
            select coalesce(channel, '(none)') as channel, ts.theme as theme, ts.label as label
            from (select channel, unnest(theme_sentiment) as ts from hlas)
        ), ranked as (
            select channel, theme, count(*) filter (where label = 'negative') as negative, count(*) as mentions,
                   row_number() over (partition by channel order by count(*) filter (where label = 'negative') desc,
                                      theme) as rank
            from t group by channel, theme
        )
        select channel, rank, theme, negative, mentions from ranked
        where rank <= 3 and negative > 0 order by channel, rank
        """
    ).pl()
    print(top)
else:
    print("no channel column in this output")

# %% [markdown]
# ## Weekly trend
# Volume, mean sentiment and the share flagged for QA per ISO week, from the export's `date` column.

# %%
if "date" in df.columns:
    weekly = (
        df.with_columns(pl.col("date").str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False).alias("day"))
        .drop_nulls("day")
        .with_columns(pl.col("day").dt.truncate("1w").alias("week"))
        .group_by("week")
        .agg(
            pl.len().alias("rows"),
            pl.col("sentiment").mean().round(3).alias("mean_sentiment"),
            pl.col("flagged").mean().round(2).alias("share_flagged"),
        )
        .sort("week")
    )
    print(weekly)
else:
    print("no date column in this output")

# %% [markdown]
# ## The QA queue
# Flagged interactions, most urgent first, with the reasons and the words behind them (evidence spans are
# character offsets: `text[start:end]`).

# %%
queue = df.filter(pl.col("flagged")).sort(["priority", "id"], descending=[True, False]).head(10)
for row in queue.iter_rows(named=True):
    words = sorted({row["text"][e["start"]:e["end"]] for e in row["evidence"] if e["kind"] in ("flag", "theme")})
    print(f"[{row['priority']:3d}] {row['id']} ({row['lang']}) {', '.join(row['flag_reasons'])}")
    print(f"      because of: {'; '.join(words[:8])}")
assert queue.height > 0, "the testdata run has flagged rows"
