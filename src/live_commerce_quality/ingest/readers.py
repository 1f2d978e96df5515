"""Reading a delivered file into a frame, whatever its format and encoding.

Every reader returns a `RawTable`: the contract columns found in the file (text formats:
all strings; Parquet: as typed in the file), `_line` (the record's line number, see
below) and `__reader_reason` (a row-level problem the reader itself found: an empty
record, a record with more fields than the header, a line that is not JSON). A file
that cannot be read as a whole raises `FileRejected` with the reason.

Line numbers (`_line`, 1-based):
- CSV / CSV.GZ: the record number with the header as line 1, so the first data record
  is line 2 (equal to the physical line unless a quoted value spans lines).
- XLSX: the row of the first sheet counted from its header row as 1 (the spreadsheet's
  row number when the header is in row 1; leading empty rows are not counted).
- JSONL: the physical line.
- Parquet: row index + 1.

Every reader takes the file's path or, for an original re-read from the archive, its bytes.

Modules: `readers_base` (the table, the rejection, the bytes), `readers_csv` (CSV, CSV.GZ,
their line ends and encodings), `readers_structured` (JSONL, Parquet, XLSX).
"""

from __future__ import annotations

from live_commerce_quality.core.contract import Source
from live_commerce_quality.ingest.readers_base import LINE, READER_REASON, ROW, Blob, FileRejected, RawTable
from live_commerce_quality.ingest.readers_csv import read_csv
from live_commerce_quality.ingest.readers_structured import read_jsonl, read_parquet, read_xlsx

__all__ = [
    "LINE",
    "READER_REASON",
    "ROW",
    "Blob",
    "FileRejected",
    "RawTable",
    "read_csv",
    "read_delivery",
    "read_jsonl",
    "read_parquet",
    "read_xlsx",
]


def read_delivery(path: Blob, fmt: str, source: Source, declared: str | None) -> RawTable:
    """Read a delivered file (its path, or its bytes when re-read from the archive)."""
    if fmt == "csv":
        return read_csv(path, source, declared, gz=False)
    if fmt == "csv.gz":
        return read_csv(path, source, declared, gz=True)
    if fmt == "jsonl":
        return read_jsonl(path, source)
    if fmt == "parquet":
        return read_parquet(path, source)
    if fmt == "xlsx":
        return read_xlsx(path, source)
    raise FileRejected(f"unknown format {fmt!r}")
