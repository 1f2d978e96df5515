"""The usual alternative: the same operator indicators as the floor (`floor.py`), written as a
data team would in plain pandas: read the Parquet files delivered up to the cutoff, keep the
current version of each record, merge and group. No DuckDB, no Polars. The rules are the
floor's (and so the dbt models'); this module follows them step by step.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from live_commerce_quality.bench.indicators import OPERATOR_INDICATORS, window
from live_commerce_quality.core import methodology as methodology_mod
from live_commerce_quality.core.settings import Settings

ORDER = ["_dt", "_file_name", "_line"]
# the dbt macro is_blank: null, or only whitespace (RE2's \s) and Unicode separators (\p{Z})
BLANK = r"[\t\n\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*"
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

COLUMNS = {
    "operators": ["operator_id", "license_verified", "credit_code"],
    "streamers": ["streamer_id"],
    "live_sessions": ["session_id", "operator_id", "streamer_id", "started_at", "license_displayed"],
    "products": ["session_id", "product_id", "operator_id", "title", "announced_price", "listed_price", "spec",
                 "origin", "manufacturer", "certificate_required", "certificate_no", "after_sales_policy"],
    "orders": ["order_id", "session_id", "operator_id", "streamer_id", "product_id", "unit_price", "paid_at",
               "promised_ship_by", "shipped_at", "delivered_at", "cancelled_at", "cancel_party"],
    "after_sales": ["case_id", "order_id", "reason", "requested_at", "resolved_at"],
    "reviews": ["review_id", "order_id", "rating", "reviewed_at"],
    "cs_conversations": ["conversation_id", "operator_id", "first_message_at", "first_reply_at", "in_service_hours"],
    "complaints": ["complaint_id", "complainant_id", "operator_id", "streamer_id", "order_id", "received_at",
                   "closed_at", "resolved"],
    "findings": ["finding_id", "session_id", "operator_id", "streamer_id", "detected_at", "severity",
                 "finding_type", "confirmed"],
}  # fmt: skip


def read(standardised: Path, source: str, cutoff: date) -> pd.DataFrame:
    """Every row of the source's files delivered up to the cutoff: the columns used, and the order."""
    files = sorted(
        f for d in (standardised / source).glob("dt=*") if date.fromisoformat(d.name[3:]) <= cutoff
        for f in d.glob("*.parquet")
    )  # fmt: skip
    if not files:
        files = [standardised / source / "_schema" / "empty.parquet"]
    return pd.read_parquet([str(f) for f in files], columns=COLUMNS[source] + ORDER)


def current(df: pd.DataFrame, key: list[str], first: bool = False) -> pd.DataFrame:
    """The current version of each record: its latest delivered row (reviews: its first)."""
    return df.sort_values(ORDER).drop_duplicates(key, keep="first" if first else "last")


def known(df: pd.DataFrame, column: str, keys: pd.Series, optional: bool = True) -> pd.Series:
    """The reference names a known record (a null names none: it passes where the column is optional)."""
    ok = df[column].isin(keys)
    return ok | df[column].isna() if optional else ok


def load(standardised: Path, cutoff: date) -> dict[str, pd.DataFrame]:
    """Current records as of the cutoff, good rows only (the reference checks of the dbt *_checked models)."""
    raw = {source: read(standardised, source, cutoff) for source in COLUMNS}
    ops = current(raw["operators"], ["operator_id"])
    sts = raw["streamers"]["streamer_id"].drop_duplicates()

    def people(df: pd.DataFrame, streamer: bool = True) -> pd.Series:
        ok = known(df, "operator_id", ops["operator_id"], optional=False)
        return ok & known(df, "streamer_id", sts) if streamer else ok

    d = raw["live_sessions"]
    sess = current(d[people(d)], ["session_id"])
    d = raw["products"]
    offers = current(d[known(d, "session_id", sess["session_id"]) & people(d, False)], ["session_id", "product_id"])
    d = raw["orders"]
    orders = current(d[known(d, "session_id", sess["session_id"]) & people(d)], ["order_id"])
    d = raw["after_sales"]
    cases = current(d[known(d, "order_id", orders["order_id"], optional=False)], ["case_id"])
    d = raw["reviews"]
    reviews = current(d[known(d, "order_id", orders["order_id"], optional=False)], ["review_id"], first=True)
    d = raw["cs_conversations"]
    convs = current(d[people(d, False)], ["conversation_id"])
    d = raw["complaints"]
    complaints = current(d[people(d)], ["complaint_id"])
    d = raw["findings"]
    findings = current(d[known(d, "session_id", sess["session_id"]) & people(d)], ["finding_id"])
    return {
        "operators": ops, "sessions": sess, "offers": offers, "orders": orders, "cases": cases,
        "reviews": reviews, "conversations": convs, "complaints": complaints, "findings": findings,
    }  # fmt: skip


