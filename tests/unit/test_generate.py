"""The demo generator writes the contract's landing layout, deterministically, cleanly when
asked, and with the bad rows and files it reports when asked."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import re
from pathlib import Path

import polars as pl
import pytest

from live_commerce_quality.core.contract import BOOL, DEC, INT, PLATFORMS, SOURCES, STR, TS
from live_commerce_quality.demo import generate
from live_commerce_quality.demo.credit_codes import credit_code_check, credit_code_valid
from live_commerce_quality.demo.timeline import Calendar

MONTH = ["2025-03"]
SCALE = 0.005
PATH_RE = re.compile(r"^(?P<source>[a-z_]+)/dt=(?P<dt>\d{4}-\d{2}-\d{2})/(?P<name>[^/]+)$")
PARQUET_TYPES = {
    STR: pl.String,
    INT: pl.Int64,
    DEC: pl.Decimal(12, 2),
    BOOL: pl.Boolean,
    TS: pl.Datetime("us"),
}


def _run(root: Path, **kw) -> tuple[Path, dict]:
    args = {"months": MONTH, "scale": SCALE, "seed": 7, "bad_share": 0.0} | kw
    return root, generate(root, **args)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("clean"))


@pytest.fixture(scope="module")
def spoiled(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("spoiled"), bad_share=0.01)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("mixed"), fmt="mixed")


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _load(root: Path, source: str) -> pl.DataFrame:
    """All Parquet rows of a source with their dt and file name (bad files left out)."""
    frames = []
    for p in sorted((root / source).glob("dt=*/*.parquet")):
        try:
            df = pl.read_parquet(p)
        except Exception:  # the planted truncated file
            continue
        frames.append(df.with_columns(_dt=pl.lit(p.parent.name[3:]).str.to_date(), _file=pl.lit(p.name)))
    return pl.concat(frames, how="diagonal_relaxed")


# -- determinism and layout -------------------------------------------------------------


def _digests(root: Path) -> dict[str, str]:
    return {k: hashlib.sha256(v).hexdigest() for k, v in _files(root).items()}


def test_same_arguments_give_identical_bytes(tmp_path, spoiled):
    again = _run(tmp_path, bad_share=0.01)[0]
    assert _digests(again) == _digests(spoiled[0])


def test_mixed_formats_with_bad_rows_are_deterministic_and_spoil_text(tmp_path):
    a = _files(_run(tmp_path / "a", fmt="mixed", bad_share=0.02)[0])
    b = _files(_run(tmp_path / "b", fmt="mixed", bad_share=0.02)[0])
    assert a == b
    text = b"".join(v for k, v in a.items() if k.endswith((".csv", ".jsonl")))
    # values only a text format can carry: unparsable numbers, timestamps, booleans
    assert b"12.3.4" in text and b"2025-02-30 25:61:00" in text
    assert b"maybe" in text or "两".encode() in text


def test_another_seed_gives_other_data(tmp_path, clean):
    other = _files(_run(tmp_path, seed=8)[0])
    assert (
        other["orders/dt=2025-03-10/douyin.parquet"] != (clean[0] / "orders/dt=2025-03-10/douyin.parquet").read_bytes()
    )


def test_layout_and_parquet_columns_follow_the_contract(clean):
    root, summary = clean
    files = list(_files(root))
    seen = set()
    for rel in files:
        m = PATH_RE.match(rel)
        assert m, rel
        assert m["source"] in SOURCES
        seen.add(m["source"])
        dt.date.fromisoformat(m["dt"])
    assert seen == set(SOURCES)
    assert len(files) == summary["files_written"]
    for name, src in SOURCES.items():
        for p in sorted((root / name).glob("dt=*/*.parquet"))[:5]:
            schema = pl.read_parquet_schema(p)
            assert list(schema) == list(src.column_names), p
            for c in src.columns:
                assert schema[c.name] == PARQUET_TYPES[c.type], (p, c.name, schema[c.name])


def test_deliveries_span_the_month_and_its_tail(clean):
    root, summary = clean
    assert summary["first_dt"] == "2025-03-01" and summary["last_dt"] == "2025-04-20"
    orders = _load(root, "orders")
    assert orders["_dt"].min() == dt.date(2025, 3, 1)
    assert orders["_dt"].max() > dt.date(2025, 4, 5)  # late shipments and deliveries
    assert orders["paid_at"].max() < dt.datetime(2025, 4, 2)  # activity is March's


# -- a clean landing --------------------------------------------------------------------


def test_clean_landing_has_no_bad_rows_or_files(clean):
    root, summary = clean
    assert sum(summary["bad_rows"].values()) == 0 and summary["bad_files"] == []
    assert not [f for f in _files(root) if "resend" in f]
    data = {name: _load(root, name) for name in SOURCES}
    first_dt = {name: data[name].group_by(SOURCES[name].key[0]).agg(first=pl.col("_dt").min()) for name in SOURCES}
    for name, src in SOURCES.items():
        df = data[name]
        assert len(df) == summary["rows"][name] > 0
        for col in src.required:
            assert df[col].null_count() == 0, (name, col)
        for c in src.columns:
            if c.enum:
                assert set(df[c.name].drop_nulls().unique()) <= set(c.enum), (name, c.name)
            if c.int_range:
                lo, hi = c.int_range
                assert df[c.name].drop_nulls().is_between(lo, hi).all(), (name, c.name)
            if c.positive:
                assert (df[c.name] > 0).all(), (name, c.name)
            if c.non_negative:
                assert (df[c.name].drop_nulls() >= 0).all(), (name, c.name)
            if c.type == TS and c.event:
                end_of_dt = pl.col("_dt").cast(pl.Datetime("us")) + pl.duration(days=1)
                assert df.filter(pl.col(c.name) >= end_of_dt).is_empty(), (name, c.name)
        for a, b in src.time_order:
            assert df.filter(pl.col(b) < pl.col(a)).is_empty(), (name, a, b)
        dups = df.group_by("_dt", "_file", *src.key).len().filter(pl.col("len") > 1)
        assert dups.is_empty(), name
        # every reference resolves as of the referring row's delivery day
        for col, ref in src.references.items():
            j = df.filter(pl.col(col).is_not_null()).join(
                first_dt[ref], left_on=col, right_on=SOURCES[ref].key[0], how="left"
            )
            late = j.filter(pl.col("first").is_null() | (pl.col("first") > pl.col("_dt")))
            assert late.is_empty(), (name, col, late.head(3))


def test_every_event_is_before_the_end_of_its_delivery_day_in_every_format(mixed):
    root, _ = mixed
    checked = 0
    for rel, data in _files(root).items():
        if "resend" in rel or not rel.endswith((".csv", ".csv.gz", ".jsonl")):
            continue
        m = PATH_RE.match(rel)
        src = SOURCES[m["source"]]
        end = (dt.date.fromisoformat(m["dt"]) + dt.timedelta(days=1)).isoformat()
        df = _read_text(rel, data)
        for c in src.columns:
            if c.type == TS and c.event and c.name in df.columns:
                values = df[c.name].drop_nulls().cast(pl.String)
                values = values.filter(values.str.len_chars() >= 19)  # planted unparsable values aside
                assert (values.str.slice(0, 10).str.replace(" ", "T") < end).all(), (rel, c.name)
                checked += len(values)
    assert checked > 1000


# -- versions, late records, snapshots, corrections -------------------------------------


def test_orders_are_updated_in_later_deliveries(clean):
    orders = _load(clean[0], "orders")
    versions = orders.group_by("order_id").agg(
        n=pl.len(), first_shipped=pl.col("shipped_at").sort_by("_dt").first(), last=pl.col("_dt").max()
    )
    assert versions["n"].max() >= 3 and (versions["n"] > 1).mean() > 0.7
    assert versions["first_shipped"].null_count() > len(versions) // 2  # shipped arrives later
    assert orders["session_id"].null_count() / len(orders) == pytest.approx(0.03, abs=0.015)
    assert orders["cancel_party"].drop_nulls().n_unique() == 4


def test_snapshots_are_full_then_weekly_deltas_with_changes(clean):
    ops = _load(clean[0], "operators")
    per_dt = ops.group_by("_dt").len().sort("_dt")
    n = clean[1]["subjects"]["operators"]
    assert per_dt["_dt"][0] == dt.date(2025, 3, 1) and per_dt["len"][0] < n + 1
    full = per_dt.filter(pl.col("_dt") == dt.date(2025, 4, 1))["len"][0]
    assert full == n  # month start: everyone registered by then
    assert per_dt["len"].min() < n  # deltas in between
    sts = _load(clean[0], "streamers")
    assert sts.group_by("streamer_id").agg(pl.col("agency_id").n_unique()).filter(pl.col("agency_id") > 1).height > 0


def test_a_correction_and_review_edits_are_delivered(clean):
    root, summary = clean
    (corr,) = summary["corrections"]
    sessions = _load(root, "live_sessions")
    fixed = sessions.filter(pl.col("_file").str.contains("correction"))
    assert len(fixed) == corr["rows"] and fixed["license_displayed"].all()
    before = sessions.join(fixed.select("session_id"), on="session_id").filter(
        ~pl.col("_file").str.contains("correction")
    )
    assert not before["license_displayed"].any()
    reviews = _load(root, "reviews")
    edited = reviews.group_by("review_id").agg(n=pl.len(), first=pl.col("rating").sort_by("_dt").first())
    assert edited.filter(pl.col("n") > 1).height == summary["review_edits"] > 0
    assert (edited.filter(pl.col("n") > 1)["first"] <= 3).all()


def test_vetoes_and_quality_spread_are_planted(clean):
    summary = clean[1]
    assert summary["veto_findings"] >= 1
    assert all(v > 0 for v in summary["subjects"]["operators_by_tier"].values())
    findings = _load(clean[0], "findings")
    vetoes = findings.filter(
        pl.col("confirmed")
        & (
            (pl.col("severity") == "critical")
            | pl.col("finding_type").is_in(["prohibited_goods", "counterfeit", "fake_transaction", "privacy_violation"])
        )
    )
    assert vetoes["finding_id"].n_unique() == summary["veto_findings"]


def test_credit_codes(clean):
    assert credit_code_check("91440300708461136"[:17]) == "T"  # published codes
    assert credit_code_check("91440300192203821") == "6"
    ops = _load(clean[0], "operators").unique("operator_id")
    codes = ops["credit_code"].drop_nulls().to_list()
    valid = [c for c in codes if credit_code_valid(c)]
    assert 0.6 < len(valid) / len(ops) < 1  # most valid, some not
    assert not credit_code_valid("91440300708461136t") and not credit_code_valid("9144030070846113")
    assert not credit_code_valid("9144030070846113IT") and not credit_code_valid(None)


def test_personal_fields_look_real(clean):
    orders = _load(clean[0], "orders")
    assert orders["buyer_phone"].drop_nulls().str.contains(r"^1[3-9]\d{9}$").all()
    assert orders["buyer_address"].drop_nulls().str.contains(r"^\p{Han}+.*\d+号").all()
    assert orders["buyer_id"].str.contains(r"^U\d{10}$").all()
    complaints = _load(clean[0], "complaints")
    assert complaints["complainant_phone"].drop_nulls().str.contains(r"^1[3-9]\d{9}$").all()


# -- bad rows and files -----------------------------------------------------------------


def test_bad_rows_are_extra_rows_beside_the_clean_data(clean, spoiled):
    root, summary = spoiled
    assert len(summary["bad_files"]) == 4
    total = sum(summary["rows"].values())
    assert 0.005 < sum(summary["bad_rows"].values()) / total < 0.02
    for name in SOURCES:
        good = _load(clean[0], name)
        bad = _load(root, name)
        cols = [*SOURCES[name].column_names, "_dt", "_file"]
        assert good.select(cols).join(bad.select(cols), on=cols, how="anti", nulls_equal=True).is_empty(), name
        assert summary["bad_rows"][name] >= 1


def _breaks_a_rule(name: str, ids: dict[str, pl.Series]) -> pl.Expr:
    """True where a row breaks a rule of the contract that typed (Parquet) data can show."""
    src = SOURCES[name]
    rules = [pl.col(c).is_null() for c in src.required]
    for c in src.columns:
        v = pl.col(c.name)
        if c.enum:
            rules.append(~v.is_in(list(c.enum)))
        if c.int_range:
            rules.append(~v.is_between(*c.int_range))
        if c.positive:
            rules.append(v <= 0)
        if c.non_negative:
            rules.append(v < 0)
        if c.type == TS and c.event:
            rules.append(v >= pl.col("_dt").cast(pl.Datetime("us")) + pl.duration(days=1))
    rules += [pl.col(b) < pl.col(a) for a, b in src.time_order]
    rules += [~pl.col(c).is_in(ids[ref].implode()) for c, ref in src.references.items()]
    return pl.any_horizontal(r.fill_null(False) for r in rules)


def test_every_planted_row_breaks_a_rule(clean, spoiled):
    ids = {n: _load(clean[0], n)[SOURCES[n].key[0]].unique() for n in SOURCES}
    for name, src in SOURCES.items():
        cols = [*src.column_names, "_dt", "_file"]
        bad = _load(spoiled[0], name)
        extra = bad.join(_load(clean[0], name).select(cols), on=cols, how="anti", nulls_equal=True)
        assert extra.filter(~_breaks_a_rule(name, ids)).is_empty(), name
        # the rest are duplicate keys within a file: every copy counts as bad
        dup = bad.group_by("_dt", "_file", *src.key).len().filter(pl.col("len") > 1)
        assert len(extra) + 2 * len(dup) == spoiled[1]["bad_rows"][name], name


def test_bad_files_are_unreadable_or_incomplete(spoiled):
    root, summary = spoiled
    reasons = {f["path"].split("/")[0]: f for f in summary["bad_files"]}
    with pytest.raises(Exception):  # noqa: B017 - any reader error will do
        pl.read_parquet(root / reasons["orders"]["path"])
    data = (root / reasons["products"]["path"]).read_bytes()
    for enc in ("utf-8", "gbk", "gb18030"):
        with pytest.raises(UnicodeDecodeError):
            data.decode(enc)
    header = (root / reasons["complaints"]["path"]).read_text().splitlines()[0].split(",")
    assert set(SOURCES["complaints"].required) - set(header) == {"received_at"}
    with pytest.raises((EOFError, OSError)):
        gzip.decompress((root / reasons["reviews"]["path"]).read_bytes())


# -- formats ----------------------------------------------------------------------------


def _read_text(rel: str, data: bytes) -> pl.DataFrame:
    if rel.endswith(".jsonl"):
        return pl.DataFrame([json.loads(line) for line in data.decode().splitlines()], infer_schema_length=None)
    if rel.endswith(".gz"):
        data = gzip.decompress(data)
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("gbk")
    return pl.read_csv(io.StringIO(text), infer_schema=False)


def test_mixed_uses_every_format_and_encoding(clean, mixed):
    root, summary = mixed
    files = _files(root)
    exts = {re.sub(r"^[^.]*", "", rel.rsplit("/", 1)[1]) for rel in files}
    assert exts == {".parquet", ".csv", ".csv.gz", ".jsonl", ".xlsx"}
    csvs = [v for k, v in files.items() if k.endswith(".csv") and "resend" not in k]
    assert any(v.startswith(b"\xef\xbb\xbf") for v in csvs)
    gbk = [v for v in csvs if not v.startswith(b"\xef\xbb\xbf") and _not_utf8(v)]
    assert gbk and gbk[0].decode("gbk")  # not UTF-8, but GBK
    # every row delivered is readable back, whatever the format
    rows = {}
    for rel, data in files.items():
        if "resend" in rel:
            continue
        source = rel.split("/")[0]
        if rel.endswith(".parquet"):
            n = pl.read_parquet(io.BytesIO(data)).height
        elif rel.endswith(".xlsx"):
            n = pl.read_excel(io.BytesIO(data)).height
        else:
            n = _read_text(rel, data).height
        rows[source] = rows.get(source, 0) + n
    assert rows == summary["rows"]
    bools = set()
    for rel, data in files.items():
        if rel.startswith("live_sessions/") and rel.endswith(".csv"):
            bools |= set(_read_text(rel, data)["license_displayed"].drop_nulls())
    assert bools <= {"true", "false", "1", "0", "是", "否", "Y", "N"} and len(bools) > 2


def _not_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def test_text_values_are_iso_cst_and_two_decimal_money(mixed):
    root, _ = mixed
    checked = 0
    for p in sorted((root / "orders").glob("dt=*/*.csv")):
        df = _read_text(p.name, p.read_bytes())
        assert df["paid_at"].str.contains(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\+08:00)?$").all()
        assert df["unit_price"].str.contains(r"^\d+\.\d\d$").all()
        assert set(df["platform"]) == {p.name.split(".")[0]}
        checked += len(df)
    assert checked > 1000


# -- scale and arguments ----------------------------------------------------------------


def test_volumes_scale_and_keep_their_proportions(tmp_path):
    _, small = _run(tmp_path / "s", scale=0.02)
    _, big = _run(tmp_path / "b", scale=0.04)
    for kind in ("operators", "live_sessions", "orders", "products"):
        assert big["records"][kind] / small["records"][kind] == pytest.approx(2, rel=0.2), kind
    r = big["records"]
    assert r["orders"] == pytest.approx(40_000, rel=0.1)
    assert r["live_sessions"] == pytest.approx(2_400, rel=0.1)
    assert r["products"] / r["live_sessions"] == pytest.approx(8, rel=0.15)
    assert r["cs_conversations"] / r["orders"] == pytest.approx(0.15, rel=0.15)
    assert r["reviews"] / r["orders"] == pytest.approx(0.30, rel=0.15)
    assert r["after_sales"] / r["orders"] == pytest.approx(0.06, rel=0.3)
    assert r["complaints"] / r["orders"] == pytest.approx(0.005, rel=0.5)
    assert r["findings"] / r["live_sessions"] == pytest.approx(0.02, rel=0.6)
    assert big["subjects"]["platforms"] == len(PLATFORMS)


def test_two_months_and_bad_arguments(tmp_path):
    cal = Calendar.of(["2025-02", "2024-12"])
    assert cal.months == ["2024-12", "2025-02"] and len(cal.days) == 31 + 28
    assert cal.full_snapshot.sum() == 4  # Dec 1, Jan 1, Feb 1, Mar 1
    with pytest.raises(ValueError, match="YYYY-MM"):
        generate(tmp_path, ["2025-3"], scale=SCALE)
    with pytest.raises(ValueError, match="format"):
        generate(tmp_path, MONTH, scale=SCALE, fmt="xls")
    with pytest.raises(ValueError, match="bad_share"):
        generate(tmp_path, MONTH, scale=SCALE, bad_share=0.9)
