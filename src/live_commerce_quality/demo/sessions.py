"""Live sessions and the products offered in them.

Sessions are where the standard looks first (licence shown, findings during broadcasts)
and where most orders are placed, so they are drawn right after the subjects: each
operator broadcasts in proportion to its size with a few hosts of its platform, in the
evening peak. A session is delivered when it starts and again when it ends. One planted
correction re-delivers some sessions whose licence flag was first delivered wrong.

Products are each operator's catalogue; a session offers a run of it. Offers of poorer
tiers more often lack information the standard asks for, or charge above the price
announced live.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from live_commerce_quality.demo.formats import EXTENSIONS
from live_commerce_quality.demo.frames import dt_chunks, frame, pick, platform, record_id, versions
from live_commerce_quality.demo.landing import Landing
from live_commerce_quality.demo.subjects import Operators, Streamers
from live_commerce_quality.demo.timeline import DAY, HOUR, SESSION_HOURS, day_str, delivery_day, lognormal
from live_commerce_quality.demo.world import (
    ADJECTIVES,
    BRANDS,
    CATEGORIES,
    CATEGORY_CODES,
    CITIES,
    MIN_SESSIONS_PER_OPERATOR,
    ORIGINS,
    POLICIES,
    PRODUCTS_PER_SESSION,
    SF1,
    TIER,
    Demo,
)

# The elements an incomplete offer may lack (`gap` indexes this).
GAPS = ("spec", "origin", "policy", "cert", "title")


@dataclass
class Sessions:
    op: np.ndarray
    plat: np.ndarray
    streamer: np.ndarray
    start: np.ndarray  # epoch seconds
    end: np.ndarray
    weight: np.ndarray  # relative number of orders placed in it
    licence_shown: np.ndarray
    peak_viewers: np.ndarray
    dd0: np.ndarray  # delivery day of its first version
    dd_end: np.ndarray  # delivery day of the version with its end
    month: np.ndarray  # index of the month it starts in
    lam: np.ndarray  # expected sessions per operator

    def __len__(self) -> int:
        return len(self.op)


def write_sessions(demo: Demo, ops: Operators, sts: Streamers, w: Landing) -> Sessions:
    s = _draw_sessions(demo, ops, sts)
    demo.records["live_sessions"] = len(s)
    base = frame(
        session_n=np.arange(1, len(s) + 1),
        plat=s.plat,
        op=s.op + 1,
        streamer=s.streamer + 1,
        started_at=s.start,
        ended_at=s.end,
        license_displayed=s.licence_shown,
        peak_viewers=s.peak_viewers,
        dd0=s.dd0,
        dd_end=s.dd_end,
    )
    v = versions(base, "dd0", [("dd_end", ("ended_at",))], demo.cal.last)
    v = v.select(
        session_id=record_id("session_n", "live_sessions"),
        platform=platform(),
        operator_id=record_id("op", "operators"),
        streamer_id=record_id("streamer", "streamers"),
        started_at="started_at",
        ended_at="ended_at",
        license_displayed="license_displayed",
        peak_viewers="peak_viewers",
        _dt="_dt",
        _part=platform(),
    )
    w.write("live_sessions", _correction(demo, v, w))
    return s


def _draw_sessions(demo: Demo, ops: Operators, sts: Streamers) -> Sessions:
    rng, cal = demo.rng("sessions"), demo.cal
    n_op = len(ops)
    span = ops.active_weight(cal)
    per_month = max(SF1["sessions"] * demo.scale, MIN_SESSIONS_PER_OPERATOR * n_op)
    total = per_month * demo.n_months
    lam = total * ops.size * span / max((ops.size * span).sum(), 1e-9)
    op = np.repeat(np.arange(n_op), rng.poisson(lam))
    start = cal.sample_times(rng, ops.a[op], ops.b[op], SESSION_HOURS)
    order = np.lexsort((op, start))
    op, start = op[order], start[order]
    n = len(op)
    dur = np.clip(lognormal(rng, 2.5 * HOUR, 0.5, n), 600, 10 * HOUR).astype(np.int64)
    # each operator works with a few hosts of its platform
    pool = np.clip(1 + rng.poisson(np.log1p(lam)), 1, 12)
    pool_off = rng.integers(0, 1 << 30, n_op)
    plat = ops.plat[op]
    j = (pool_off[op] + rng.integers(0, 1 << 30, n) % pool[op]) % sts.plat_count[plat]
    streamer = sts.by_plat[sts.plat_start[plat] + j]
    weight = ops.conv[op] * rng.lognormal(0.0, 0.6, n)
    shown = rng.random(n) < TIER["licence_display"][ops.tier[op]]
    viewers = (20 + weight * 300 * rng.lognormal(0.0, 0.5, n)).astype(np.int64)
    dd0 = delivery_day(rng, start)
    end = start + dur
    return Sessions(
        op=op,
        plat=plat,
        streamer=streamer,
        start=start,
        end=end,
        weight=weight,
        licence_shown=shown,
        peak_viewers=viewers,
        dd0=dd0,
        dd_end=delivery_day(rng, end, dd0),
        month=cal.month_of(start // DAY),
        lam=lam,
    )


def _correction(demo: Demo, v: pl.DataFrame, w: Landing) -> pl.DataFrame:
    """Plant one correction: sessions first delivered with `license_displayed` wrongly
    false, re-delivered three days later in a `<platform>-correction` file."""
    cal = demo.cal
    single = v.filter(pl.len().over("session_id") == 1)
    target_day = cal.first + (cal.last_activity - cal.first) // 3
    cands = (
        single.filter(pl.col("license_displayed") & (pl.col("_dt") + 3 <= cal.last))
        .group_by("_dt", "_part")
        .len()
        .with_columns(dist=(pl.col("_dt") - target_day).abs())
        .sort("dist", "_part")
    )
    if cands.is_empty():
        return v
    dt, part = cands.row(0)[:2]
    rows = single.filter((pl.col("_dt") == dt) & (pl.col("_part") == part) & pl.col("license_displayed"))
    rng = demo.rng("correction")
    k = int(np.clip(round(0.25 * len(rows)), 1, 200))
    keys = rows["session_id"].gather(np.sort(rng.choice(len(rows), k, replace=False)))
    wrong = v.with_columns(
        license_displayed=pl.when(pl.col("session_id").is_in(keys.implode()))
        .then(False)
        .otherwise(pl.col("license_displayed"))
    )
    fixed = rows.filter(pl.col("session_id").is_in(keys.implode())).with_columns(
        _dt=pl.lit(dt + 3, pl.Int32), _part=pl.lit(f"{part}-correction")
    )
    demo.planted["corrections"] = [
        {
            "source": "live_sessions",
            "wrong_dt": day_str(dt),
            "file": f"live_sessions/dt={day_str(dt + 3)}/{part}-correction."
            + EXTENSIONS[w.file_format("live_sessions", dt + 3, len(fixed))],
            "rows": k,
            "what": "license_displayed first delivered false, corrected to true",
        }
    ]
    return pl.concat([wrong, fixed])


# ---------------------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------------------


@dataclass
class Catalogue:
    """Each operator's products, operator by operator."""

    start: np.ndarray  # first product of each operator
    size: np.ndarray  # products of each operator
    price: np.ndarray  # listed price in cents, by product
    cat: np.ndarray  # category, by product


