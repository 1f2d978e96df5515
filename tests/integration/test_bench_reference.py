"""The bench's floor (hand-written DuckDB SQL) and its pandas implementation compute every
operator indicator straight from the standardised Parquet; both must agree with the
pipeline's mart fct_subject_indicators to the cell, on a landing with bad rows (so the
reference checks and the as-of versions of records delivered several times count)."""

from __future__ import annotations

import pytest

from live_commerce_quality.bench import floor, pandas_ref
from live_commerce_quality.bench.indicators import OPERATOR_INDICATORS, agreement
from tests.conftest import LCQ_VARS

pytestmark = pytest.mark.integration

PERIOD, AS_OF = "2026-09", "2026-10-15"


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    """(standardised folder, marts folder) of one evaluation of a small demo landing with bad rows."""
    from live_commerce_quality.core.settings import Settings
    from live_commerce_quality.demo import generate
    from live_commerce_quality.run.steps import run_evaluation

    tmp = tmp_path_factory.mktemp("bench")
    home = tmp / "home"
    generate(home / "landing", [PERIOD], scale=0.02, seed=5, fmt="parquet", bad_share=0.005)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LCQ_HOME", str(home))
        for var in LCQ_VARS:
            mp.delenv(var, raising=False)
        settings = Settings.from_env()
        run_evaluation(home / "landing", PERIOD, AS_OF, tmp / "out", settings=settings)
        from datetime import date

        marts = settings.work_dir(PERIOD, date.fromisoformat(AS_OF), "1") / "marts"
        yield settings.standardised, marts


@pytest.mark.parametrize("implementation", [floor, pandas_ref], ids=["floor", "pandas"])
def test_bench_implementation_agrees_with_the_mart_to_the_cell(evaluated, implementation, tmp_path):
    standardised, marts = evaluated
    out = tmp_path / "rows.parquet"
    implementation.compute(str(standardised), PERIOD, AS_OF, None, str(out))
    result = agreement(out, marts)
    assert result["mismatching_cells"] == 0, "\n".join(result["first_mismatches"])
    assert result["agree"]
    # not vacuous: operators in numbers, every indicator of each
    assert result["operators"] >= 20, result
    assert result["rows_bench"] == result["rows_pipeline"] == len(OPERATOR_INDICATORS) * result["operators"]


def test_agreement_counts_a_changed_cell_and_a_missing_row(evaluated, tmp_path):
    import polars as pl

    standardised, marts = evaluated
    out = tmp_path / "rows.parquet"
    floor.compute(str(standardised), PERIOD, AS_OF, None, str(out))
    rows = pl.read_parquet(out).sort("subject_id", "indicator_id")
    changed = rows.with_columns(
        denominator=pl.when(pl.int_range(pl.len()) == 0).then(pl.col("denominator") + 1).otherwise("denominator")
    ).slice(0, rows.height - 1)
    changed.write_parquet(out)
    result = agreement(out, marts)
    assert result["mismatching_cells"] == 1 + 3, result["first_mismatches"]
    assert not result["agree"]
