"""Orders, and what follows a delivered order: after-sales cases and reviews.

Orders are the bulk of the data (SF1 is about 1 M a month) and carry most indicators:
shipping on time, cancellations by the merchant, delivery time, the charge against the
price announced live. Most are placed in sessions in proportion to their weight; a few
are placed outside any session (out of scope, still delivered). Each order is delivered
again when it ships, is delivered or is cancelled. After-sales cases (quality returns by
tier, other reasons for everyone) and reviews (positive by tier, a few low ones edited
to 5 stars later) hang off shipped and delivered orders.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from live_commerce_quality.core.contract import PLATFORMS, SOURCES
from live_commerce_quality.demo.frames import (
    address,
    buyer_id,
    dt_chunks,
    frame,
    phone,
    pick,
    platform,
    record_id,
    version_chunks,
    versions,
)
from live_commerce_quality.demo.landing import Landing
from live_commerce_quality.demo.sessions import Offers, Sessions
from live_commerce_quality.demo.subjects import Operators
from live_commerce_quality.demo.timeline import (
    ACTIVITY_HOURS,
    DAY,
    HOUR,
    deadline_delay,
    delivery_day,
    lognormal,
)
from live_commerce_quality.demo.world import (
    MIN_ORDERS_PER_OPERATOR,
    NO_SESSION_SHARE,
    OTHER_AFTER_SALES,
    REVIEW_EDIT_SHARE,
    REVIEWS_PER_ORDER,
    SF1,
    TIER,
    Demo,
)

# Enumerations, in the contract's order (codes are indices into these).
CANCEL_PARTIES = SOURCES["orders"].column("cancel_party").enum
CASE_TYPES = SOURCES["after_sales"].column("case_type").enum
CASE_REASONS = SOURCES["after_sales"].column("reason").enum
CASE_OUTCOMES = SOURCES["after_sales"].column("outcome").enum


@dataclass
class Orders:
    """What the sources after orders need of them, by order."""

    op: np.ndarray
    plat: np.ndarray
    tier: np.ndarray
    session: np.ndarray  # -1: outside sessions
    streamer: np.ndarray  # -1: none
    buyer: np.ndarray
    paid: np.ndarray  # epoch seconds
    shipped: np.ndarray  # -1: never
    delivered: np.ndarray  # -1: never
    dd0: np.ndarray  # delivery day of the first version
    buyers: int  # size of the buyer population

    def __len__(self) -> int:
        return len(self.op)


@dataclass
class OrderRows:
    """The rest of each order's row, kept as narrow arrays: the rows of a chunk are built
    from them and `Orders` when it is written (at SF50 a frame of every order's row is 9 GB)."""

    od: Orders
    prod: np.ndarray
    qty: np.ndarray
    unit: np.ndarray
    promised: np.ndarray  # -1: none
    cancelled: np.ndarray  # -1: never
    party: np.ndarray  # -1: none or unknown
    dd_ship: np.ndarray  # delivery days of the events (-1: never)
    dd_deliv: np.ndarray
    dd_cancel: np.ndarray

    NULLABLE = ("session_n", "streamer", "promised", "shipped", "delivered", "cancelled", "party")
    EVENTS = (("dd_ship", ("shipped",)), ("dd_deliv", ("delivered",)), ("dd_cancel", ("cancelled", "party")))

    def days(self, idx: np.ndarray) -> pl.DataFrame:
        """The delivery-day columns of orders `idx`."""
        dd = ("dd_ship", "dd_deliv", "dd_cancel")
        return frame(dd, dd0=self.od.dd0[idx], **{c: getattr(self, c)[idx] for c in dd})

    def rows(self, idx: np.ndarray) -> pl.DataFrame:
        """The rows of orders `idx`, with their delivery days."""
        od = self.od
        session, streamer = od.session[idx], od.streamer[idx]
        qty, unit = self.qty[idx].astype(np.int64), self.unit[idx]
        return frame(
            (*self.NULLABLE, "dd_ship", "dd_deliv", "dd_cancel"),
            order_n=idx + 1,
            plat=od.plat[idx],
            session_n=np.where(session >= 0, session + 1, -1),
            op=od.op[idx] + 1,
            streamer=np.where(streamer >= 0, streamer + 1, -1),
            prod=self.prod[idx] + 1,
            buyer=od.buyer[idx],
            qty=qty,
            unit=unit,
            pay=unit * qty,
            paid=od.paid[idx],
            promised=self.promised[idx],
            shipped=od.shipped[idx],
            delivered=od.delivered[idx],
            cancelled=self.cancelled[idx],
            party=self.party[idx].astype(np.int64),
            dd0=od.dd0[idx],
            dd_ship=self.dd_ship[idx],
            dd_deliv=self.dd_deliv[idx],
            dd_cancel=self.dd_cancel[idx],
        )


def write_orders(demo: Demo, ops: Operators, s: Sessions, offers: Offers, w: Landing) -> Orders:
    rows = _draw_orders(demo, ops, s, offers)
    demo.records["orders"] = len(rows.od)
    for p in range(len(PLATFORMS)):  # a platform's days are its own files
        idx = np.flatnonzero(rows.od.plat == p)
        chunks = version_chunks(lambda r, idx=idx: rows.rows(idx[r]), rows.days(idx), "dd0", rows.EVENTS, demo.cal.last)
        for chunk in chunks:
            w.write(
                "orders",
                chunk.select(
                    order_id=record_id("order_n", "orders"),
                    platform=platform(),
                    session_id=record_id("session_n", "live_sessions"),
                    operator_id=record_id("op", "operators"),
                    streamer_id=record_id("streamer", "streamers"),
                    product_id=record_id("prod", "products"),
                    buyer_id=buyer_id("buyer"),
                    buyer_phone=pl.when(pl.col("buyer") % 10 != 0).then(phone("buyer")),
                    buyer_address=pl.when(pl.col("buyer") % 20 != 0).then(address("buyer")),
                    quantity="qty",
                    unit_price="unit",
                    pay_amount="pay",
                    paid_at="paid",
                    promised_ship_by="promised",
                    shipped_at="shipped",
                    delivered_at="delivered",
                    cancelled_at="cancelled",
                    cancel_party=pick(CANCEL_PARTIES, pl.col("party")),
                    _dt="_dt",
                    _part=platform(),
                ),
            )
    return rows.od


def _draw_orders(demo: Demo, ops: Operators, s: Sessions, offers: Offers) -> OrderRows:
    """Orders with their lifecycle, in order of payment."""
    rng = demo.rng("orders")
    per_month = max(SF1["orders"] * demo.scale, MIN_ORDERS_PER_OPERATOR * len(ops))
    total = per_month * demo.n_months
    sess, paid1, prod1, unit1 = _in_sessions(rng, s, offers, total * (1 - NO_SESSION_SHARE))
    op2, paid2, prod2, unit2 = _outside_sessions(rng, demo, ops, offers, total * NO_SESSION_SHARE)
    op = np.concatenate([s.op[sess], op2])
    session = np.concatenate([sess, np.full(len(op2), -1)])
    paid = np.concatenate([paid1, paid2])
    prod = np.concatenate([prod1, prod2])
    unit = np.concatenate([unit1, unit2])
    del sess, paid1, prod1, unit1, op2, paid2, prod2, unit2
    order = np.lexsort((session, op, paid))
    op, session, paid, prod, unit = (x[order] for x in (op, session, paid, prod, unit))
    del order
    n = len(op)
    in_session = session >= 0
    sess0 = np.maximum(session, 0)
    streamer = np.where(in_session, s.streamer[sess0], -1)
    tier, plat = ops.tier[op], ops.plat[op]
    qty = np.minimum(rng.geometric(0.75, n), 10).astype(np.int8)
    buyers = max(1_000, int(0.45 * n))
    buyer = np.floor(buyers * rng.random(n) ** 1.6).astype(np.int64) + 1  # repeat buyers
    promised, party, cancelled, shipped, delivered = _lifecycle(rng, paid, tier, plat)

    floor = np.where(in_session, s.dd0[sess0], 0)  # never before its session
    del in_session, sess0
    dd0 = delivery_day(rng, paid, floor)
    dd_ship = delivery_day(rng, shipped, dd0)
    dd_deliv = delivery_day(rng, delivered, np.maximum(dd_ship, dd0))
    dd_cancel = delivery_day(rng, cancelled, dd0)
    return OrderRows(
        od=Orders(op, plat, tier, session, streamer, buyer, paid, shipped, delivered, dd0, buyers),
        prod=prod,
        qty=qty,
        unit=unit,
        promised=promised,
        cancelled=cancelled,
        party=party.astype(np.int8),
        dd_ship=dd_ship.astype(np.int32),
        dd_deliv=dd_deliv.astype(np.int32),
        dd_cancel=dd_cancel.astype(np.int32),
    )


def _in_sessions(rng, s: Sessions, offers: Offers, expected: float):
    """Orders placed in sessions: session, paid at, product and unit price of each."""
    per_sess = rng.poisson(expected * s.weight / s.weight.sum())
    sess = np.repeat(np.arange(len(s)), per_sess)
    n = len(sess)
    start, end = s.start[sess], s.end[sess]
    after = rng.random(n) < 0.08  # some pay after the broadcast ends
    paid = np.where(
        after,
        end + rng.exponential(30 * 60, n).astype(np.int64),
        start + (rng.random(n) * (end - start)).astype(np.int64),
    )
    offer = offers.session_start[sess] + (rng.random(n) * offers.count[sess]).astype(np.int64)
    coupon = np.where(rng.random(n) < 0.2, rng.uniform(0.03, 0.1, n), 0.0)
    listed = offers.listed[offer]
    # an inconsistent offer charges the card's price, whatever was announced or couponed
    unit = np.where(offers.inconsistent[offer], listed, np.floor(listed * (1 - coupon))).astype(np.int64)
    return sess, paid, offers.prod[offer], unit


def _outside_sessions(rng, demo: Demo, ops: Operators, offers: Offers, expected: float):
    """Orders outside sessions (out of scope, still delivered): operator, paid at,
    product and unit price of each."""
    n = int(rng.poisson(expected))
    ow = ops.size * ops.conv * ops.active_weight(demo.cal)
    op = rng.choice(len(ops), n, p=ow / ow.sum())
    paid = demo.cal.sample_times(rng, ops.a[op], ops.b[op], ACTIVITY_HOURS)
    cat = offers.catalogue
    prod = cat.start[op] + rng.integers(0, 1 << 30, n) % cat.size[op]
    return op, paid, prod, cat.price[prod]


def _lifecycle(rng, paid: np.ndarray, tier: np.ndarray, plat: np.ndarray):
    """Promised, cancel party, cancelled, shipped and delivered of each order (-1: none)."""
    n = len(paid)
    # promise: 48 h, presale 7 days; some platforms often leave it out
    presale = rng.random(n) < 0.05
    promise = np.where(presale, 7 * DAY, 48 * HOUR)
    no_promise = rng.random(n) < np.where(plat == PLATFORMS.index("wechat_channels"), 0.4, 0.02)
    promised = np.where(no_promise, -1, paid + promise)
    # cancellations happen before shipping
    u = rng.random(n)
    p_merchant = TIER["merchant_cancel"][tier]
    cuts = np.cumsum(np.stack([np.full(n, 0.04), p_merchant, np.full(n, 0.003), np.full(n, 0.005)]), axis=0)
    party = np.where(u < cuts[-1], (u[None, :] >= cuts).sum(axis=0), -1)
    cancelled = party >= 0
    cancel_delay = np.select(
        [party == 0, party == 1, party == 2],
        [
            lognormal(rng, 1.5 * HOUR, 1.2, n),
            lognormal(rng, 30 * HOUR, 0.6, n),
            lognormal(rng, 4 * HOUR, 1.0, n),
        ],
        lognormal(rng, 50 * HOUR, 0.3, n),
    ).astype(np.int64)
    cancelled_at = np.where(cancelled, paid + cancel_delay, -1)
    party = np.where(cancelled & (rng.random(n) < 0.03), -1, party)  # party unknown
    late = rng.random(n) < TIER["ship_late"][tier]
    ship_delay = deadline_delay(rng, ~late, promise, promise / 3, 14 * HOUR, 0.8)
    shipped = np.where(cancelled, -1, paid + ship_delay)
    transit = lognormal(rng, TIER["delivery_hours"][tier] * HOUR, 0.45, n).astype(np.int64)
    delivered = np.where((shipped >= 0) & (rng.random(n) > 0.01), shipped + transit, -1)
    return promised, party, cancelled_at, shipped, delivered


# ---------------------------------------------------------------------------------------
# After-sales cases
# ---------------------------------------------------------------------------------------


def write_after_sales(demo: Demo, od: Orders, w: Landing) -> None:
    rng, cal = demo.rng("after_sales"), demo.cal
    o, reason, case_type = _cases(rng, od)
    n = len(o)
    delivered = od.delivered[o]
    requested = np.where(
        delivered >= 0,
        delivered + lognormal(rng, 36 * HOUR, 1.3, n),
        od.shipped[o] + lognormal(rng, 4 * DAY, 0.6, n),
    ).astype(np.int64)
    on_time = rng.random(n) < TIER["case_on_time"][od.tier[o]]
    resolved = requested + deadline_delay(rng, on_time, 48 * HOUR, 12 * HOUR, 30 * HOUR)
    open_ = rng.random(n) < 0.03
    resolved = np.where(open_, -1, resolved)
    outcome = np.where(open_, -1, rng.choice(4, n, p=[0.75, 0.12, 0.08, 0.05]))
    u = rng.random(n)
    blame = np.where(
        reason < 4,
        np.where(u < 0.85, 1, np.where(u < 0.95, 0, -1)),
        np.where(reason == 4, np.where(u < 0.7, 1, 0), np.where(u < 0.8, 0, -1)),
    )
    blame = np.where(open_, -1, blame)
    order = np.lexsort((o, requested))
    o, reason, case_type, requested, resolved, outcome, blame = (
        x[order] for x in (o, reason, case_type, requested, resolved, outcome, blame)
    )
    dd0 = delivery_day(rng, requested, od.dd0[o])
    dd_res = delivery_day(rng, resolved, dd0)
    demo.records["after_sales"] = n
    base = frame(
        ("resolved", "outcome", "blame", "dd_res"),
        case_n=np.arange(1, n + 1),
        order_n=o + 1,
        case_type=case_type,
        reason=reason,
        blame=blame,
        requested=requested,
        resolved=resolved,
        outcome=outcome,
        plat=od.plat[o],
        dd0=dd0,
        dd_res=dd_res,
    )
    v = versions(base, "dd0", [("dd_res", ("resolved", "outcome", "blame"))], cal.last)
    w.write(
        "after_sales",
        v.select(
            case_id=record_id("case_n", "after_sales"),
            order_id=record_id("order_n", "orders"),
            case_type=pick(CASE_TYPES, pl.col("case_type")),
            reason=pick(CASE_REASONS, pl.col("reason")),
            merchant_responsible=pl.col("blame").cast(pl.Boolean),
            requested_at="requested",
            resolved_at="resolved",
            outcome=pick(CASE_OUTCOMES, pl.col("outcome")),
            _dt="_dt",
            _part=platform(),
        ),
    )


def _cases(rng, od: Orders):
    """The order, reason and type of each case: quality returns by tier, others flat."""
    shipped = np.flatnonzero(od.shipped >= 0)
    q = shipped[rng.random(len(shipped)) < TIER["quality_return"][od.tier[shipped]]]
    other = shipped[rng.random(len(shipped)) < OTHER_AFTER_SALES]
    o = np.concatenate([q, other])
    n = len(o)
    quality = np.arange(n) < len(q)
    reason = np.where(
        quality,
        rng.choice(4, n, p=[0.45, 0.25, 0.15, 0.15]),  # quality .. damaged
        rng.choice([4, 5, 6], n, p=[0.15, 0.65, 0.20]),  # late, no reason, other
    )
    case_type = np.select(
        [reason == 4, reason == 5],
        [np.zeros(n, int), rng.choice([0, 1], n, p=[0.15, 0.85])],
        rng.choice(4, n, p=[0.15, 0.55, 0.2, 0.1]),
    )
    return o, reason, case_type


# ---------------------------------------------------------------------------------------
# Reviews
# ---------------------------------------------------------------------------------------


def write_reviews(demo: Demo, od: Orders, w: Landing) -> None:
    rng, cal = demo.rng("reviews"), demo.cal
    delivered = np.flatnonzero(od.delivered >= 0)
    share = min(1.0, REVIEWS_PER_ORDER * len(od) / max(len(delivered), 1))
    o = delivered[rng.random(len(delivered)) < share]
    n = len(o)
    at = od.delivered[o] + lognormal(rng, 40 * HOUR, 1.0, n).astype(np.int64)
    positive = rng.random(n) < TIER["positive_review"][od.tier[o]]
    rating = np.where(positive, rng.choice([4, 5], n, p=[0.18, 0.82]), rng.choice([1, 2, 3], n, p=[0.4, 0.25, 0.35]))
    order = np.lexsort((o, at))
    o, at, rating = o[order], at[order], rating[order]
    dd0 = delivery_day(rng, at, od.dd0[o])
    # some low ratings are edited to 5 later: delivered again, archived, not scored
    edit = (rating <= 3) & (rng.random(n) < REVIEW_EDIT_SHARE)
    dd_edit = np.where(edit, dd0 + 2 + np.ceil(lognormal(rng, 5, 0.7, n)).astype(int), -1)
    demo.records["reviews"] = n
    base = frame(
        review_n=np.arange(1, n + 1),
        order_n=o + 1,
        rating=rating,
        at=at,
        plat=od.plat[o],
        _dt=dd0.astype(np.int32),
    )
    edits = base.filter(pl.Series(edit & (dd_edit <= cal.last))).with_columns(
        rating=pl.lit(5, pl.Int64), _dt=pl.Series(dd_edit[edit & (dd_edit <= cal.last)], dtype=pl.Int32)
    )
    demo.planted["review_edits"] = len(edits)
    df = pl.concat([base, edits]).filter(pl.col("_dt") <= cal.last)
    for chunk in dt_chunks(df):
        w.write(
            "reviews",
            chunk.select(
                review_id=record_id("review_n", "reviews"),
                order_id=record_id("order_n", "orders"),
                rating="rating",
                reviewed_at="at",
                _dt="_dt",
                _part=platform(),
            ),
        )
