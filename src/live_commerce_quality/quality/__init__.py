"""The data-quality gate: standardised extracts, indicator marts, graded outputs.

API (the pipeline and the Airflow DAG call these)::

    validate_standardised(settings, cutoff) -> GateResult
    validate_marts(warehouse) -> GateResult
    validate_outputs(evaluation_dir) -> GateResult
    enforce(result)  # raises QualityGateFailed, whose str() lists every failed check

Suites are the readable files in `expectations/` (`standardised.yml`, `marts.yml`,
`outputs.yml`); the standardised suite also derives, from `contract.py`, every check
that follows from the contract, so no column list is typed twice. Results carry no
timestamp or run id: `GateResult.to_json()` is byte-stable across re-runs.

Design, measured on a synthetic standardised month of 10 M orders (30 daily Parquet
files of 333 k rows, 634 MB, the contract schema and lineage) on the project's 2-core
machine, with GX's import (7-12 s here, whatever the design) counted in:

(a) every row through GX pandas, one file per batch (memory stays bounded and key
    uniqueness per file is still exact): 121 s to validate + 7 s to import GX = 129 s
    wall, peak RSS 0.95 GB. Four times the gate's ~30 s budget: rejected.
(b) chosen: DuckDB measures, GX judges. Per source, one DuckDB aggregate scan
    counts the offending rows of every row-level check (`count(*) FILTER (WHERE
    <violation>)`, exact over all rows, nulls treated as GX treats them); a GROUP BY on
    a 64-bit hash of (`_dt`, `_file_name`, key) finds repeated keys, recounted exactly by the
    key among the few candidate rows; column names and types come from the Parquet
    footers. GX then validates that profile (one row per check: measure, allowed min,
    allowed max) with three real expectations (not null; metric >= min; max >= metric),
    and only for a failed check a deterministic sample of offending rows (by dt, file
    name, line) is read for the message.
    Passing month: 14.7-15.3 s wall on a quiet machine (GX import 6.9 s; orders scan
    4.3 s, key uniqueness 1.0 s, footers and the small sources < 0.1 s, GX judging 334
    checks 0.08 s), 16-28 s while other jobs shared the 2 cores; 21-23 s CPU; peak RSS
    0.86-0.98 GB. Failing month (6 rows with quantity 0, a repeated key, a raw buyer id
    among the 10 M): 20 s wall quiet (up to 33 s contended), peak RSS 1.04 GB.
    Rejected on the way: one GX expectation per check on a one-row profile (5.1 s for 300
    checks) and an exact GROUP BY on the key strings (1.7 GB peak, against 0.69 GB).
The marts and the graded outputs hold one row per subject (x indicator), so GX validates
their real rows with the suite files' expectations, in slices of whole keys when a table
holds millions of rows (`frames`).

GX is imported lazily and quietly (see `_gx`): its loggers are capped at WARNING before
and after the import and progress bars are off in every context, so Airflow task logs
stay readable.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from live_commerce_quality.core import duck
from live_commerce_quality.core.duck import DuckDBBounds, sql_string
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.quality import frames, standardised
from live_commerce_quality.quality.model import CheckResult, GateResult, QualityGateFailed, enforce
from live_commerce_quality.quality.suites import load_frames_suite, load_standardised_suite

# Rows of a table handed from DuckDB to the frames gate at once (it slices them further).
BATCH_ROWS = 100_000

__all__ = [
    "CheckResult",
    "GateResult",
    "QualityGateFailed",
    "enforce",
    "validate_marts",
    "validate_outputs",
    "validate_standardised",
]


def _expectations_dir(expectations: Path | None) -> Path:
    return Path(expectations) if expectations is not None else Settings.from_env().expectations


def validate_standardised(settings: Settings, cutoff: date, *, expectations: Path | None = None) -> GateResult:
    """Check the standardised Parquet of every source, files with dt <= cutoff, over all rows
    (a file's measures are kept for the next run while the file is unchanged)."""
    suite = load_standardised_suite(_expectations_dir(expectations or settings.expectations) / "standardised.yml")
    bounds = DuckDBBounds.of(settings).config()
    measured = settings.extracts_measured
    return GateResult.of(standardised.validate(suite, settings.standardised, cutoff, bounds, measured))


def validate_marts(warehouse: Path, *, expectations: Path | None = None) -> GateResult:
    """Check the dbt indicator marts (every row goes through GX, in slices: `frames`).

    `warehouse` is the DuckDB file (opened read-only, tables `main.<mart>`) or a folder of
    marts exported as `<mart>.parquet`, as the pipeline hands them from transform to grading.
    """
    suite = load_frames_suite(_expectations_dir(expectations) / "marts.yml")
    warehouse = Path(warehouse)
    if warehouse.is_dir():
        return _validate_parquet(suite, warehouse, table_of=_table_name)
    if not warehouse.is_file():
        return GateResult.of(frames.validate(suite, lambda *_: f"warehouse {warehouse} not found"))
    con = duck.connect(Settings.from_env(), warehouse, read_only=True)
    try:

        def load(table: str, location: str, key: list[str]):
            schema, _, name = location.rpartition(".")
            found = con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                [schema or "main", name],
            ).fetchall()[0][0]
            if not found:
                return f"table {location} not found in {warehouse.name}"
            quoted = ".".join('"' + p.replace('"', '""') + '"' for p in location.split("."))
            return _sorted_rows(con, quoted, key)

        return GateResult.of(frames.validate(suite, load))
    finally:
        con.close()


def validate_outputs(evaluation_dir: Path, *, expectations: Path | None = None) -> GateResult:
    """Check an evaluation folder's `ratings.parquet` and `indicators.parquet`."""
    suite = load_frames_suite(_expectations_dir(expectations) / "outputs.yml")
    return _validate_parquet(suite, Path(evaluation_dir), table_of=lambda loc: loc)


def _table_name(location: str) -> str:
    return location.rpartition(".")[2] + ".parquet"


def _validate_parquet(suite, folder: Path, table_of) -> GateResult:
    """A frames suite over a folder of Parquet files (`table_of`: a location's file name)."""
    con = duck.connect(Settings.from_env())
    try:

        def load(table: str, location: str, key: list[str]):
            path = folder / table_of(location)
            if not path.is_file():
                return f"{path.name} not found in {folder.name}"
            return _sorted_rows(con, f"read_parquet({sql_string(str(path))})", key)

        return GateResult.of(frames.validate(suite, load))
    finally:
        con.close()


def _sorted_rows(con, relation: str, key: list[str]):
    """The relation's rows as Arrow batches, key first, then every column: a deterministic
    order even among duplicates (DuckDB sorts within its memory limit)."""
    cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
    ordered = [k for k in key if k in cols] + [c for c in cols if c not in key]
    order = ", ".join('"' + c.replace('"', '""') + '"' for c in ordered)
    return con.sql(f"SELECT * FROM {relation} ORDER BY {order}").to_arrow_reader(BATCH_ROWS)
