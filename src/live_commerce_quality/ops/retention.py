"""Retention (standard clause 5; E-Commerce Law art. 31): delivered data is kept at least
three years. `purge` removes the deliveries whose `dt` is before a date, writes a record of
what it removed, and refuses any date less than three calendar years before today.

A delivery of a source on a day lives in four places, and all four go together:

    <landing>/<source>/dt=<dt>/        as delivered (left there, the next ingest would
                                       archive it again)
    <standardised>/<source>/dt=<dt>/   the typed, pseudonymised rows the models read
    <quarantine>/<source>/dt=<dt>/     the rows set aside, with file, line and reason
    <archive>/<source>/dt=<dt>/        the encrypted originals, their receipts and the
                                       `_current` pointers that `load_receipts` reads

Removing the archive day folder whole takes the receipts and pointers with the files, so
`load_receipts` keeps describing exactly the deliveries still held. Evaluations and
publications are not touched: they are the record of what was decided, and their lineage
keeps naming the purged files by checksum.

Snapshots are cumulative (extracts.md): an operator delivered once in 2021 and never again
is still that operator today. A snapshot day that holds the version in effect of any record
is therefore kept, whatever its age, and the record says so; it goes once later snapshots
have superseded all of it.

A purge is safe to interrupt. It first writes its record (status `started`, listing every
file with its SHA-256), then moves each day folder into a `.purge-<id>` folder beside the
sources (one rename each; nothing reads there), then deletes those and marks the record
`done`. Running a purge again finishes the deletion of an interrupted one.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from live_commerce_quality.core.contract import SOURCES
from live_commerce_quality.core.io import read_json, sha256_file, write_json
from live_commerce_quality.core.layout import ARCHIVE_RECEIPT_FILE, DT_FOLDER
from live_commerce_quality.core.locking import exclusive
from live_commerce_quality.core.periods import today_cst
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.ingest.monitoring import every_source_locked
from live_commerce_quality.ops.changes import in_effect

RETENTION_YEARS = 3
TRASH_PREFIX = ".purge-"
# Removed in this order: once the landing copy is gone nothing can bring a delivery back,
# then the rows stop being read, and the receipts go last.
AREAS = ("landing", "standardised", "quarantine", "archive")


class PurgeRefused(ValueError):
    """A purge that would break the retention rule or cannot be recorded."""


def earliest_allowed(today: date) -> date:
    """The latest `--before` date a purge accepts: today, three calendar years back
    (29 February falls back to the 28th)."""
    try:
        return today.replace(year=today.year - RETENTION_YEARS)
    except ValueError:
        return today.replace(year=today.year - RETENTION_YEARS, day=28)


@dataclass(frozen=True)
class Partition:
    """One source's folder for one delivery day in one area."""

    area: str
    root: Path
    source: str
    dt: date
    path: Path

    @property
    def label(self) -> str:
        return f"{self.area}/{self.source}/dt={self.dt.isoformat()}"


def _roots(settings: Settings, landings: tuple[Path, ...] = ()) -> list[tuple[str, Path]]:
    """(area, root folder) pairs: the settings' folders, and any other landing folder that
    evaluations were run from."""
    extra = [("landing", Path(p).resolve()) for p in landings if Path(p).resolve() != settings.landing]
    return [*extra, *((area, getattr(settings, area)) for area in AREAS)]


def snapshots_in_effect(settings: Settings) -> dict[tuple[str, date], int]:
    """(snapshot source, dt) -> how many records have their version in effect in that day's
    deliveries (the latest delivered version of each key, from the standardised layer)."""
    held: dict[tuple[str, date], int] = {}
    for name, source in SOURCES.items():
        files = sorted((settings.standardised / name).glob("dt=*/*.parquet")) if source.snapshot else []
        if not files:
            continue
        versions = pl.scan_parquet(files).select(*source.key, "_dt", "_file_name", "_line")
        current = in_effect(versions, list(source.key)).group_by("_dt").len().collect()
        held |= {(name, dt): n for dt, n in current.iter_rows()}
    return held


def plan(settings: Settings, before: date, landings: tuple[Path, ...] = ()) -> tuple[list[Partition], list[dict]]:
    """Every day folder of a known source with dt before `before`, in removal order, and
    the snapshot days kept because they still hold records in effect."""
    in_effect_days = snapshots_in_effect(settings)
    found, kept = [], {}
    for area, root in _roots(settings, landings):
        for source in SOURCES:
            folder = root / source
            if not folder.is_dir():
                continue
            for day in sorted(folder.iterdir()):
                m = DT_FOLDER.match(day.name)
                if m is None or not day.is_dir():
                    continue
                dt = date.fromisoformat(m.group(1))
                if dt >= before:
                    continue
                if (source, dt) in in_effect_days:
                    kept[(source, dt)] = in_effect_days[(source, dt)]
                else:
                    found.append(Partition(area, root, source, dt, day))
    reasons = [
        {"source": source, "dt": dt.isoformat(), "reason": f"holds the snapshot in effect of {n} record(s)"}
        for (source, dt), n in sorted(kept.items())
    ]
    return found, reasons


def _files(folder: Path) -> Iterator[Path]:
    return (p for p in sorted(folder.rglob("*")) if p.is_file())


