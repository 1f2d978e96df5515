"""The immutable archive of delivered files, their receipts, and atomic writes.

Layout under `settings.archive`:

    <source>/dt=<dt>/<sha256>/<name>            the delivered bytes, unchanged
    <source>/dt=<dt>/<sha256>/receipt.json      {file name: receipt} for those bytes
    <source>/dt=<dt>/_current/<safe name>.json  the current receipt for that name

A version's `receipt.json` is written once (it carries `received_at`, the only
wall-clock value, which feeds nothing downstream); it maps file name to receipt
because the same bytes may be delivered under two names on one day. The `_current`
pointer is the one mutable piece: it names the version of a (source, dt, name) that is
in effect, in delivery order (a file delivered again with other content replaces it),
and is what `load_receipts` reads. Its content is deterministic.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from ..settings import Settings

CURRENT_DIR = "_current"
RECEIPT_FILE = "receipt.json"

# Columns of `load_receipts` (and fields of every receipt), in order.
RECEIPT_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String(),
    "dt": pl.Date(),
    "file_name": pl.String(),
    "file_sha256": pl.String(),
    "bytes": pl.Int64(),
    "format": pl.String(),
    "encoding": pl.String(),
    "status": pl.String(),
    "reason": pl.String(),
    "rows_in": pl.Int64(),
    "rows_loaded": pl.Int64(),
    "rows_quarantined": pl.Int64(),
    "standardised_path": pl.String(),
    "contract_version": pl.String(),
}


def sha256_file(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(8 * 1024 * 1024):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


# --------------------------------------------------------------------------- atomic writes


def _tmp_beside(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return Path(tmp)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = _tmp_beside(path)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_copy(src: Path, dst: Path) -> None:
    tmp = _tmp_beside(dst)
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_parquet(df: pl.DataFrame, path: Path) -> None:
    """Same frame -> same bytes: fixed compression, row groups and statistics."""
    tmp = _tmp_beside(path)
    try:
        df.write_parquet(tmp, compression="zstd", compression_level=1, statistics=True, row_group_size=262_144)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _json_bytes(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


# --------------------------------------------------------------------------- archive


def version_dir(settings: Settings, source: str, dt: date, sha: str) -> Path:
    return settings.archive / source / f"dt={dt.isoformat()}" / sha


def archive_bytes(settings: Settings, source: str, dt: date, name: str, sha: str, src: Path) -> Path:
    """Copy the delivered bytes into the archive (once; never rewritten)."""
    dst = version_dir(settings, source, dt, sha) / name
    if not dst.exists():
        atomic_copy(src, dst)
    return dst


def write_version_receipt(settings: Settings, receipt: dict[str, Any]) -> None:
    """Add this name's receipt beside the archived bytes, unless it is already there."""
    d = version_dir(settings, receipt["source"], date.fromisoformat(receipt["dt"]), receipt["file_sha256"])
    path = d / RECEIPT_FILE
    existing: dict[str, Any] = {}
    if path.exists():
        existing = json.loads(path.read_text("utf-8"))
        if receipt["file_name"] in existing:
            return
    entry = dict(receipt)
    entry["received_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    existing[receipt["file_name"]] = entry
    atomic_write_bytes(path, _json_bytes(existing))


def current_path(settings: Settings, source: str, dt: date, safe: str) -> Path:
    return settings.archive / source / f"dt={dt.isoformat()}" / CURRENT_DIR / f"{safe}.json"


def read_current(settings: Settings, source: str, dt: date, safe: str) -> dict[str, Any] | None:
    path = current_path(settings, source, dt, safe)
    if not path.exists():
        return None
    return json.loads(path.read_text("utf-8"))


def write_current(settings: Settings, safe: str, receipt: dict[str, Any], history: list[str]) -> None:
    path = current_path(settings, receipt["source"], date.fromisoformat(receipt["dt"]), safe)
    atomic_write_bytes(path, _json_bytes(dict(receipt, history=history)))


def load_receipts(settings: Settings) -> pl.DataFrame:
    """The current receipt per (source, dt, file_name), sorted by source, dt, file name."""
    rows = []
    if settings.archive.is_dir():
        for path in sorted(settings.archive.glob(f"*/dt=*/{CURRENT_DIR}/*.json")):
            data = json.loads(path.read_text("utf-8"))
            rows.append({k: data.get(k) for k in RECEIPT_SCHEMA})
    for r in rows:
        r["dt"] = date.fromisoformat(r["dt"])
    df = pl.DataFrame(rows, schema=RECEIPT_SCHEMA) if rows else pl.DataFrame(schema=RECEIPT_SCHEMA)
    return df.sort(["source", "dt", "file_name"])
