"""Rating tables for people (outputs.md): `ratings.xlsx` (a sheet per subject kind, bilingual
headers, frozen header row, coloured grades, the methodology, data quality) and
`ratings_<kind>.csv` (UTF-8 with BOM so Excel opens it, bilingual header).

Both are deterministic: the same ratings give the same bytes."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import polars as pl

from live_commerce_quality.core.io import json_inline
from live_commerce_quality.core.methodology import Methodology
from live_commerce_quality.core.outputs import KIND_SHEETS, RATINGS

GRADE_COLOURS = {"A": "#1a9850", "B": "#91cf60", "C": "#fee08b", "D": "#fc8d59", "E": "#d73027", "NR": "#bdbdbd"}
# A fixed creation time keeps the workbook's bytes reproducible.
FIXED_CREATED = datetime(2024, 11, 1)


def header(column: str) -> str:
    """The bilingual header of a rating column, from the output contract."""
    return RATINGS.column(column).header


def write_csvs(ratings: pl.DataFrame, folder: Path) -> list[Path]:
    written = []
    for kind in sorted(ratings["subject_kind"].unique()):
        rows = ratings.filter(pl.col("subject_kind") == kind)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([header(c) for c in rows.columns])
        for row in rows.iter_rows():
            writer.writerow(["" if v is None else v for v in row])
        path = folder / f"ratings_{kind}.csv"
        path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
        written.append(path)
    return written


def write_workbook(ratings: pl.DataFrame, m: Methodology, data_quality: dict, path: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "nan_inf_to_errors": True})
    book.set_properties({"title": "GB/T 44207-2024 ratings", "created": FIXED_CREATED})
    head = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#eeeeee", "border": 1})
    grade_formats = {g: book.add_format({"bg_color": c, "align": "center"}) for g, c in GRADE_COLOURS.items()}
    for kind in m.subject_kinds:
        rows = ratings.filter(pl.col("subject_kind") == kind)
        if rows.height == 0:
            continue
        sheet = book.add_worksheet(KIND_SHEETS[kind][:31])
        for j, column in enumerate(rows.columns):
            sheet.write(0, j, header(column), head)
            sheet.set_column(j, j, 14)
        sheet.set_row(0, 32)
        sheet.freeze_panes(1, 0)
        grade_col = rows.columns.index("grade")
        for i, row in enumerate(rows.iter_rows(), start=1):
            for j, value in enumerate(row):
                if j == grade_col:
                    sheet.write(i, j, value, grade_formats.get(value))
                elif value is None:
                    sheet.write_blank(i, j, None)
                elif isinstance(value, bool):
                    sheet.write_boolean(i, j, value)
                elif isinstance(value, int | float):
                    sheet.write_number(i, j, value)
                else:
                    sheet.write_string(i, j, str(value))
        sheet.autofilter(0, 0, rows.height, rows.width - 1)

    sheet = book.add_worksheet("评价方法 methodology")
    sheet.freeze_panes(1, 0)
    columns = ["indicator", "stage", "name 中文", "name", "direction", "full", "zero", "weight", "n_min",
               "smoothed", "scoring"]  # fmt: skip
    for j, c in enumerate(columns):
        sheet.write(0, j, c, head)
    for i, ind in enumerate(m.indicators, start=1):
        values = [ind.id, ind.stage, ind.name_zh, ind.name_en, ind.direction, ind.full, ind.zero, ind.weight,
                  ind.n_min, ind.smoothed, ind.scoring]  # fmt: skip
        for j, v in enumerate(values):
            sheet.write(i, j, v)
    base = len(m.indicators) + 2
    sheet.write(base, 0, f"methodology {m.version}: {m.title}")
    sheet.write(base + 1, 0, f"sha256 {m.content_hash}")
    sheet.write(
        base + 2, 0, f"smoothing k {m.smoothing_k:g}; not rated below applicable weight {m.min_applicable_weight:g}"
    )

    sheet = book.add_worksheet("数据质量 data quality")
    sheet.freeze_panes(1, 0)
    for j, c in enumerate(["gate", "check", "passed", "observed", "message"]):
        sheet.write(0, j, c, head)
    i = 1
    for gate, payload in sorted(data_quality.items()):
        for check in payload.get("results", []):
            sheet.write(i, 0, gate)
            sheet.write(i, 1, f"{check.get('target')} {check.get('column') or ''} {check.get('expectation')}")
            sheet.write_boolean(i, 2, bool(check.get("success")))
            sheet.write(i, 3, json_inline(check.get("observed")))
            sheet.write(i, 4, check.get("message") or "")
            i += 1
    book.close()
