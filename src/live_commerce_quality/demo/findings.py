"""Monitoring findings, and the vetoes planted among them.

Findings are what AI monitoring, inspections and user reports find wrong in broadcasts
(or about an operator in general), more often for poorer operators and hosts. AI and
report findings are delivered unconfirmed first and confirmed after review. A veto
finding puts an operator in grade E whatever its scores, so every month a few operators
(mostly poor ones, plus one too small to be rated) get one, and some AI alarms of veto
types are never confirmed, so that the pipeline must only veto on confirmed findings.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from live_commerce_quality.core.contract import SOURCES
from live_commerce_quality.demo.frames import frame, pick, record_id, versions
from live_commerce_quality.demo.landing import Landing
from live_commerce_quality.demo.orders import Orders
from live_commerce_quality.demo.sessions import Sessions
from live_commerce_quality.demo.subjects import Operators, Streamers
from live_commerce_quality.demo.timeline import ACTIVITY_HOURS, DAY, HOUR, delivery_day, lognormal
from live_commerce_quality.demo.world import (
    FINDINGS_WITHOUT_SESSION,
    STREAMER_FINDING_FACTOR,
    TIER,
    UNCONFIRMED_VETO_TYPE_PER_SESSION,
    VETO_OPERATOR_SHARE,
    Demo,
)

# Enumerations, in the contract's order (codes are indices into these).
FINDING_TYPES = SOURCES["findings"].column("finding_type").enum
SEVERITIES = SOURCES["findings"].column("severity").enum
FINDING_SOURCES = SOURCES["findings"].column("source").enum
VETO_TYPES = ("prohibited_goods", "counterfeit", "fake_transaction", "privacy_violation")
ORDINARY_TYPES = ("false_advertising", "prohibited_claim", "price_fraud", "missing_license", "vulgar_content", "other")
VETO_TIER_WEIGHTS = np.array([0.0, 0.2, 0.5, 2.0, 6.0])  # who is vetoed, by tier


def write_findings(demo: Demo, ops: Operators, sts: Streamers, s: Sessions, od: Orders, w: Landing) -> None:
    rng = demo.rng("findings")
    f, veto_sess = _draw(rng, demo, ops, sts, s, od)
    session, op, detected, ftype, severity, src, confirmed = f
    has_session = session >= 0
    streamer = np.where(has_session, s.streamer[np.maximum(session, 0)], -1)
    streamer = np.where(rng.random(len(op)) < 0.1, -1, streamer)  # not always named
    order = np.lexsort((op, detected))
    session, op, detected, ftype, severity, src, confirmed, streamer = (
        x[order] for x in (session, op, detected, ftype, severity, src, confirmed, streamer)
    )
    n = len(op)
    floor = np.where(has_session[order], s.dd0[np.maximum(session, 0)], ops.join[op])
    dd0 = delivery_day(rng, detected, floor)
    # AI and report findings are delivered unconfirmed first, confirmed after review
    review = confirmed & (src != 1)
    dd_conf = np.where(review, dd0 + 1 + np.ceil(lognormal(rng, 2, 0.6, n)).astype(int), dd0)
    demo.records["findings"] = n
    demo.planted["veto_findings"] = len(veto_sess)
    demo.planted["veto_operators"] = len(np.unique(s.op[veto_sess]))
    base = frame(
        ("session_n", "streamer"),
        finding_n=np.arange(1, n + 1),
        session_n=np.where(session >= 0, session + 1, -1),
        op=op + 1,
        streamer=np.where(streamer >= 0, streamer + 1, -1),
        detected=detected,
        ftype=ftype,
        severity=severity,
        src=src,
        confirmed=confirmed,
        dd0=dd0,
        dd_conf=dd_conf,
    )
    v = versions(base, "dd0", [("dd_conf", ("confirmed",))], demo.cal.last, hidden={"confirmed": False})
    w.write(
        "findings",
        v.select(
            finding_id=record_id("finding_n", "findings"),
            session_id=record_id("session_n", "live_sessions"),
            operator_id=record_id("op", "operators"),
            streamer_id=record_id("streamer", "streamers"),
            detected_at="detected",
            finding_type=pick(FINDING_TYPES, pl.col("ftype")),
            severity=pick(SEVERITIES, pl.col("severity")),
            source=pick(FINDING_SOURCES, pl.col("src")),
            confirmed="confirmed",
            _dt="_dt",
            _part=pick(FINDING_SOURCES, pl.col("src")),
        ),
    )


def _draw(rng, demo: Demo, ops: Operators, sts: Streamers, s: Sessions, od: Orders):
    """Session, operator, detected at, type, severity, source and confirmed of every
    finding, in four groups: in sessions, about operators, unconfirmed veto-type alarms,
    vetoes. Groups are drawn column by column, interleaved, not group by group: the
    draw order is what the seed reproduces, so it stays as it was first written."""
    ordinary = [FINDING_TYPES.index(t) for t in ORDINARY_TYPES]
    veto_types = [FINDING_TYPES.index(t) for t in VETO_TYPES]
    sess, src1, det1, ftype1, severity1, confirmed1 = _in_sessions(rng, ops, sts, s, ordinary)
    n1 = len(sess)
    # findings about an operator, not a session
    n2 = int(rng.poisson(FINDINGS_WITHOUT_SESSION * n1))
    ops_w = np.bincount(s.op[sess], minlength=len(ops)) + 0.1
    op2 = rng.choice(len(ops), n2, p=ops_w / ops_w.sum())
    det2 = demo.cal.sample_times(rng, ops.a[op2], ops.b[op2], ACTIVITY_HOURS)
    # AI alarms of veto types that review does not confirm
    noise = np.flatnonzero(rng.random(len(s)) < UNCONFIRMED_VETO_TYPE_PER_SESSION)
    # vetoes: a few operators a month, mostly poor ones, plus one tiny operator
    veto = _veto_sessions(rng, demo, ops, s, od)
    nv = len(veto)
    session = np.concatenate([sess, np.full(n2, -1), noise, veto])
    op = np.concatenate([s.op[sess], op2, s.op[noise], s.op[veto]])
    # alarms and vetoes are raised live, so a veto falls in its session's month
    detected = np.concatenate([det1, det2, _during(rng, s, noise), _during(rng, s, veto)])
    veto_kind = rng.random(nv) < 0.5  # a veto type, else a critical ordinary finding
    ftype = np.concatenate(
        [
            ftype1,
            rng.choice(ordinary, n2),
            rng.choice(veto_types, len(noise)),
            np.where(veto_kind, rng.choice(veto_types, nv), rng.choice(ordinary, nv)),
        ]
    )
    severity = np.concatenate(
        [
            severity1,
            (rng.random(n2) < 0.3).astype(int),
            np.ones(len(noise), int),
            np.where(veto_kind, rng.integers(1, 3, nv), 2),
        ]
    )
    src = np.concatenate([src1, rng.choice([1, 2], n2), np.zeros(len(noise), int), rng.choice([1, 2], nv)])
    confirmed = np.concatenate([confirmed1, rng.random(n2) < 0.8, np.zeros(len(noise), bool), np.ones(nv, bool)])
    return (session, op, detected, ftype, severity, src, confirmed), veto


def _in_sessions(rng, ops: Operators, sts: Streamers, s: Sessions, ordinary: list[int]):
    """Findings in sessions, by the tiers of operator and host: session, source, detected
    at, type, severity, confirmed."""
    rate = TIER["findings_per_session"][ops.tier[s.op]] * STREAMER_FINDING_FACTOR[sts.tier[s.streamer]]
    sess = np.repeat(np.arange(len(s)), rng.poisson(rate))
    n = len(sess)
    src = rng.choice(3, n, p=[0.6, 0.25, 0.15])  # ai, inspection, report
    start, end = s.start[sess], s.end[sess]
    detected = np.select(
        [src == 0, src == 1],
        [start + rng.random(n) * (end - start), end + lognormal(rng, 2 * DAY, 0.7, n)],
        start + lognormal(rng, 10 * HOUR, 1.0, n),
    ).astype(np.int64)
    ftype = rng.choice(ordinary, n, p=[0.32, 0.2, 0.1, 0.12, 0.14, 0.12])
    major = rng.random(n) < TIER["major_share"][ops.tier[s.op[sess]]]
    confirmed = rng.random(n) < np.array([0.6, 0.95, 0.5])[src]
    return sess, src, detected, ftype, major.astype(int), confirmed


def _during(rng, s: Sessions, sess: np.ndarray) -> np.ndarray:
    """A moment during each of the sessions `sess`."""
    return s.start[sess] + (rng.random(len(sess)) * (s.end[sess] - s.start[sess])).astype(np.int64)


def _veto_sessions(rng, demo: Demo, ops: Operators, s: Sessions, od: Orders) -> np.ndarray:
    """One session per vetoed operator and month; the finding is about that session."""
    n_months, picks = demo.n_months, []
    orders_per = np.bincount(
        od.op * n_months + np.maximum(demo.cal.month_of(od.paid // DAY), 0),
        minlength=len(ops) * n_months,
    ).reshape(len(ops), n_months)
    for m in range(n_months):
        in_m = np.flatnonzero(s.month == m)
        if len(in_m) == 0:
            continue
        sess_per = np.bincount(s.op[in_m], minlength=len(ops))
        active = np.flatnonzero(sess_per > 0)
        k = max(1, round(VETO_OPERATOR_SHARE * len(active)))
        p = VETO_TIER_WEIGHTS[ops.tier[active]] + 1e-6
        chosen = list(rng.choice(active, min(k, len(active)), replace=False, p=p / p.sum()))
        tiny = active[(sess_per[active] <= 2) & (orders_per[active, m] <= 15)]
        tiny = np.setdiff1d(tiny, chosen)
        if len(tiny):  # a veto on an operator too small to rate: still E
            chosen.append(rng.choice(tiny))
        for op in chosen:
            mine = in_m[s.op[in_m] == op]
            picks.append(mine[rng.integers(0, len(mine))])
    return np.array(sorted(picks), dtype=np.int64)
