"""Customer service conversations and complaints: how an operator treats its buyers.

Conversations measure reply times (within 180 s by tier, bots or the next morning
outside declared service hours); some are pre-sale questions in a session, with no
order. Complaints come about orders (some repeated by the same person in a second
channel) or about an operator in general, through the platform or outside feeds such as
the 12315 hotline, which reaches the landing days later; how many there are and how
promptly they are closed follow the operator's tier.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from live_commerce_quality.core.contract import SOURCES
from live_commerce_quality.demo.frames import (
    buyer_id,
    frame,
    phone,
    pick,
    platform,
    record_id,
    version_chunks,
    versions,
)
from live_commerce_quality.demo.landing import Landing
from live_commerce_quality.demo.orders import Orders
from live_commerce_quality.demo.sessions import Sessions
from live_commerce_quality.demo.subjects import Operators
from live_commerce_quality.demo.timeline import (
    ACTIVITY_HOURS,
    DAY,
    HOUR,
    REGULATOR_LAG_MEDIAN_DAYS,
    deadline_delay,
    delivery_day,
    lognormal,
)
from live_commerce_quality.demo.world import (
    COMPLAINT_SECOND_CHANNEL,
    COMPLAINTS_WITHOUT_ORDER,
    CONVERSATIONS_PER_ORDER,
    PRESALE_CONVERSATION_SHARE,
    TIER,
    Demo,
)

# Enumerations, in the contract's order (codes are indices into these).
CHANNELS = SOURCES["complaints"].column("channel").enum
COMPLAINT_CATEGORIES = SOURCES["complaints"].column("category").enum


def write_conversations(demo: Demo, ops: Operators, s: Sessions, od: Orders, w: Landing) -> None:
    rng, cal = demo.rng("cs_conversations"), demo.cal
    n = int(rng.poisson(CONVERSATIONS_PER_ORDER * len(od)))
    o = rng.integers(0, len(od), n)
    presale = (rng.random(n) < PRESALE_CONVERSATION_SHARE) & (od.session[o] >= 0)
    sess = np.maximum(od.session[o], 0)
    in_sess = s.start[sess] + (rng.random(n) * (s.end[sess] - s.start[sess]))
    after_paid = od.paid[o] + lognormal(rng, 20 * HOUR, 1.3, n)
    msg = np.where(presale, in_sess, after_paid).astype(np.int64)
    op = od.op[o]
    tier = ops.tier[op]
    buyer = np.where(presale, rng.integers(1, od.buyers + 1, n), od.buyer[o])
    in_hours = ops.has_24h[op] | ((msg % DAY) >= 8 * HOUR)
    on_time = rng.random(n) < TIER["reply_on_time"][tier]
    delay = deadline_delay(rng, on_time, 180, 40, 600, 1.0)
    # outside service hours: a bot answers at once, or a person the next morning
    next_morning = (msg // DAY) * DAY + np.where(msg % DAY >= 8 * HOUR, DAY, 0) + 8 * HOUR
    bot = rng.random(n) < 0.4
    off_reply = np.where(bot, msg + lognormal(rng, 20, 0.5, n), next_morning + lognormal(rng, 1200, 1.0, n)).astype(
        np.int64
    )
    reply = np.where(in_hours, msg + delay, off_reply)
    reply = np.where(rng.random(n) < TIER["no_reply"][tier], -1, reply)
    order = np.lexsort((op, msg))
    msg, reply, op, buyer, in_hours, o, presale = (x[order] for x in (msg, reply, op, buyer, in_hours, o, presale))
    dd0 = delivery_day(rng, msg, ops.join[op])
    demo.records["cs_conversations"] = n
    base = frame(
        ("order_n", "reply", "dd_reply"),
        conv_n=np.arange(1, n + 1),
        op=op + 1,
        order_n=np.where(presale, -1, o + 1),
        buyer=buyer,
        msg=msg,
        reply=reply,
        in_hours=in_hours,
        plat=ops.plat[op],
        dd0=dd0,
        dd_reply=delivery_day(rng, reply, dd0),
    )
    events = [("dd_reply", ("reply",))]
    for chunk in version_chunks(base.__getitem__, base, "dd0", events, cal.last):
        w.write(
            "cs_conversations",
            chunk.select(
                conversation_id=record_id("conv_n", "cs_conversations"),
                operator_id=record_id("op", "operators"),
                order_id=record_id("order_n", "orders"),
                buyer_id=buyer_id("buyer"),
                first_message_at="msg",
                first_reply_at="reply",
                in_service_hours="in_hours",
                _dt="_dt",
                _part=platform(),
            ),
        )


# ---------------------------------------------------------------------------------------
# Complaints
# ---------------------------------------------------------------------------------------


def write_complaints(demo: Demo, ops: Operators, od: Orders, w: Landing) -> None:
    rng, cal = demo.rng("complaints"), demo.cal
    o, received1, ch1, cat1, person1 = _about_orders(rng, od)
    op2, received2, ch2, cat2, person2 = _about_operators(rng, demo, ops, od)
    op = np.concatenate([od.op[o], op2])
    order_n = np.concatenate([o + 1, np.full(len(op2), -1)])
    streamer = np.concatenate([od.streamer[o], np.full(len(op2), -1)])
    person = np.concatenate([person1, person2])
    received = np.concatenate([received1, received2])
    channel = np.concatenate([ch1, ch2])
    category = np.concatenate([cat1, cat2])
    closed, sat, resolved, phone_of = _handling(rng, ops.tier[op], received, channel, person)
    order = np.lexsort((op, received))
    cols = (op, order_n, streamer, person, received, channel, category, closed, sat, resolved, phone_of)
    op, order_n, streamer, person, received, channel, category, closed, sat, res, phone_of = (x[order] for x in cols)
    n = len(op)
    # the 12315 feed arrives days later
    reg = channel == CHANNELS.index("12315")
    dd0 = np.where(
        reg,
        delivery_day(rng, received, ops.join[op], late_median=REGULATOR_LAG_MEDIAN_DAYS)
        + np.ceil(lognormal(rng, REGULATOR_LAG_MEDIAN_DAYS, 0.6, n)).astype(np.int64),
        delivery_day(rng, received, ops.join[op]),
    )
    demo.records["complaints"] = n
    base = frame(
        ("order_n", "streamer", "person", "closed", "sat", "res", "phone", "dd_close"),
        complaint_n=np.arange(1, n + 1),
        op=op + 1,
        order_n=order_n,
        streamer=np.where(streamer >= 0, streamer + 1, -1),
        person=person,
        received=received,
        channel=channel,
        category=category,
        closed=closed,
        sat=sat,
        res=res,
        phone=phone_of,
        plat=ops.plat[op],
        dd0=dd0,
        dd_close=delivery_day(rng, closed, dd0),
    )
    v = versions(base, "dd0", [("dd_close", ("closed", "res", "sat"))], cal.last)
    w.write(
        "complaints",
        v.select(
            complaint_id=record_id("complaint_n", "complaints"),
            complainant_id=buyer_id("person"),
            channel=pick(CHANNELS, pl.col("channel")),
            operator_id=record_id("op", "operators"),
            streamer_id=record_id("streamer", "streamers"),
            order_id=record_id("order_n", "orders"),
            category=pick(COMPLAINT_CATEGORIES, pl.col("category")),
            received_at="received",
            closed_at="closed",
            resolved=pl.col("res").cast(pl.Boolean),
            satisfaction="sat",
            complainant_phone=phone("phone"),
            _dt="_dt",
            # the platform delivers its own channel; other channels come from their feeds
            _part=pl.when(pl.col("channel") == 0).then(platform()).otherwise(pick(CHANNELS, pl.col("channel"))),
        ),
    )


def _about_orders(rng, od: Orders):
    """Complaints about an order: order, received at, channel, category, complainant."""
    linked = np.flatnonzero(rng.random(len(od)) < TIER["complaints_per_1000"][od.tier] / 1000)
    again = linked[rng.random(len(linked)) < COMPLAINT_SECOND_CHANNEL]
    first = np.searchsorted(linked, again)  # the first complaint of each repeated one
    o = np.concatenate([linked, again])
    n = len(o)
    received = od.paid[o] + lognormal(rng, 5 * DAY, 1.0, n).astype(np.int64)
    received[len(linked) :] = received[: len(linked)][first] + lognormal(rng, DAY, 1.0, len(again)).astype(np.int64)
    ch = rng.choice(4, n, p=[0.6, 0.2, 0.15, 0.05])
    ch[len(linked) :] = (ch[: len(linked)][first] + rng.integers(1, 4, len(again))) % 4  # another channel
    cat = rng.choice(7, n, p=[0.3, 0.12, 0.08, 0.2, 0.15, 0.1, 0.05])
    anonymous = rng.random(n) < 0.05
    anonymous[len(linked) :] = anonymous[: len(linked)][first]
    return o, received, ch, cat, np.where(anonymous, -1, od.buyer[o])


def _about_operators(rng, demo: Demo, ops: Operators, od: Orders):
    """Complaints about an operator rather than an order: operator, received at, channel,
    category, complainant."""
    orders_per_op = np.bincount(od.op, minlength=len(ops))
    lam = COMPLAINTS_WITHOUT_ORDER * orders_per_op * TIER["complaints_per_1000"][ops.tier] / 1000
    op = np.repeat(np.arange(len(ops)), rng.poisson(lam))
    n = len(op)
    received = demo.cal.sample_times(rng, ops.a[op], ops.b[op], ACTIVITY_HOURS)
    person = np.where(rng.random(n) < 0.1, -1, rng.integers(1, od.buyers + 1, n))
    channel = rng.choice(4, n, p=[0.5, 0.3, 0.15, 0.05])
    category = rng.choice([1, 2, 5, 6], n, p=[0.35, 0.15, 0.3, 0.2])
    return op, received, channel, category, person


def _handling(rng, tier: np.ndarray, received: np.ndarray, channel: np.ndarray, person: np.ndarray):
    """Closed at, satisfaction, resolved and the phone given, by the operator's tier."""
    n = len(tier)
    on_time = rng.random(n) < TIER["complaint_on_time"][tier]
    close_delay = deadline_delay(rng, on_time, 7 * DAY, 2 * DAY, 4 * DAY, 0.7)
    resolved = on_time | (rng.random(n) < 0.5)
    closed = np.where(rng.random(n) < 0.04, -1, received + close_delay)
    sat = np.where(resolved, rng.choice([3, 4, 5], n, p=[0.1, 0.4, 0.5]), rng.choice([1, 2, 3], n, p=[0.5, 0.3, 0.2]))
    sat = np.where((closed < 0) | (rng.random(n) < 0.3), -1, sat)
    resolved_code = np.where(closed < 0, -1, resolved.astype(int))
    phone_of = np.where((channel != 0) | (rng.random(n) < 0.3), person, -1)
    return closed, sat, resolved_code, phone_of
