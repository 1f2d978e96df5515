"""The floor: every operator indicator in hand-written DuckDB SQL, straight from the
standardised Parquet, with the pipeline's rules (methodology.md, "Precise definitions"; the
dbt models' readings where the page leaves a choice) and nothing else: no staging, no
lineage, no other subject kinds. It is the engine's limit for this work, what the dbt step
is held against.

As of cutoff C: deliveries with dt <= C (files chosen by their dt folder), events before T.
The current version of a record is the dbt models' (`current_version`): among its good rows,
the latest dt, then file name, then line (reviews: the first). Good rows are those whose
references name a known record (`with_reference_checks`): an operator or streamer delivered
up to C, a session or order with a current version. The standardised layer holds only rows
that passed the ingest's checks, so these reference checks are all the set-aside rules left.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from live_commerce_quality.bench.indicators import OPERATOR_INDICATORS, window
from live_commerce_quality.core import methodology as methodology_mod
from live_commerce_quality.core.duck import sql_string
from live_commerce_quality.core.settings import Settings

LATEST = "order by _dt desc, _file_name desc, _line desc"
FIRST = "order by _dt, _file_name, _line"

# Current versions of the records, with the reference checks of the dbt *_checked models.
CURRENT = """
ops as (
    select operator_id, license_verified, credit_code from {operators}
    qualify row_number() over (partition by operator_id {latest}) = 1
),
sts as (select distinct streamer_id from {streamers}),
sess as (
    select session_id, operator_id, started_at, license_displayed from {live_sessions}
    where operator_id in (select operator_id from ops)
        and (streamer_id is null or streamer_id in (select streamer_id from sts))
    qualify row_number() over (partition by session_id {latest}) = 1
),
offers as (
    select session_id, product_id, operator_id, announced_price,
        not blank(title) and listed_price is not null and not blank(spec)
        and not (blank(origin) and blank(manufacturer)) and not blank(after_sales_policy)
        and not (certificate_required and blank(certificate_no)) as is_complete
    from {products}
    where session_id in (select session_id from sess) and operator_id in (select operator_id from ops)
    qualify row_number() over (partition by session_id, product_id {latest}) = 1
),
ord as (
    select order_id, session_id, operator_id, product_id, unit_price, paid_at, promised_ship_by,
        shipped_at, delivered_at, cancelled_at, cancel_party
    from {orders}
    where (session_id is null or session_id in (select session_id from sess))
        and operator_id in (select operator_id from ops)
        and (streamer_id is null or streamer_id in (select streamer_id from sts))
    qualify row_number() over (partition by order_id {latest}) = 1
),
cases as (
    select order_id, reason, requested_at, resolved_at from {after_sales}
    where order_id in (select order_id from ord)
    qualify row_number() over (partition by case_id {latest}) = 1
),
revs as (
    select order_id, rating, reviewed_at from {reviews}
    where order_id in (select order_id from ord)
    qualify row_number() over (partition by review_id {first}) = 1
),
convs as (
    select operator_id, first_message_at, first_reply_at, in_service_hours from {cs_conversations}
    where operator_id in (select operator_id from ops)
    qualify row_number() over (partition by conversation_id {latest}) = 1
),
comps as (
    select complaint_id, complainant_id, operator_id, order_id, received_at, closed_at, resolved
    from {complaints}
    where operator_id in (select operator_id from ops)
        and (streamer_id is null or streamer_id in (select streamer_id from sts))
    qualify row_number() over (partition by complaint_id {latest}) = 1
),
finds as (
    select operator_id, detected_at, severity, finding_type, confirmed from {findings}
    where (session_id is null or session_id in (select session_id from sess))
        and operator_id in (select operator_id from ops)
        and (streamer_id is null or streamer_id in (select streamer_id from sts))
    qualify row_number() over (partition by finding_id {latest}) = 1
)"""

# The records of P and their counts per operator.
COUNTS = """
sess_p as (select * from sess where {in_p_started}),
ord_p as (
    select *, coalesce(promised_ship_by, paid_at + interval ({ship_hours}) hour) as deadline,
        coalesce(cancelled_at < {t} and (shipped_at is null or cancelled_at < shipped_at)
            and coalesce(cancel_party, 'unknown') <> 'merchant', false) as cancelled_before_shipment
    from ord where session_id is not null and {in_p_paid}
),
quality_orders as (
    select distinct order_id from cases where reason in {quality_reasons} and requested_at < {t}
),
s_agg as (
    select operator_id, count(*) as sessions, count_if(license_displayed) as displayed
    from sess_p group by 1
),
offer_agg as (
    select offers.operator_id, count(*) as offers, count_if(is_complete) as complete
    from offers join sess_p using (session_id) group by 1
),
find_agg as (
    select operator_id, sum(case severity {points} else 0 end) as points from finds
    where confirmed and {in_p_detected}
        and not (severity in {veto_severities} or finding_type in {veto_types})
    group by 1
),
ord_agg as (
    select o.operator_id, count(*) as orders,
        count_if(f.announced_price is not null) as price_checked,
        count_if(o.unit_price <= f.announced_price) as price_ok,
        count_if(o.deadline < {t} and not o.cancelled_before_shipment) as ship_due,
        count_if(o.deadline < {t} and not o.cancelled_before_shipment and o.shipped_at <= o.deadline)
            as ship_on_time,
        count(o.delivered_at) filter (where o.shipped_at < {t} and o.delivered_at < {t}) as delivered,
        quantile_cont((epoch_us(o.delivered_at) / 1000000.0 - epoch_us(o.shipped_at) / 1000000.0) / 3600.0, 0.5)
            filter (where o.shipped_at < {t} and o.delivered_at < {t}) as delivery_median,
        count_if(o.shipped_at < {t}) as shipped,
        count_if(o.shipped_at < {t} and q.order_id is not null) as quality_returns
    from ord_p as o
    left join offers as f on o.session_id = f.session_id and o.product_id = f.product_id
    left join quality_orders as q on o.order_id = q.order_id
    group by 1
),
conv_agg as (
    select operator_id, count(*) as conversations,
        count_if(first_reply_at < {t} and first_reply_at <= first_message_at + interval ({reply_s}) second) as answered
    from convs where in_service_hours and {in_p_message} group by 1
),
case_agg as (
    select o.operator_id,
        count_if(c.resolved_at < {t} or c.requested_at <= {t} - interval ({case_hours}) hour) as cases_due,
        count_if(c.resolved_at < {t} and c.resolved_at <= c.requested_at + interval ({case_hours}) hour)
            as cases_on_time
    from cases as c join ord_p as o using (order_id) where c.requested_at < {t} group by 1
),
comp_agg as (
    select operator_id,
        count(distinct case
            when complainant_id is null then 'c|' || complaint_id
            when order_id is not null then 'o|' || complainant_id || '|' || order_id
            else 'd|' || complainant_id || '|' || cast(cast(received_at as date) as varchar)
        end) as complaint_groups,
        count_if(closed_at < {t} or received_at <= {t} - interval ({complaint_days}) day) as complaints_due,
        count_if(coalesce(resolved, false) and closed_at < {t}
            and closed_at <= received_at + interval ({complaint_days}) day) as complaints_on_time
    from comps where {in_p_received} group by 1
),
rev_agg as (
    select o.operator_id, count(*) as reviews, count_if(r.rating >= {positive}) as positive
    from revs as r join ord_p as o using (order_id) where r.reviewed_at < {t} group by 1
),
evaluated as (select operator_id from sess_p union select operator_id from ord_p),
wide as (
    select *, 1 as one,
        case when coalesce(license_verified, false) and valid_credit_code(credit_code) then 1 else 0 end as verified
    from evaluated
    join ops using (operator_id)
    left join s_agg using (operator_id) left join offer_agg using (operator_id)
    left join find_agg using (operator_id) left join ord_agg using (operator_id)
    left join conv_agg using (operator_id) left join case_agg using (operator_id)
    left join comp_agg using (operator_id) left join rev_agg using (operator_id)
)"""

CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _macros() -> str:
    """`blank` as the dbt macro `is_blank`; `valid_credit_code` as `credit_code_is_valid` (GB 32100)."""
    char = [f"(position(substring(s, {i}, 1) in '{CREDIT_CHARS}') - 1)" for i in range(1, 19)]
    weighted = " + ".join(f"{c} * {w}" for c, w in zip(char[:17], CREDIT_WEIGHTS, strict=True))
    all_known = " and ".join(f"{c} >= 0" for c in char)
    return (
        r"create or replace macro blank(s) as coalesce(regexp_full_match(s, '[\s\p{Z}]*'), true);"
        f"create or replace macro valid_credit_code(s) as coalesce(length(s) = 18 and {all_known}"
        f" and {char[17]} = (31 - ({weighted}) % 31) % 31, false);"
    )


def _files(standardised: Path, source: str, cutoff: date) -> str:
    """`read_parquet([...])` of the source's files delivered up to the cutoff (or its empty schema file)."""
    root = standardised / source
    files = sorted(
        str(f) for d in root.glob("dt=*") if date.fromisoformat(d.name[3:]) <= cutoff for f in d.glob("*.parquet")
    )
    files = files or [str(root / "_schema" / "empty.parquet")]
    listed = ", ".join(sql_string(f) for f in files)
    return f"read_parquet([{listed}], union_by_name = true)"


