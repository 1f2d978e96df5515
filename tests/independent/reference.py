"""An independent reference implementation of the evaluation methodology, version 1.

Written from shared/spec/{extracts,methodology,outputs}.md and the "Readings taken" of
tests/fixtures/hand/EXPECTED.md only, without reading the product's dbt models or grading
code. It reads a *clean* landing (no bad rows: it does not implement the quarantine rules,
it asserts instead that none of the rows it relies on would have been set aside) and
computes, for operators, streamers, agencies and platforms, every indicator's numerator,
denominator, raw value, peer rate, adjusted value, score and applicability, the stage
scores, the total (rounded half-up), the grade and the veto.

Usage: python tests/independent/reference.py LANDING PERIOD AS_OF OUT_DIR
"""

from __future__ import annotations

import gzip
import io
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl

CST = timezone(timedelta(hours=8))

# --- the methodology table (methodology.md, "Indicators") -------------------------------------


@dataclass(frozen=True)
class Indicator:
    id: str
    stage: str
    full: float
    zero: float
    weight: float
    n_min: float
    smoothed: bool
    scale: float = 1.0  # unit of the raw value: share (1), per 100 sessions, per 1,000 orders


INDICATORS: tuple[Indicator, ...] = (
    Indicator("PRE-1", "pre", 1.0, 0.0, 5, 1, False),
    Indicator("PRE-2", "pre", 1.0, 0.80, 5, 3, False),
    Indicator("PRE-3", "pre", 1.0, 0.70, 10, 5, False),
    Indicator("IN-1", "in", 0.0, 30.0, 15, 3, False, 100.0),
    Indicator("IN-2", "in", 1.0, 0.95, 10, 10, True),
    Indicator("IN-3", "in", 0.95, 0.60, 10, 10, True),
    Indicator("POST-1", "post", 0.99, 0.85, 8, 10, True),
    Indicator("POST-2", "post", 48.0, 120.0, 4, 10, False),
    Indicator("POST-3", "post", 0.005, 0.05, 8, 20, True),
    Indicator("POST-4", "post", 0.95, 0.60, 6, 5, False),
    Indicator("POST-5", "post", 0.5, 10.0, 8, 20, True, 1000.0),
    Indicator("POST-6", "post", 0.95, 0.50, 5, 3, False),
    Indicator("POST-7", "post", 0.98, 0.80, 6, 10, True),
)
STAGE_WEIGHTS = {"pre": 20.0, "in": 35.0, "post": 45.0}
K = 20.0
NOT_RATED_BELOW = 60.0
GRADES = ((90.0, "A"), (80.0, "B"), (70.0, "C"), (60.0, "D"))
VETO_TYPES = ("prohibited_goods", "counterfeit", "fake_transaction", "privacy_violation")
QUALITY_REASONS = ("quality", "not_as_described", "wrong_item", "damaged")
POINTS = {"minor": 1, "major": 3}

# --- parsing the extract contract ------------------------------------------------------------

TRUE = {"true", "1", "是", "y"}
FALSE = {"false", "0", "否", "n"}

KEYS = {
    "operators": ("operator_id",),
    "streamers": ("streamer_id",),
    "agencies": ("agency_id",),
    "live_sessions": ("session_id",),
    "products": ("session_id", "product_id"),
    "orders": ("order_id",),
    "cs_conversations": ("conversation_id",),
    "after_sales": ("case_id",),
    "complaints": ("complaint_id",),
    "reviews": ("review_id",),
    "findings": ("finding_id",),
}
TS_COLS = {
    "live_sessions": ("started_at", "ended_at"),
    "orders": ("paid_at", "promised_ship_by", "shipped_at", "delivered_at", "cancelled_at"),
    "cs_conversations": ("first_message_at", "first_reply_at"),
    "after_sales": ("requested_at", "resolved_at"),
    "complaints": ("received_at", "closed_at"),
    "reviews": ("reviewed_at",),
    "findings": ("detected_at",),
}
EVENT_EXEMPT = {"promised_ship_by"}
BOOL_COLS = {
    "operators": ("license_verified",),
    "streamers": ("real_name_verified",),
    "live_sessions": ("license_displayed",),
    "products": ("certificate_required",),
    "cs_conversations": ("in_service_hours",),
    "after_sales": ("merchant_responsible",),
    "complaints": ("resolved",),
    "findings": ("confirmed",),
}
MONEY_COLS = {"products": ("announced_price", "listed_price"), "orders": ("unit_price", "pay_amount")}
INT_COLS = {"reviews": ("rating",), "complaints": ("satisfaction",), "orders": ("quantity",)}


