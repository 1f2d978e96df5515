"""The marts' export (transform/marts.py) from the Parquet a Spark build leaves: the contract's
columns and types, rows sorted by every column, and a table Spark wrote no file for exported empty."""

from __future__ import annotations

import polars as pl

from live_commerce_quality.core.engines import SPARK
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.transform.marts import MARTS, SPARK_SCHEMA, export_marts, mart_schema


def test_spark_tables_exported_typed_sorted_and_empty_ones_with_their_schema(tmp_path, monkeypatch):
    monkeypatch.setenv("LCQ_HOME", str(tmp_path / "home"))
    settings = Settings.from_env()
    work = tmp_path / "work"
    schema = mart_schema(settings, "fct_veto_findings")
    rows = [dict.fromkeys(schema) for _ in range(3)]
    first = next(iter(schema))  # the mart's key, a string: the order is decided by it
    assert schema[first] == pl.Utf8
    for row, value in zip(rows, ("c", "a", "b"), strict=True):
        row[first] = value
    table = settings.spark_warehouse(work) / f"{SPARK_SCHEMA}.db" / "fct_veto_findings"
    table.mkdir(parents=True)
    # columns in another order, as Spark may write them; rows unsorted
    pl.DataFrame(rows, schema=schema).select(list(reversed(schema))).write_parquet(table / "part-0.parquet")

    counts = export_marts(settings, work, engine=SPARK)

    assert counts == {m: (3 if m == "fct_veto_findings" else 0) for m in MARTS}
    out = pl.read_parquet(work / "marts" / "fct_veto_findings.parquet")
    assert out.schema == pl.Schema(schema)
    assert out[first].to_list() == ["a", "b", "c"]
    for mart in MARTS:
        exported = pl.read_parquet(work / "marts" / f"{mart}.parquet")
        assert exported.schema == pl.Schema(mart_schema(settings, mart)), mart
