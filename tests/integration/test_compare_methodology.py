"""Both shipped methodology versions on the same demo period: the grade migration matrix adds
up to the subjects rated, and every subject whose grade changes names the indicators that
moved it."""

from __future__ import annotations

import polars as pl
import pytest

from live_commerce_quality.core import methodology
from live_commerce_quality.demo import generate
from live_commerce_quality.inspect.compare import migration_matrix, movers
from live_commerce_quality.run.steps import run_evaluation

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("compare")
    landing = tmp / "landing"
    generate(landing, ["2026-09"], scale=0.02, seed=3, fmt="parquet", bad_share=0.0)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LCQ_HOME", str(tmp / "home"))
        folders = {
            v: run_evaluation(landing, "2026-09", "2026-10-15", tmp / f"m{v}", methodology=v) for v in ("1", "2")
        }
    return {
        v: (pl.read_parquet(f / "ratings.parquet"), pl.read_parquet(f / "indicators.parquet"))
        for v, f in folders.items()
    }


def test_matrix_adds_up_to_the_subjects_rated(two_versions):
    (ra, _), (rb, _) = two_versions["1"], two_versions["2"]
    grades = methodology.load("1").grade_order
    matrix = migration_matrix(ra, rb, grades)
    assert matrix["grade_a"].to_list() == list(grades)
    assert sum(matrix[g].sum() for g in grades) == ra.height == rb.height
    assert (ra["methodology_version"] == "1").all() and (rb["methodology_version"] == "2").all()
    # the same subjects are rated under both; only the scoring of the after-sale stage differs
    assert ra.select("subject_kind", "subject_id").equals(rb.select("subject_kind", "subject_id"))


def test_grade_changes_name_the_indicators_that_moved_them(two_versions):
    (ra, ia), (rb, ib) = two_versions["1"], two_versions["2"]
    changed = movers(ra, rb, ia, ib)
    assert changed.height > 0, "percentile scoring after the transaction moves some grade"
    for row in changed.iter_rows(named=True):
        assert row["grade_a"] != row["grade_b"]
        if "NR" not in (row["grade_a"], row["grade_b"]):
            assert row["moved_by"] and row["moved_by"].startswith("POST-"), row
