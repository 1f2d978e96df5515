"""The same dbt project on DuckDB and on Spark: the demo month evaluated on each engine gives the
same indicator values and grades to the cell, and the same evaluation folder byte for byte, but
for the engine its manifest names (and so the checksum list and its signature)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from live_commerce_quality.cli import DEMO_MONTHS, DEMO_SCALE, DEMO_SEED
from live_commerce_quality.core import methodology
from live_commerce_quality.core.periods import Period
from tests.conftest import LCQ_VARS

from .conftest import folder_bytes

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PERIOD = DEMO_MONTHS[0]
# what names the engine: the manifest, and so the checksum list and its signature
ENGINE_NAMED_IN = {"evidence/manifest.json", "SHA256SUMS", "SHA256SUMS.sig"}


@pytest.fixture(scope="module")
def evaluations(tmp_path_factory) -> dict[str, Path]:
    """The demo month (as `make run` generates it) evaluated on each engine, as of its final cutoff."""
    from live_commerce_quality.demo import generate
    from live_commerce_quality.run.steps import run_evaluation

    root = tmp_path_factory.mktemp("engines")
    landing = root / "landing"
    generate(landing, [PERIOD], DEMO_SCALE, DEMO_SEED, "mixed", 0.002)
    cutoff = Period.parse(PERIOD).final_cutoff(methodology.load().settlement_lag_days)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LCQ_HOME", str(root / "home"))
        for var in (*LCQ_VARS, "LCQ_ENGINE"):
            mp.delenv(var, raising=False)
        return {
            engine: run_evaluation(landing, PERIOD, cutoff, root / f"out-{engine}", engine=engine)
            for engine in ("duckdb", "spark")
        }


def test_every_indicator_value_and_grade_equal(evaluations):
    duck, spark = evaluations["duckdb"], evaluations["spark"]
    indicators = pl.read_parquet(duck / "indicators.parquet")
    assert indicators.height > 1000 and indicators["raw_value"].is_not_null().sum() > 1000  # not vacuous
    assert_frame_equal(indicators, pl.read_parquet(spark / "indicators.parquet"), check_exact=True)
    ratings = pl.read_parquet(duck / "ratings.parquet")
    assert ratings["grade"].n_unique() > 1
    assert_frame_equal(ratings, pl.read_parquet(spark / "ratings.parquet"), check_exact=True)


def test_evaluation_folders_equal_but_for_the_engine(evaluations):
    duck, spark = (folder_bytes(evaluations[e]) for e in ("duckdb", "spark"))
    assert duck.keys() == spark.keys()
    differ = {name for name in duck if duck[name] != spark[name]}
    assert differ <= ENGINE_NAMED_IN, sorted(differ - ENGINE_NAMED_IN)

    manifests = {e: json.loads(f["evidence/manifest.json"]) for e, f in (("duckdb", duck), ("spark", spark))}
    assert manifests["duckdb"].pop("engine") == "duckdb"
    assert manifests["spark"].pop("engine") == "spark"
    assert manifests["duckdb"] == manifests["spark"]
    sums = {e: f["SHA256SUMS"].decode().splitlines() for e, f in (("duckdb", duck), ("spark", spark))}
    other_lines = [{line for line in lines if not line.endswith("evidence/manifest.json")} for lines in sums.values()]
    assert other_lines[0] == other_lines[1] and len(other_lines[0]) == len(duck) - len(ENGINE_NAMED_IN)
