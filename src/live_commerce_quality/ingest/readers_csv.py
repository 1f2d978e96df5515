"""CSV and CSV.GZ: the delivered text as Polars parses it, with strict encodings.

Line ends: LF, CRLF, or CR alone (old spreadsheets on the Mac), which is read as LF.

Encodings: a name may declare one (`orders.gbk.csv`); a declared encoding that does not
decode is a rejected file naming the byte offset. Otherwise: a UTF-8 byte-order mark means
UTF-8; else strict UTF-8; else strict GB18030; else the file is rejected. Nothing is ever
decoded leniently.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import zlib

import polars as pl

from live_commerce_quality.core.contract import Source
from live_commerce_quality.ingest.readers_base import (
    BOM,
    LINE,
    READER_REASON,
    Blob,
    FileRejected,
    RawTable,
    blob_last_byte,
    blob_prefix,
    blob_size,
    empty_to_null,
    first_line,
    header_map,
    read_blob,
    scan_utf8,
)

_HEADER_PREFIX = 4 * 1024 * 1024


def _decode_error(data: bytes, codec: str) -> tuple[str | None, int | None]:
    """Strictly decode; return (text, None) or (None, offset of the first bad byte)."""
    try:
        return data.decode(codec), None
    except UnicodeDecodeError as e:
        return None, e.start


def _gunzip(blob: Blob) -> bytes:
    try:
        return gzip.decompress(read_blob(blob))
    except EOFError as e:
        raise FileRejected(f"truncated gzip stream ({first_line(e)})") from e
    except (OSError, zlib.error) as e:
        raise FileRejected(f"unreadable gzip file ({first_line(e)})") from e


def _transcode(blob: Blob, declared: str | None, utf8_error: int | None) -> tuple[str, bytes]:
    """Decode a non-UTF-8 CSV strictly and return (encoding, its UTF-8 bytes).

    `declared` is the encoding named in the file name (None: detect). Called only when
    the bytes are not valid UTF-8 (`utf8_error` is the offset) or a non-UTF-8 encoding
    is declared.
    """
    if declared in ("utf-8", "utf-8-sig"):
        raise FileRejected(
            f"declared encoding {declared} does not decode: invalid byte sequence at byte offset {utf8_error}"
        )
    data = read_blob(blob)
    if declared is None:
        if data.startswith(BOM):
            raise FileRejected(
                "undecodable: starts with a UTF-8 byte-order mark but is not valid UTF-8 "
                f"(invalid byte sequence at byte offset {utf8_error})"
            )
        text, err = _decode_error(data, "gb18030")
        if text is None:
            raise FileRejected(
                f"undecodable: neither UTF-8 (invalid at byte offset {utf8_error}) nor "
                f"GB18030 (invalid at byte offset {err}); declare the encoding in the file "
                "name, e.g. orders.gbk.csv"
            )
        encoding = "gb18030"
    else:
        text, err = _decode_error(data, declared)
        if text is None:
            raise FileRejected(
                f"declared encoding {declared} does not decode: invalid byte sequence at byte offset {err}"
            )
        encoding = declared
    del data
    if text.startswith("\ufeff"):
        text = text[1:]
    return encoding, text.encode("utf-8")


def _csv_header(blob: Blob) -> list[str]:
    prefix = blob_prefix(blob, _HEADER_PREFIX)
    # strict: a header that is not UTF-8 sends the file to encoding detection
    text, _ = codecs.utf_8_decode(prefix, "strict", len(prefix) < _HEADER_PREFIX)
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        header = []
    except csv.Error as e:
        raise FileRejected(f"unreadable CSV header ({e})") from e
    if len(prefix) == _HEADER_PREFIX and reader.line_num <= 1 and "\n" not in text:
        raise FileRejected("unreadable CSV: no end of the header line in the first 4 MiB")
    return [h.strip() for h in header]


def _polars_csv(blob: Blob, n: int, overflow: bool) -> pl.DataFrame:
    schema = {f"__c{i}": pl.String for i in range(n)}
    extra: dict = {}
    if overflow:  # one more column catches records with more fields than the header
        schema["__overflow"] = pl.String
        extra = {"missing_columns": "insert", "truncate_ragged_lines": True}
    df = pl.read_csv(
        blob if isinstance(blob, bytes) else str(blob),
        has_header=False,
        skip_rows=1,
        schema=schema,
        quote_char='"',
        separator=",",
        encoding="utf8",
        raise_if_empty=False,
        **extra,
    )
    if not overflow:
        df = df.with_columns(pl.lit(None, pl.String).alias("__overflow"))
    return df


def _cr_to_lf(blob: Blob) -> Blob:
    """A CSV whose lines end in CR alone, read with LF instead (its bytes hold no LF at
    all, so no value can be changed by this but a line break inside quotes)."""
    prefix = blob_prefix(blob, _HEADER_PREFIX)
    if b"\n" in prefix or b"\r" not in prefix:
        return blob
    data = read_blob(blob)
    return data if b"\n" in data else data.replace(b"\r", b"\n")


def read_csv(path: Blob, source: Source, declared: str | None, gz: bool) -> RawTable:
    """CSV: Polars parses the file as is (it validates UTF-8 strictly); only when that
    fails are the bytes examined (encoding, quotes, ragged records) and parsed again."""
    blob: Blob = _gunzip(path) if gz else path
    if blob_size(blob) == 0:
        raise FileRejected("empty: decompresses to 0 bytes")
    encoding: str | None = None
    if declared not in (None, "utf-8", "utf-8-sig"):
        encoding, blob = _transcode(blob, declared, None)
    blob = _cr_to_lf(blob)

    def header_and_frame(blob: Blob, fast: bool) -> tuple[list[str], pl.DataFrame]:
        header = _csv_header(blob)
        if not any(header):
            raise FileRejected("no header line")
        return header, _polars_csv(blob, len(header), overflow=not fast)

    try:
        header, df = header_and_frame(blob, fast=True)
    except FileRejected:
        raise
    except Exception as first:  # find out why, then try once more
        if encoding is None:
            scan = scan_utf8(blob)
            if scan.utf8_error is not None:
                encoding, blob = _transcode(blob, declared, scan.utf8_error)
                blob = _cr_to_lf(blob)
                quotes = blob.count(b'"')
            else:
                quotes = scan.quotes
        else:
            quotes = blob.count(b'"') if isinstance(blob, bytes) else scan_utf8(blob).quotes
        if quotes % 2:
            raise FileRejected(
                "unterminated quoted field (odd number of '\"'): the file is truncated or malformed"
            ) from first
        try:
            header, df = header_and_frame(blob, fast=False)
        except FileRejected:
            raise
        except Exception as e:
            raise FileRejected(f"unreadable CSV ({first_line(e)})") from e
    if encoding is None:
        encoding = "utf-8-sig" if blob_prefix(blob, 3) == BOM else "utf-8"
    mapping = header_map(header, source, "header")
    n = len(header)
    cols = [f"__c{i}" for i in range(n)]
    df = df.with_columns(empty_to_null(c) for c in cols)
    if df.height:
        last = blob_last_byte(blob)
        if last not in (b"\n", b"\r", b",", b'"') and df[f"__c{n - 1}"][-1] is None:
            raise FileRejected(
                f"truncated: the last record (line {df.height + 1}) ends before its last "
                f"field ({header[-1] or 'column ' + str(n)})"
            )
    all_empty = pl.all_horizontal([pl.col(c).is_null() for c in cols] + [pl.col("__overflow").is_null()])
    reason = (
        pl.when(all_empty)
        .then(pl.lit("empty record (no values)"))
        .when(pl.col("__overflow").is_not_null())
        .then(pl.lit(f"record has more fields than the header ({n})"))
        .otherwise(pl.lit(None, pl.String))
    )
    out = df.select(
        pl.int_range(2, df.height + 2, dtype=pl.Int64).alias(LINE),
        reason.alias(READER_REASON),
        *[pl.col(f"__c{i}").alias(name) for i, name in mapping.items()],
    )
    return RawTable(out, tuple(mapping.values()), True, encoding)
