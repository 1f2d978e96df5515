"""How many buckets the largest models are built in (dbt_project/macros/buckets.sql).

The versions of every order delivered from the period's first day up to the cutoff are the
largest input of one query (int_orders_current ranks them per key and joins the winners back).
Past what fits in DuckDB's memory limit that query spills tens of GB and slows down several
fold, so the models keyed by order or member are built in buckets by a hash of the key, each
bucket within memory. The count follows the period's data and the limit: the orders rows
from P's first day to the cutoff (read from the standardised Parquet footers, not the data)
over `DuckDBBounds.bucket_rows()`. Spark partitions by itself: one bucket.
"""

from __future__ import annotations

import math
from datetime import date

from live_commerce_quality.core.duck import DuckDBBounds, connect, sql_string
from live_commerce_quality.core.engines import DUCKDB
from live_commerce_quality.core.layout import DT_FOLDER, Layout

LARGEST_SOURCE = "orders"


def delivered_rows(layout: Layout, source: str, first: date, last: date) -> int:
    """Rows of `source`'s standardised files delivered from `first` to `last` (inclusive)."""
    root = layout.standardised / source
    files = sorted(
        str(f)
        for day in (root.iterdir() if root.is_dir() else ())
        if (m := DT_FOLDER.match(day.name)) and first <= date.fromisoformat(m.group(1)) <= last
        for f in day.glob("*.parquet")
    )
    if not files:
        return 0
    listed = "[" + ", ".join(sql_string(f) for f in files) + "]"
    with connect(layout) as con:
        (rows,) = con.execute(f"select coalesce(sum(num_rows), 0) from parquet_file_metadata({listed})").fetchone()
    return int(rows)


def bucket_count(layout: Layout, period_start: date, cutoff: date, engine: str = DUCKDB) -> int:
    """The buckets of an evaluation of the period starting `period_start` as of `cutoff`."""
    if engine != DUCKDB:
        return 1
    rows = delivered_rows(layout, LARGEST_SOURCE, period_start, cutoff)
    return max(1, math.ceil(rows / DuckDBBounds.of(layout).bucket_rows()))