@dataclass
class Offers:
    """Products offered in sessions, session by session."""

    catalogue: Catalogue
    session_start: np.ndarray  # first offer of each session
    count: np.ndarray  # offers of each session
    session: np.ndarray  # by offer
    prod: np.ndarray
    listed: np.ndarray  # price in cents on the product card, charged
    announced: np.ndarray  # price announced live (-1: none)
    inconsistent: np.ndarray  # charged above the announced price
    gap: np.ndarray  # index into GAPS of what an incomplete offer lacks (-1: complete)
    blank: np.ndarray  # a missing text is "" or " " rather than null

    def __len__(self) -> int:
        return len(self.prod)


def write_products(demo: Demo, ops: Operators, s: Sessions, w: Landing) -> Offers:
    rng = demo.rng("products")
    offers = _draw_offers(rng, ops, s, _draw_catalogue(rng, ops, s))
    demo.records["products"] = len(offers)
    base, columns = _products(offers, s)
    # the texts are made a chunk at a time: at SF50 all products' rows would take 6 GB
    for chunk in dt_chunks(base.filter(pl.col("_dt") <= demo.cal.last)):
        w.write("products", chunk.select(**columns))
    return offers


def _draw_catalogue(rng, ops: Operators, s: Sessions) -> Catalogue:
    n_op = len(ops)
    size = np.clip(5 + rng.poisson(2 + 3 * np.log1p(s.lam)), 5, 300)
    n_prod = int(size.sum())
    p_op = np.repeat(np.arange(n_op), size)
    n_cat = int(ops.cat.max()) + 1
    p_cat = np.where(rng.random(n_prod) < 0.85, ops.cat[p_op], rng.integers(0, n_cat, n_prod))
    med = np.array([c.price_yuan for c in CATEGORIES])[p_cat]
    cents = np.maximum(np.round(lognormal(rng, med, 0.7, n_prod)), 1).astype(np.int64) * 100
    cents -= rng.choice(np.array([0, 10, 1]), n_prod, p=[0.5, 0.3, 0.2])  # .00, .90, .99
    return Catalogue(start=np.concatenate([[0], np.cumsum(size)[:-1]]), size=size, price=cents, cat=p_cat)


