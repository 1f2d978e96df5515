"""Rating tables for people and systems (outputs.md): `ratings_<kind>.csv` — UTF-8 with BOM so
Excel opens it, the bilingual header of the output contract, `true`/`false` for booleans,
scores at two decimals as published, dates ISO — and `ratings.xlsx` (publish/workbook.py).

Both are deterministic: the same ratings give the same bytes."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import polars as pl

from live_commerce_quality.core.outputs import RATINGS
from live_commerce_quality.publish.labels import GRADE_COLOURS
from live_commerce_quality.publish.workbook import FIXED_CREATED, write_workbook

__all__ = ["FIXED_CREATED", "GRADE_COLOURS", "csv_value", "header", "write_csvs", "write_workbook"]


def header(column: str) -> str:
    """The bilingual header of a rating column, from the output contract."""
    return RATINGS.column(column).header


def csv_value(value) -> str:
    """One CSV cell as systems read it: true/false, two decimals, ISO dates, empty for none."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_csvs(ratings: pl.DataFrame, folder: Path) -> list[Path]:
    written = []
    for kind in sorted(ratings["subject_kind"].unique()):
        rows = ratings.filter(pl.col("subject_kind") == kind)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([header(c) for c in rows.columns])
        for row in rows.iter_rows():
            writer.writerow([csv_value(v) for v in row])
        path = folder / f"ratings_{kind}.csv"
        path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
        written.append(path)
    return written
