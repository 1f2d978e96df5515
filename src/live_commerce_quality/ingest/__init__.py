"""Ingest of monitoring extracts (shared/spec/extracts.md): landing -> archive -> standardised.

Public API (used by the pipeline and the Airflow DAG):

    ingest_landing(landing, settings, up_to=None) -> IngestReport
    load_receipts(settings) -> polars.DataFrame
    read_archived(settings, source, dt, sha256, name) -> bytes   (decrypted in memory)

Modules: `layout` (finding deliveries, names), `readers` (formats and encodings; the readers
themselves in `readers_csv` and `readers_structured`, what they share in `readers_base`),
`parse` (contract types), `validate` (row rules), `pseudonymise` (keyed hashes),
`archive` (encrypted archive, receipts, atomic writes; keys in `..crypto`), `core` (the per-file flow).
"""

from live_commerce_quality.ingest.archive import RECEIPT_SCHEMA, read_archived
from live_commerce_quality.ingest.core import (
    QUARANTINE_SCHEMA,
    FileResult,
    IngestReport,
    ingest_file,
    ingest_landing,
    load_receipts,
)
from live_commerce_quality.ingest.pseudonymise import pseudonym

__all__ = [
    "QUARANTINE_SCHEMA",
    "RECEIPT_SCHEMA",
    "FileResult",
    "IngestReport",
    "ingest_file",
    "ingest_landing",
    "load_receipts",
    "pseudonym",
    "read_archived",
]
