"""Scoring rules of methodology.md on hand-checkable numbers, and their invariants."""

from __future__ import annotations

import math
from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from live_commerce_quality.core import methodology
from live_commerce_quality.grading.grade import (
    IndicatorResult,
    combine,
    grade_subject,
    linear_score,
    round_half_up,
    score_indicator,
    smooth,
)
from live_commerce_quality.grading.tables import EvaluationContext, _with_peers, grade_all

M = methodology.load("1")


def result(ind_id: str, score: float | None) -> IndicatorResult:
    ind = M.indicator(ind_id)
    return IndicatorResult(ind_id, 1.0, 1.0, 1.0, None, 1.0, score, ind.weight, score is not None, None)


def all_results(scores: dict[str, float | None]) -> list[IndicatorResult]:
    return [result(i.id, scores.get(i.id)) for i in M.indicators]


# --- the pieces, by hand ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(89.995, 90.0), (89.994999, 89.99), (2.675, 2.68), (1.005, 1.01), (0.125, 0.13), (100.0, 100.0)],
)
def test_round_half_up_of_the_written_value(value, expected):
    assert round_half_up(value) == expected


def test_linear_score_both_directions_and_clamp():
    # PRE-2 higher-is-better: full 100 %, zero 80 %
    assert linear_score(0.9, 1.0, 0.8) == pytest.approx(50.0)
    assert linear_score(0.5, 1.0, 0.8) == 0.0
    # POST-2 lower-is-better: full 48 h, zero 120 h
    assert linear_score(84.0, 48.0, 120.0) == pytest.approx(50.0)
    assert linear_score(30.0, 48.0, 120.0) == 100.0


def test_smoothing_by_hand():
    # two reviews, one bad, peer rate 90 %, k = 20: (1 + 20*0.9) / (2 + 20) = 19/22
    assert smooth(1, 2, 0.9, 20) == pytest.approx(19 / 22)


def test_score_indicator_not_applicable_below_n_min():
    r = score_indicator(M.indicator("POST-7"), "operator", 5, 9, 5 / 9, 0.9, 20, True)
    assert not r.applicable and r.score is None
    assert "below n_min" in r.not_applicable_reason


def test_score_indicator_smoothed_per_1000():
    # POST-5: 1 complaint group over 100 orders, peers 5 per 1,000 orders:
    # (1 + 20 * 0.005) / 120 * 1000 = 9.1667 per 1,000; score 100 * (9.1667 - 10) / (0.5 - 10) = 8.77
    r = score_indicator(M.indicator("POST-5"), "operator", 1, 100, 10.0, 0.005, 20, True)
    assert r.adjusted_value == pytest.approx(1.1 / 120 * 1000)
    assert r.peer_rate == pytest.approx(5.0)
    assert r.score == pytest.approx(8.771929824561)


def test_in3_not_for_streamers():
    r = score_indicator(M.indicator("IN-3"), "streamer", 50, 50, 1.0, 1.0, 20, True)
    assert not r.applicable and "does not apply" in r.not_applicable_reason


def test_empty_stage_weight_goes_to_the_other_stages():
    scores = {"PRE-1": 100.0, "PRE-2": 50.0, "PRE-3": 100.0, "POST-1": 0.0, "POST-7": 100.0}
    stages, total, weight = combine(all_results(scores), M)
    assert stages["in"] is None
    assert stages["pre"] == pytest.approx((5 * 100 + 5 * 50 + 10 * 100) / 20)
    assert stages["post"] == pytest.approx((8 * 0 + 6 * 100) / 14)
    assert total == pytest.approx((20 * stages["pre"] + 45 * stages["post"]) / 65)
    assert weight == 5 + 5 + 10 + 8 + 6


def test_not_rated_still_reports_total_and_veto_overrides():
    scores = {"PRE-1": 100.0, "PRE-2": 100.0}
    res = grade_subject(all_results(scores), [], M)
    assert res.grade == "NR" and res.total_score == 100.0 and "below 60" in res.not_rated_reason
    vetoed = grade_subject(all_results(scores), ["F1 (critical other)"], M)
    assert vetoed.grade == "E" and vetoed.veto and vetoed.veto_reasons == "F1 (critical other)"


def test_grade_from_rounded_total():
    scores = {i.id: 89.995 for i in M.indicators}
    assert grade_subject(all_results(scores), [], M).grade == "A"


# --- invariants ----------------------------------------------------------------------------

score_values = st.one_of(st.none(), st.floats(0, 100, allow_nan=False))
score_maps = st.fixed_dictionaries({i.id: score_values for i in M.indicators})


