"""From drawn arrays to extract rows: ids, codes, personal data and versions.

Families draw integer arrays (indices, epoch seconds, delivery days); the helpers here
turn them into the contract's columns with polars expressions, so that millions of rows
never pass through Python one by one. `versions` is the heart of day-by-day delivery: a
record is extracted again each day one of its events becomes visible.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import polars as pl

from live_commerce_quality.core.contract import PLATFORMS
from live_commerce_quality.demo.world import ADDRESSES, ROADS

WRITE_CHUNK_ROWS = 2_000_000  # rows materialised at once (memory bound at SF10)

# Id formats: prefix and zero-padded width per kind of record.
ID_FORMATS = {
    "operators": ("OP", 7),
    "streamers": ("ST", 7),
    "agencies": ("AG", 5),
    "live_sessions": ("LS", 10),
    "products": ("PD", 9),
    "orders": ("OD", 12),
    "cs_conversations": ("CS", 11),
    "after_sales": ("AS", 10),
    "complaints": ("CP", 10),
    "reviews": ("RV", 11),
    "findings": ("FD", 9),
}


def pick(values, idx: pl.Expr) -> pl.Expr:
    """values[idx] for an integer expression (null stays null)."""
    return idx.replace_strict(dict(enumerate(values)), default=None, return_dtype=pl.String)


def record_id(col: str, kind: str) -> pl.Expr:
    prefix, width = ID_FORMATS[kind]
    return pl.lit(prefix) + pl.col(col).cast(pl.String).str.zfill(width)


def platform(col: str = "plat") -> pl.Expr:
    return pick(PLATFORMS, pl.col(col))


def buyer_id(col: str) -> pl.Expr:
    # multiplying by a number coprime to 10 permutes 10-digit numbers: ids look random
    return pl.lit("U") + ((pl.col(col) * 7_777_777_777 + 1_234_567) % 10**10).cast(pl.String).str.zfill(10)


def phone(col: str) -> pl.Expr:
    b = pl.col(col)
    return (
        pl.lit("1") + pick(("3", "5", "7", "8", "9"), b % 5) + ((b * 48_271 + 11) % 10**9).cast(pl.String).str.zfill(9)
    )


def address(col: str) -> pl.Expr:
    b = pl.col(col)
    return pl.concat_str(
        pick(ADDRESSES, b % len(ADDRESSES)),
        pick(ROADS, (b // len(ADDRESSES)) % len(ROADS)),
        (b % 397 + 1).cast(pl.String),
        pl.lit("号"),
        (b % 23 + 1).cast(pl.String),
        pl.lit("栋"),
        (b % 6 + 1).cast(pl.String),
        pl.lit("0"),
        (b % 4 + 1).cast(pl.String),
        pl.lit("室"),
    )


def frame(nullable: tuple[str, ...] = (), **cols) -> pl.DataFrame:
    """A frame from numpy arrays; in `nullable` columns a negative value means null."""
    df = pl.DataFrame(cols)
    if nullable:
        df = df.with_columns(pl.when(pl.col(c) >= 0).then(pl.col(c)).alias(c) for c in nullable)
    return df


def versions(
    base: pl.DataFrame,
    created: str,
    events: list[tuple[str, tuple[str, ...]]],
    last_day: int,
    hidden: dict[str, object] | None = None,
) -> pl.DataFrame:
    """One row per record and distinct delivery day, as the platform would extract it.

    `created` names the delivery-day column of the record's first extraction; each event
    is (delivery-day column, columns it reveals). A version shows an event's columns only
    from that event's delivery day on (before: null, or the value in `hidden`). Delivery
    days after `last_day` are not delivered. The delivery-day columns are dropped and
    `_dt` added.
    """
    dd_cols = [created] + [dd for dd, _ in events]
    days = _version_days(base.select(dd_cols), last_day).sort("_r", "_dt")
    return _reveal(base[days["_r"]].with_columns(days["_dt"]), dd_cols, events, hidden)


def version_chunks(
    rows: Callable[[np.ndarray], pl.DataFrame],
    days: pl.DataFrame,
    created: str,
    events: list[tuple[str, tuple[str, ...]]],
    last_day: int,
    hidden: dict[str, object] | None = None,
    max_rows: int = WRITE_CHUNK_ROWS,
) -> Iterator[pl.DataFrame]:
    """What `dt_chunks(versions(base, ...))` yields, holding one chunk's versions at a time.

    `days` is the delivery-day columns of the records (`created` and the events'), `rows(r)`
    the base rows at positions `r`: the wide rows of a large source are built a chunk at a
    time, never all its versions at once (at SF50, orders' versions alone would be 9 GB).
    """
    dd_cols = [created] + [dd for dd, _ in events]
    days = _version_days(days.select(dd_cols), last_day).sort("_dt", "_r")
    for start, length in _day_slices(days["_dt"], max_rows):
        chunk = days.slice(start, length)
        yield _reveal(rows(chunk["_r"].to_numpy()).with_columns(chunk["_dt"]), dd_cols, events, hidden)


def _version_days(dd: pl.DataFrame, last_day: int) -> pl.DataFrame:
    """(_r, _dt): each record's position and its distinct delivery days up to `last_day`."""
    return (
        pl.concat(
            [
                dd.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_r"), pl.col(c).cast(pl.Int32).alias("_dt"))
                for c in dd.columns
            ]
        )
        .drop_nulls()
        .filter(pl.col("_dt") <= last_day)
        .unique()
    )


def _reveal(out: pl.DataFrame, dd_cols: list[str], events, hidden: dict[str, object] | None) -> pl.DataFrame:
    """Each version shows an event's columns from the event's delivery day on."""
    hidden = hidden or {}
    reveal = []
    for dd, cols in events:
        for c in cols:
            shown = pl.col(dd).is_not_null() & (pl.col(dd) <= pl.col("_dt"))
            reveal.append(pl.when(shown).then(pl.col(c)).otherwise(pl.lit(hidden.get(c))).alias(c))
    return out.with_columns(reveal).drop(dd_cols)


def dt_chunks(df: pl.DataFrame, max_rows: int = WRITE_CHUNK_ROWS) -> Iterator[pl.DataFrame]:
    """Slices of `df` (sorted by `_dt`) that never split a day, about `max_rows` each."""
    df = df.sort("_dt", maintain_order=True)
    for start, length in _day_slices(df["_dt"], max_rows):
        yield df.slice(start, length)


def _day_slices(dt: pl.Series, max_rows: int) -> Iterator[tuple[int, int]]:
    """(start, length) of runs of whole days of the sorted `dt`, about `max_rows` rows each."""
    counts = dt.to_frame().group_by("_dt", maintain_order=True).len()
    start = rows = 0
    for n in counts["len"].to_list():
        if rows and rows + n > max_rows:
            yield start, rows
            start, rows = start + rows, 0
        rows += n
    if rows:
        yield start, rows
