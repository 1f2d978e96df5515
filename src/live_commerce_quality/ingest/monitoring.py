"""The standard's monitoring steps over a landing folder, each one a task under Airflow:

    receive (find and identify the deliveries up to the cutoff)
      → per source: archive, validate, standardise, load   (`ingest_source`, one task per source)
      → reconcile (every delivered file and row accounted for)

Sources are independent: each has its own archive, standardised and quarantine folders and
its own lock, so their tasks run side by side. What spans every source (re-encrypting an
older plain archive, a purge) takes the installation's ingest lock and every source's.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from live_commerce_quality.core import crypto
from live_commerce_quality.core.contract import SOURCES
from live_commerce_quality.core.locking import exclusive
from live_commerce_quality.core.settings import Settings, pseudonym_key
from live_commerce_quality.ingest import archive
from live_commerce_quality.ingest.core import FileResult, IngestReport, ingest_file
from live_commerce_quality.ingest.deliveries import Delivery, discover

log = logging.getLogger("live_commerce_quality.ingest")


class ReconciliationError(RuntimeError):
    """A delivered file or row is not accounted for; the message names which."""


@dataclass
class Received:
    """What `receive` found: the deliveries up to the cutoff, by source, and the landing's problems."""

    landing: Path
    deliveries: list[Delivery]
    problems: list[str] = field(default_factory=list)
    skipped_after_up_to: int = 0
    demo_key: bool = False
    archive_key_file: str | None = None

    def files_by_source(self) -> dict[str, int]:
        """Files received per source, in the contract's order, sources without a delivery left out."""
        counts = {name: 0 for name in SOURCES}
        for d in self.deliveries:
            counts[d.source] += 1
        return {name: n for name, n in counts.items() if n}


@contextmanager
def every_source_locked(settings: Settings, installation: bool = True) -> Iterator[None]:
    """Hold each source's lock, and the installation's ingest lock unless `installation` is
    False (the caller holds it): nothing is ingested meanwhile."""
    with ExitStack() as locks:
        if installation:
            locks.enter_context(exclusive(settings.ingest_lock, "ingest"))
        for name in SOURCES:
            locks.enter_context(exclusive(settings.source_lock(name), f"ingest of {name}"))
        yield


def receive(landing: Path, settings: Settings, up_to: date | None = None) -> Received:
    """Find every delivery under `landing` (up to and including dt `up_to`), and make sure the
    keys exist before the sources' tasks start (the archive key is created here, once)."""
    _, is_demo = pseudonym_key()
    if is_demo:
        log.warning(
            "LCQ_PSEUDONYM_KEY is not set: pseudonyms are made with the PUBLIC DEMO KEY; "
            "fine for demo data, never for real personal data"
        )
    with exclusive(settings.ingest_lock, "ingest"):
        archive_key = crypto.archive_key(settings.archive_key_file)
        if not settings.archive_encrypted_marker.exists():
            with every_source_locked(settings, installation=False):
                archive.encrypt_plaintext_originals(settings, archive_key)
    if archive_key.generated:
        log.warning(
            "%s is not set: archived originals are encrypted with the installation key %s; fine for "
            "demo data, but for real data the operator should supply %s (and keep a copy of it)",
            crypto.KEY_ENV,
            archive_key.origin,
            crypto.KEY_ENV,
        )
    found = discover(Path(landing), up_to)
    for p in found.problems:
        log.debug("landing: %s", p)
    return Received(
        landing=Path(landing),
        deliveries=found.deliveries,
        problems=found.problems,
        skipped_after_up_to=found.skipped,
        demo_key=is_demo,
        archive_key_file=archive_key.origin if archive_key.generated else None,
    )


def ingest_source(landing: Path, settings: Settings, source: str, up_to: date | None = None) -> IngestReport:
    """Archive, validate, standardise and load every delivery of one source, in delivery order."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r} (expected one of {', '.join(SOURCES)})")
    key, _ = pseudonym_key()
    archive_key = crypto.archive_key(settings.archive_key_file)
    report = IngestReport(landing=Path(landing))
    with exclusive(settings.source_lock(source), f"ingest of {source}"):
        deliveries = discover(Path(landing), up_to, sources=(source,)).deliveries
        # files are independent (each has its own archive folder, receipts and outputs); most
        # of a small file's time is Polars' fixed cost per operation, which threads overlap
        with ThreadPoolExecutor(max_workers=_file_threads()) as pool:
            report.files = list(pool.map(lambda d: ingest_file(d, settings, key, archive_key), deliveries))
    return report


def _file_threads() -> int:
    """Files ingested side by side within one source (LCQ_INGEST_THREADS; default: the cores)."""
    return max(1, int(os.environ.get("LCQ_INGEST_THREADS") or os.cpu_count() or 1))


def reconcile(received: dict[str, int], reports: dict[str, list[FileResult]]) -> None:
    """Every file received has its result, and every row read is loaded or set aside;
    raises ReconciliationError naming the first gap."""
    for source, count in received.items():
        files = reports.get(source)
        if files is None:
            raise ReconciliationError(f"{source}: {count} file(s) received, but the source was not ingested")
        if len(files) != count:
            raise ReconciliationError(f"{source}: {count} file(s) received, {len(files)} ingested")
        for f in files:
            if f.status == "loaded" and f.rows_in != (f.rows_loaded or 0) + (f.rows_quarantined or 0):
                raise ReconciliationError(
                    f"{f.label}: {f.rows_in} row(s) read, {f.rows_loaded} loaded + {f.rows_quarantined} set aside"
                )
    extra = sorted(set(reports) - set(received))
    if extra:
        raise ReconciliationError(f"ingested without being received: {', '.join(extra)}")


def ingest_landing(landing: Path, settings: Settings, up_to: date | None = None) -> IngestReport:
    """Every step in this process: receive, each source in turn, reconcile."""
    received = receive(landing, settings, up_to)
    report = IngestReport(
        landing=Path(landing),
        problems=received.problems,
        skipped_after_up_to=received.skipped_after_up_to,
        demo_key=received.demo_key,
        archive_key_file=received.archive_key_file,
    )
    by_source = {s: ingest_source(landing, settings, s, up_to).files for s in received.files_by_source()}
    reconcile(received.files_by_source(), by_source)
    order = {(d.source, d.dt, d.name): i for i, d in enumerate(received.deliveries)}
    files = [f for results in by_source.values() for f in results]
    report.files = sorted(files, key=lambda f: order[(f.source, f.dt, f.file_name)])
    return report
