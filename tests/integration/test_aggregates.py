"""Agencies and platforms are sums over their members (never averages of scores), checked on
the hand fixture where the membership is known: agency AG1 = streamers S_A and S_B; platform
douyin = every evaluated operator."""

from __future__ import annotations

import polars as pl
import pytest

pytestmark = pytest.mark.integration

SUMMED = ["PRE-2", "PRE-3", "IN-1", "IN-2", "POST-1", "POST-3", "POST-4", "POST-5", "POST-6", "POST-7"]


@pytest.fixture(scope="module")
def frames(hand_evaluation):
    out, _, _ = hand_evaluation
    return pl.read_parquet(out / "ratings.parquet"), pl.read_parquet(out / "indicators.parquet")


def _counts(indicators: pl.DataFrame, kind: str, ids: list[str]) -> pl.DataFrame:
    return (
        indicators.filter((pl.col("subject_kind") == kind) & pl.col("subject_id").is_in(ids))
        .group_by("indicator_id")
        .agg(pl.col("numerator").sum(), pl.col("denominator").sum())
        .sort("indicator_id")
    )


def _own(indicators: pl.DataFrame, kind: str, subject_id: str) -> pl.DataFrame:
    return (
        indicators.filter((pl.col("subject_kind") == kind) & (pl.col("subject_id") == subject_id))
        .select("indicator_id", "numerator", "denominator")
        .sort("indicator_id")
    )


def test_every_kind_is_rated(frames):
    ratings, _ = frames
    kinds = dict(ratings.group_by("subject_kind").len().iter_rows())
    assert set(kinds) == {"operator", "streamer", "agency", "platform"}
    assert ratings.filter(pl.col("subject_kind") == "platform")["subject_id"].to_list() == ["douyin"]


def test_agency_is_the_sum_of_its_streamers(frames):
    ratings, indicators = frames
    members = ["S_A", "S_B"]
    assert set(ratings.filter(pl.col("subject_kind") == "streamer")["subject_id"]) >= set(members)
    expected = _counts(indicators, "streamer", members).filter(pl.col("indicator_id").is_in(SUMMED))
    actual = _own(indicators, "agency", "AG1").filter(pl.col("indicator_id").is_in(SUMMED))
    assert actual.to_dicts() == expected.to_dicts()
    # PRE-1: verified members over members evaluated
    pre1 = _own(indicators, "agency", "AG1").filter(pl.col("indicator_id") == "PRE-1").row(0, named=True)
    assert pre1["denominator"] == 2


def test_platform_is_the_sum_of_its_operators(frames):
    ratings, indicators = frames
    operators = ratings.filter(pl.col("subject_kind") == "operator")["subject_id"].to_list()
    assert sorted(operators) == ["OP_A", "OP_B", "OP_C", "OP_D"]
    expected = _counts(indicators, "operator", operators).filter(pl.col("indicator_id") != "POST-2")
    actual = _own(indicators, "platform", "douyin").filter(pl.col("indicator_id") != "POST-2")
    assert actual.to_dicts() == expected.to_dicts()
    platform = ratings.filter(pl.col("subject_kind") == "platform").row(0, named=True)
    assert platform["members_evaluated"] == 4 and platform["members_vetoed"] == 1  # OP_C


def test_streamers_have_no_customer_service_indicator(frames):
    _, indicators = frames
    in3 = indicators.filter((pl.col("subject_kind") == "streamer") & (pl.col("indicator_id") == "IN-3"))
    assert in3.height > 0 and not in3["applicable"].any()
