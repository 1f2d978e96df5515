"""JSONL, Parquet and XLSX: formats whose records and fields the file itself delimits.

JSONL must be UTF-8 (a byte-order mark is allowed); Parquet columns keep the types written
in the file; XLSX is read from its first sheet, every cell as text.
"""

from __future__ import annotations

import io
import json

import polars as pl

from live_commerce_quality.core.contract import Source
from live_commerce_quality.ingest.readers_base import (
    BOM,
    LINE,
    READER_REASON,
    Blob,
    FileRejected,
    RawTable,
    empty_to_null,
    first_line,
    header_map,
    read_blob,
    scan_utf8,
)

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


def _jsonl_bytes(path: Blob) -> tuple[bytes, str]:
    """The file's bytes without a byte-order mark, and its encoding."""
    data = read_blob(path)
    scan = scan_utf8(data)
    if scan.utf8_error is not None:
        raise FileRejected(f"undecodable: JSONL must be UTF-8 (invalid byte sequence at byte offset {scan.utf8_error})")
    if data.startswith(BOM):
        return data[3:], "utf-8-sig"
    return data, "utf-8"


def _jsonl_lines(data: bytes) -> pl.DataFrame:
    """Every physical line as text (`raw`), by position (`_idx`, from 0)."""
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
        raise FileRejected(f"unreadable JSONL ({first_line(e)})") from e
    # a raw \x1f can only occur in a line that is not valid JSON anyway: keep it whole
    return lines.with_row_index("_idx").with_columns(
        raw=pl.when(pl.col("__o").is_not_null()).then(pl.concat_str("raw", pl.lit("\x1f"), "__o")).otherwise("raw"),
    )


def _records_line_by_line(
    data: bytes, lines: pl.DataFrame, nonblank: pl.DataFrame, schema: dict
) -> tuple[pl.DataFrame, pl.Series, dict[int, str]]:
    """The error path: (records of the lines that are JSON objects, their `_idx`, and the
    reason of every other non-blank line by `_idx`)."""
    bad: dict[int, str] = {}
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
        raise FileRejected(f"unreadable JSONL ({first_line(e)})") from e
    return records, pl.Series("_idx", good_idx, dtype=pl.UInt32), bad


def _jsonl_records(
    data: bytes, lines: pl.DataFrame, nonblank: pl.DataFrame, schema: dict
) -> tuple[pl.DataFrame, pl.Series, dict[int, str]]:
    """As `_records_line_by_line`, but the whole file in one Polars read when every
    non-blank line is a JSON object (the usual case); line by line only otherwise."""
    records: pl.DataFrame | None
    try:
        records = pl.read_ndjson(data, schema=schema)
    except Exception:
        records = None
    if records is not None and records.height == nonblank.height:
        return records, nonblank["_idx"], {}
    # outside the handler: a rejection from the error path is not chained to Polars' error
    return _records_line_by_line(data, lines, nonblank, schema)


def _present_keys(records: pl.DataFrame, raws: pl.Series, columns: tuple[str, ...]) -> list[str]:
    """A key present in no record is a missing column (not the same as all nulls)."""
    return [
        c
        for c in columns
        if records[c].null_count() < records.height
        or (records.height and raws.str.contains(f'"{c}"', literal=True).any())
    ]


def read_jsonl(path: Blob, source: Source) -> RawTable:
    data, encoding = _jsonl_bytes(path)
    lines = _jsonl_lines(data)
    blank = lines["raw"].is_null() | (lines["raw"].str.strip_chars() == "")
    nonblank = lines.filter(~blank)
    if nonblank.height == 0:
        raise FileRejected("empty: no JSON records, only blank lines")
    schema = {c: pl.String for c in source.column_names}
    records, good, bad = _jsonl_records(data, lines, nonblank, schema)

    nested = _nested_values(records, lines["raw"].gather(good), list(source.column_names))
    present = _present_keys(records, lines["raw"], source.column_names)
    records = records.select(present).with_columns(empty_to_null(c) for c in present)
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
        raise FileRejected(f"unreadable Parquet, truncated or corrupt ({first_line(e)})") from e
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
        reader = fastexcel.read_excel(read_blob(path))
        if not reader.sheet_names:
            raise FileRejected("unreadable XLSX: the workbook has no sheet")
        sheet = reader.load_sheet(0, header_row=None, dtypes="string")
        df = sheet.to_polars()
    except FileRejected:
        raise
    except Exception as e:
        raise FileRejected(f"unreadable XLSX ({first_line(e)})") from e
    if df.height == 0:
        raise FileRejected("no header row in the first sheet")
    cols = df.columns
    header = ["" if v is None else str(v).strip() for v in df.row(0)]
    mapping = header_map(header, source, "header row")
    body = df.slice(1).with_columns(empty_to_null(c) for c in cols)
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
