"""Ingest of monitoring extracts (shared/spec/extracts.md): landing -> archive -> standardised.

Public API (used by the pipeline and the Airflow DAG):

    receive(landing, settings, up_to=None) -> Received           (the monitoring steps, monitoring.py)
    ingest_source(landing, settings, source, up_to=None) -> IngestReport
    reconcile(files received by source, file results by source)
    ingest_landing(landing, settings, up_to=None) -> IngestReport (all three in this process)
    load_receipts(settings) -> polars.DataFrame
    read_archived(settings, source, dt, sha256, name) -> bytes   (decrypted in memory)

Modules: `layout` (finding deliveries, names), `readers` (formats and encodings; the readers
themselves in `readers_csv` and `readers_structured`, what they share in `readers_base`),
`parse` (contract types), `validate` (row rules), `pseudonymise` (keyed hashes),
`archive` (encrypted archive, receipts, atomic writes; keys in `..crypto`), `core` (the per-file flow),
`monitoring` (the steps over a landing folder).
"""

from live_commerce_quality.ingest.archive import RECEIPT_SCHEMA, read_archived
from live_commerce_quality.ingest.core import QUARANTINE_SCHEMA, FileResult, IngestReport, ingest_file, load_receipts
from live_commerce_quality.ingest.monitoring import (
    Received,
    ReconciliationError,
    every_source_locked,
    ingest_landing,
    ingest_source,
    receive,
    reconcile,
)
from live_commerce_quality.ingest.pseudonymise import pseudonym

__all__ = [
    "QUARANTINE_SCHEMA",
    "RECEIPT_SCHEMA",
    "FileResult",
    "IngestReport",
    "Received",
    "ReconciliationError",
    "every_source_locked",
    "ingest_file",
    "ingest_landing",
    "ingest_source",
    "load_receipts",
    "pseudonym",
    "read_archived",
    "receive",
    "reconcile",
]
