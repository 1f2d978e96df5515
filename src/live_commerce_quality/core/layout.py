"""Every place on disk the product reads or writes, in one class.

`LCQ_HOME` moves everything the installation writes at once (tests point it at a temporary
folder); the individual variables move one piece. `make clean` and `data/README.md` list the
same places (a test holds them to this module). Nothing here touches the disk at import, and
nothing creates a folder: the writers do, when they write.

    <home>/landing/<source>/dt=<day>/<file>          deliveries (the default landing folder)
    <home>/archive/<source>/dt=<day>/<sha256>/…      the encrypted originals and their receipts
    <home>/standardised/<source>/dt=<day>/<f>.parquet  rows that passed the contract
    <home>/quarantine/<source>/dt=<day>/<f>.parquet    rows set aside, with line and reason
    <home>/warehouse.duckdb (+ .lock)                the dbt warehouse, one writer at a time
    <home>/runs/<period>_as-of-<C>_m<v>/             one evaluation's work folder (a Spark
                                                     build's tables under its spark_warehouse/)
    <home>/evaluations/<period>/<status>-<C>[-m<v>]/ evaluation folders
    <home>/published/…                               publications, index.json, latest links
    <home>/seen/<source>/dt=<day>/<f>.json, seen/_extracts_gate.json  caches of what was read
    <home>/acceptances/, purge_log/, secrets/, logs/, airflow/, ingest.lock
    <home>/bench/<UTC time>-<host>.json, latest.json  `make bench` results (kept by `make clean`)
    $LCQ_BENCH_DIR (default /tmp/lcq-bench)          the bench's demo landings and installations
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]
PACKAGE_ROOT = Path(__file__).resolve().parents[1]
# The methodology version used when none is named (core/methodology/v1.yaml); its evaluation
# folders carry no version suffix. Here rather than in core/methodology so that this module
# needs nothing but the standard library (`make clean` runs before the venv exists).
DEFAULT_METHODOLOGY = "1"

# Folder and file names inside the archive (see ingest/archive.py for what they hold).
ARCHIVE_CURRENT_DIR = "_current"
ARCHIVE_RECEIPT_FILE = "receipt.json"
ARCHIVE_ENCRYPTED_MARKER = ".encrypted"  # the archive holds no plain originals
# an empty typed file per source, so a source never delivered reads as empty
SCHEMA_DIR = "_schema"
# A day partition of a source folder: dt=YYYY-MM-DD (the day the records were extracted).
DT_FOLDER = re.compile(r"^dt=(\d{4}-\d{2}-\d{2})$")

# What `make clean` removes: everything under LCQ_HOME that the product writes (not the demo landing's
# README). Kept here so the Makefile, data/README.md and this module cannot disagree (tests/unit/test_layout.py).
# The variables that move a piece of the installation out of LCQ_HOME (Layout.from_env).
MOVED_BY_ENVIRONMENT = (
    "LCQ_LANDING",
    "LCQ_ARCHIVE",
    "LCQ_STANDARDISED",
    "LCQ_QUARANTINE",
    "LCQ_WAREHOUSE",
    "LCQ_EVALUATIONS",
)

HOME_ENTRIES = (
    "landing",
    "archive",
    "standardised",
    "quarantine",
    "warehouse.duckdb",
    "warehouse.duckdb.wal",
    "warehouse.lock",
    "warehouse.build.json",
    "ingest.lock",
    "locks",
    "seen",
    "runs",
    "evaluations",
    "published",
    "acceptances",
    "purge_log",
    "secrets",
    "logs",
    "docs",
    "trials",
    "tmp",
    "airflow",
)


def dt_folder(dt: date) -> str:
    return f"dt={dt.isoformat()}"


def files_as_of(root: Path, cutoff: date) -> list[tuple[date, Path]]:
    """`root/dt=YYYY-MM-DD/*.parquet` with dt <= cutoff, by (dt, file name)."""
    out = []
    if not root.is_dir():
        return out
    for d in root.iterdir():
        if not (d.is_dir() and d.name.startswith("dt=")):
            continue
        try:
            dt = date.fromisoformat(d.name[3:])
        except ValueError:
            continue
        if dt <= cutoff:
            out += [(dt, f) for f in d.glob("*.parquet") if f.is_file()]
    return sorted(out, key=lambda x: (x[0], x[1].name.encode()))


def _path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).resolve() if value else default


@dataclass(frozen=True)
class Layout:
    """The installation's folders. Attributes are roots; methods name what lies inside them."""

    home: Path
    landing: Path
    archive: Path
    standardised: Path
    quarantine: Path
    warehouse: Path
    evaluations: Path
    airflow_home: Path
    dbt_project: Path
    expectations: Path
    methodology_dir: Path
    bench_work: Path  # `make bench`: its landings and scratch installations, outside the home

    @classmethod
    def from_env(cls):
        home = _path("LCQ_HOME", PROJECT_ROOT / "data")
        return cls(
            home=home,
            landing=_path("LCQ_LANDING", home / "landing"),
            archive=_path("LCQ_ARCHIVE", home / "archive"),
            standardised=_path("LCQ_STANDARDISED", home / "standardised"),
            quarantine=_path("LCQ_QUARANTINE", home / "quarantine"),
            warehouse=_path("LCQ_WAREHOUSE", home / "warehouse.duckdb"),
            evaluations=_path("LCQ_EVALUATIONS", home / "evaluations"),
            airflow_home=_path("AIRFLOW_HOME", home / "airflow"),
            dbt_project=_path("LCQ_DBT_PROJECT", PROJECT_ROOT / "dbt_project"),
            expectations=_path("LCQ_EXPECTATIONS", PROJECT_ROOT / "expectations"),
            methodology_dir=_path("LCQ_METHODOLOGY_DIR", PACKAGE_ROOT / "core" / "methodology"),
            bench_work=_path("LCQ_BENCH_DIR", Path("/tmp/lcq-bench")),
        )

    # --- locks: one writer at a time (core/locking.py) ---------------------------------

    @property
    def ingest_lock(self) -> Path:
        return self.home / "ingest.lock"

    def source_lock(self, source: str) -> Path:
        """One source's ingest: its archive, standardised and quarantine folders."""
        return self.home / "locks" / f"ingest-{source}.lock"

    @property
    def warehouse_lock(self) -> Path:
        return self.warehouse.with_suffix(".lock")

    @property
    def warehouse_build(self) -> Path:
        """The last dbt build of the warehouse: whose, with which vars, how it ended (dbt retry)."""
        return self.warehouse.with_suffix(".build.json")

    # --- the archive and the layers below it, per delivered file ------------------------

    def archive_day(self, source: str, dt: date) -> Path:
        return self.archive / source / dt_folder(dt)

    def archive_version(self, source: str, dt: date, sha256: str) -> Path:
        """The folder of one delivered version: its encrypted original and receipt."""
        return self.archive_day(source, dt) / sha256

    def archive_current(self, source: str, dt: date, safe_name: str) -> Path:
        """The receipt of the version of a file name now in effect."""
        return self.archive_day(source, dt) / ARCHIVE_CURRENT_DIR / f"{safe_name}.json"

    @property
    def extracts_measured(self) -> Path:
        """What the extracts gate measured of each standardised file (quality/file_measures.py):
        a cache that spares reading a file again, not a record (the gate's results are)."""
        return self.home / "seen" / "_extracts_gate.json"

    def landing_seen(self, source: str, dt: date, safe_name: str) -> Path:
        """What a landing file looked like when last read (size, times, inode) and its SHA-256:
        a cache that spares reading it again, not a record (the receipts are)."""
        return self.home / "seen" / source / dt_folder(dt) / f"{safe_name}.json"

    @property
    def archive_encrypted_marker(self) -> Path:
        return self.archive / ARCHIVE_ENCRYPTED_MARKER

    def standardised_file(self, source: str, dt: date, safe_name: str) -> Path:
        return self.standardised / source / dt_folder(dt) / f"{safe_name}.parquet"

    def quarantine_file(self, source: str, dt: date, safe_name: str) -> Path:
        return self.quarantine / source / dt_folder(dt) / f"{safe_name}.parquet"

    def source_schema_file(self, source: str) -> Path:
        return self.standardised / source / SCHEMA_DIR / "empty.parquet"

    # --- evaluations ---------------------------------------------------------------------

    def work_dir(self, period: str, as_of: date, methodology: str) -> Path:
        """One evaluation's work folder: steps hand over through it, so a task can be retried alone."""
        return self.home / "runs" / f"{period}_as-of-{as_of.isoformat()}_m{methodology}"

    def evaluation_dir(self, period: str, status: str, as_of: date, methodology: str) -> Path:
        # the default methodology's folder has no suffix; another version's sits beside it
        suffix = "" if methodology == DEFAULT_METHODOLOGY else f"-m{methodology}"
        return self.evaluations / period / f"{status}-{as_of.isoformat()}{suffix}"

    def comparison_dir(self, period: str, as_of: str, version_a: str, version_b: str) -> Path:
        return self.evaluations / period / f"compare-m{version_a}-m{version_b}-{as_of}"

    # --- publication -----------------------------------------------------------------------

    @property
    def published(self) -> Path:
        return self.home / "published"

    @property
    def published_index(self) -> Path:
        return self.published / "index.json"

    def publication_dir(self, period: str, name: str) -> Path:
        return self.published / period / name

    def latest_link(self, period: str) -> Path:
        return self.published / period / "latest"

    @property
    def published_signing_key(self) -> Path:
        """The installation's public signing key (PEM), beside the index."""
        return self.published / "signing_key.pub"

    def acceptance(self, period: str, as_of: str) -> Path:
        return self.home / "acceptances" / f"{period}_as-of-{as_of}.json"

    @property
    def duckdb_spill(self) -> Path:
        """Where DuckDB spills past its memory limit (core/duck.py)."""
        return self.home / "tmp" / "duckdb"

    @property
    def spark_local(self) -> Path:
        """Spark's scratch folder (shuffle and spill files; core/engines.py)."""
        return self.home / "tmp" / "spark"

    @staticmethod
    def spark_warehouse(work: Path) -> Path:
        """A Spark build's tables, as Parquet, in the run's own work folder: each build starts from
        an empty folder and no two runs share one, so Spark runs need no warehouse lock."""
        return work / "spark_warehouse"

    @property
    def trials(self) -> Path:
        """Workspaces of evaluations of landing folders other than the installation's."""
        return self.home / "trials"

    # --- operations ------------------------------------------------------------------------

    @property
    def bench_results(self) -> Path:
        """`make bench` results, one JSON file per run and `latest.json`; committed, so not in
        HOME_ENTRIES (`make clean` keeps them)."""
        return self.home / "bench"

    @property
    def purge_log(self) -> Path:
        return self.home / "purge_log"

    @property
    def archive_key_file(self) -> Path:
        """The per-installation archive key, made when no operator key is given (mode 0600)."""
        return self.home / "secrets" / "archive.key"

    @property
    def signing_key_file(self) -> Path:
        """The per-installation Ed25519 signing key, made when no operator key is given (mode 0600)."""
        return self.home / "secrets" / "signing.key"

    @property
    def docs(self) -> Path:
        """`make docs`: dbt's documentation of the project as one page, `docs/index.html`."""
        return self.home / "docs"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    def dag_log(self, dag_id: str, period: str, as_of: str) -> Path:
        return self.logs / f"{dag_id}_{period}_as-of-{as_of}.log"

    @property
    def airflow_initialised(self) -> Path:
        """Marks an embedded Airflow whose metadata DB and pool were made."""
        return self.airflow_home / ".lcq-initialised"


def clean(home: Path) -> list[Path]:
    """Remove everything the product wrote under `home` (`make clean`); returns what was removed."""
    import shutil

    removed = []
    for name in HOME_ENTRIES:
        path = home / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        else:
            continue
        removed.append(path)
    return removed


if __name__ == "__main__":  # make clean: stdlib only, so it works before the venv exists
    for gone in clean(Layout.from_env().home):
        print(f"removed {gone}")
