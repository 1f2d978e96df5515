"""Ingest of one delivered file: archive + receipt -> standardised Parquet + quarantine.

The monitoring steps around it (receive, per source, reconcile) are in `monitoring.py`.
Per delivered file, in delivery order (dt, then file name in byte order):
identify (SHA-256) -> archive the original bytes, encrypted -> read (format, encoding) ->
validate rows -> write standardised rows and quarantined rows -> receipt.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from live_commerce_quality.core import crypto
from live_commerce_quality.core.contract import (
    CONTRACT_VERSION,
    FORMATS,
    LINEAGE_COLUMNS,
    SOURCES,
    Source,
    standardised_schema,
)
from live_commerce_quality.core.duck import DuckDBBounds
from live_commerce_quality.core.io import read_json, sha256_file, write_json, write_parquet
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.ingest import archive
from live_commerce_quality.ingest.deliveries import Delivery, declared_encoding, file_format, label, safe_name
from live_commerce_quality.ingest.parse import POLARS_TYPE, parse_frame
from live_commerce_quality.ingest.pseudonymise import pseudonymise
from live_commerce_quality.ingest.readers import LINE, ROW, FileRejected, read_delivery
from live_commerce_quality.ingest.validate import REASON, RECORD_KEY, Checked, check_rows

log = logging.getLogger("live_commerce_quality.ingest")

# Bumped when ingest logic changes what it writes: a file received under an older
# version is processed again instead of being a no-op. 2: originals archived encrypted.
INGEST_VERSION = "2"

ISSUES_KEPT = 20  # row problems kept per file in the report (all are in quarantine)

QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String(),
    "dt": pl.Date(),
    "file_name": pl.String(),
    "file_sha256": pl.String(),
    "line": pl.Int64(),
    "reason": pl.String(),
    "record_key": pl.String(),
}


@dataclass
class FileResult:
    """One delivered file: its receipt fields, plus what this run did with it."""

    source: str
    dt: date
    file_name: str
    file_sha256: str
    bytes: int
    format: str | None
    encoding: str | None
    status: str  # 'loaded' | 'rejected'
    reason: str | None
    rows_in: int | None
    rows_loaded: int | None
    rows_quarantined: int | None
    standardised_path: str | None  # relative to settings.standardised
    contract_version: str
    action: str = "processed"  # 'processed' | 'unchanged' (same bytes already in effect)
    quarantine_path: str | None = None  # relative to settings.quarantine
    issues: tuple[str, ...] = ()  # first row problems, `<file> line N: reason`

    @property
    def label(self) -> str:
        return label(self.source, self.dt, self.file_name)

    def receipt(self) -> dict[str, Any]:
        d = {k: v for k, v in asdict(self).items() if k in archive.RECEIPT_SCHEMA}
        d["dt"] = self.dt.isoformat()
        d["quarantine_path"] = self.quarantine_path
        d["ingest_version"] = INGEST_VERSION
        return d

    @classmethod
    def from_receipt(cls, r: dict[str, Any], action: str) -> FileResult:
        fields = {k: r.get(k) for k in archive.RECEIPT_SCHEMA}
        fields["dt"] = date.fromisoformat(r["dt"])
        return cls(**fields, action=action, quarantine_path=r.get("quarantine_path"))


@dataclass
class IngestReport:
    landing: Path
    files: list[FileResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # unknown folders, stray files
    skipped_after_up_to: int = 0
    demo_key: bool = False
    archive_key_file: str | None = None  # the installation key file, when LCQ_ARCHIVE_KEY is not set

    @property
    def processed(self) -> list[FileResult]:
        return [f for f in self.files if f.action == "processed"]

    @property
    def loaded(self) -> list[FileResult]:
        return [f for f in self.processed if f.status == "loaded"]

    @property
    def rejected(self) -> list[FileResult]:
        return [f for f in self.processed if f.status == "rejected"]

    @property
    def unchanged(self) -> list[FileResult]:
        return [f for f in self.files if f.action == "unchanged"]

    @property
    def rows_in(self) -> int:
        return sum(f.rows_in or 0 for f in self.processed)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded or 0 for f in self.processed)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined or 0 for f in self.processed)

    def to_frame(self) -> pl.DataFrame:
        rows = [{k: getattr(f, k) for k in archive.RECEIPT_SCHEMA} | {"action": f.action} for f in self.files]
        schema = archive.RECEIPT_SCHEMA | {"action": pl.String()}
        return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)

    def counts(self) -> dict:
        """The step's result for Airflow and the console: counts, and rejected files by reason."""
        by_reason: dict[str, int] = {}
        for f in self.rejected:
            by_reason[f.reason or "unknown"] = by_reason.get(f.reason or "unknown", 0) + 1
        return {
            "files": len(self.files),
            "loaded": len(self.loaded),
            "rejected": len(self.rejected),
            "unchanged": len(self.unchanged),
            "rows_in": self.rows_in,
            "rows_loaded": self.rows_loaded,
            "rows_set_aside": self.rows_quarantined,
            "rejected_by_reason": dict(sorted(by_reason.items())),
            "landing_problems": len(self.problems),
        }

    def summary(self) -> str:
        lines = [
            f"ingest {self.landing}: {len(self.files)} file(s): {len(self.loaded)} loaded, "
            f"{len(self.rejected)} rejected, {len(self.unchanged)} unchanged; rows: "
            f"{self.rows_in} in = {self.rows_loaded} loaded + {self.rows_quarantined} set aside"
        ]
        if self.skipped_after_up_to:
            lines.append(f"{self.skipped_after_up_to} file(s) after up_to skipped")
        if self.demo_key:
            lines.append("WARNING: pseudonyms made with the public demo key (set LCQ_PSEUDONYM_KEY)")
        if self.archive_key_file:
            lines.append(
                f"WARNING: archive encrypted with the installation key {self.archive_key_file} (set LCQ_ARCHIVE_KEY)"
            )
        for f in self.rejected:
            lines.append(f"REJECTED {f.label}: {f.reason}")
        for f in self.loaded:
            if f.rows_quarantined:
                lines.append(f"{f.label}: {f.rows_quarantined} of {f.rows_in} row(s) set aside")
        for p in self.problems:
            lines.append(f"PROBLEM {p}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- per file


def _standardised_frame(
    good: pl.DataFrame, src: Source, d: Delivery, sha: str, hashed: dict[str, pl.Series]
) -> pl.DataFrame:
    """Good rows in contract order: personal fields dropped, identifiers pseudonymised
    (`hashed`: the pseudonyms of every row read, aligned by ROW), lineage appended."""
    exprs: list[pl.Expr | pl.Series] = []
    for col in src.columns:
        if col.drop:
            continue
        if col.pseudonymise and col.name in hashed:
            h = hashed[col.name]
            exprs.append(h if h.len() == good.height else h.gather(good[ROW]))
        else:
            exprs.append(pl.col(col.name).cast(POLARS_TYPE[col.type]))
    lineage = {
        "_dt": pl.lit(d.dt, pl.Date),
        "_file_name": pl.lit(d.name, pl.String),
        "_file_sha256": pl.lit(sha, pl.String),
        "_line": pl.col(LINE).cast(pl.Int64),
    }
    assert tuple(lineage) == LINEAGE_COLUMNS
    out = good.select(*exprs, *[e.alias(n) for n, e in lineage.items()]).rechunk()
    expected = standardised_schema(src.name)
    assert dict(out.schema) == expected, (dict(out.schema), expected)
    return out


def _quarantine_frame(bad: pl.DataFrame, d: Delivery, sha: str) -> pl.DataFrame:
    return bad.select(
        pl.lit(d.source, pl.String).alias("source"),
        pl.lit(d.dt, pl.Date).alias("dt"),
        pl.lit(d.name, pl.String).alias("file_name"),
        pl.lit(sha, pl.String).alias("file_sha256"),
        pl.col(LINE).cast(pl.Int64).alias("line"),
        pl.col(REASON).alias("reason"),
        pl.col(RECORD_KEY).alias("record_key"),
    )


class _Clock:
    """Per-step seconds of one file, logged at DEBUG (never written to any output)."""

    def __init__(self, label: str):
        self.label = label
        self.t = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        log.debug("%s: %s %.2f s", self.label, step, now - self.t)
        self.t = now


def _pseudonyms(values: pl.Series, key: bytes, duck_config: dict) -> pl.Series:
    if values.dtype != pl.String:
        if values.dtype.is_nested():  # parse_frame rejects the file
            return values
        values = values.cast(pl.String)
    return pseudonymise(values, key, duck_config)


def landing_stat(path: Path) -> list[int]:
    """A landing file's size, modification and change times and inode. A file that still has
    those it had when read is the same file (as git and rsync judge): a nightly run does not
    read its bytes again (layout.landing_seen). Any rewrite, copy or touch changes them."""
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _in_effect(current: dict[str, Any], d: Delivery, sha: str | None, std_path: Path) -> bool:
    """The receipt in effect is for these very bytes (`sha`; None: as the receipt says) under
    this contract and ingest version, and what it wrote is still there: processing the file
    again would change nothing."""
    return (
        (sha is None or current.get("file_sha256") == sha)
        and current.get("file_name") == d.name
        and current.get("contract_version") == CONTRACT_VERSION
        and current.get("ingest_version") == INGEST_VERSION
        and (current.get("status") == "rejected" or std_path.exists())
        and not str(current.get("reason") or "").startswith(archive.FILE_CHANGED)
    )


def _new_result(d: Delivery, sha: str, size: int) -> FileResult:
    """The file's result as if rejected: what is known before its content is read."""
    return FileResult(
        source=d.source,
        dt=d.dt,
        file_name=d.name,
        file_sha256=sha,
        bytes=size,
        format=file_format(d.name),
        encoding=None,
        status="rejected",
        reason=None,
        rows_in=None,
        rows_loaded=None,
        rows_quarantined=None,
        standardised_path=None,
        contract_version=CONTRACT_VERSION,
    )


def _read_frame(
    d: Delivery, src: Source, result: FileResult, changed: str | None, clock: _Clock
) -> tuple[pl.DataFrame, bool]:
    """The file's records without its personal fields to drop, and whether it is a text
    format; sets `result.encoding` as soon as it is known, so a rejected file reports it too."""
    if changed is not None:
        raise FileRejected(changed)
    if result.bytes == 0:
        raise FileRejected("empty file (0 bytes)")
    fmt = result.format
    if fmt is None:
        raise FileRejected(f"unknown format (expected a name ending in {', '.join(FORMATS)})")
    # a name that is not valid UTF-8 cannot be handed to Polars as a path: read the bytes
    blob = d.path if d.text_path else d.path.read_bytes()
    raw = read_delivery(blob, fmt, src, declared_encoding(d.name, fmt))
    clock.lap("read")
    result.encoding = raw.encoding
    missing = [c for c in src.required if c not in raw.present]
    if missing:
        raise FileRejected(f"missing required column(s): {', '.join(missing)}")
    # personal fields to drop go now: nothing past this point ever sees them
    dropped = [c.name for c in src.columns if c.drop and c.name in raw.df.columns]
    return raw.df.drop(dropped).with_row_index(ROW), raw.text


def _read_and_check(
    d: Delivery, src: Source, key: bytes, result: FileResult, changed: str | None, clock: _Clock, duck_config: dict
) -> tuple[Checked, dict[str, pl.Series]]:
    """The file's rows checked, and the pseudonyms of every row read by column; raises
    FileRejected when the file is rejected whole. `duck_config`: DuckDB's bounds (core/duck.py)."""
    frame, text = _read_frame(d, src, result, changed, clock)
    # pseudonyms (DuckDB, its own threads) are computed while Polars parses and checks
    with ThreadPoolExecutor(max_workers=1) as pool:
        futures = {
            c.name: pool.submit(_pseudonyms, frame[c.name], key, duck_config)
            for c in src.columns
            if c.pseudonymise and c.name in frame.columns
        }
        parsed = parse_frame(frame, src, text)
        clock.lap("parse")
        del frame
        checked = check_rows(parsed, src, d.dt)
        clock.lap("check")
        del parsed
        hashed = {name: f.result() for name, f in futures.items()}
        clock.lap("pseudonyms (wait)")
    return checked, hashed


def _log_issues(label: str, bad: pl.DataFrame) -> tuple[str, ...]:
    """The first row problems, each logged; the rest are counted (all are in quarantine)."""
    sample = bad.head(ISSUES_KEPT)
    issues = tuple(
        f"{label} line {line}: {reason}"
        for line, reason in zip(sample[LINE].to_list(), sample[REASON].to_list(), strict=True)
    )
    for msg in issues:
        log.debug("%s", msg)
    if bad.height > ISSUES_KEPT:
        log.debug("%s: %d more row(s) set aside, see quarantine", label, bad.height - ISSUES_KEPT)
    return issues


def _write_loaded(
    settings: Settings,
    d: Delivery,
    src: Source,
    safe: str,
    std_path: Path,
    result: FileResult,
    checked: Checked,
    hashed: dict[str, pl.Series],
    clock: _Clock,
) -> None:
    """Write an accepted file's standardised and set-aside rows; `result` becomes its receipt."""
    rows_loaded, rows_quarantined = checked.good.height, checked.bad.height
    if checked.rows_in != rows_loaded + rows_quarantined:  # every row is accounted for
        raise RuntimeError(f"{d.label}: {checked.rows_in} rows in != {rows_loaded} + {rows_quarantined}")
    std = _standardised_frame(checked.good, src, d, result.file_sha256, hashed)
    write_parquet(std, std_path)
    clock.lap("write")
    q_path = settings.quarantine_file(d.source, d.dt, safe)
    if rows_quarantined:
        write_parquet(_quarantine_frame(checked.bad, d, result.file_sha256), q_path)
        result.quarantine_path = q_path.relative_to(settings.quarantine).as_posix()
    else:
        q_path.unlink(missing_ok=True)  # an earlier version's set-aside rows no longer apply
    result.issues = _log_issues(d.label, checked.bad)
    result.status = "loaded"
    result.rows_in = checked.rows_in
    result.rows_loaded = rows_loaded
    result.rows_quarantined = rows_quarantined
    result.standardised_path = std_path.relative_to(settings.standardised).as_posix()
    log.debug(
        "%s: loaded %d of %d row(s) (%s, %s), %d set aside",
        d.label,
        rows_loaded,
        checked.rows_in,
        result.format,
        result.encoding or "-",
        rows_quarantined,
    )


def ingest_file(
    d: Delivery, settings: Settings, key: bytes, archive_key: crypto.ArchiveKey | None = None
) -> FileResult:
    """One delivered file; `key` makes the pseudonyms, `archive_key` encrypts the archived
    original (default: crypto.archive_key for this installation)."""
    if archive_key is None:
        archive_key = crypto.archive_key(settings.archive_key_file)
    src = SOURCES[d.source]
    safe = safe_name(d.name)
    clock = _Clock(d.label)
    current = archive.read_current(settings, d.source, d.dt, safe)
    std_path = settings.standardised_file(d.source, d.dt, safe)
    seen_file = settings.landing_seen(d.source, d.dt, safe)
    seen = {"stat": landing_stat(d.path)}
    cached = read_json(seen_file) if seen_file.exists() else {}
    if (
        current is not None
        and cached.get("stat") == seen["stat"]
        and _in_effect(current, d, cached["sha256"], std_path)
    ):
        # the file is as it was when last read (size, times, inode): its bytes are not read again
        log.debug("%s: unchanged (as when read: sha256 %s)", d.label, cached["sha256"][:12])
        return FileResult.from_receipt(current, action="unchanged")
    sha, size = sha256_file(d.path)
    clock.lap("sha256")
    seen["sha256"] = sha
    if current is not None and _in_effect(current, d, sha, std_path):
        log.debug("%s: unchanged (sha256 %s already in effect)", d.label, sha[:12])
        write_json(seen_file, seen)
        return FileResult.from_receipt(current, action="unchanged")

    changed: str | None = None
    archived: dict[str, Any] | None = None
    try:
        archived = archive.archive_original(settings, d.source, d.dt, d.name, sha, d.path, archive_key)
    except archive.FileChanged as e:
        changed = str(e)
    clock.lap("archive")
    result = _new_result(d, sha, size)
    try:
        bounds = DuckDBBounds.of(settings).config()
        checked, hashed = _read_and_check(d, src, key, result, changed, clock, bounds)
    except FileRejected as e:
        result.reason = e.reason
        log.debug("%s: rejected: %s", d.label, e.reason)
    else:
        _write_loaded(settings, d, src, safe, std_path, result, checked, hashed, clock)

    receipt = result.receipt()
    archive.write_version_receipt(settings, receipt, archived)
    history = list(current.get("history", [])) if current else []
    history.append(sha)
    archive.write_current(settings, safe, receipt, history)
    write_json(seen_file, seen)
    return result


# --------------------------------------------------------------------------- public


def load_receipts(settings: Settings) -> pl.DataFrame:
    """Current receipt per (source, dt, file_name); see archive.RECEIPT_SCHEMA."""
    return archive.load_receipts(settings)
