"""What every reader shares: the table it returns, the rejection it raises, and streaming
access to a delivered file's bytes (its path, or its bytes when re-read from the archive).

The format readers are `readers_csv` (CSV, CSV.GZ and their encodings) and
`readers_structured` (JSONL, Parquet, XLSX); `readers` is the entry point.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from live_commerce_quality.core.contract import Source

READER_REASON = "__reader_reason"
LINE = "_line"
ROW = "__row"  # position of the record in the frame read (added by core)

CHUNK = 16 * 1024 * 1024
BOM = codecs.BOM_UTF8


class FileRejected(Exception):
    """The whole file is rejected; `reason` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class RawTable:
    df: pl.DataFrame
    present: tuple[str, ...]  # contract columns found in the file
    text: bool  # text format: an empty field is null
    encoding: str | None


def first_line(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()
    return msg[0] if msg else type(exc).__name__


# --------------------------------------------------------------------------- bytes


Blob = Path | bytes


def blob_chunks(blob: Blob) -> Iterator[bytes]:
    if isinstance(blob, bytes):
        view = memoryview(blob)
        for i in range(0, len(blob), CHUNK):
            yield view[i : i + CHUNK]  # type: ignore[misc]
        return
    with open(blob, "rb") as fh:
        while chunk := fh.read(CHUNK):
            yield chunk


def blob_size(blob: Blob) -> int:
    return len(blob) if isinstance(blob, bytes) else blob.stat().st_size


def blob_prefix(blob: Blob, n: int) -> bytes:
    if isinstance(blob, bytes):
        return blob[:n]
    with open(blob, "rb") as fh:
        return fh.read(n)


def blob_last_byte(blob: Blob) -> bytes:
    if isinstance(blob, bytes):
        return blob[-1:]
    with open(blob, "rb") as fh:
        fh.seek(-1, 2)
        return fh.read(1)


def read_blob(blob: Blob) -> bytes:
    return blob if isinstance(blob, bytes) else blob.read_bytes()


@dataclass
class Scan:
    utf8_error: int | None  # byte offset of the first invalid UTF-8 sequence
    quotes: int  # number of '"' bytes


def scan_utf8(blob: Blob) -> Scan:
    """Strict UTF-8 validation and a quote count in one streaming pass (no full decode)."""
    offset = 0  # bytes consumed so far
    pending = b""
    quotes = 0
    decode = codecs.utf_8_decode
    for chunk in blob_chunks(blob):
        quotes += bytes(chunk).count(b'"') if isinstance(chunk, memoryview) else chunk.count(b'"')
        buf = pending + bytes(chunk) if pending else chunk
        try:
            _, consumed = decode(buf, "strict", False)
        except UnicodeDecodeError as e:
            return Scan(offset + e.start, quotes)
        pending = bytes(buf[consumed:])
        offset += consumed
    if pending:
        try:
            decode(pending, "strict", True)
        except UnicodeDecodeError as e:
            return Scan(offset + e.start, quotes)
    return Scan(None, quotes)


# --------------------------------------------------------------------------- columns


def header_map(header: list[str], source: Source, label: str) -> dict[int, str]:
    """position -> contract column name; duplicate contract columns reject the file."""
    wanted = set(source.column_names)
    seen: dict[str, int] = {}
    mapping: dict[int, str] = {}
    for i, name in enumerate(header):
        if name in wanted:
            if name in seen:
                raise FileRejected(
                    f"column {name} appears more than once in the {label} (positions {seen[name] + 1} and {i + 1})"
                )
            seen[name] = i
            mapping[i] = name
    return mapping


def empty_to_null(name: str) -> pl.Expr:
    c = pl.col(name)
    return pl.when(c == "").then(None).otherwise(c).alias(name)