@settings(max_examples=200, deadline=None)
@given(score_maps, st.sampled_from([i.id for i in M.indicators]), st.floats(0, 100))
def test_improving_one_indicator_never_lowers_the_total(scores, ind_id, bump):
    before = combine(all_results(scores), M)[1]
    if scores[ind_id] is None or before is None:
        return
    better = dict(scores, **{ind_id: min(100.0, scores[ind_id] + bump)})
    after = combine(all_results(better), M)[1]
    assert after >= before - 1e-9


@settings(max_examples=200, deadline=None)
@given(score_maps)
def test_applicable_weights_sum_to_stage_and_total_weights(scores):
    results = all_results(scores)
    stages, total, applicable_weight = combine(results, M)
    assert applicable_weight == sum(r.weight for r in results if r.applicable)
    live = [s for s in stages if stages[s] is not None]
    effective = sum(M.stage_weights[s] for s in live)
    # the stage weights used add up to the full 100 once empty stages are shared out
    if live:
        shares = sum(M.stage_weights[s] / effective for s in live)
        assert math.isclose(shares, 1.0)
        assert 0 <= total <= 100


@settings(max_examples=100, deadline=None)
@given(score_maps)
def test_a_veto_always_gives_e(scores):
    assert grade_subject(all_results(scores), ["F9 (counterfeit)"], M).grade == "E"


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 500), st.integers(1, 500), st.floats(0, 1, allow_nan=False), st.floats(0.1, 100))
def test_smoothing_moves_toward_the_peer_rate_never_past_it(x, extra, p, k):
    n = x + extra  # a rate between 0 and 1
    raw = x / n
    s = smooth(x, n, p, k)
    lo, hi = sorted((raw, p))
    assert lo - 1e-12 <= s <= hi + 1e-12


def _tables():
    subjects = pl.DataFrame(
        {
            "subject_kind": ["operator"] * 2,
            "subject_id": ["o1", "o2"],
            "subject_name": ["甲", "乙"],
            "platform": ["douyin"] * 2,
            "main_category": ["food"] * 2,
            "peer_group": ["douyin|food"] * 2,
            "is_verified": [True, False],
        }
    )
    rows = []
    for sid, n in (("o1", 40.0), ("o2", 12.0)):
        for ind in M.indicators:
            num = None if ind.id == "POST-2" else n * 0.9
            raw = 60.0 if ind.id == "POST-2" else (num / n) * ind.scale
            rows.append(("operator", sid, "douyin", ind.id, num, n, raw))
    indicators = pl.DataFrame(
        rows,
        schema=["subject_kind", "subject_id", "platform", "indicator_id", "numerator", "denominator", "raw_value"],
        orient="row",
    )
    vetoes = pl.DataFrame(
        {
            "subject_kind": ["operator"],
            "subject_id": ["o2"],
            "finding_id": ["F1"],
            "finding_type": ["counterfeit"],
            "severity": ["major"],
        }
    )
    return subjects, indicators, vetoes


def test_grade_all_is_byte_identical_and_has_the_contract_columns(tmp_path):
    ctx = EvaluationContext("2026-03", date(2026, 4, 15), "final")
    outs = []
    for i in range(2):
        ratings, indicators = grade_all(*_tables(), M, ctx)
        ratings.write_parquet(tmp_path / f"r{i}.parquet")
        indicators.write_parquet(tmp_path / f"i{i}.parquet")
        outs.append(((tmp_path / f"r{i}.parquet").read_bytes(), (tmp_path / f"i{i}.parquet").read_bytes()))
    assert outs[0] == outs[1]
    assert ratings.filter(pl.col("subject_id") == "o2")["grade"].item() == "E"
    # o1 scores E 41.35, o2 is vetoed (E 51.89): both rated Es of douyin, ranked by total
    ranked = ratings.sort("subject_id").select("grade", "total_score", "rank", "peer_percentile").rows()
    assert ranked == [("E", 41.35, 2, 0.0), ("E", 51.89, 1, 100.0)]
    assert indicators.height == 2 * len(M.indicators)


counts_strategy = st.lists(
    st.tuples(st.integers(0, 60), st.integers(0, 60), st.floats(1, 200, allow_nan=False)), min_size=2, max_size=6
)


