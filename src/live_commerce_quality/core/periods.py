"""Evaluation periods and cutoffs (methodology.md, "Periods, attribution, and what is known when").

A period is a run of whole CST calendar days, named as people write it: a month `2026-03`, a
quarter `2026-Q1`, a year `2026`. The rest of the product asks a period only for its bounds, its
name, its final cutoff and the one before it (of the same kind).

China Standard Time is a fixed UTC+08:00 here: China has kept it since 1991, and the extracts'
timestamps without an offset are read as such (ingest/parse.py).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

CST_OFFSET = timedelta(hours=8)
CST = timezone(CST_OFFSET, "CST")
CST_ZONE_NAME = "Asia/Shanghai"  # for schedulers that want a named zone (same offset since 1991)


class PeriodError(ValueError):
    """A period or cutoff that cannot be evaluated, with the reason."""


PERIOD_FORMS = "YYYY-MM (month), YYYY-Qn (quarter) or YYYY (year)"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True, order=True)
class Period:
    start: date  # first CST day of the period
    end: date  # first CST day after the period
    name: str  # as people write it: 2026-03, 2026-Q1, 2026
    kind: str = "month"  # month, quarter or year

    @classmethod
    def parse(cls, text: str) -> Period:
        text = str(text)
        if m := _MONTH.match(text):
            if 1 <= int(m[2]) <= 12:
                return cls.month(int(m[1]), int(m[2]))
        elif m := _QUARTER.match(text):
            return cls.quarter(int(m[1]), int(m[2]))
        elif m := _YEAR.match(text):
            return cls.year(int(m[1]))
        raise PeriodError(f"period must be {PERIOD_FORMS}, got {text!r}")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        start = date(year, month, 1)
        end = start + timedelta(days=calendar.monthrange(year, month)[1])
        return cls(start, end, f"{year:04d}-{month:02d}")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
        return cls(start, end, f"{year:04d}-Q{quarter}", "quarter")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year + 1, 1, 1), f"{year:04d}", "year")

    @classmethod
    def month_of(cls, day: date) -> Period:
        return cls.month(day.year, day.month)

    @classmethod
    def of(cls, kind: str, day: date) -> Period:
        """The period of `kind` (month, quarter, year) that contains `day`."""
        if kind == "quarter":
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        if kind == "year":
            return cls.year(day.year)
        return cls.month_of(day)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        return Period.of(self.kind, self.start - timedelta(days=1))

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