def parse_ts(text: str | None) -> datetime | None:
    """ISO 8601 date-time, `T` or space; naive = CST; an offset is converted to CST (naive)."""
    if text is None:
        return None
    if len(text) <= 10:
        raise ValueError(f"a date alone is not a timestamp: {text!r}")
    t = text.replace("Z", "+00:00") if text.endswith("Z") else text
    value = datetime.fromisoformat(t)
    if value.tzinfo is not None:
        value = value.astimezone(CST).replace(tzinfo=None)
    return value


def parse_bool(text: str | None) -> bool | None:
    if text is None:
        return None
    low = text.lower()
    if low in TRUE:
        return True
    if low in FALSE:
        return False
    raise ValueError(f"not a boolean: {text!r}")


def parse_cents(text: str | None) -> int | None:
    """CNY yuan, rounded half-up to the cent, as integer cents."""
    if text is None:
        return None
    return int((Decimal(text) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _read_file(path: Path) -> pl.DataFrame:
    name = path.name.lower()
    if name.endswith(".parquet"):
        return pl.read_parquet(path).cast(pl.String)
    if name.endswith(".jsonl"):
        return pl.read_ndjson(path, infer_schema_length=None).cast(pl.String)
    raw = path.read_bytes()
    if name.endswith(".csv.gz"):
        raw = gzip.decompress(raw)
    elif not name.endswith(".csv"):
        raise ValueError(f"unsupported file {path}")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    return pl.read_csv(io.StringIO(text), infer_schema=False)


def load(landing: Path, source: str, cutoff: date) -> pl.DataFrame:
    """Every delivered row with dt <= cutoff, in delivery order (dt, then file name in byte order)."""
    files = []
    for folder in (landing / source).glob("dt=*"):
        dt = date.fromisoformat(folder.name[3:])
        if dt > cutoff:
            continue
        files.extend((dt, f.name.encode("utf-8"), f) for f in folder.iterdir() if f.is_file())
    files.sort(key=lambda x: (x[0], x[1]))
    frames = []
    for seq, (dt, _, path) in enumerate(files):
        df = _read_file(path).with_columns(
            pl.lit(dt).alias("_dt"), pl.lit(seq).alias("_file"), pl.int_range(pl.len()).alias("_row")
        )
        frames.append(df)
    df = pl.concat(frames, how="diagonal")
    # in text formats an empty field is null
    df = df.with_columns(pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c)
                         for c in df.columns if df.schema[c] == pl.String)  # fmt: skip
    for c in TS_COLS.get(source, ()):
        uniq = df[c].drop_nulls().unique().to_list()
        mapping = {u: parse_ts(u) for u in uniq}
        df = df.with_columns(pl.col(c).replace_strict(mapping, default=None, return_dtype=pl.Datetime("us")))
    for c in BOOL_COLS.get(source, ()):
        mapping = {u: parse_bool(u) for u in df[c].drop_nulls().unique().to_list()}
        df = df.with_columns(pl.col(c).replace_strict(mapping, default=None, return_dtype=pl.Boolean))
    for c in MONEY_COLS.get(source, ()):
        mapping = {u: parse_cents(u) for u in df[c].drop_nulls().unique().to_list()}
        df = df.with_columns(pl.col(c).replace_strict(mapping, default=None, return_dtype=pl.Int64))
    for c in INT_COLS.get(source, ()):
        df = df.with_columns(pl.col(c).cast(pl.Int64))
    # clean landing: no event at or after the end of its delivery day (such a row would be set aside)
    for c in TS_COLS.get(source, ()):
        if c in EVENT_EXEMPT:
            continue
        late = df.filter(pl.col(c) >= (pl.col("_dt") + pl.duration(days=1)).cast(pl.Datetime("us")))
        assert late.is_empty(), f"{source}.{c}: {late.height} event(s) after their delivery day"
    df = df.sort("_dt", "_file", "_row")
    key = list(KEYS[source])
    dupes = df.group_by([*key, "_file"]).len().filter(pl.col("len") > 1)
    assert dupes.is_empty(), f"{source}: duplicate keys within a file"
    keep = "first" if source == "reviews" else "last"
    return df.unique(subset=key, keep=keep, maintain_order=True)


# --- GB 32100-2015 credit code --------------------------------------------------------------

CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_valid(code: str | None) -> bool:
    if code is None or len(code) != 18 or any(ch not in CREDIT_CHARS for ch in code):
        return False
    total = sum(CREDIT_CHARS.index(ch) * w for ch, w in zip(code[:17], CREDIT_WEIGHTS, strict=True))
    check = (31 - total % 31) % 31
    return CREDIT_CHARS[check] == code[17]


def round_half_up_2(x: float | None) -> float | None:
    if x is None:
        return None
    return float(Decimal(x).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def linear(v: float, full: float, zero: float) -> float:
    return min(100.0, max(0.0, 100.0 * (v - zero) / (full - zero)))


# --- the evaluation --------------------------------------------------------------------------


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """[start, end) of a CST calendar month `2026-03`, quarter `2026-Q1` or year `2026`."""
    if len(period) == 4:
        return datetime(int(period), 1, 1), datetime(int(period) + 1, 1, 1)
    year, rest = period.split("-")
    first, months = (3 * int(rest[1]) - 2, 3) if rest.startswith("Q") else (int(rest), 1)
    after = first + months  # the month after the period, 13 meaning next January
    return datetime(int(year), first, 1), datetime(int(year) + (after > 12), (after - 1) % 12 + 1, 1)


def evaluate(landing: Path | str, period: str, as_of: date | str) -> tuple[pl.DataFrame, pl.DataFrame]:
    landing = Path(landing)
    cutoff = as_of if isinstance(as_of, date) else date.fromisoformat(as_of)
    p0, p1 = period_bounds(period)
    t_end = datetime.combine(cutoff + timedelta(days=1), datetime.min.time())  # T
    h48 = timedelta(hours=48)
    d7 = timedelta(days=7)

    src = {s: load(landing, s, cutoff) for s in KEYS}
    ops, sts, ags = src["operators"], src["streamers"], src["agencies"]
    sessions, products, orders = src["live_sessions"], src["products"], src["orders"]
    convs, cases, complaints = src["cs_conversations"], src["after_sales"], src["complaints"]
    reviews, findings = src["reviews"], src["findings"]

    # clean data: no dangling references
    def refs_ok(df: pl.DataFrame, col: str, target: pl.DataFrame, tcol: str) -> None:
        missing = df.filter(pl.col(col).is_not_null() & ~pl.col(col).is_in(target[tcol].implode()))
        assert missing.is_empty(), f"{missing.height} dangling {col}"

    for df in (sessions, products, orders, convs, complaints, findings):
        refs_ok(df, "operator_id", ops, "operator_id")
    for df in (sessions, orders, complaints, findings):
        refs_ok(df, "streamer_id", sts, "streamer_id")
    for df in (products, orders, findings):
        refs_ok(df, "session_id", sessions, "session_id")
    for df in (cases, reviews):
        refs_ok(df, "order_id", orders, "order_id")
    refs_ok(sts, "agency_id", ags, "agency_id")

    in_p = lambda c: (pl.col(c) >= p0) & (pl.col(c) < p1)  # noqa: E731

    # sessions started in P, orders of P
    s_p = sessions.filter(in_p("started_at") & (pl.col("started_at") < t_end))
    o_p = orders.filter(pl.col("session_id").is_not_null() & in_p("paid_at") & (pl.col("paid_at") < t_end))
    order_subj = o_p.select("order_id", "operator_id", "streamer_id")

    # subjects evaluated
    ev_ops = set(s_p["operator_id"].to_list()) | set(o_p["operator_id"].to_list())
    ev_sts = set(s_p["streamer_id"].to_list()) | set(o_p["streamer_id"].drop_nulls().to_list())
    op_snap = ops.with_columns(
        pl.struct("license_verified", "credit_code")
        .map_elements(
            lambda r: bool(r["license_verified"]) and credit_code_valid(r["credit_code"]), return_dtype=pl.Boolean
        )
        .alias("verified")
    ).select("operator_id", "platform", "main_category", "verified", "operator_name")
    st_snap = sts.select("streamer_id", "platform", "agency_id", pl.col("real_name_verified").alias("verified"))

    # --- contributions: rows of (operator_id, streamer_id, num, den) per indicator --------
    def rows(df: pl.DataFrame, num: pl.Expr, den: pl.Expr | float = 1.0) -> pl.DataFrame:
        return df.select(
            pl.col("operator_id").cast(pl.String),
            pl.col("streamer_id").cast(pl.String),
            num.cast(pl.Float64).alias("num"),
            (den if isinstance(den, pl.Expr) else pl.lit(den)).cast(pl.Float64).alias("den"),
        )

    contrib: dict[str, pl.DataFrame] = {}
    contrib["PRE-2"] = rows(s_p, pl.col("license_displayed"))

    def present(c: str) -> pl.Expr:
        return pl.col(c).is_not_null() & (pl.col(c).cast(pl.String).str.strip_chars() != "")

    offers = products.join(s_p.select("session_id", pl.col("streamer_id")), on="session_id", how="inner")
    complete = (
        present("title") & present("listed_price") & present("spec")
        & (present("origin") | present("manufacturer")) & present("after_sales_policy")
        & (~pl.col("certificate_required") | present("certificate_no"))
    )  # fmt: skip
    contrib["PRE-3"] = rows(offers, complete)

    f_p = findings.filter(pl.col("confirmed") & in_p("detected_at") & (pl.col("detected_at") < t_end))
    is_veto = (pl.col("severity") == "critical") | pl.col("finding_type").is_in(VETO_TYPES)
    f_points = f_p.filter(~is_veto)
    contrib["IN-1"] = pl.concat([
        rows(f_points, pl.col("severity").replace_strict(POINTS, return_dtype=pl.Int64), 0.0),
        rows(s_p, pl.lit(0.0)),
    ])  # fmt: skip
    vetoes = f_p.filter(is_veto)

    announced = products.filter(pl.col("announced_price").is_not_null()).select(
        "session_id", "product_id", "announced_price"
    )
    o_ann = o_p.join(announced, on=["session_id", "product_id"], how="inner")
    contrib["IN-2"] = rows(o_ann, pl.col("unit_price") <= pl.col("announced_price"))

    c_p = convs.filter(in_p("first_message_at") & (pl.col("first_message_at") < t_end) & pl.col("in_service_hours"))
    on_time_reply = (
        pl.col("first_reply_at").is_not_null() & (pl.col("first_reply_at") < t_end)
        & ((pl.col("first_reply_at") - pl.col("first_message_at")) <= timedelta(seconds=180))
    )  # fmt: skip
    contrib["IN-3"] = rows(c_p.with_columns(pl.lit(None, pl.String).alias("streamer_id")), on_time_reply)

    deadline = pl.coalesce("promised_ship_by", pl.col("paid_at") + h48)
    cancelled_before_ship = (
        pl.col("cancelled_at").is_not_null() & (pl.col("cancelled_at") < t_end)
        & (pl.col("shipped_at").is_null() | (pl.col("cancelled_at") < pl.col("shipped_at")))
    )  # fmt: skip
    by_merchant = pl.col("cancel_party").fill_null("") == "merchant"
    due = o_p.with_columns(deadline.alias("D")).filter((pl.col("D") < t_end) & ~(cancelled_before_ship & ~by_merchant))
    shipped_on_time = (
        pl.col("shipped_at").is_not_null() & (pl.col("shipped_at") <= pl.col("D"))
        & ~(cancelled_before_ship & by_merchant)
    )  # fmt: skip
    contrib["POST-1"] = rows(due, shipped_on_time)

    delivered = o_p.filter(
        pl.col("shipped_at").is_not_null() & (pl.col("shipped_at") < t_end)
        & pl.col("delivered_at").is_not_null() & (pl.col("delivered_at") < t_end)
    ).with_columns(
        ((pl.col("delivered_at") - pl.col("shipped_at")).dt.total_microseconds() / 3.6e9).alias("hours")
    )  # fmt: skip

    shipped = o_p.filter(pl.col("shipped_at").is_not_null() & (pl.col("shipped_at") < t_end))
    q_orders = cases.filter(pl.col("reason").is_in(QUALITY_REASONS) & (pl.col("requested_at") < t_end))
    shipped = shipped.with_columns(pl.col("order_id").is_in(q_orders["order_id"].implode()).alias("q"))
    contrib["POST-3"] = rows(shipped, pl.col("q"))

    cs_p = cases.filter(pl.col("requested_at") < t_end).join(order_subj, on="order_id", how="inner")
    resolved_known = pl.col("resolved_at").is_not_null() & (pl.col("resolved_at") < t_end)
    cs_due = cs_p.filter(resolved_known | (pl.col("requested_at") <= t_end - h48))
    contrib["POST-4"] = rows(cs_due, resolved_known & ((pl.col("resolved_at") - pl.col("requested_at")) <= h48))

    cp_p = complaints.filter(in_p("received_at") & (pl.col("received_at") < t_end))
    closed_known = pl.col("closed_at").is_not_null() & (pl.col("closed_at") < t_end)
    cp_due = cp_p.filter(closed_known | (pl.col("received_at") <= t_end - d7))
    contrib["POST-6"] = rows(
        cp_due,
        closed_known & (pl.col("resolved").fill_null(False)) & ((pl.col("closed_at") - pl.col("received_at")) <= d7),
    )

    rv_p = reviews.filter(pl.col("reviewed_at") < t_end).join(order_subj, on="order_id", how="inner")
    contrib["POST-7"] = rows(rv_p, pl.col("rating") >= 4)

    # POST-5: complaint groups per base subject (operator or streamer)
    group_key = (
        pl.when(pl.col("complainant_id").is_null()).then(pl.concat_str(pl.lit("#"), pl.col("complaint_id")))
        .when(pl.col("order_id").is_not_null())
        .then(pl.concat_str(pl.lit("o|"), pl.col("complainant_id"), pl.lit("|"), pl.col("order_id")))
        .otherwise(pl.concat_str(pl.lit("d|"), pl.col("complainant_id"), pl.lit("|"), pl.col("operator_id"),
                                 pl.lit("|"), pl.col("received_at").dt.date().cast(pl.String)))
    )  # fmt: skip
    cp_groups = cp_p.with_columns(group_key.alias("g"))

    def post5(base: str) -> pl.DataFrame:
        other = "streamer_id" if base == "operator_id" else "operator_id"
        groups = (
            cp_groups.filter(pl.col(base).is_not_null()).select(base, "g").unique()
            .select(pl.col(base), pl.lit(None, pl.String).alias(other), pl.lit(1.0).alias("num"),
                    pl.lit(0.0).alias("den"))
        )  # fmt: skip
        return pl.concat([groups.select("operator_id", "streamer_id", "num", "den"), rows(o_p, pl.lit(0.0))])

    # --- aggregation per subject kind ------------------------------------------------------
    def members(kind: str) -> pl.DataFrame:
        """base id -> subject id (and peer group), evaluated members only."""
        if kind == "operator":
            return op_snap.filter(pl.col("operator_id").is_in(list(ev_ops))).select(
                pl.col("operator_id").alias("base"), pl.col("operator_id").alias("subject_id"),
                "platform", pl.concat_str("platform", pl.lit("/"), "main_category").alias("peer"), "verified",
            )  # fmt: skip
        if kind == "streamer":
            return st_snap.filter(pl.col("streamer_id").is_in(list(ev_sts))).select(
                pl.col("streamer_id").alias("base"), pl.col("streamer_id").alias("subject_id"),
                "platform", pl.col("platform").alias("peer"), "verified",
            )  # fmt: skip
        if kind == "agency":
            return st_snap.filter(pl.col("streamer_id").is_in(list(ev_sts)) & pl.col("agency_id").is_not_null()).select(
                pl.col("streamer_id").alias("base"), pl.col("agency_id").alias("subject_id"),
                pl.lit(None, pl.String).alias("platform"), pl.lit("all").alias("peer"), "verified",
            )  # fmt: skip
        return op_snap.filter(pl.col("operator_id").is_in(list(ev_ops))).select(
            pl.col("operator_id").alias("base"), pl.col("platform").alias("subject_id"),
            "platform", pl.lit(None, pl.String).alias("peer"), "verified",
        )  # fmt: skip

    rating_rows, indicator_rows = [], []
    for kind in ("operator", "streamer", "agency", "platform"):
        base = "operator_id" if kind in ("operator", "platform") else "streamer_id"
        mem = members(kind)
        subjects = mem.group_by("subject_id").agg(pl.first("platform"), pl.first("peer")).sort("subject_id")

        def agg(df: pl.DataFrame, mem: pl.DataFrame = mem, base: str = base) -> dict[str, tuple[float, float]]:
            j = df.join(mem.select("base", "subject_id"), left_on=base, right_on="base", how="inner")
            out = j.group_by("subject_id").agg(pl.sum("num"), pl.sum("den"))
            return {r["subject_id"]: (r["num"], r["den"]) for r in out.iter_rows(named=True)}

        sums: dict[str, dict[str, tuple[float, float]]] = {}
        sums["PRE-1"] = {
            r["subject_id"]: (float(r["num"]), float(r["den"]))
            for r in mem.group_by("subject_id").agg(pl.col("verified").cast(pl.Float64).sum().alias("num"),
                                                    pl.len().cast(pl.Float64).alias("den")).iter_rows(named=True)
        }  # fmt: skip
        for ind_id, df in contrib.items():
            sums[ind_id] = agg(df)
        sums["POST-5"] = agg(post5(base))
        # POST-2: pooled hours
        hrs = delivered.join(mem.select("base", "subject_id"), left_on=base, right_on="base", how="inner")
        hours = dict(hrs.group_by("subject_id").agg(pl.col("hours")).iter_rows())
        # vetoes per base member
        vmem = vetoes.join(mem.select("base", "subject_id"), left_on=base, right_on="base", how="inner")
        veto_ids = {r["subject_id"]: sorted(r["finding_id"]) for r in
                    vmem.group_by("subject_id").agg(pl.col("finding_id")).iter_rows(named=True)}  # fmt: skip
        veto_members = dict(vmem.group_by("subject_id").agg(pl.col(base).n_unique()).iter_rows())
        n_members = dict(mem.group_by("subject_id").len().iter_rows())

        peer_of = dict(zip(subjects["subject_id"], subjects["peer"], strict=True))
        plat_of = dict(zip(subjects["subject_id"], subjects["platform"], strict=True))
        for sid in subjects["subject_id"]:
            stage_num = {"pre": 0.0, "in": 0.0, "post": 0.0}
            stage_w = {"pre": 0.0, "in": 0.0, "post": 0.0}
            applicable_weight = 0.0
            for ind in INDICATORS:
                not_applies = ind.id == "IN-3" and kind in ("streamer", "agency")
                peer_rate = None
                if ind.id == "POST-2":
                    vals = sorted(hours.get(sid, []))
                    num, den = None, float(len(vals))
                    raw = None
                    if vals:
                        m = len(vals) // 2
                        raw = vals[m] if len(vals) % 2 else (vals[m - 1] + vals[m]) / 2
                else:
                    num, den = sums[ind.id].get(sid, (0.0, 0.0))
                    raw = num / den * ind.scale if den > 0 else None
                adjusted = raw
                if ind.smoothed and kind != "platform" and not not_applies:
                    pnum = sum(v[0] for s, v in sums[ind.id].items() if peer_of.get(s) == peer_of[sid])
                    pden = sum(v[1] for s, v in sums[ind.id].items() if peer_of.get(s) == peer_of[sid])
                    if pden > 0:
                        p = pnum / pden
                        peer_rate = p * ind.scale
                        adjusted = (num + K * p) / (den + K) * ind.scale
                applicable = not not_applies and den >= ind.n_min
                score = linear(adjusted, ind.full, ind.zero) if applicable else None
                if applicable:
                    stage_num[ind.stage] += ind.weight * score
                    stage_w[ind.stage] += ind.weight
                    applicable_weight += ind.weight
                reason = None
                if not_applies:
                    reason = "not applicable to this subject kind"
                elif not applicable:
                    reason = f"denominator {den:g} below n_min {ind.n_min:g}"
                indicator_rows.append({
                    "subject_kind": kind, "subject_id": sid, "platform": plat_of[sid], "indicator_id": ind.id,
                    "numerator": num, "denominator": den, "raw_value": raw, "peer_rate": peer_rate,
                    "adjusted_value": adjusted, "score": score, "weight": ind.weight, "applicable": applicable,
                    "not_applicable_reason": reason,
                })  # fmt: skip
            stage_score = {s: (stage_num[s] / stage_w[s] if stage_w[s] > 0 else None) for s in stage_num}
            tw = sum(STAGE_WEIGHTS[s] for s, v in stage_score.items() if v is not None)
            total = sum(STAGE_WEIGHTS[s] * v for s, v in stage_score.items() if v is not None) / tw if tw > 0 else None
            total_r = round_half_up_2(total)
            vetoed = kind in ("operator", "streamer") and sid in veto_ids
            if vetoed:
                grade = "E"
            elif applicable_weight < NOT_RATED_BELOW:
                grade = "NR"
            else:
                grade = next((g for lim, g in GRADES if total_r >= lim), "E")
            rating_rows.append({
                "subject_kind": kind, "subject_id": sid, "platform": plat_of[sid], "total_score": total_r,
                "total_unrounded": total, "grade": grade, "score_pre": stage_score["pre"],
                "score_in": stage_score["in"], "score_post": stage_score["post"],
                "applicable_weight": applicable_weight, "veto": vetoed,
                "veto_reasons": ",".join(veto_ids[sid]) if vetoed else None,
                "vetoed_members": veto_members.get(sid, 0) if kind in ("agency", "platform") else None,
                "members_evaluated": n_members[sid] if kind in ("agency", "platform") else None,
            })  # fmt: skip
    rank_among_peers(rating_rows)
    ratings = pl.DataFrame(rating_rows, infer_schema_length=None)
    indicators = pl.DataFrame(indicator_rows, infer_schema_length=None)
    return ratings, indicators


def rank_among_peers(rows: list[dict]) -> None:
    """methodology.md, "Rank and percentile", in place: among the rated subjects (A-E, vetoed
    included) of one kind and platform (agencies all together), a subject's rank is 1 + the
    number of those that come strictly before it (better grade, or same grade and higher
    rounded total), so ties share the better rank; its percentile is 100 x the share of the
    others that come strictly after it (100 when it has no peer: a reading, the spec gives no
    share of nobody). Not rated: neither."""
    letters = "ABCDE"

    def before(a: dict, b: dict) -> bool:  # a is ranked above b
        ga, gb = letters.index(a["grade"]), letters.index(b["grade"])
        ta = -1.0 if a["total_score"] is None else a["total_score"]
        tb = -1.0 if b["total_score"] is None else b["total_score"]
        return ga < gb or (ga == gb and ta > tb)

    for r in rows:
        r["rank"], r["peer_percentile"] = None, None
        if r["grade"] == "NR":
            continue
        group = r["platform"] if r["subject_kind"] != "agency" else None
        peers = [o for o in rows if o is not r and o["subject_kind"] == r["subject_kind"] and o["grade"] != "NR"
                 and (o["platform"] if o["subject_kind"] != "agency" else None) == group]  # fmt: skip
        r["rank"] = 1 + sum(before(o, r) for o in peers)
        r["peer_percentile"] = 100.0 * sum(before(r, o) for o in peers) / len(peers) if peers else 100.0


def main(argv: list[str]) -> None:
    landing, period, as_of, out = argv
    ratings, indicators = evaluate(landing, period, as_of)
    Path(out).mkdir(parents=True, exist_ok=True)
    ratings.write_parquet(Path(out) / "ratings.parquet")
    indicators.write_parquet(Path(out) / "indicators.parquet")
    print(ratings.group_by("subject_kind", "grade").len().sort("subject_kind", "grade"))


if __name__ == "__main__":
    main(sys.argv[1:])