@settings(max_examples=40, deadline=None)
@given(counts_strategy, st.booleans())
def test_same_inputs_give_byte_identical_outputs(subject_counts, shuffled):
    """Whatever the data, and in whatever row order the marts arrive, grading writes the same bytes."""
    import io

    subjects = pl.DataFrame(
        {
            "subject_kind": ["operator"] * len(subject_counts),
            "subject_id": [f"o{i}" for i in range(len(subject_counts))],
            "subject_name": [None] * len(subject_counts),
            "platform": ["douyin"] * len(subject_counts),
            "peer_group": ["douyin|food"] * len(subject_counts),
        }
    )
    rows = []
    for i, (x, extra, hours) in enumerate(subject_counts):
        for ind in M.indicators:
            n = float(x + extra)
            num = None if ind.id == "POST-2" else float(x)
            raw = hours if ind.id == "POST-2" else (x / n * ind.scale if n else None)
            rows.append(("operator", f"o{i}", "douyin", ind.id, num, n, raw))
    indicators = pl.DataFrame(
        rows,
        schema=["subject_kind", "subject_id", "platform", "indicator_id", "numerator", "denominator", "raw_value"],
        orient="row",
    )
    vetoes = pl.DataFrame(schema={"subject_kind": pl.String, "subject_id": pl.String, "finding_id": pl.String,
                                  "finding_type": pl.String, "severity": pl.String})  # fmt: skip
    ctx = EvaluationContext("2026-03", date(2026, 4, 15), "final")

    def written(subj, ind):
        ratings, out = grade_all(subj, ind, vetoes, M, ctx)
        buf = io.BytesIO()
        ratings.write_parquet(buf)
        out.write_parquet(buf)
        return buf.getvalue()

    first = written(subjects, indicators)
    if shuffled:
        subjects, indicators = subjects.reverse(), indicators.reverse()
    assert written(subjects, indicators) == first


# --- rank and percentile (methodology.md, "Rank and percentile") ----------------------------


def _peers(rows: list[tuple]) -> pl.DataFrame:
    """(kind, id, platform, grade, total) rows through `_with_peers`, sorted by id."""
    frame = pl.DataFrame(
        rows,
        schema={"subject_kind": pl.String, "subject_id": pl.String, "platform": pl.String,
                "grade": pl.String, "total_score": pl.Float64},
        orient="row",
    )  # fmt: skip
    return _with_peers(frame, None, M).sort("subject_id")


def test_rank_by_grade_then_total_ties_share_the_better_rank_nr_has_none():
    out = _peers(
        [
            ("operator", "a", "douyin", "B", 80.0),
            ("operator", "b", "douyin", "E", 64.41),  # vetoed: rated, an E
            ("operator", "c", "douyin", "E", 34.86),
            ("operator", "d", "douyin", "NR", 100.0),  # too little data: never placed
            ("operator", "e", "douyin", "E", 64.41),  # tie with b
            ("operator", "f", "douyin", "E", 95.0),  # vetoed with a high score: still below the B
            ("operator", "g", "kuaishou", "A", 91.0),  # another platform: its own group
        ]
    )
    rank = dict(zip(out["subject_id"], out["rank"], strict=True))
    pct = dict(zip(out["subject_id"], out["peer_percentile"], strict=True))
    assert rank == {"a": 1, "b": 3, "c": 5, "d": None, "e": 3, "f": 2, "g": 1}
    # 5 rated douyin operators: each has 4 others
    assert pct == {"a": 100.0, "b": 25.0, "c": 0.0, "d": None, "e": 25.0, "f": 75.0, "g": 100.0}


def test_agencies_rank_all_together():
    out = _peers([("agency", "x", None, "C", 75.0), ("agency", "y", None, "A", 92.0)])
    assert out["rank"].to_list() == [2, 1]
    assert out["peer_percentile"].to_list() == [0.0, 100.0]


grade_rows = st.lists(
    st.tuples(
        st.sampled_from(["douyin", "kuaishou"]),
        st.sampled_from(["A", "B", "C", "D", "E", "NR"]),
        st.one_of(st.none(), st.integers(0, 10_000).map(lambda c: c / 100)),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(grade_rows)
def test_rank_properties(rows):
    out = _peers([("operator", f"s{i:02d}", p, g, t) for i, (p, g, t) in enumerate(rows)])
    order = {g: i for i, g in enumerate("ABCDE")}
    for r in out.iter_rows(named=True):
        if r["grade"] == "NR":  # a not-rated subject never has a rank
            assert r["rank"] is None and r["peer_percentile"] is None
        else:
            assert r["rank"] >= 1 and 0.0 <= r["peer_percentile"] <= 100.0
    rated = [r for r in out.iter_rows(named=True) if r["grade"] != "NR"]
    for a in rated:
        for b in rated:
            if a["platform"] == b["platform"] and order[a["grade"]] < order[b["grade"]]:
                # a better grade never ranks below a worse one
                assert a["rank"] < b["rank"] and a["peer_percentile"] > b["peer_percentile"]