def describe(partitions: list[Partition]) -> dict:
    """What the purge removes: every file with its size and SHA-256 (of the bytes stored),
    the receipts of the archived deliveries, and totals per area and source."""
    files, deliveries, totals = [], [], {}
    for part in partitions:
        t = totals.setdefault(part.area, {}).setdefault(
            part.source, {"days": 0, "files": 0, "bytes": 0, "rows_in": 0, "rows_loaded": 0, "rows_quarantined": 0}
        )
        t["days"] += 1
        for path in _files(part.path):
            size = path.stat().st_size
            files.append(
                {
                    "area": part.area,
                    "path": path.relative_to(part.root).as_posix(),
                    "bytes": size,
                    "sha256": sha256_file(path)[0],
                }
            )
            t["files"] += 1
            t["bytes"] += size
        if part.area == "archive":
            for receipt in _receipts(part.path):
                deliveries.append(receipt)
                for k in ("rows_in", "rows_loaded", "rows_quarantined"):
                    t[k] += receipt.get(k) or 0
    return {"totals": totals, "deliveries": deliveries, "files": files}


def _receipts(day: Path) -> list[dict]:
    """The receipt of every version archived for a day (a replaced version included),
    without the archive's encryption details: what was delivered, not how it was kept."""
    out = []
    for path in sorted(day.glob(f"*/{ARCHIVE_RECEIPT_FILE}")):
        for name, receipt in sorted(read_json(path).items()):
            entry = {k: v for k, v in receipt.items() if k != "archive"}
            entry["file_name"] = name
            out.append(entry)
    return out


@dataclass
class PurgeResult:
    before: date
    record: dict
    record_path: Path | None  # None for a dry run


def purge(
    settings: Settings,
    before: date,
    *,
    reason: str | None,
    landings: tuple[Path, ...] = (),
    who: str | None = None,
    today: date | None = None,
    dry_run: bool = False,
) -> PurgeResult:
    """Remove every delivery with dt before `before`; see the module docstring.
    `landings`: landing folders other than the settings' that evaluations read from."""
    today = today or today_cst()
    limit = earliest_allowed(today)
    if before > limit:
        raise PurgeRefused(
            f"refused: purging before {before} would remove data less than {RETENTION_YEARS} years old "
            f"(today is {today}; the latest date allowed is {limit}). Delivered data is kept at least "
            f"{RETENTION_YEARS} years (E-Commerce Law art. 31, GB/T 44207 clause 5)."
        )
    if not dry_run and not (reason and reason.strip()):
        raise PurgeRefused("a purge needs a reason (--reason), kept in its record")
    with ExitStack() as locks:
        if not dry_run:
            # nothing may archive, standardise or read the deliveries while they go
            locks.enter_context(every_source_locked(settings))
            locks.enter_context(exclusive(settings.warehouse_lock, "warehouse"))
        partitions, kept = plan(settings, before, landings)
        record = {
            "purge": "deliveries with dt before the date below",
            "before": before.isoformat(),
            "today": today.isoformat(),
            "retention_years": RETENTION_YEARS,
            "requested_by": who or getpass.getuser(),
            "host": socket.gethostname(),
            "reason": reason,
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "status": "dry run" if dry_run else "started",
            "folders": [{"area": area, "root": str(root)} for area, root in _roots(settings, landings)],
            **describe(partitions),
            "kept": kept,
        }
        if dry_run:
            return PurgeResult(before, record, None)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = settings.purge_log / f"{stamp}_before-{before.isoformat()}.json"
        record["finished_interrupted"] = [str(p) for p in _leftover_trash(settings, landings)]
        write_json(path, record, durable=True)  # the record exists before anything is removed
        for trash in record["finished_interrupted"]:
            shutil.rmtree(trash)
        for part in partitions:
            trash = part.root / f"{TRASH_PREFIX}{stamp}" / part.source / part.path.name
            trash.parent.mkdir(parents=True, exist_ok=True)
            os.replace(part.path, trash)
        for trash in _leftover_trash(settings, landings):
            shutil.rmtree(trash)
        record["status"] = "done"
        record["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        write_json(path, record, durable=True)
    return PurgeResult(before, record, path)


def _leftover_trash(settings: Settings, landings: tuple[Path, ...]) -> list[Path]:
    roots = (root for _, root in _roots(settings, landings) if root.is_dir())
    return sorted(p for root in roots for p in root.glob(f"{TRASH_PREFIX}*"))


def purged_checksums(settings: Settings) -> dict[str, str]:
    """SHA-256 of each delivered file removed by a completed purge -> its record's name."""
    out: dict[str, str] = {}
    folder = settings.purge_log
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.json")):
        record = read_json(path)
        if record.get("status") != "done":
            continue
        for delivery in record.get("deliveries", []):
            out[delivery["file_sha256"]] = path.name
    return out


def summary(result: PurgeResult) -> str:
    r = result.record
    head = "would remove" if result.record_path is None else "removed"
    lines = [f"{head} every delivery with dt before {r['before']} (today {r['today']}):"]
    if not r["totals"]:
        lines.append("  nothing to remove")
    for area in AREAS:
        for source, t in sorted(r["totals"].get(area, {}).items()):
            rows = f", {t['rows_in']} row(s) delivered" if area == "archive" else ""
            lines.append(
                f"  {area:<12} {source:<17} {t['days']} day(s), {t['files']} file(s), {t['bytes']} bytes{rows}"
            )
    for k in r["kept"]:
        lines.append(f"  kept {k['source']}/dt={k['dt']}: {k['reason']}")
    if result.record_path is not None:
        lines.append(f"record: {result.record_path}")
    return "\n".join(lines)
