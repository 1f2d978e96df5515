"""The dbt project builds on empty extracts, its data tests pass, and its unit tests of the
formulas pass (they need the upstream relations to exist, hence the empty build first). The
delivery-grain tests, which evaluations leave out, pass on the hand fixture's data."""

from __future__ import annotations

from datetime import date

import pytest

from live_commerce_quality.core import methodology
from live_commerce_quality.core.periods import Period, as_of_instant
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.transform.dbt import (
    BUILD_ARGS,
    build_summary,
    ensure_source_schemas,
    evaluation_vars,
    run_dbt,
)

pytestmark = pytest.mark.integration


def _vars(period: str, cutoff: date) -> dict:
    p = Period.parse(period)
    return evaluation_vars(p.start, p.end, cutoff, as_of_instant(cutoff), methodology.load("1"))


def test_build_on_empty_extracts_then_unit_tests(lcq_home, tmp_path):
    settings = Settings.from_env()
    ensure_source_schemas(settings)
    dbt_vars = _vars("2026-03", date(2026, 4, 15))
    work = tmp_path / "work"
    run_dbt(["build", "--exclude-resource-type", "unit_test"], settings, work, dbt_vars)
    run_dbt(["test", "--select", "test_type:unit"], settings, work, dbt_vars)


def test_delivery_grain_tests_pass_on_data(hand_evaluation, monkeypatch, tmp_path):
    _, home, _ = hand_evaluation
    monkeypatch.setenv("LCQ_HOME", str(home))
    settings = Settings.from_env()
    grain = ["tag:delivery_grain", "tag:construction_grain"]
    assert set(grain) <= set(BUILD_ARGS)  # evaluations leave them out; this test runs them
    tail = run_dbt(["test", "--select", *grain], settings, tmp_path, _vars("2026-03", date(2026, 4, 15)))
    # 20 grain tests pass (dbt's PASS count adds the on-run-start hook that registers the sources)
    assert build_summary(tmp_path)["nodes"].get("pass") == 20, tail


BUCKETED = ("int_indicator_member_files",)


def _tables(warehouse, names) -> dict[str, list[tuple]]:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {n: sorted(con.execute(f"select * from main.{n}").fetchall(), key=repr) for n in names}


def test_models_built_in_buckets_equal_the_models_built_whole(hand_evaluation, monkeypatch, tmp_path):
    """macros/buckets.sql: each bucket's query, inserted after the first, makes the same rows as
    one query; every bucket holds rows, so a bucket left out would show."""
    import shutil

    import duckdb

    _, home, _ = hand_evaluation
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(home / "warehouse.duckdb", warehouse)
    monkeypatch.setenv("LCQ_HOME", str(home))
    monkeypatch.setenv("LCQ_WAREHOUSE", str(warehouse))
    settings = Settings.from_env()
    whole = _tables(warehouse, BUCKETED)
    buckets = 3
    dbt_vars = {**_vars("2026-03", date(2026, 4, 15)), "buckets": buckets}
    run_dbt(["run", "--select", *BUCKETED], settings, tmp_path / "work", dbt_vars)
    assert _tables(warehouse, BUCKETED) == whole
    with duckdb.connect(str(warehouse), read_only=True) as con:
        per_bucket = con.execute(f"select count(distinct hash(member_id) % {buckets}) from {BUCKETED[0]}").fetchone()
        assert per_bucket == (buckets,)
