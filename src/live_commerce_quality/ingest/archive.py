"""The immutable archive of delivered files, their receipts, and atomic writes.

Layout under `settings.archive`:

    <source>/dt=<dt>/<sha256>/<name>.enc        the delivered bytes, encrypted (see crypto.py)
    <source>/dt=<dt>/<sha256>/receipt.json      {file name: receipt} for those bytes
    <source>/dt=<dt>/_current/<safe name>.json  the current receipt for that name

`<sha256>` is the SHA-256 of the delivered (plaintext) bytes: the identity of a version,
recorded in every receipt and in the lineage of every row. The archived file is named
after the delivered name (its safe form when the name has path or control characters or
is very long) with `.enc` appended; `read_archived` returns the original bytes, decrypted
and verified in memory. Nothing else ever decrypts an archived file.

A version's `receipt.json` is written once per name (it carries `received_at`, the only
wall-clock value, which feeds nothing downstream, and `archive`: the archived file, its
cipher, key id and the SHA-256 of its ciphertext); it maps file name to receipt because
the same bytes may be delivered under two names on one day. The `_current` pointer is the
one mutable piece: it names the version of a (source, dt, name) that is in effect, in
delivery order (a file delivered again with other content replaces it), and is what
`load_receipts` reads. Its content is deterministic.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from live_commerce_quality.core import crypto
from live_commerce_quality.core.crypto import ArchiveKey
from live_commerce_quality.core.io import _tmp_beside, atomic_write_bytes, json_text, sha256_file
from live_commerce_quality.core.layout import ARCHIVE_CURRENT_DIR, ARCHIVE_RECEIPT_FILE
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.ingest.deliveries import safe_name

log = logging.getLogger("live_commerce_quality.ingest")

ENCRYPTED_SUFFIX = ".enc"

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


# --------------------------------------------------------------------------- archive


def archived_name(name: str) -> str:
    """File name of the encrypted original of a delivered file called `name`."""
    return safe_name(name) + ENCRYPTED_SUFFIX


def archived_path(settings: Settings, source: str, dt: date | str, sha: str, name: str) -> Path:
    if isinstance(dt, str):
        dt = date.fromisoformat(dt)
    return settings.archive_version(source, dt, sha) / archived_name(name)


FILE_CHANGED = "the file changed while it was being archived"


class FileChanged(Exception):
    """The delivered file changed between identifying and archiving it."""


def archive_original(
    settings: Settings, source: str, dt: date, name: str, sha: str, src: Path, key: ArchiveKey
) -> dict[str, Any] | None:
    """Encrypt the delivered bytes into the archive (once; never rewritten).

    Returns the archive entry for the receipt (file, cipher, key id, ciphertext SHA-256),
    or None when this original is already archived under this name. Raises FileChanged
    when the bytes read now are not the ones identified as `sha`.
    """
    folder = settings.archive_version(source, dt, sha)
    dst = folder / archived_name(name)
    if dst.exists():
        return None
    tmp = _tmp_beside(dst)
    try:
        with open(src, "rb") as fin, open(tmp, "wb") as fout:
            done = crypto.encrypt_stream(fin, fout, key, sha)
            fout.flush()
            os.fsync(fout.fileno())
        if done.plaintext_sha256 != sha:
            raise FileChanged(
                f"{FILE_CHANGED} (SHA-256 {sha[:12]}… when identified, "
                f"{done.plaintext_sha256[:12]}… when archived); it is read again on the next run"
            )
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    legacy = folder / name  # a plain copy made before the archive was encrypted
    if legacy.is_file() and sha256_file(legacy)[0] == sha:
        legacy.unlink()
    return _archive_entry(dst, key, done.ciphertext_sha256)


def _archive_entry(path: Path, key: ArchiveKey, ciphertext_sha: str) -> dict[str, Any]:
    return {
        "file": path.name,
        "format": crypto.FORMAT_NAME,
        "cipher": crypto.CIPHER_NAME,
        "key_id": key.key_id,
        "ciphertext_sha256": ciphertext_sha,
    }


def read_archived(
    settings: Settings, source: str, dt: date | str, sha256: str, name: str, key: ArchiveKey | None = None
) -> bytes:
    """The original bytes of a delivered file, decrypted in memory and verified against
    its SHA-256. They never touch the disk. Raises crypto.ArchiveDecryptError (wrong key,
    damaged file) or FileNotFoundError, naming the file."""
    path = archived_path(settings, source, dt, sha256, name)
    dt_text = dt if isinstance(dt, str) else dt.isoformat()
    label = f"archived {source}/dt={dt_text}/{name} ({path.relative_to(settings.archive).as_posix()})"
    if key is None:
        key = crypto.archive_key(settings.archive_key_file)
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"{label}: not in the archive") from None
    return crypto.decrypt_bytes(blob, key, sha256, label)


def encrypt_plaintext_originals(settings: Settings, key: ArchiveKey) -> int:
    """Encrypt originals archived in plain text by an earlier version; returns how many.

    A plain copy whose bytes do not match its folder's SHA-256 is left alone (and
    reported): it is evidence of something, and is not destroyed. Runs once per archive.
    """
    marker = settings.archive_encrypted_marker
    if marker.exists():
        return 0
    done = 0
    for receipt_path in sorted(settings.archive.glob(f"*/dt=*/*/{ARCHIVE_RECEIPT_FILE}")):
        folder = receipt_path.parent
        receipts = json.loads(receipt_path.read_text("utf-8"))
        changed = False
        for name, entry in receipts.items():
            plain = folder / name
            if not plain.is_file():
                continue
            if sha256_file(plain)[0] != folder.name:
                log.warning("%s: plain archived copy does not match its SHA-256; left as it is", plain)
                continue
            source, dt = entry["source"], date.fromisoformat(entry["dt"])
            archived = archive_original(settings, source, dt, name, folder.name, plain, key)
            plain.unlink(missing_ok=True)
            if archived is not None:
                entry["archive"] = archived
                changed = True
            done += 1
        if changed:
            _write_receipt(receipt_path, receipts)
    atomic_write_bytes(marker, durable=True, data=b"archived originals are encrypted (lcq-archive-1)\n")
    if done:
        log.warning("encrypted %d original(s) archived in plain text by an earlier version", done)
    return done


# A version's receipt.json is read, changed and written again; the files of a source are ingested
# side by side in threads (the source lock keeps other processes out), and the same bytes under
# two names share one receipt, so its updates take turns.
_RECEIPT_UPDATE = threading.Lock()


def write_version_receipt(settings: Settings, receipt: dict[str, Any], archived: dict[str, Any] | None) -> None:
    """Add this name's receipt beside the archived bytes, unless it is already there
    (`archived`: the archive entry of an original archived by this run, if any)."""
    with _RECEIPT_UPDATE:
        _add_version_receipt(settings, receipt, archived)


def _add_version_receipt(settings: Settings, receipt: dict[str, Any], archived: dict[str, Any] | None) -> None:
    d = settings.archive_version(receipt["source"], date.fromisoformat(receipt["dt"]), receipt["file_sha256"])
    path = d / ARCHIVE_RECEIPT_FILE
    existing: dict[str, Any] = {}
    if path.exists():
        existing = json.loads(path.read_text("utf-8"))
        entry = existing.get(receipt["file_name"])
        if entry is not None:
            if archived is None or entry.get("archive") == archived:
                return
            entry["archive"] = archived
            _write_receipt(path, existing)
            return
    entry = dict(receipt)
    entry["received_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    if archived is not None:
        entry["archive"] = archived
    existing[receipt["file_name"]] = entry
    _write_receipt(path, existing)


def read_current(settings: Settings, source: str, dt: date, safe: str) -> dict[str, Any] | None:
    path = settings.archive_current(source, dt, safe)
    if not path.exists():
        return None
    return json.loads(path.read_text("utf-8"))


def write_current(settings: Settings, safe: str, receipt: dict[str, Any], history: list[str]) -> None:
    path = settings.archive_current(receipt["source"], date.fromisoformat(receipt["dt"]), safe)
    _write_receipt(path, dict(receipt, history=history))


def load_receipts(settings: Settings) -> pl.DataFrame:
    """The current receipt per (source, dt, file_name), sorted by source, dt, file name."""
    rows = []
    if settings.archive.is_dir():
        for path in sorted(settings.archive.glob(f"*/dt=*/{ARCHIVE_CURRENT_DIR}/*.json")):
            data = json.loads(path.read_text("utf-8"))
            rows.append({k: data.get(k) for k in RECEIPT_SCHEMA})
    for r in rows:
        r["dt"] = date.fromisoformat(r["dt"])
    df = pl.DataFrame(rows, schema=RECEIPT_SCHEMA) if rows else pl.DataFrame(schema=RECEIPT_SCHEMA)
    return df.sort(["source", "dt", "file_name"])


def _write_receipt(path: Path, payload: dict[str, Any]) -> None:
    """Receipts are the archive's record of what arrived: canonical JSON, on disk before we go on."""
    atomic_write_bytes(path, json_text(payload).encode("utf-8"), durable=True)
