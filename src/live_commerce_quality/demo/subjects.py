"""Operators, streamers and agencies, and the snapshots that deliver them.

Subjects are drawn first because every other family hangs off them: an operator's
platform, category and latent tier decide how it broadcasts, sells and serves. Some join
late or leave early, some fail qualification (licence not verified, credit code missing
or invalid), a few change category or agency, so that snapshots have something to say.
They are delivered as cumulative snapshots: full on the first day and on each month's
first day, weekly deltas (new and changed records) in between, each as of its day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from live_commerce_quality.core.contract import PLATFORMS
from live_commerce_quality.demo.credit_codes import credit_codes, spoil_code
from live_commerce_quality.demo.landing import Landing
from live_commerce_quality.demo.timeline import Calendar
from live_commerce_quality.demo.world import (
    AGENCY_SUFFIXES,
    AGENCY_WORDS,
    BRANDS,
    CATEGORIES,
    CATEGORY_CODES,
    CITIES,
    LATE_JOINER_SHARE,
    LEAVER_SHARE,
    NICK_BODIES,
    NICK_HEADS,
    NICK_TAILS,
    PLATFORM_WEIGHTS,
    REGION_CODES,
    SHOP_SUFFIXES,
    TIER,
    TIER_SHARE,
    Demo,
)

# Whether a day falls between the previous snapshot (excluded) and this one.
Changed = Callable[[np.ndarray], np.ndarray]


def spread(rng: np.random.Generator, n: int, weights) -> np.ndarray:
    """Labels 0..k-1 in exact proportions (each at least once when n allows), shuffled."""
    w = np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    counts = np.floor(n * w).astype(np.int64)
    if n >= len(w):
        counts = np.maximum(counts, 1)
    while counts.sum() > n:
        counts[np.argmax(counts)] -= 1
    rest = n - counts.sum()
    if rest > 0:
        counts[np.argsort(-(n * w - counts), kind="stable")[:rest]] += 1
    return rng.permutation(np.repeat(np.arange(len(w)), counts))


# ---------------------------------------------------------------------------------------
# Operators
# ---------------------------------------------------------------------------------------


@dataclass
class Operators:
    plat: np.ndarray
    cat: np.ndarray  # main category until `cat_day`, `cat2` from then on
    tier: np.ndarray
    size: np.ndarray  # relative broadcast volume
    conv: np.ndarray  # relative orders per broadcast
    has_24h: np.ndarray  # declared round-the-clock customer service
    join: np.ndarray  # day registered
    a: np.ndarray  # active from this activity day index ...
    b: np.ndarray  # ... up to (excluded) this one
    verified: np.ndarray  # licence verified (from `verify_day` on)
    verify_day: np.ndarray
    codes: list[str | None]
    region: list[str | None]
    cat2: np.ndarray
    cat_day: np.ndarray
    names: list[str]

    def __len__(self) -> int:
        return len(self.tier)

    def active_weight(self, cal: Calendar) -> np.ndarray:
        """Each operator's share of the calendar's day weights while it is active."""
        return cal.cum_weight[self.b] - cal.cum_weight[self.a]

    def rows(self) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "operator_id": [f"OP{i:07d}" for i in range(1, len(self) + 1)],
                "platform": [PLATFORMS[p] for p in self.plat],
                "operator_name": self.names,
                "credit_code": pl.Series(self.codes, dtype=pl.String),
                "region_code": pl.Series(self.region, dtype=pl.String),
            }
        )

    def snapshot(self, rows: pl.DataFrame, s: int, full: bool, changed: Changed) -> pl.DataFrame:
        sel = self.join <= s
        if not full:
            sel &= changed(self.join) | changed(self.verify_day) | (changed(self.cat_day) & (self.cat2 != self.cat))
        idx = np.flatnonzero(sel)
        cat = np.where(self.cat_day[idx] <= s, self.cat2[idx], self.cat[idx])
        return rows[idx].with_columns(
            license_verified=pl.Series(self.verified[idx] & (self.verify_day[idx] <= s)),
            main_category=pl.Series(np.array(CATEGORY_CODES)[cat]),
            _dt=pl.lit(s, pl.Int32),
        )


def draw_operators(demo: Demo) -> Operators:
    rng, cal = demo.rng("operators"), demo.cal
    n = demo.count("operators")
    n_cat = int(np.clip(n // 20, 2, len(CATEGORIES)))  # peer groups keep several members
    cat_w = np.array([c.weight for c in CATEGORIES[:n_cat]])
    plat = spread(rng, n, PLATFORM_WEIGHTS)
    cat = spread(rng, n, cat_w)
    tier = spread(rng, n, TIER_SHARE)
    size = rng.lognormal(0.0, 1.3, n)  # heavy tail of broadcast volume
    conv = rng.lognormal(0.0, 0.8, n)
    has_24h = rng.random(n) < 0.2
    n_days = len(cal.days)
    # late joiners register in a snapshot and are active from then on
    joins = cal.snapshot_days[(cal.snapshot_days > cal.first) & (cal.snapshot_days <= cal.last_activity)]
    join = np.full(n, cal.first)
    late = (rng.random(n) < LATE_JOINER_SHARE) & (len(joins) > 0)
    if len(joins):
        join[late] = rng.choice(joins, int(late.sum()))
    a = np.searchsorted(cal.days, join)
    leave = rng.random(n) < LEAVER_SHARE
    b = np.where(leave, a + 1 + np.floor(rng.random(n) * (n_days - a)).astype(int), n_days)
    verified, verify_day, codes, region = _qualification(rng, cal, tier)
    # a few operators change their main category
    cat2 = np.where(rng.random(n) < 0.015, (cat + rng.integers(1, n_cat, n)) % n_cat, cat)
    cat_day = rng.integers(cal.first + 1, cal.last + 1, n)
    city = rng.integers(0, len(CITIES), n)
    brand = rng.integers(0, len(BRANDS), n)
    suffix = rng.integers(0, len(SHOP_SUFFIXES), n)
    names = [
        f"{CITIES[c]}{BRANDS[b]}{CATEGORIES[k].word}{SHOP_SUFFIXES[s]}"
        for c, b, k, s in zip(city, brand, cat, suffix, strict=True)
    ]
    return Operators(
        plat=plat,
        cat=cat,
        tier=tier,
        size=size,
        conv=conv,
        has_24h=has_24h,
        join=join,
        a=a,
        b=np.clip(b, a, n_days),
        verified=verified,
        verify_day=verify_day,
        codes=codes,
        region=region,
        cat2=cat2,
        cat_day=cat_day,
        names=names,
    )


def _qualification(rng, cal: Calendar, tier: np.ndarray):
    """Verified licence and a valid credit code, by tier; a not-ok operator fails one way."""
    n = len(tier)
    ok = rng.random(n) < TIER["verified_ok"][tier]
    mode = rng.integers(0, 4, n)  # how a not-ok operator fails
    verified = ok | (mode == 0)
    code_ok = ok | (mode == 2)
    verify_day = np.where(
        ok & (rng.random(n) < 0.15),
        rng.integers(cal.first + 1, cal.last_activity + 2, n),
        cal.first,
    )
    region = rng.integers(0, len(REGION_CODES), n)
    codes = credit_codes(rng, region, rng.random(n) < 0.9)
    codes = [c if good else spoil_code(c, k) for c, good, k in zip(codes, code_ok, rng.integers(0, 5, n), strict=True)]
    codes = [None if (m == 3 and not good) else c for c, m, good in zip(codes, mode, code_ok, strict=True)]
    regions = [None if r < 0.03 else REGION_CODES[i] for r, i in zip(rng.random(n), region, strict=True)]
    return verified, verify_day, codes, regions


# ---------------------------------------------------------------------------------------
# Streamers
# ---------------------------------------------------------------------------------------


@dataclass
class Streamers:
    plat: np.ndarray
    tier: np.ndarray
    verified: np.ndarray  # real name verified (from `verify_day` on)
    verify_day: np.ndarray
    agency: np.ndarray  # -1: none; `agency2` from `switch_day` on
    agency2: np.ndarray
    switch_day: np.ndarray
    names: list[str]
    # streamers by platform, for drawing the hosts of an operator's sessions
    by_plat: np.ndarray
    plat_start: np.ndarray
    plat_count: np.ndarray

    def __len__(self) -> int:
        return len(self.tier)

    def rows(self) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "streamer_id": [f"ST{i:07d}" for i in range(1, len(self) + 1)],
                "platform": [PLATFORMS[p] for p in self.plat],
                "display_name": self.names,
            }
        )

    def snapshot(self, rows: pl.DataFrame, s: int, full: bool, changed: Changed, n_agencies: int) -> pl.DataFrame:
        sel = np.full(len(self), full)
        if not full:
            sel = changed(self.verify_day) | (changed(self.switch_day) & (self.agency2 != self.agency))
        idx = np.flatnonzero(sel)
        agency = np.where(self.switch_day[idx] <= s, self.agency2[idx], self.agency[idx])
        agency_ids = np.array([f"AG{i:05d}" for i in range(1, n_agencies + 1)] + [None])  # -1: None
        return rows[idx].with_columns(
            real_name_verified=pl.Series(self.verified[idx] & (self.verify_day[idx] <= s)),
            agency_id=pl.Series(agency_ids[agency].tolist(), dtype=pl.String),
            _dt=pl.lit(s, pl.Int32),
        )


def draw_streamers(demo: Demo) -> Streamers:
    rng, cal = demo.rng("streamers"), demo.cal
    n = demo.count("streamers")
    n_ag = demo.count("agencies")
    plat = spread(rng, n, PLATFORM_WEIGHTS)
    tier = spread(rng, n, TIER_SHARE)
    ok = rng.random(n) < TIER["verified_ok"][tier]
    verify_day = np.where(ok & (rng.random(n) < 0.10), rng.integers(cal.first + 1, cal.last + 1, n), cal.first)
    agency = np.where(rng.random(n) < 0.7, rng.integers(0, n_ag, n), -1)
    switch = rng.random(n) < 0.04  # joins or changes agency
    agency2 = np.where(switch, rng.integers(0, n_ag, n), agency)
    switch_day = rng.integers(cal.first + 1, cal.last + 1, n)
    h, b, t = (rng.integers(0, len(x), n) for x in (NICK_HEADS, NICK_BODIES, NICK_TAILS))
    counts = np.bincount(plat, minlength=len(PLATFORMS))
    return Streamers(
        plat=plat,
        tier=tier,
        verified=ok,
        verify_day=verify_day,
        agency=agency,
        agency2=agency2,
        switch_day=switch_day,
        names=[f"{NICK_HEADS[i]}{NICK_BODIES[j]}{NICK_TAILS[k]}" for i, j, k in zip(h, b, t, strict=True)],
        by_plat=np.argsort(plat, kind="stable"),
        plat_start=np.concatenate([[0], np.cumsum(counts)[:-1]]),
        plat_count=counts,
    )


# ---------------------------------------------------------------------------------------
# Agencies
# ---------------------------------------------------------------------------------------


@dataclass
class Agencies:
    codes: list[str]  # registered from `code_day` on
    code_day: np.ndarray
    region: list[str]
    names: list[str]

    def __len__(self) -> int:
        return len(self.names)

    def rows(self) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "agency_id": [f"AG{i:05d}" for i in range(1, len(self) + 1)],
                "agency_name": self.names,
                "region_code": self.region,
            }
        )

    def snapshot(self, rows: pl.DataFrame, s: int, full: bool, changed: Changed) -> pl.DataFrame:
        # a few register their credit code late
        sel = np.full(len(self), full) if full else changed(self.code_day)
        idx = np.flatnonzero(sel)
        codes = [self.codes[i] if self.code_day[i] <= s else None for i in idx]
        return rows[idx].with_columns(credit_code=pl.Series(codes, dtype=pl.String), _dt=pl.lit(s, pl.Int32))


def draw_agencies(demo: Demo) -> Agencies:
    rng, cal = demo.rng("agencies"), demo.cal
    n = demo.count("agencies")
    region = rng.integers(0, len(REGION_CODES), n)
    valid = rng.random(n) < 0.92
    codes = credit_codes(rng, region, np.ones(n, dtype=bool))
    codes = [c if v else spoil_code(c, k) for c, v, k in zip(codes, valid, rng.integers(0, 5, n), strict=True)]
    code_day = np.where(rng.random(n) < 0.05, rng.integers(cal.first + 1, cal.last + 1, n), cal.first)
    c, w, s = (rng.integers(0, len(x), n) for x in (CITIES, AGENCY_WORDS, AGENCY_SUFFIXES))
    return Agencies(
        codes=codes,
        code_day=code_day,
        region=[REGION_CODES[i] for i in region],
        names=[f"{CITIES[i]}{AGENCY_WORDS[j]}{AGENCY_SUFFIXES[k]}" for i, j, k in zip(c, w, s, strict=True)],
    )


# ---------------------------------------------------------------------------------------
# Snapshots
# ---------------------------------------------------------------------------------------


def write_snapshots(demo: Demo, ops: Operators, sts: Streamers, ags: Agencies, w: Landing) -> None:
    """Each snapshot day: everyone when full, else who is new or changed since the last."""
    cal = demo.cal
    rows = {"operators": ops.rows(), "streamers": sts.rows(), "agencies": ags.rows()}
    parts: dict[str, list[pl.DataFrame]] = {"operators": [], "streamers": [], "agencies": []}
    prev = cal.first - 1
    for s, full in zip(cal.snapshot_days, cal.full_snapshot, strict=True):
        s = int(s)

        def changed(day: np.ndarray, s=s, prev=prev) -> np.ndarray:
            return (day > prev) & (day <= s)

        parts["operators"].append(ops.snapshot(rows["operators"], s, full, changed))
        parts["streamers"].append(sts.snapshot(rows["streamers"], s, full, changed, len(ags)))
        parts["agencies"].append(ags.snapshot(rows["agencies"], s, full, changed))
        prev = s
    demo.records.update(operators=len(ops), streamers=len(sts), agencies=len(ags))
    for source, frames in parts.items():
        df = pl.concat(frames, how="diagonal")
        part = pl.col("platform") if source != "agencies" else pl.lit("agencies")
        w.write(source, df.with_columns(_part=part))
