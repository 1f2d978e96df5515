"""`ratings.xlsx` for people who read and print it: a sheet per subject kind (bilingual header,
frozen and repeated when printed, columns fitted to their content with CJK characters counting
double, two decimals for scores, grade cells coloured), the methodology used (grades and
thresholds, stage weights, every indicator's scale, weight, sample minimum and smoothing, veto
rules, formulas) and the data-quality results (gates, rejected files, rows set aside by source
and reason, every check). Every sheet prints A4 landscape, fitted to the page width.

Deterministic: the same inputs give the same bytes (fixed creation time, fixed order)."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from pathlib import Path

import polars as pl

from live_commerce_quality.core.methodology import Methodology
from live_commerce_quality.core.outputs import KIND_SHEETS, RATINGS
from live_commerce_quality.publish.labels import GRADE_COLOURS
from live_commerce_quality.publish.workbook_sheets import write_methodology_sheet, write_quality_sheets

# A fixed creation time keeps the workbook's bytes reproducible.
FIXED_CREATED = datetime(2024, 11, 1)
MAX_WIDTH = 48
HEADER_CAP = 11
REASON_WIDTH = 34
SCORE_COLUMNS = {"total_score", "score_pre", "score_in", "score_post", "score_change"}
ONE_DECIMAL = {"peer_percentile"}
WRAPPED = {"veto_reasons", "not_rated_reason"}


def text_width(text: str) -> int:
    """Display width: East Asian wide characters (and ★) count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


class Fitter:
    """Collects the widest content of each column of a sheet, then sets the widths."""

    def __init__(self, minimum: int = 6, maximum: int = MAX_WIDTH):
        self.widths: dict[int, int] = {}
        self.minimum, self.maximum = minimum, maximum

    def see(self, col: int, text: str) -> None:
        width = max((text_width(line) for line in str(text).split("\n")), default=0)
        self.widths[col] = max(self.widths.get(col, 0), width)

    def see_header(self, col: int, header: str, cap: int = HEADER_CAP) -> None:
        """A bilingual header wraps (Chinese between any characters, English at spaces): its widest
        English word counts, up to `cap`, not its length."""
        zh, _, en = header.partition(" / ")
        words = [w for w in en.split(" ") if w] or [zh]
        width = min(max(text_width(w) for w in words), cap)
        self.widths[col] = max(self.widths.get(col, 0), width)

    def apply(self, sheet, column_formats: dict | None = None) -> None:
        for col, width in sorted(self.widths.items()):
            fitted = min(max(width + 2, self.minimum), self.maximum)
            sheet.set_column(col, col, fitted, (column_formats or {}).get(col))


def print_setup(sheet, header_rows: int = 1) -> None:
    sheet.set_paper(9)  # A4
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    if header_rows:
        sheet.repeat_rows(0, header_rows - 1)
    sheet.set_header("&L&8GB/T 44207—2024 &A")
    sheet.set_footer("&C&8第 &P 页 / 共 &N 页  page &P of &N")


def formats(book) -> dict:
    base = {"font_name": "Noto Sans CJK SC", "font_size": 10, "valign": "top"}

    def f(**extra):
        return book.add_format({**base, **extra})

    return {
        "head": f(bold=True, text_wrap=True, bg_color="#e8ecf0", border=1),
        "title": f(bold=True, font_size=12, font_color="#1d4e89"),
        "text": f(),
        "wrap": f(text_wrap=True),
        "score": f(num_format="0.00"),
        "one": f(num_format="0.0"),
        "int": f(num_format="0"),
        "general": f(num_format="General"),
        "date": f(num_format="yyyy-mm-dd"),
        "percent": f(num_format="0.0%"),
        "percent0": f(num_format="0%"),
        "bool": f(align="center"),
        "ok": f(font_color="#1a7f37", bold=True),
        "bad": f(font_color="#b42318", bold=True),
        "grades": {
            g: f(bg_color=c, align="center", bold=True, font_color="#ffffff" if g in ("A", "E") else "#000000")
            for g, c in GRADE_COLOURS.items()
        },
    }


