"""What the floor and the pandas implementation share: the operator indicators as counts of a
per-operator table, the evaluation window, and the check of their rows against the
pipeline's mart `fct_subject_indicators` (operator rows), cell by cell."""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

from live_commerce_quality.core.periods import Period, as_of_instant

# indicator -> (numerator column, denominator column) of the per-operator table both build;
# POST-2 has no numerator: its value is `delivery_median`, its denominator the count of values.
OPERATOR_INDICATORS: dict[str, tuple[str | None, str]] = {
    "PRE-1": ("verified", "one"),
    "PRE-2": ("displayed", "sessions"),
    "PRE-3": ("complete", "offers"),
    "IN-1": ("points", "sessions"),
    "IN-2": ("price_ok", "price_checked"),
    "IN-3": ("answered", "conversations"),
    "POST-1": ("ship_on_time", "ship_due"),
    "POST-2": (None, "delivered"),
    "POST-3": ("quality_returns", "shipped"),
    "POST-4": ("cases_on_time", "cases_due"),
    "POST-5": ("complaint_groups", "orders"),
    "POST-6": ("complaints_on_time", "complaints_due"),
    "POST-7": ("positive", "reviews"),
}
CELLS = ("numerator", "denominator", "raw_value")
# counts must be equal; a value (a rate, a median) may differ in its last bits only
REL_TOL = 1e-12


def window(period: str, as_of: date) -> tuple[datetime, datetime, datetime]:
    """(start of P, first instant after P, T) as naive CST, as the extracts store time."""
    p = Period.parse(period)
    start = datetime.combine(p.start, datetime.min.time())
    end = datetime.combine(p.end, datetime.min.time())
    return start, end, as_of_instant(as_of)


def _same(a, b, rel: bool) -> bool:
    a = None if a is None or (isinstance(a, float) and math.isnan(a)) else a
    b = None if b is None or (isinstance(b, float) and math.isnan(b)) else b
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=0.0) if rel else a == b


def agreement(result: Path, marts: Path, examples: int = 5) -> dict:
    """Compare a result's rows (subject_id, indicator_id, numerator, denominator, raw_value)
    with the operator rows of the mart: the count of mismatching cells (a row on one side
    only counts all its cells) and the first few mismatches."""
    import polars as pl

    mart = (
        pl.read_parquet(marts / "fct_subject_indicators.parquet")
        .filter(pl.col("subject_kind") == "operator")
        .select("subject_id", "indicator_id", *CELLS, present=pl.lit(True))
    )
    mine = pl.read_parquet(result).select("subject_id", "indicator_id", *CELLS, present=pl.lit(True))
    joined = mart.join(mine, on=["subject_id", "indicator_id"], how="full", suffix="_bench", coalesce=True)
    mismatches, shown = 0, []
    for row in joined.sort("subject_id", "indicator_id").iter_rows(named=True):
        if not (row["present"] and row["present_bench"]):
            mismatches += len(CELLS)
            if len(shown) < examples:
                side = "pipeline" if row["present"] else "bench"
                shown.append(f"operator {row['subject_id']} {row['indicator_id']}: a row of the {side} only")
            continue
        for cell in CELLS:
            if not _same(row[cell], row[f"{cell}_bench"], rel=cell == "raw_value"):
                mismatches += 1
                if len(shown) < examples:
                    shown.append(
                        f"operator {row['subject_id']} {row['indicator_id']} {cell}:"
                        f" pipeline {row[cell]!r} vs bench {row[f'{cell}_bench']!r}"
                    )
    return {
        "agree": mismatches == 0,
        "mismatching_cells": mismatches,
        "cells_compared": joined.height * len(CELLS),
        "operators": mart["subject_id"].n_unique(),
        "rows_pipeline": mart.height,
        "rows_bench": mine.height,
        "first_mismatches": shown,
        "value_tolerance": f"counts exact; raw values rel {REL_TOL:g}",
    }
