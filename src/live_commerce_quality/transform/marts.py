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
from live_commerce_quality.core.io import copy_to_parquet
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
DUCKDB_TYPES = {
    pl.Utf8: "varchar",
    pl.Int64: "bigint",
    pl.Float64: "double",
    pl.Date: "date",
    pl.Datetime("us"): "timestamp",
    pl.Boolean: "boolean",
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
    """Copy each mart the engine built into `<work>/marts/<mart>.parquet`; returns rows per mart.

    DuckDB casts to the contract's types, sorts by every column in the contract's order (neither
    engine promises a row order for a table) and writes, within its memory bounds: the lineage
    mart has tens of millions of rows at scale and never passes through Python."""
    dest = work / "marts"
    dest.mkdir(parents=True, exist_ok=True)
    rows = {}
    with _relations(settings, work, engine) as (con, relation):
        for mart in MARTS:
            schema = mart_schema(settings, mart)
            rows[mart] = copy_to_parquet(con, _export_query(schema, relation(mart)), dest / f"{mart}.parquet")
    return rows


def _export_query(schema: dict[str, pl.DataType], relation: str | None) -> str:
    """The mart's rows with the contract's columns and types, in one order (None: no rows)."""
    if relation is None:
        nulls = ", ".join(f'cast(null as {DUCKDB_TYPES[t]}) as "{c}"' for c, t in schema.items())
        return f"select {nulls} limit 0"
    columns = ", ".join(f'cast("{c}" as {DUCKDB_TYPES[t]}) as "{c}"' for c, t in schema.items())
    return f"select {columns} from {relation} order by all nulls last"


@contextmanager
def _relations(settings: Settings, work: Path, engine: str) -> Iterator[tuple[object, Callable[[str], str | None]]]:
    """A DuckDB connection and, per mart, the relation it reads the mart from as the engine left
    it (None: a table of no rows and no files)."""
    if engine == DUCKDB:
        con = duck.connect(settings, settings.warehouse, read_only=True)
        try:
            yield con, lambda mart: f"main.{mart}"
        finally:
            con.close()
        return
    # Spark: the Parquet files it wrote for each table, <warehouse>/<schema>.db/<table>/part-*
    root = settings.spark_warehouse(work) / f"{SPARK_SCHEMA}.db"

    def relation(mart: str) -> str | None:
        files = ", ".join(duck.sql_string(f) for f in sorted((root / mart).glob("*.parquet")))
        return f"read_parquet([{files}])" if files else None

    con = duck.connect(settings)
    try:
        yield con, relation
    finally:
        con.close()