def _cell_format(column: str, dtype, fmt: dict):
    if column in SCORE_COLUMNS:
        return fmt["score"]
    if column in ONE_DECIMAL:
        return fmt["one"]
    if column in WRAPPED:
        return fmt["wrap"]
    if dtype == pl.Date:
        return fmt["date"]
    if dtype.is_integer():
        return fmt["int"]
    if dtype.is_float():
        return fmt["general"]
    return fmt["text"]


def _shown(value, column: str) -> str:
    """What a cell displays, for fitting its column."""
    if value is None:
        return ""
    if column in SCORE_COLUMNS:
        return f"{value:.2f}"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, bool):
        return "FALSE"
    return str(value)


def write_rating_sheet(book, rows: pl.DataFrame, name: str, fmt: dict) -> None:
    sheet = book.add_worksheet(name[:31])
    fitter = Fitter()
    columns = rows.columns
    cell_formats = [_cell_format(c, rows.schema[c], fmt) for c in columns]
    for j, column in enumerate(columns):
        sheet.write_string(0, j, RATINGS.column(column).header, fmt["head"])
        fitter.see_header(j, RATINGS.column(column).header)
    sheet.set_row(0, 58)
    for j, column in enumerate(columns):  # the widest of each column's distinct values
        for value in rows[column].unique().to_list():
            fitter.see(j, _shown(value, column))
    grade_col = columns.index("grade")
    wrapped = [j for j, c in enumerate(columns) if c in WRAPPED]
    for i, row in enumerate(rows.iter_rows(), start=1):
        lines = max((-(-text_width(row[j]) // (REASON_WIDTH - 2)) for j in wrapped if row[j]), default=1)
        if lines > 1:  # wrapped reasons: a row tall enough to show them
            sheet.set_row(i, 13.5 * lines)
        for j, value in enumerate(row):
            if j == grade_col:
                sheet.write_string(i, j, value, fmt["grades"].get(value, fmt["text"]))
            elif value is None:
                sheet.write_blank(i, j, None, cell_formats[j])
            elif isinstance(value, bool):
                sheet.write_boolean(i, j, value, fmt["bool"])
            elif isinstance(value, date):
                sheet.write_datetime(i, j, datetime(value.year, value.month, value.day), cell_formats[j])
            elif isinstance(value, int | float):
                sheet.write_number(i, j, value, cell_formats[j])
            else:
                sheet.write_string(i, j, str(value), cell_formats[j])
    for j, column in enumerate(columns):
        if column in WRAPPED:
            fitter.widths[j] = min(fitter.widths.get(j, 0), REASON_WIDTH)
    fitter.apply(sheet, dict(enumerate(cell_formats)))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, rows.height, rows.width - 1)
    print_setup(sheet)


def write_workbook(ratings: pl.DataFrame, m: Methodology, data_quality: dict, path: Path) -> None:
    """Write `ratings.xlsx`; the data-quality sheets also read the folder's evidence when it is there."""
    import xlsxwriter

    # constant_memory: each sheet is written row after row and only the current row is held,
    # so a sheet of 300 k subjects costs no more memory than one of 300
    options = {"strings_to_numbers": False, "nan_inf_to_errors": True, "constant_memory": True}
    book = xlsxwriter.Workbook(str(path), options)
    book.set_properties({"title": "GB/T 44207-2024 ratings", "created": FIXED_CREATED})
    fmt = formats(book)
    for kind in m.subject_kinds:
        rows = ratings.filter(pl.col("subject_kind") == kind)
        if rows.height:
            write_rating_sheet(book, rows, KIND_SHEETS[kind], fmt)
    write_methodology_sheet(book, m, fmt)
    write_quality_sheets(book, data_quality, path.parent, fmt)
    book.close()
