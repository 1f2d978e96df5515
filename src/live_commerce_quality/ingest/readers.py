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

CSV line ends: LF, CRLF, or CR alone (old spreadsheets on the Mac), which is read as LF.

CSV encodings: a name may declare one (`orders.gbk.csv`); a declared encoding that does
not decode is a rejected file naming the byte offset. Otherwise: a UTF-8 byte-order mark
means UTF-8; else strict UTF-8; else strict GB18030; else the file is rejected. Nothing
is ever decoded leniently.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from live_commerce_quality.core.contract import Source

READER_REASON = "__reader_reason"
LINE = "_line"
ROW = "__row"  # position of the record in the frame read (added by core)

_CHUNK = 16 * 1024 * 1024
_BOM = codecs.BOM_UTF8
_HEADER_PREFIX = 4 * 1024 * 1024


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


def _first_line(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()
    return msg[0] if msg else type(exc).__name__


# --------------------------------------------------------------------------- bytes


Blob = Path | bytes


def _chunks(blob: Blob) -> Iterator[bytes]:
    if isinstance(blob, bytes):
        view = memoryview(blob)
        for i in range(0, len(blob), _CHUNK):
            yield view[i : i + _CHUNK]  # type: ignore[misc]
        return
    with open(blob, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            yield chunk


def _size(blob: Blob) -> int:
    return len(blob) if isinstance(blob, bytes) else blob.stat().st_size


def _prefix(blob: Blob, n: int) -> bytes:
    if isinstance(blob, bytes):
        return blob[:n]
    with open(blob, "rb") as fh:
        return fh.read(n)


def _last_byte(blob: Blob) -> bytes:
    if isinstance(blob, bytes):
        return blob[-1:]
    with open(blob, "rb") as fh:
        fh.seek(-1, 2)
        return fh.read(1)


@dataclass
class _Scan:
    utf8_error: int | None  # byte offset of the first invalid UTF-8 sequence
    quotes: int  # number of '"' bytes


def _scan_utf8(blob: Blob) -> _Scan:
    """Strict UTF-8 validation and a quote count in one streaming pass (no full decode)."""
    offset = 0  # bytes consumed so far
    pending = b""
    quotes = 0
    decode = codecs.utf_8_decode
    for chunk in _chunks(blob):
        quotes += bytes(chunk).count(b'"') if isinstance(chunk, memoryview) else chunk.count(b'"')
        buf = pending + bytes(chunk) if pending else chunk
        try:
            _, consumed = decode(buf, "strict", False)
        except UnicodeDecodeError as e:
            return _Scan(offset + e.start, quotes)
        pending = bytes(buf[consumed:])
        offset += consumed
    if pending:
        try:
            decode(pending, "strict", True)
        except UnicodeDecodeError as e:
            return _Scan(offset + e.start, quotes)
    return _Scan(None, quotes)


def _decode_error(data: bytes, codec: str) -> tuple[str | None, int | None]:
    """Strictly decode; return (text, None) or (None, offset of the first bad byte)."""
    try:
        return data.decode(codec), None
    except UnicodeDecodeError as e:
        return None, e.start


def _read_blob(blob: Blob) -> bytes:
    return blob if isinstance(blob, bytes) else blob.read_bytes()


def _gunzip(blob: Blob) -> bytes:
    try:
        return gzip.decompress(_read_blob(blob))
    except EOFError as e:
        raise FileRejected(f"truncated gzip stream ({_first_line(e)})") from e
    except (OSError, zlib.error) as e:
        raise FileRejected(f"unreadable gzip file ({_first_line(e)})") from e


# --------------------------------------------------------------------------- CSV


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
    data = _read_blob(blob)
    if declared is None:
        if data.startswith(_BOM):
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
    prefix = _prefix(blob, _HEADER_PREFIX)
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


def _header_map(header: list[str], source: Source, label: str) -> dict[int, str]:
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


def _empty_to_null(name: str) -> pl.Expr:
    c = pl.col(name)
    return pl.when(c == "").then(None).otherwise(c).alias(name)


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
    prefix = _prefix(blob, _HEADER_PREFIX)
    if b"\n" in prefix or b"\r" not in prefix:
        return blob
    data = _read_blob(blob)
    return data if b"\n" in data else data.replace(b"\r", b"\n")


def read_csv(path: Blob, source: Source, declared: str | None, gz: bool) -> RawTable:
    """CSV: Polars parses the file as is (it validates UTF-8 strictly); only when that
    fails are the bytes examined (encoding, quotes, ragged records) and parsed again."""
    blob: Blob = _gunzip(path) if gz else path
    if _size(blob) == 0:
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
            scan = _scan_utf8(blob)
            if scan.utf8_error is not None:
                encoding, blob = _transcode(blob, declared, scan.utf8_error)
                blob = _cr_to_lf(blob)
                quotes = blob.count(b'"')
            else:
                quotes = scan.quotes
        else:
            quotes = blob.count(b'"') if isinstance(blob, bytes) else _scan_utf8(blob).quotes
        if quotes % 2:
            raise FileRejected(
                "unterminated quoted field (odd number of '\"'): the file is truncated or malformed"
            ) from first
        try:
            header, df = header_and_frame(blob, fast=False)
        except FileRejected:
            raise
        except Exception as e:
            raise FileRejected(f"unreadable CSV ({_first_line(e)})") from e
    if encoding is None:
        encoding = "utf-8-sig" if _prefix(blob, 3) == _BOM else "utf-8"
    mapping = _header_map(header, source, "header")
    n = len(header)
    cols = [f"__c{i}" for i in range(n)]
    df = df.with_columns(_empty_to_null(c) for c in cols)
    if df.height:
        last = _last_byte(blob)
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


# --------------------------------------------------------------------------- JSONL


def _nested_values(records: pl.DataFrame, raws: pl.Series, columns: list[str]) -> dict[int, str]:
    """Records (by position) where a contract column holds a JSON object or array, which
    Polars would otherwise hand over as its JSON text. Only values that look like one are
    decoded again (a string value may also start with '[' or '{')."""
    found: dict[int, str] = {}
    for c in columns:
        v = records[c]
        looks = (v.str.starts_with("{") & v.str.ends_with("}")) | (v.str.starts_with("[") & v.str.ends_with("]"))
        for i in looks.fill_null(False).arg_true().to_list():
            if i in found:
                continue
            try:
                obj = json.loads(raws[i])
            except ValueError:
                continue
            value = obj.get(c) if isinstance(obj, dict) else None
            if isinstance(value, dict | list):
                kind = "an object" if isinstance(value, dict) else "an array"
                found[i] = f"{c} is {kind} in JSON, not a single value"
    return found


def read_jsonl(path: Blob, source: Source) -> RawTable:
    data = _read_blob(path)
    scan = _scan_utf8(data)
    if scan.utf8_error is not None:
        raise FileRejected(f"undecodable: JSONL must be UTF-8 (invalid byte sequence at byte offset {scan.utf8_error})")
    encoding = "utf-8"
    if data.startswith(_BOM):
        data = data[3:]
        encoding = "utf-8-sig"
    try:
        lines = pl.read_csv(
            data,
            has_header=False,
            separator="\x1f",
            quote_char=None,
            schema={"raw": pl.String, "__o": pl.String},
            missing_columns="insert",
            truncate_ragged_lines=True,
            raise_if_empty=False,
        )
    except Exception as e:
        raise FileRejected(f"unreadable JSONL ({_first_line(e)})") from e
    # a raw \x1f can only occur in a line that is not valid JSON anyway: keep it whole
    lines = lines.with_row_index("_idx").with_columns(
        raw=pl.when(pl.col("__o").is_not_null()).then(pl.concat_str("raw", pl.lit("\x1f"), "__o")).otherwise("raw"),
    )
    blank = lines["raw"].is_null() | (lines["raw"].str.strip_chars() == "")
    nonblank = lines.filter(~blank)
    if nonblank.height == 0:
        raise FileRejected("empty: no JSON records, only blank lines")
    schema = {c: pl.String for c in source.column_names}

    records: pl.DataFrame | None = None
    bad: dict[int, str] = {}
    try:
        records = pl.read_ndjson(data, schema=schema)
        if records.height != nonblank.height:
            records = None
    except Exception:
        records = None
    if records is None:
        # error path only: find the lines that are not JSON objects, then decode the rest
        good_raw: list[str] = []
        good_idx: list[int] = []
        for idx, raw in zip(nonblank["_idx"].to_list(), nonblank["raw"].to_list(), strict=True):
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as e:
                bad[idx] = f"not valid JSON ({e.msg} at column {e.colno})"
                continue
            if not isinstance(obj, dict):
                bad[idx] = f"not a JSON object (got {type(obj).__name__})"
                continue
            good_raw.append(raw)
            good_idx.append(idx)
        if bad and not data.endswith(b"\n") and max(bad) == lines.height - 1:
            raise FileRejected(f"truncated: the last line ({lines.height}) is incomplete ({bad[max(bad)]})")
        try:
            records = (
                pl.read_ndjson("\n".join(good_raw).encode("utf-8"), schema=schema)
                if good_raw
                else pl.DataFrame(schema=schema)
            )
        except Exception as e:
            raise FileRejected(f"unreadable JSONL ({_first_line(e)})") from e
        good = pl.Series("_idx", good_idx, dtype=pl.UInt32)
    else:
        good = nonblank["_idx"]

    nested = _nested_values(records, lines["raw"].gather(good), list(source.column_names))
    # a key present in no record is a missing column (not the same as all nulls)
    present = []
    for c in source.column_names:
        if records[c].null_count() < records.height or (
            records.height and lines["raw"].str.contains(f'"{c}"', literal=True).any()
        ):
            present.append(c)
    records = records.select(present).with_columns(_empty_to_null(c) for c in present)
    reader_reason = (
        pl.Series(READER_REASON, [nested.get(i) for i in range(records.height)], dtype=pl.String)
        if nested
        else pl.lit(None, pl.String).alias(READER_REASON)
    )
    records = records.with_columns((good.cast(pl.Int64) + 1).alias(LINE), reader_reason)
    others = lines.filter(blank | pl.col("_idx").is_in(list(bad))).select(
        (pl.col("_idx").cast(pl.Int64) + 1).alias(LINE),
        pl.col("_idx")
        .replace_strict(list(bad), list(bad.values()), default="empty line", return_dtype=pl.String)
        .alias(READER_REASON),
    )
    df = pl.concat([records, others], how="diagonal").sort(LINE)
    return RawTable(df.select(LINE, READER_REASON, *present), tuple(present), True, encoding)


# --------------------------------------------------------------------------- Parquet


def read_parquet(path: Blob, source: Source) -> RawTable:
    def src():
        return io.BytesIO(path) if isinstance(path, bytes) else path

    try:
        schema = pl.read_parquet_schema(src())
        present = [c for c in source.column_names if c in schema]
        df = pl.read_parquet(src(), columns=present) if present else pl.read_parquet(src())
    except Exception as e:
        raise FileRejected(f"unreadable Parquet, truncated or corrupt ({_first_line(e)})") from e
    height = df.height
    df = df.select(present).with_columns(
        pl.int_range(1, height + 1, dtype=pl.Int64).alias(LINE),
        pl.lit(None, pl.String).alias(READER_REASON),
    )
    return RawTable(df.select(LINE, READER_REASON, *present), tuple(present), False, None)


# --------------------------------------------------------------------------- XLSX


def read_xlsx(path: Blob, source: Source) -> RawTable:
    import fastexcel

    try:
        reader = fastexcel.read_excel(_read_blob(path))
        if not reader.sheet_names:
            raise FileRejected("unreadable XLSX: the workbook has no sheet")
        sheet = reader.load_sheet(0, header_row=None, dtypes="string")
        df = sheet.to_polars()
    except FileRejected:
        raise
    except Exception as e:
        raise FileRejected(f"unreadable XLSX ({_first_line(e)})") from e
    if df.height == 0:
        raise FileRejected("no header row in the first sheet")
    cols = df.columns
    header = ["" if v is None else str(v).strip() for v in df.row(0)]
    mapping = _header_map(header, source, "header row")
    body = df.slice(1).with_columns(_empty_to_null(c) for c in cols)
    all_empty = pl.all_horizontal([pl.col(c).is_null() for c in cols])
    out = body.select(
        pl.int_range(2, body.height + 2, dtype=pl.Int64).alias(LINE),
        pl.when(all_empty)
        .then(pl.lit("empty record (no values)"))
        .otherwise(pl.lit(None, pl.String))
        .alias(READER_REASON),
        *[pl.col(cols[i]).cast(pl.String).alias(name) for i, name in mapping.items()],
    )
    return RawTable(out, tuple(mapping.values()), True, None)


# --------------------------------------------------------------------------- dispatch


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
