"""Scheduled runs: the monthly final follows the methodology's settlement lag, and over any run
of days each month is rated exactly once, the day after its final cutoff."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from live_commerce_quality.core.periods import Period
from live_commerce_quality.run.schedule import final_due, nightly_window


@given(st.dates(min_value=date(2024, 11, 1), max_value=date(2030, 1, 1)), st.integers(0, 40))
def test_each_month_is_due_once_the_day_after_its_final_cutoff(start, lag):
    due = [final_due(start + timedelta(days=i), lag) for i in range(400)]
    periods = [d[0] for d in due if d is not None]
    assert len(periods) == len(set(periods))  # never twice
    for period, cutoff in (d for d in due if d is not None):
        assert cutoff == Period.parse(period).final_cutoff(lag)
    # every month whose final cutoff falls inside the window is met
    inside = {Period.month_of(start + timedelta(days=i - 1) - timedelta(days=lag)).name for i in range(31, 370)}
    assert inside <= set(periods)


def test_september_final_runs_on_october_16_with_a_15_day_lag():
    assert final_due(date(2026, 10, 16), 15) == ("2026-09", date(2026, 10, 15))
    assert final_due(date(2026, 10, 15), 15) is None
    assert final_due(date(2026, 10, 11), 10) == ("2026-09", date(2026, 10, 10))


def test_nightly_is_month_to_date_as_of_yesterday():
    assert nightly_window(date(2026, 10, 2)) == ("2026-10", date(2026, 10, 1))
    assert nightly_window(date(2026, 10, 1)) == ("2026-09", date(2026, 9, 30))
