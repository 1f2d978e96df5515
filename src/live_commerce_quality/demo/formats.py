"""The delivery formats: Parquet, xlsx, JSON lines and CSV (UTF-8, gzip, GBK, BOM).

Platforms and monitors deliver in whatever their systems export, and the pipeline must
read them all (extracts.md), so `mixed` cycles through every format by source and day.
Text formats also vary timestamp and boolean spellings per file. Writer settings are
fixed (compression levels, gzip mtime, xlsx creation date) because the same arguments
must give byte-identical files.
"""

from __future__ import annotations

import gzip
import io
from datetime import datetime
from decimal import Decimal

import polars as pl
import xlsxwriter

from live_commerce_quality.core.contract import BOOL, DEC, INT, SOURCES, TS, Source

FORMATS = ("parquet", "csv", "csv.gz", "jsonl", "xlsx", "mixed")
# `mixed` cycles through these per source and day.
MIXED_CYCLE = ("parquet", "csv", "jsonl", "csv.gz", "xlsx", "csv-gbk", "csv-bom")
EXTENSIONS = {
    "parquet": "parquet",
    "csv": "csv",
    "csv-gbk": "csv",
    "csv-bom": "csv",
    "csv.gz": "csv.gz",
    "jsonl": "jsonl",
    "xlsx": "xlsx",
}
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, header excluded
MIXED_XLSX_MAX_ROWS = 20_000  # xlsx is slow to write: big folders fall back to Parquet
PARQUET_ROW_GROUP = 1_000_000


def file_format(fmt: str, source: str, day_index: int, rows: int | None = None) -> str:
    """The format of one file: `fmt`, or for `mixed` the cycle's entry for source and day
    (`day_index` counts from the first day); xlsx falls back to Parquet when too big."""
    if fmt != "mixed":
        if fmt == "xlsx" and rows is not None and rows > XLSX_MAX_ROWS:
            return "parquet"
        return fmt
    f = MIXED_CYCLE[(list(SOURCES).index(source) + day_index) % len(MIXED_CYCLE)]
    if f == "xlsx" and rows is not None and rows > MIXED_XLSX_MAX_ROWS:
        return "parquet"
    return f


def as_typed(src: Source, g: pl.DataFrame) -> pl.DataFrame:
    """The contract's columns with their types (for Parquet and xlsx)."""
    exprs = []
    for c in src.columns:
        e = pl.col(c.name)
        if c.type == TS:
            e = pl.from_epoch(e, time_unit="s")
        elif c.type == DEC:
            e = (e.cast(pl.Decimal(18, 0)) * pl.lit(Decimal("0.01"))).cast(pl.Decimal(12, 2))
        elif c.type == INT:
            e = e.cast(pl.Int64)
        exprs.append(e.alias(c.name))
    return g.select(exprs)


def as_text(src: Source, g: pl.DataFrame, fmt: str, h: int) -> pl.DataFrame:
    """The contract's columns as a text export writes them, in the spellings `h` picks,
    with the `_bad` tags kept (text-only bad values are applied afterwards)."""
    csv = fmt != "jsonl"
    style = h % 100
    sep, suffix = ("T", "") if style < 85 else (" ", "") if style < 95 else ("T", "+08:00")
    bools = ("true", "false")
    if csv:
        b = (h // 100) % 100
        bools = ("true", "false") if b < 84 else ("1", "0") if b < 92 else ("是", "否") if b < 97 else ("Y", "N")
    exprs = []
    for c in src.columns:
        e = pl.col(c.name)
        if c.type == TS:
            e = pl.from_epoch(e, time_unit="s").dt.strftime(f"%Y-%m-%d{sep}%H:%M:%S") + suffix
        elif c.type == DEC:
            a = e.abs()
            e = (
                pl.when(e < 0).then(pl.lit("-")).otherwise(pl.lit(""))
                + (a // 100).cast(pl.String)
                + "."
                + (a % 100).cast(pl.String).str.zfill(2)
            )
        elif c.type == BOOL and csv:
            e = pl.when(e).then(pl.lit(bools[0])).when(~e).then(pl.lit(bools[1]))
        elif c.type == INT and csv:
            e = e.cast(pl.String)
        exprs.append(e.alias(c.name))
    return g.select(*exprs, "_bad")


def encode(df: pl.DataFrame, fmt: str) -> bytes:
    """The file's bytes in format `fmt` (a MIXED_CYCLE entry)."""
    buf = io.BytesIO()
    if fmt == "parquet":
        df.write_parquet(
            buf,
            compression="zstd",
            compression_level=3,
            statistics=True,
            row_group_size=PARQUET_ROW_GROUP,
        )
        return buf.getvalue()
    if fmt == "xlsx":
        wb = xlsxwriter.Workbook(buf, {"in_memory": True})
        wb.set_properties({"created": datetime(2000, 1, 1)})  # no wall clock in the file
        df.write_excel(wb, "data", dtype_formats={pl.Datetime: "yyyy-mm-dd hh:mm:ss"}, autofilter=False)
        wb.close()
        return buf.getvalue()
    if fmt == "jsonl":
        df.write_ndjson(buf)
        return buf.getvalue()
    text = df.write_csv()
    if fmt == "csv-gbk":
        return text.encode("gbk")
    data = text.encode("utf-8")
    if fmt == "csv-bom":
        return b"\xef\xbb\xbf" + data
    if fmt == "csv.gz":
        return gzip_bytes(data)
    return data


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)  # mtime 0: no wall clock in the file