def credit_code_valid(code) -> bool:
    """GB 32100-2015: 18 characters of the code set, the last the check character."""
    if not isinstance(code, str) or len(code) != 18 or any(ch not in CREDIT_CHARS for ch in code):
        return False
    total = sum(CREDIT_CHARS.index(ch) * w for ch, w in zip(code[:17], CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARS.index(code[17]) == (31 - total % 31) % 31


def blank(s: pd.Series) -> pd.Series:
    return s.isna() | s.fillna("").astype(str).str.fullmatch(BLANK)


def before(s: pd.Series, t: datetime) -> pd.Series:
    """Known by the cutoff: a timestamp before T (null: not known)."""
    return s.notna() & (s < t)


class Window:
    def __init__(self, period: str, as_of: date):
        self.start, self.end, self.t = window(period, as_of)

    def within(self, s: pd.Series) -> pd.Series:
        return (s >= self.start) & (s < self.end) & (s < self.t)


def session_counts(tb: dict, w: Window) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sessions started in P, and PRE-2, PRE-3 per operator."""
    sess_p = tb["sessions"][w.within(tb["sessions"]["started_at"])]
    s = sess_p.groupby("operator_id").agg(sessions=("session_id", "size"), displayed=("license_displayed", "sum"))
    o = tb["offers"].merge(sess_p[["session_id"]], on="session_id")
    o = o.assign(
        complete=~blank(o["title"]) & o["listed_price"].notna() & ~blank(o["spec"])
        & ~(blank(o["origin"]) & blank(o["manufacturer"])) & ~blank(o["after_sales_policy"])
        & ~(o["certificate_required"].astype(bool) & blank(o["certificate_no"]))
    )  # fmt: skip
    offers = o.groupby("operator_id").agg(offers=("session_id", "size"), complete=("complete", "sum"))
    return sess_p, s.join(offers, how="outer")


def order_counts(tb: dict, w: Window, rules: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Orders of P, and IN-2, POST-1, POST-2, POST-3 per operator."""
    orders = tb["orders"]
    o = orders[orders["session_id"].notna() & w.within(orders["paid_at"])]
    offers = tb["offers"][["session_id", "product_id", "announced_price"]]
    o = o.merge(offers, on=["session_id", "product_id"], how="left")
    cases = tb["cases"]
    quality = cases[cases["reason"].isin(rules["quality_return_reasons"]) & before(cases["requested_at"], w.t)]
    deadline = o["promised_ship_by"].fillna(o["paid_at"] + timedelta(hours=rules["default_ship_within_hours"]))
    cancelled = (
        before(o["cancelled_at"], w.t) & (o["shipped_at"].isna() | (o["cancelled_at"] < o["shipped_at"]))
        & (o["cancel_party"].fillna("unknown") != "merchant")
    )  # fmt: skip
    checked = o["announced_price"].notna()
    due = (deadline < w.t) & ~cancelled
    shipped = before(o["shipped_at"], w.t)
    delivered = shipped & before(o["delivered_at"], w.t)
    us = lambda s: s[delivered].dt.as_unit("us").astype("int64")  # noqa: E731
    hours = (us(o["delivered_at"]) / 1e6 - us(o["shipped_at"]) / 1e6) / 3600.0
    o = o.assign(
        price_checked=checked,
        price_ok=checked & (o["unit_price"].astype("float64") <= o["announced_price"].astype("float64")),
        ship_due=due,
        ship_on_time=due & (o["shipped_at"] <= deadline),
        delivered=delivered,
        hours=hours,
        shipped=shipped,
        quality_returns=shipped & o["order_id"].isin(quality["order_id"]),
    )
    counted = ["price_checked", "price_ok", "ship_due", "ship_on_time", "delivered", "shipped", "quality_returns"]
    g = o.groupby("operator_id")
    agg = g[counted].sum().join(g.size().rename("orders")).join(g["hours"].median().rename("delivery_median"))
    return o, agg


def service_counts(tb: dict, w: Window, orders_p: pd.DataFrame, rules: dict) -> pd.DataFrame:
    """IN-3, POST-4, POST-5, POST-6, POST-7 per operator."""
    c = tb["conversations"]
    c = c[c["in_service_hours"].astype(bool) & w.within(c["first_message_at"])]
    reply = timedelta(seconds=rules["reply_within_seconds"])
    c = c.assign(answered=before(c["first_reply_at"], w.t) & (c["first_reply_at"] <= c["first_message_at"] + reply))
    conv = c.groupby("operator_id").agg(conversations=("answered", "size"), answered=("answered", "sum"))

    by_order = orders_p[["order_id", "operator_id"]]
    a = tb["cases"]
    a = a[before(a["requested_at"], w.t)].merge(by_order, on="order_id")
    within = timedelta(hours=rules["after_sales_within_hours"])
    resolved = before(a["resolved_at"], w.t)
    a = a.assign(
        cases_due=resolved | (a["requested_at"] <= w.t - within),
        cases_on_time=resolved & (a["resolved_at"] <= a["requested_at"] + within),
    )
    cases = a.groupby("operator_id")[["cases_due", "cases_on_time"]].sum()

    k = tb["complaints"]
    k = k[w.within(k["received_at"])]
    days = timedelta(days=rules["complaint_within_days"])
    closed = before(k["closed_at"], w.t)
    day = k["received_at"].dt.strftime("%Y-%m-%d")
    group = ("o|" + k["complainant_id"] + "|" + k["order_id"]).where(
        k["order_id"].notna(), "d|" + k["complainant_id"] + "|" + day
    )
    k = k.assign(
        group=group.where(k["complainant_id"].notna(), "c|" + k["complaint_id"]),
        complaints_due=closed | (k["received_at"] <= w.t - days),
        complaints_on_time=k["resolved"].fillna(False).astype(bool) & closed
        & (k["closed_at"] <= k["received_at"] + days),
    )  # fmt: skip
    g = k.groupby("operator_id")
    comps = g[["complaints_due", "complaints_on_time"]].sum().join(g["group"].nunique().rename("complaint_groups"))

    r = tb["reviews"]
    r = r[before(r["reviewed_at"], w.t)].merge(by_order, on="order_id")
    r = r.assign(positive=r["rating"] >= rules["positive_review_min_rating"])
    reviews = r.groupby("operator_id").agg(reviews=("positive", "size"), positive=("positive", "sum"))
    return conv.join([cases, comps, reviews], how="outer")


def finding_counts(tb: dict, w: Window, rules: dict) -> pd.DataFrame:
    """IN-1's violation points per operator: confirmed findings of P that are not veto items."""
    f = tb["findings"]
    veto = f["severity"].isin(rules["veto_severities"]) | f["finding_type"].isin(rules["veto_finding_types"])
    f = f[f["confirmed"].astype(bool) & w.within(f["detected_at"]) & ~veto]
    points = f["severity"].map(rules["finding_points"]).fillna(0).astype("int64")
    return f.assign(points=points).groupby("operator_id")[["points"]].sum()


def operator_table(tb: dict, w: Window, rules: dict) -> pd.DataFrame:
    """One row per operator evaluated in P with every count the indicators are made of."""
    sess_p, sessions = session_counts(tb, w)
    orders_p, orders = order_counts(tb, w, rules)
    evaluated = pd.Index(pd.concat([sess_p["operator_id"], orders_p["operator_id"]]).unique(), name="operator_id")
    ops = tb["operators"].set_index("operator_id")
    evaluated = evaluated[evaluated.isin(ops.index)]
    wide = pd.DataFrame(index=evaluated)
    for part in (sessions, orders, service_counts(tb, w, orders_p, rules), finding_counts(tb, w, rules)):
        wide = wide.join(part, how="left")
    median = wide["delivery_median"]
    wide = wide.drop(columns="delivery_median").astype("float64").fillna(0.0)
    o = ops.loc[evaluated]
    verified = o["license_verified"].fillna(False).astype(bool) & o["credit_code"].map(credit_code_valid).astype(bool)
    return wide.assign(one=1.0, verified=verified.astype("float64"), delivery_median=median)


def long_rows(wide: pd.DataFrame, scales: dict) -> pd.DataFrame:
    """(subject_id, indicator_id, numerator, denominator, raw_value), as the mart has them."""
    parts = []
    for ind, (num, den) in OPERATOR_INDICATORS.items():
        d = wide[den].astype("float64")
        if num is None:
            n, raw = pd.Series(float("nan"), index=wide.index), wide["delivery_median"].astype("float64")
        else:
            n = wide[num].astype("float64")
            raw = (n / d * scales[ind]).where(d > 0)
        parts.append(pd.DataFrame({"subject_id": wide.index, "indicator_id": ind, "numerator": n.values,
                                   "denominator": d.values, "raw_value": raw.values}))  # fmt: skip
    return pd.concat(parts, ignore_index=True)


def compute(standardised: str, period: str, as_of: str, methodology: str | None, out: str) -> dict:
    """Every operator indicator with pandas, written to `out` (Parquet); the bench's child calls this."""
    m = methodology_mod.load(methodology, Settings.from_env().methodology_dir)
    cutoff = date.fromisoformat(as_of)
    tables = load(Path(standardised), cutoff)
    wide = operator_table(tables, Window(period, cutoff), m.dbt_vars()["rules"])
    rows = long_rows(wide, m.dbt_vars()["indicator_scales"])
    rows.to_parquet(out, index=False)
    return {"rows": len(rows)}
