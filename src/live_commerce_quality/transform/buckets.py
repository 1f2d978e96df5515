"""How many buckets the largest models are built in (dbt_project/macros/buckets.sql).

The period's orders set the size of the per-member models (int_indicator_member_files counts
each member's records per file: at SF50 tens of millions of groups, past DuckDB's memory limit
in one query). The count follows the period's data and the limit: the orders rows delivered
from P's first day to the cutoff (read from the standardised Parquet footers, not the data)
over `DuckDBBounds.bucket_rows()`. Spark partitions by itself: one bucket.
"""

from __future__ import annotations

import math
from datetime import date

from live_commerce_quality.core.duck import DuckDBBounds, connect, sql_string
from live_commerce_quality.core.engines import DUCKDB
from live_commerce_quality.core.layout import Layout, files_as_of

LARGEST_SOURCE = "orders"


def delivered_rows(layout: Layout, source: str, first: date, last: date) -> int:
    """Rows of `source`'s standardised files delivered from `first` to `last` (inclusive)."""
    files = [str(f) for dt, f in files_as_of(layout.standardised / source, last) if dt >= first]
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