def _sql_list(values) -> str:
    return "(" + ", ".join(sql_string(v) for v in values) + ")"


def query(standardised: Path, period: str, as_of: date, m: methodology_mod.Methodology) -> str:
    """The whole query: one row per (operator evaluated in P, indicator)."""
    start, end, t = window(period, as_of)
    ts = lambda x: f"timestamp '{x:%Y-%m-%d %H:%M:%S}'"  # noqa: E731
    rules = m.dbt_vars()["rules"]
    sources = ("operators", "streamers", "live_sessions", "products", "orders", "after_sales", "reviews")
    sources += ("cs_conversations", "complaints", "findings")
    tables = {s: _files(standardised, s, as_of) for s in sources}

    def in_p(col: str) -> str:
        return f"({col} >= {ts(start)} and {col} < {ts(end)} and {col} < {ts(t)})"

    params = {
        "t": ts(t),
        "in_p_started": in_p("started_at"),
        "in_p_paid": in_p("paid_at"),
        "in_p_detected": in_p("detected_at"),
        "in_p_message": in_p("first_message_at"),
        "in_p_received": in_p("received_at"),
        "ship_hours": int(rules["default_ship_within_hours"]),
        "reply_s": int(rules["reply_within_seconds"]),
        "case_hours": int(rules["after_sales_within_hours"]),
        "complaint_days": int(rules["complaint_within_days"]),
        "positive": int(rules["positive_review_min_rating"]),
        "quality_reasons": _sql_list(rules["quality_return_reasons"]),
        "veto_severities": _sql_list(rules["veto_severities"]),
        "veto_types": _sql_list(rules["veto_finding_types"]),
        "points": " ".join(f"when '{k}' then {int(v)}" for k, v in rules["finding_points"].items()),
    }
    scales = m.dbt_vars()["indicator_scales"]
    rows = []
    for ind, (num, den) in OPERATOR_INDICATORS.items():
        n = "cast(null as double)" if num is None else f"cast(coalesce({num}, 0) as double)"
        d = f"cast(coalesce({den}, 0) as double)"
        raw = "delivery_median" if num is None else f"case when {d} > 0 then {n} / {d} * {scales[ind]} end"
        rows.append(
            f"select operator_id as subject_id, '{ind}' as indicator_id, {n} as numerator,"
            f" {d} as denominator, cast({raw} as double) as raw_value from wide"
        )
    body = CURRENT.format(latest=LATEST, first=FIRST, **tables) + "," + COUNTS.format(**params)
    return f"with {body}\n" + "\nunion all\n".join(rows)


def compute(standardised: str, period: str, as_of: str, methodology: str | None, out: str) -> dict:
    """Run the floor query and write its rows to `out` (Parquet); the bench's child calls this."""
    import duckdb

    m = methodology_mod.load(methodology, Settings.from_env().methodology_dir)
    sql = query(Path(standardised), period, date.fromisoformat(as_of), m)
    con = duckdb.connect()
    try:
        con.execute(_macros())
        con.execute(f"copy ({sql}) to '{out}' (format parquet)")
        rows = con.execute(f"select count(*) from read_parquet('{out}')").fetchone()[0]
    finally:
        con.close()
    return {"rows": rows, "finished": datetime.now().isoformat(timespec="seconds")}