def _draw_offers(rng, ops: Operators, s: Sessions, cat: Catalogue) -> Offers:
    """A session offers a run of distinct products of its operator's catalogue."""
    k = np.minimum(1 + rng.poisson(PRODUCTS_PER_SESSION - 1, len(s)), cat.size[s.op])
    off_start = np.concatenate([[0], np.cumsum(k)[:-1]])
    n = int(k.sum())
    sess = np.repeat(np.arange(len(s)), k)
    j = np.arange(n) - off_start[sess]
    first = rng.integers(0, 1 << 30, len(s)) % cat.size[s.op]
    prod = cat.start[s.op[sess]] + (first[sess] + j) % cat.size[s.op[sess]]
    tier = ops.tier[s.op[sess]]
    announced = rng.random(n) < 0.7
    # inconsistent offers: the card (and so the charge) is above the announced price
    inconsistent = announced & (rng.random(n) < TIER["price_inconsistent"][tier])
    listed = cat.price[prod]
    ann = np.where(announced, listed, -1)
    ann = np.where(inconsistent, np.round(listed * rng.uniform(0.7, 0.95, n)), ann)
    # incomplete offers lack one element of the information the standard asks for
    complete = rng.random(n) < TIER["offer_complete"][tier]
    gap = np.where(complete, -1, rng.integers(0, 5, n))
    needs_cert = np.array([c.certificate is not None for c in CATEGORIES])[cat.cat[prod]]
    gap = np.where((gap == GAPS.index("cert")) & ~needs_cert, 0, gap)
    return Offers(
        catalogue=cat,
        session_start=off_start,
        count=k,
        session=sess,
        prod=prod,
        listed=listed,
        announced=ann.astype(np.int64),
        inconsistent=inconsistent,
        gap=gap,
        blank=rng.random(n) < 0.3,
    )


def _products(offers: Offers, s: Sessions) -> tuple[pl.DataFrame, dict[str, pl.Expr]]:
    """The offers' codes, and the columns of the products rows made from them."""
    prod, p_cat = offers.prod, offers.catalogue.cat
    cat = p_cat[prod]
    n_prod = len(p_cat)
    # words of all categories in one list each; a product's word is fixed
    nouns = [x for c in CATEGORIES for x in c.nouns]
    specs = [x for c in CATEGORIES for x in c.specs]
    cat_nouns = np.array([len(c.nouns) for c in CATEGORIES])
    cat_specs = np.array([len(c.specs) for c in CATEGORIES])
    noun_of = np.concatenate([[0], np.cumsum(cat_nouns)[:-1]])[p_cat] + (np.arange(n_prod) * 7) % cat_nouns[p_cat]
    spec_of = np.concatenate([[0], np.cumsum(cat_specs)[:-1]])[p_cat] + (np.arange(n_prod) * 3) % cat_specs[p_cat]
    base = frame(
        session_n=offers.session + 1,
        prod=prod + 1,
        op=s.op[offers.session] + 1,
        cat=cat,
        noun=noun_of[prod],
        adj=prod % len(ADJECTIVES),
        spec=spec_of[prod],
        origin=prod % len(ORIGINS),
        brand=prod % len(BRANDS),
        city=(prod // 7) % len(CITIES),
        policy=(prod // 3) % len(POLICIES),
        announced=offers.announced,
        listed=offers.listed,
        needs_cert=np.array([c.certificate is not None for c in CATEGORIES])[cat],
        gap=offers.gap,
        blank=offers.blank,
        plat=s.plat[offers.session],
        _dt=s.dd0[offers.session].astype(np.int32),
    ).with_columns(announced=pl.when(pl.col("announced") >= 0).then("announced"))
    cert_prefix = [c.certificate or "" for c in CATEGORIES]
    gap_is = {name: pl.col("gap") == i for i, name in enumerate(GAPS)}

    def missing(expr: pl.Expr, when: pl.Expr) -> pl.Expr:
        blank = pl.when(pl.col("prod") % 2 == 0).then(pl.lit("")).otherwise(pl.lit(" "))
        return pl.when(~when).then(expr).when(pl.col("blank")).then(blank)

    return base, {
        "session_id": record_id("session_n", "live_sessions"),
        "product_id": record_id("prod", "products"),
        "operator_id": record_id("op", "operators"),
        "category": pick(CATEGORY_CODES, pl.col("cat")),
        "title": pl.when(gap_is["title"])
        .then(pl.lit(" "))
        .otherwise(pick(BRANDS, pl.col("brand")) + pick(ADJECTIVES, pl.col("adj")) + pick(nouns, pl.col("noun"))),
        "announced_price": "announced",
        "listed_price": "listed",
        "spec": missing(pick(specs, pl.col("spec")), gap_is["spec"]),
        "origin": missing(pick(ORIGINS, pl.col("origin")), gap_is["origin"]),
        "manufacturer": missing(
            pick(CITIES, pl.col("city")) + pick(BRANDS, pl.col("brand")) + "实业有限公司",
            gap_is["origin"],
        ),
        "certificate_required": "needs_cert",
        "certificate_no": pl.when(pl.col("needs_cert") & ~gap_is["cert"]).then(
            pick(cert_prefix, pl.col("cat")) + (pl.col("prod") * 7919 % 10**9).cast(pl.String).str.zfill(10)
        ),
        "after_sales_policy": missing(pick(POLICIES, pl.col("policy")), gap_is["policy"]),
        "_dt": "_dt",
        "_part": platform(),
    }
