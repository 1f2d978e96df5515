"""Evaluation periods and cutoffs (methodology.md, "Periods, attribution, and what is known when").

A period is a run of whole CST calendar days, named as people write it (`2026-03`). Today only
months are evaluated; a quarter or a year is another `Period` with other bounds, and the rest of
the product asks a period only for its bounds, its name and the one before it.

China Standard Time is a fixed UTC+08:00 here: China has kept it since 1991, and the extracts'
timestamps without an offset are read as such (ingest/parse.py).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

CST_OFFSET = timedelta(hours=8)
CST = timezone(CST_OFFSET, "CST")
CST_ZONE_NAME = "Asia/Shanghai"  # for schedulers that want a named zone (same offset since 1991)


class PeriodError(ValueError):
    """A period or cutoff that cannot be evaluated, with the reason."""


@dataclass(frozen=True, order=True)
class Period:
    start: date  # first CST day of the period
    end: date  # first CST day after the period
    name: str  # as people write it: 2026-03

    @classmethod
    def parse(cls, text: str) -> Period:
        try:
            year, month = (int(part) for part in str(text).split("-"))
            if not (1 <= month <= 12 and len(str(text)) == 7):
                raise ValueError
        except ValueError:
            raise PeriodError(f"period must be YYYY-MM, got {text!r}") from None
        return cls.month(year, month)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        start = date(year, month, 1)
        end = start + timedelta(days=calendar.monthrange(year, month)[1])
        return cls(start, end, f"{year:04d}-{month:02d}")

    @classmethod
    def month_of(cls, day: date) -> Period:
        return cls.month(day.year, day.month)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        return Period.month_of(self.start - timedelta(days=1))

    def final_cutoff(self, settlement_lag_days: int) -> date:
        """The first cutoff at which the period's ratings are final: its last day plus the lag."""
        return self.last_day + timedelta(days=settlement_lag_days)

    def status(self, as_of: date, settlement_lag_days: int) -> str:
        return "final" if as_of >= self.final_cutoff(settlement_lag_days) else "provisional"

    def __str__(self) -> str:
        return self.name


def as_of_instant(as_of: date) -> datetime:
    """T: the start of the day after the cutoff, as naive CST wall-clock time (as the extracts store it)."""
    return datetime.combine(as_of + timedelta(days=1), datetime.min.time())


def today_cst() -> date:
    return datetime.now(CST).date()


def parse_day(text: str, what: str = "date") -> date:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise PeriodError(f"{what} must be YYYY-MM-DD, got {text!r}") from None


def month_range(first: str, last: str) -> list[Period]:
    """The months from `first` to `last` (YYYY-MM), both included, in order."""
    start, end = Period.parse(first), Period.parse(last)
    if end < start:
        raise PeriodError(f"--to {last} is before --from {first}")
    months, p = [], start
    while p <= end:
        months.append(p)
        p = Period.month_of(p.end)
    return months
