"""Periods, cutoffs and subject references: the small domain types every stage shares."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from live_commerce_quality.core.periods import Period, PeriodError, as_of_instant
from live_commerce_quality.core.subjects import SubjectError, SubjectRef

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@given(days)
def test_a_day_lies_in_its_month_and_months_tile_the_calendar(day):
    p = Period.month_of(day)
    assert p.start <= day < p.end
    assert p.previous().end == p.start
    assert Period.parse(p.name) == p
    assert p.last_day == p.end - timedelta(days=1)


@given(days, st.integers(min_value=0, max_value=60))
def test_final_from_the_last_day_plus_the_lag(day, lag):
    p = Period.month_of(day)
    cutoff = p.final_cutoff(lag)
    assert cutoff == p.last_day + timedelta(days=lag)
    assert p.status(cutoff, lag) == "final"
    assert p.status(cutoff - timedelta(days=1), lag) == "provisional"


def test_march_and_its_settlement_cutoff():
    march = Period.parse("2026-03")
    assert (march.start, march.end, march.final_cutoff(15)) == (date(2026, 3, 1), date(2026, 4, 1), date(2026, 4, 15))
    assert Period.parse("2026-01").previous().name == "2025-12"
    assert str(as_of_instant(date(2026, 4, 15))) == "2026-04-16 00:00:00"


@pytest.mark.parametrize("text", ["2026-13", "2026-3", "26-03", "2026/03", "march", "", "2026-Q5", "2026-q1", "26"])
def test_bad_periods_are_refused_with_the_form(text):
    with pytest.raises(PeriodError, match=r"YYYY-MM .*YYYY-Qn .*YYYY"):
        Period.parse(text)


def test_quarters_and_years():
    q1 = Period.parse("2026-Q1")
    assert (q1.start, q1.end, q1.kind, q1.name) == (date(2026, 1, 1), date(2026, 4, 1), "quarter", "2026-Q1")
    assert q1.final_cutoff(15) == date(2026, 4, 15)  # last day 03-31 + 15
    assert q1.previous() == Period.parse("2025-Q4") and Period.parse("2025-Q4").end == date(2026, 1, 1)
    assert Period.parse("2026-Q3").previous().name == "2026-Q2"
    y = Period.parse("2026")
    assert (y.start, y.end, y.kind, y.final_cutoff(15)) == (
        date(2026, 1, 1),
        date(2027, 1, 1),
        "year",
        date(2027, 1, 15),
    )
    assert y.previous().name == "2025"


@given(days, st.sampled_from(["month", "quarter", "year"]))
def test_every_kind_tiles_the_calendar(day, kind):
    p = Period.of(kind, day)
    assert p.start <= day < p.end and p.kind == kind
    assert p.previous().end == p.start and p.previous().kind == kind
    assert Period.parse(p.name) == p


def test_subject_references():
    kinds = ("operator", "streamer", "agency", "platform")
    assert SubjectRef.parse("operator:OP:1", kinds) == SubjectRef("operator", "OP:1")
    assert str(SubjectRef.parse("platform:douyin", kinds)) == "platform:douyin"
    for bad in ("OP_1", "shop:OP_1", "operator:"):
        with pytest.raises(SubjectError, match="KIND:ID with KIND one of operator, streamer"):
            SubjectRef.parse(bad, kinds)
