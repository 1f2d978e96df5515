"""When things happen in the demo world and when the platforms deliver them.

Activity (sessions, orders) falls on the CST days of the months asked, more on weekends
and in the evening; every event is extracted on its day, the next day, or a few days
later, which is what gives the landing its day-by-day versions and late records. Days are
integers (days since 1970-01-01) and times are epoch seconds, so that whole columns can be
drawn at once with numpy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

DAY = 86_400
HOUR = 3_600
EPOCH = date(1970, 1, 1)

DELIVERY_TAIL_DAYS = 20  # deliveries continue this long after the last month
SNAPSHOT_EVERY_DAYS = 7

# Extraction delays: most records are extracted the day they happen.
NEXT_DAY_SHARE = 0.09
LATE_SHARE = 0.03  # extracted days later, log-normal
LATE_MEDIAN_DAYS = 3.0
REGULATOR_LAG_MEDIAN_DAYS = 4.0  # 12315 complaints reach the feed later

# Evening peak for broadcasts; orders follow their session.
SESSION_HOURS = np.array(
    [1.0, 0.5, 0.3, 0.2, 0.1, 0.1, 0.3, 0.6, 1.2, 2.0, 2.5, 2.5,
     2.3, 2.3, 2.5, 2.6, 2.8, 3.2, 4.2, 5.8, 6.8, 6.4, 4.8, 2.6]
)  # fmt: skip
ACTIVITY_HOURS = np.array(
    [1.2, 0.6, 0.3, 0.2, 0.2, 0.3, 0.6, 1.2, 2.2, 3.0, 3.4, 3.4,
     3.2, 3.2, 3.3, 3.3, 3.4, 3.6, 4.0, 4.8, 5.4, 5.4, 4.4, 2.6]
)  # fmt: skip
WEEKDAY_WEIGHTS = np.array([1.0, 1.0, 1.0, 1.0, 1.08, 1.2, 1.15])  # Monday first


def day_str(day: int) -> str:
    return (EPOCH + timedelta(days=int(day))).isoformat()


@dataclass
class Calendar:
    months: list[str]
    month_starts: np.ndarray  # first day of each month (days since 1970-01-01, CST)
    month_ends: np.ndarray  # first day after each month
    days: np.ndarray  # activity days, sorted
    cum_weight: np.ndarray  # cumulative day weights, len(days) + 1
    first: int
    last_activity: int
    last: int  # last delivery day
    snapshot_days: np.ndarray
    full_snapshot: np.ndarray  # bool per snapshot day: full rather than delta

    @classmethod
    def of(cls, months: list[str]) -> Calendar:
        if not months:
            raise ValueError("at least one month is needed")
        parsed = set()
        for m in months:
            if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", m):
                raise ValueError(f"month {m!r} is not YYYY-MM")
            parsed.add((int(m[:4]), int(m[5:])))
        ym = sorted(parsed)
        starts, ends = [], []
        for y, m in ym:
            nxt = date(y + (m == 12), m % 12 + 1, 1)
            starts.append((date(y, m, 1) - EPOCH).days)
            ends.append((nxt - EPOCH).days)
        days = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends, strict=True)])
        weights = WEEKDAY_WEIGHTS[(days + 3) % 7]  # 1970-01-01 was a Thursday
        first, last_activity = int(days[0]), int(days[-1])
        last = last_activity + DELIVERY_TAIL_DAYS
        # weekly snapshots plus a full one on the first day and on each month's first day
        firsts = set()
        d = EPOCH + timedelta(days=first)
        while (dd := (date(d.year, d.month, 1) - EPOCH).days) <= last:
            if dd >= first:
                firsts.add(dd)
            d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        snaps = sorted(set(range(first, last + 1, SNAPSHOT_EVERY_DAYS)) | firsts)
        return cls(
            months=[f"{y:04d}-{m:02d}" for y, m in ym],
            month_starts=np.array(starts),
            month_ends=np.array(ends),
            days=days,
            cum_weight=np.concatenate([[0.0], np.cumsum(weights)]),
            first=first,
            last_activity=last_activity,
            last=last,
            snapshot_days=np.array(snaps),
            full_snapshot=np.array([s == first or s in firsts for s in snaps]),
        )

    def sample_days(self, rng, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """A weighted activity day index in [a, b) for each pair."""
        lo, hi = self.cum_weight[a], self.cum_weight[b]
        idx = np.searchsorted(self.cum_weight, lo + rng.random(len(a)) * (hi - lo), "right") - 1
        return np.clip(idx, a, b - 1)

    def sample_times(self, rng, a: np.ndarray, b: np.ndarray, hour_weights: np.ndarray) -> np.ndarray:
        """A moment (epoch seconds) on a weighted activity day in [a, b) for each pair."""
        day = self.days[self.sample_days(rng, a, b)]
        return day * DAY + seconds_in_day(rng, len(a), hour_weights)

    def month_of(self, day: np.ndarray) -> np.ndarray:
        """Index of the month a day belongs to (-1 outside every month)."""
        i = np.searchsorted(self.month_starts, day, "right") - 1
        inside = (i >= 0) & (day < self.month_ends[np.maximum(i, 0)])
        return np.where(inside, i, -1)


def lognormal(rng: np.random.Generator, median, sigma: float, n: int) -> np.ndarray:
    return np.asarray(median, dtype=np.float64) * np.exp(sigma * rng.standard_normal(n))


def seconds_in_day(rng, n: int, hour_weights: np.ndarray) -> np.ndarray:
    hours = rng.choice(24, size=n, p=hour_weights / hour_weights.sum())
    return hours * HOUR + rng.integers(0, HOUR, n)


def deadline_delay(rng, on_time: np.ndarray, deadline, median_on, median_late, sigma=0.8):
    """Delays in seconds: before `deadline` where `on_time`, after it elsewhere."""
    n = len(on_time)
    deadline = np.broadcast_to(np.asarray(deadline, dtype=np.float64), (n,))
    d_on = lognormal(rng, median_on, sigma, n)
    over = d_on >= deadline
    d_on = np.where(over, deadline * rng.uniform(0.05, 0.95, n), d_on)
    d_late = deadline + 1 + lognormal(rng, median_late, sigma, n)
    return np.where(on_time, np.floor(d_on), np.ceil(d_late)).astype(np.int64)


def lag(rng: np.random.Generator, n: int, late_median: float = LATE_MEDIAN_DAYS) -> np.ndarray:
    """Days between an event and its extraction: mostly 0, sometimes 1, rarely several."""
    u = rng.random(n)
    days = (u < NEXT_DAY_SHARE).astype(np.int64)
    late = u > 1 - LATE_SHARE
    days[late] = np.ceil(lognormal(rng, late_median, 0.7, int(late.sum()))).astype(np.int64)
    return days


def delivery_day(rng, ts: np.ndarray, floor: np.ndarray | int | None = None, **kw):
    """Extraction day of an event (ts < 0 means none: -1), never before `floor`."""
    dd = ts // DAY + lag(rng, len(ts), **kw)
    if floor is not None:
        dd = np.maximum(dd, floor)
    return np.where(ts >= 0, dd, -1)
