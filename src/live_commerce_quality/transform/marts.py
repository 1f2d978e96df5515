"""The marts Python reads, handed on from whichever engine built them.

Each mart's columns and types are its dbt contract (`dbt_project/models/marts/_marts__models.yml`,
enforced at build); the export writes `<work>/marts/<mart>.parquet` with exactly those types and
its rows in one order, so that grading, the gates and the evidence pack read the same bytes
whether DuckDB or Spark built them. On DuckDB the copy is taken under the warehouse lock, so a
later run cannot change the marts between the transform and grading.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import polars as pl
import yaml

from live_commerce_quality.core import duck
from live_commerce_quality.core.engines import DUCKDB
from live_commerce_quality.core.io import write_parquet
from live_commerce_quality.core.settings import Settings

MARTS = (
    "dim_subjects",
    "fct_subject_indicators",
    "fct_veto_findings",
    "fct_rows_set_aside",
    "fct_order_scope",
    "fct_indicator_lineage",
)
LINEAGE_MART = "fct_indicator_lineage"
MARTS_YAML = Path("models") / "marts" / "_marts__models.yml"
SPARK_SCHEMA = "lcq"  # the spark target's schema (dbt_project/profiles.yml)

# The contract's type names (spelled so that both engines accept them) as Parquet column types.
CONTRACT_TYPES = {
    "string": pl.Utf8,
    "bigint": pl.Int64,
    "double": pl.Float64,
    "date": pl.Date,
    "timestamp": pl.Datetime("us"),
    "boolean": pl.Boolean,
}


@cache
def _contracts(dbt_project: Path) -> dict[str, dict[str, pl.DataType]]:
    models = yaml.safe_load((dbt_project / MARTS_YAML).read_text(encoding="utf-8"))["models"]
    return {
        m["name"]: {c["name"]: CONTRACT_TYPES[c["data_type"]] for c in m["columns"]}
        for m in models
        if m["name"] in MARTS
    }


def mart_schema(settings: Settings, mart: str) -> dict[str, pl.DataType]:
    """A mart's columns and their types, in order, from its dbt contract."""
    return _contracts(settings.dbt_project)[mart]


def export_marts(settings: Settings, work: Path, engine: str = DUCKDB) -> dict[str, int]:
    """Copy each mart the engine built into `<work>/marts/<mart>.parquet`; returns rows per mart."""
    dest = work / "marts"
    dest.mkdir(parents=True, exist_ok=True)
    rows = {}
    with _reader(settings, work, engine) as read:
        for mart in MARTS:
            schema = mart_schema(settings, mart)
            frame = read(mart)
            frame = pl.DataFrame(schema=schema) if frame is None else frame.select(list(schema)).cast(schema)
            # one row order whatever the engine (neither promises one for a table)
            frame = frame.sort(list(schema), nulls_last=True)
            write_parquet(frame, dest / f"{mart}.parquet")
            rows[mart] = frame.height
    return rows


@contextmanager
def _reader(settings: Settings, work: Path, engine: str) -> Iterator[Callable[[str], pl.DataFrame | None]]:
    """A function reading a mart as the engine left it (None: a table of no rows and no files)."""
    if engine == DUCKDB:
        con = duck.connect(settings, settings.warehouse, read_only=True)
        try:
            yield lambda mart: con.sql(f"select * from main.{mart}").pl()
        finally:
            con.close()
        return
    # Spark: the Parquet files it wrote for each table, <warehouse>/<schema>.db/<table>/part-*
    root = settings.spark_warehouse(work) / f"{SPARK_SCHEMA}.db"

    def read(mart: str) -> pl.DataFrame | None:
        files = sorted((root / mart).glob("*.parquet"))
        return pl.read_parquet(files) if files else None

    yield read
