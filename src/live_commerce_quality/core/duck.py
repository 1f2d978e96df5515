"""Every DuckDB connection the product opens — dbt's, the quality gates', the ingest's — gets the
same bounds, from one place: a memory limit, a thread count and a folder to spill to. Past the
limit DuckDB spills to disk instead of growing (a 24 GiB machine running other work must never
meet the OOM killer because of one evaluation).

    LCQ_DUCKDB_MEMORY_LIMIT   default 3GB   (DuckDB's own buffers; the process adds a little)
    LCQ_DUCKDB_THREADS        default: the machine's cores
    spill folder              <LCQ_HOME>/tmp/duckdb (core/layout.py)
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from live_commerce_quality.core.layout import Layout

MEMORY_LIMIT_ENV = "LCQ_DUCKDB_MEMORY_LIMIT"
THREADS_ENV = "LCQ_DUCKDB_THREADS"
DEFAULT_MEMORY_LIMIT = "3GB"
# Orders rows of the period per GB of memory limit before the per-member models are built in
# buckets (transform/buckets.py): SF10's month (25 M rows) builds in one query at 3GB.
BUCKET_ROWS_PER_GB = 10_000_000
_UNITS = {"": 1, "B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}


def cores_from_env(var: str) -> int:
    """A count of cores from the environment variable `var`, else the machine's (at least 1)."""
    return max(1, int(os.environ.get(var) or os.cpu_count() or 1))


@dataclass(frozen=True)
class DuckDBBounds:
    memory_limit: str
    threads: int
    temp_directory: Path

    @classmethod
    def of(cls, layout: Layout) -> DuckDBBounds:
        return cls(
            memory_limit=os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT,
            threads=cores_from_env(THREADS_ENV),
            temp_directory=layout.duckdb_spill,
        )

    @property
    def memory_limit_bytes(self) -> float:
        """`memory_limit` in bytes ("3GB", "2500MiB", ...: DuckDB's spellings)."""
        match = re.fullmatch(r"\s*([0-9.]+)\s*([A-Za-z]*)\s*", self.memory_limit)
        if match is None or match.group(2).upper() not in _UNITS:
            raise ValueError(f"{MEMORY_LIMIT_ENV}: {self.memory_limit!r} is not a size such as 3GB")
        return float(match.group(1)) * _UNITS[match.group(2).upper()]

    def bucket_rows(self) -> int:
        """How many rows one query may take before a model is built in buckets."""
        return max(1, int(self.memory_limit_bytes / 1e9 * BUCKET_ROWS_PER_GB))

    def config(self) -> dict[str, str]:
        """The settings for `duckdb.connect(config=...)`."""
        self.temp_directory.mkdir(parents=True, exist_ok=True)
        return {
            "memory_limit": self.memory_limit,
            "threads": str(self.threads),
            "temp_directory": str(self.temp_directory),
        }

    def environment(self) -> dict[str, str]:
        """The same bounds for a child process (dbt reads them in profiles.yml)."""
        self.temp_directory.mkdir(parents=True, exist_ok=True)
        return {
            MEMORY_LIMIT_ENV: self.memory_limit,
            THREADS_ENV: str(self.threads),
            "LCQ_DUCKDB_TEMP_DIRECTORY": str(self.temp_directory),
        }


def sql_string(value: object) -> str:
    """`value` as a SQL string literal (a path, a name): quoted, its own quotes doubled."""
    return "'" + str(value).replace("'", "''") + "'"


def connect(layout: Layout, database: str | Path = ":memory:", read_only: bool = False):
    """A DuckDB connection within the installation's bounds."""
    import duckdb

    config = DuckDBBounds.of(layout).config()
    con = duckdb.connect(str(database), read_only=read_only, config=config)
    # a query of more than two seconds would draw its progress bar on stderr, into task logs
    con.execute("set enable_progress_bar = false")
    return con
