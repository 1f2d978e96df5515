"""What a scheduled run evaluates, from the day it runs (CST) and the methodology's settlement
lag. Pure functions: the DAGs ask them every day, the backfill and the tests ask them too.

- nightly: the provisional month to date, as of yesterday;
- monthly final: runs every day and evaluates the month whose final cutoff (its last day plus
  the settlement lag) was yesterday; on every other day nothing is due. So the final follows
  `settlement_lag_days` in the methodology file, never a literal day of the month, and a
  backfill over any range of days meets each month exactly once.
"""

from __future__ import annotations

from datetime import date, timedelta

from live_commerce_quality.core.periods import Period


def nightly_window(run_day: date) -> tuple[str, date]:
    """(period, cutoff) of the nightly provisional run on `run_day`: month to date as of yesterday."""
    yesterday = run_day - timedelta(days=1)
    return Period.month_of(yesterday).name, yesterday


def final_due(run_day: date, settlement_lag_days: int) -> tuple[str, date] | None:
    """(period, cutoff) of the month whose final cutoff was the day before `run_day`, if any."""
    cutoff = run_day - timedelta(days=1)
    period = Period.month_of(cutoff - timedelta(days=settlement_lag_days))
    if period.final_cutoff(settlement_lag_days) != cutoff:
        return None
    return period.name, cutoff
