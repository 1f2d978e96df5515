"""The one writer of each file kind the product hands out or keeps, and the one hash.

Re-runs must give the same bytes, so each kind is written one way only: Parquet with fixed
compression, row groups and statistics (a frame in memory by polars, or a table too large for
memory streamed by DuckDB, from a query or from frames made one part at a time, in their
order; each file always one of the two); JSON canonical (sorted keys, two-space indent, UTF-8,
a final newline). Every write goes to a temporary file beside the target and is renamed into
place: a reader, or a crash, sees the old file or the new one, whole.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl

from live_commerce_quality.core.duck import sql_string

PARQUET_OPTIONS = {"compression": "zstd", "statistics": True, "row_group_size": 1_000_000}
HASH_CHUNK = 1 << 20
PARTS_BATCH_ROWS = 60 * 2048  # a whole number of DuckDB vectors (write_parquet_parts)


def _tmp_beside(path: Path) -> Path:
    """A fresh temporary name in the target's folder: two writers never share one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return Path(tmp)


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Write `data` to `path` whole or not at all; `durable` also waits for the disk (receipts)."""
    tmp = _tmp_beside(path)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_parquet(frame: pl.DataFrame, path: Path) -> Path:
    """Deterministic Parquet: the same frame gives the same bytes; written whole or not at all."""
    tmp = _tmp_beside(path)
    try:
        frame.write_parquet(tmp, **PARQUET_OPTIONS)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_text_parts(parts: Iterable[str], path: Path) -> Path:
    """UTF-8 text made piece by piece (a rendered page), written as it comes; whole or not at all."""
    tmp = _tmp_beside(path)
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            for part in parts:
                fh.write(part)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def copy_to_parquet(con, query: str, path: Path) -> int:
    """Deterministic Parquet of a DuckDB query's rows, in the query's order: DuckDB sorts and
    writes within its memory limit, spilling, so the table never has to fit in memory. The same
    rows in the same order give the same bytes whatever the thread count. Returns the rows written."""
    tmp = _tmp_beside(path)
    options = "format parquet, compression {compression}, row_group_size {row_group_size}".format(**PARQUET_OPTIONS)
    try:
        (rows,) = con.execute(f"copy ({query}) to {sql_string(tmp)} ({options})").fetchone()
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return int(rows)


def write_parquet_parts(parts: Iterable[pl.DataFrame], schema: dict, path: Path, con) -> int:
    """Deterministic Parquet of frames made one at a time (`schema`: their polars schema), in
    their order, by DuckDB's writer (`copy_to_parquet`): only the part being written is in
    memory, and the row groups do not depend on the parts' sizes (`con`: a DuckDB connection,
    within the installation's bounds). Returns the rows written."""
    import pyarrow as pa

    arrow_schema = pl.DataFrame(schema=schema).to_arrow().schema

    def batches():
        # DuckDB cuts row groups at its input vectors: batches of one fixed size make the
        # file's bytes independent of how the rows came in parts
        held, rows = [], 0
        for part in parts:
            held.append(part.select(list(schema)).cast(schema))
            rows += part.height
            if rows >= PARTS_BATCH_ROWS:
                whole = pl.concat(held, rechunk=True)
                cut = rows - rows % PARTS_BATCH_ROWS
                yield from whole.slice(0, cut).to_arrow().cast(arrow_schema).to_batches(PARTS_BATCH_ROWS)
                held, rows = [whole.slice(cut)], rows - cut
        if rows:
            yield from pl.concat(held, rechunk=True).to_arrow().cast(arrow_schema).to_batches(PARTS_BATCH_ROWS)

    reader = pa.RecordBatchReader.from_batches(arrow_schema, batches())
    con.register("_lcq_parts", reader)
    try:
        return copy_to_parquet(con, "select * from _lcq_parts", path)
    finally:
        con.unregister("_lcq_parts")


def json_text(obj: Any) -> str:
    """Canonical JSON text: sorted keys, two-space indent, UTF-8 characters as they are, final newline.
    Dates and other values JSON lacks are written as their `str`."""
    return json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=True, default=str) + "\n"


def json_inline(obj: Any) -> str:
    """One-line JSON for a table cell or a message (not a file): keys as given, UTF-8 as it is."""
    return json.dumps(obj, ensure_ascii=False, default=str)


def write_json(path: Path, obj: Any, *, durable: bool = False) -> Path:
    atomic_write_bytes(path, json_text(obj).encode("utf-8"), durable=durable)
    return path


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def sha256_file(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in blocks."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(HASH_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
