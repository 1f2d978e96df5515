"""The data-quality gate: passing data passes, each kind of failure is caught and named."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pytest

from live_commerce_quality import quality
from live_commerce_quality.core.contract import standardised_schema
from live_commerce_quality.core.settings import Settings

DT = date(2025, 3, 1)
CUTOFF = date(2025, 3, 15)


def _hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _rows(source: str) -> list[dict]:
    """A small valid delivery of a source."""
    if source == "operators":
        return [
            {
                "operator_id": "OP1",
                "platform": "douyin",
                "operator_name": "店铺一",
                "license_verified": True,
                "main_category": "food",
            }
        ]
    if source == "live_sessions":
        return [
            {
                "session_id": "S1",
                "platform": "douyin",
                "operator_id": "OP1",
                "streamer_id": "ST1",
                "started_at": datetime(2025, 3, 1, 10),
                "ended_at": datetime(2025, 3, 1, 12),
                "license_displayed": True,
                "peak_viewers": 120,
            }
        ]
    if source == "orders":
        return [
            {
                "order_id": f"O{i}",
                "platform": "douyin",
                "session_id": "S1",
                "operator_id": "OP1",
                "streamer_id": "ST1",
                "product_id": "P1",
                "buyer_id": _hex(f"buyer{i}"),
                "quantity": 1 + i,
                "unit_price": Decimal("9.90"),
                "pay_amount": Decimal("9.90") * (1 + i),
                "paid_at": datetime(2025, 3, 1, 11, i),
                "promised_ship_by": datetime(2025, 3, 3, 11),
                "shipped_at": datetime(2025, 3, 1, 15),
                "delivered_at": datetime(2025, 3, 1, 20),
                "cancel_party": None,
            }
            for i in range(1, 4)
        ]
    if source == "reviews":
        return [{"review_id": "R1", "order_id": "O1", "rating": 5, "reviewed_at": datetime(2025, 3, 1, 21)}]
    raise KeyError(source)


def write(
    home: Path,
    source: str,
    rows: list[dict],
    dt: date = DT,
    name: str | None = None,
    extra: dict | None = None,
    cast: dict | None = None,
) -> Path:
    """Write rows as the standardised Parquet of one delivered file (lineage included)."""
    name = name or f"{source}.csv"
    schema = standardised_schema(source)
    records = [
        {**r, "_dt": dt, "_file_name": name, "_file_sha256": _hex(f"{source}/{dt}/{name}"), "_line": i + 2}
        for i, r in enumerate(rows)
    ]
    frame = pl.DataFrame(records, schema=schema, orient="row") if records else pl.DataFrame(schema=schema)
    if extra:
        frame = frame.with_columns(**{k: pl.Series(k, v) for k, v in extra.items()})
    if cast:
        frame = frame.with_columns(**{k: pl.col(k).cast(t) for k, t in cast.items()})
    path = home / "standardised" / source / f"dt={dt.isoformat()}" / f"{Path(name).stem}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(path)
    return path


def write_valid(home: Path, **replace: list[dict]) -> None:
    for source in ("operators", "live_sessions", "orders", "reviews"):
        write(home, source, replace.get(source, _rows(source)))


def gate(cutoff: date = CUTOFF) -> quality.GateResult:
    return quality.validate_standardised(Settings.from_env(), cutoff)


def failure(result: quality.GateResult, fragment: str) -> quality.CheckResult:
    found = [r for r in result.failures() if fragment in r.message]
    assert found, f"no failure mentioning {fragment!r}; failures: {[r.message for r in result.failures()]}"
    return found[0]


# --- standardised extracts ------------------------------------------------------------------


def test_valid_extracts_pass(lcq_home):
    write_valid(lcq_home)
    result = gate()
    assert result.passed, [r.message for r in result.failures()]
    kinds = {r.expectation for r in result.results}
    assert {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_be_between",
        "expect_column_values_to_match_regex",
        "expect_compound_columns_to_be_unique",
        "expect_column_to_not_exist",
        "expect_table_row_count_to_be_between",
        "expect_column_values_to_be_of_type",
    } <= kinds
    rows = next(r for r in result.results if r.target == "orders" and r.expectation.startswith("expect_table_row"))
    assert rows.observed == 3


def test_quantity_failure_names_suite_table_column_and_line(lcq_home):
    orders = _rows("orders")
    orders[1]["quantity"] = 0
    write_valid(lcq_home, orders=orders)
    result = gate()
    assert not result.passed
    (bad,) = result.failures()
    assert (bad.suite, bad.target, bad.column, bad.expectation) == (
        "standardised",
        "orders",
        "quantity",
        "expect_column_values_to_be_between",
    )
    assert bad.observed == 1
    assert bad.examples == [{"file": "dt=2025-03-01/orders.csv", "line": 3, "values": {"quantity": 0}}]
    assert bad.message == (
        "standardised.orders: quantity > 0 [expect_column_values_to_be_between] failed — "
        "1 row (dt=2025-03-01/orders.csv line 3: quantity=0)"
    )


@pytest.mark.parametrize(
    ("source", "column", "value", "fragment", "shown"),
    [
        ("orders", "product_id", None, "standardised.orders: product_id not null", "line 2: product_id=null"),
        (
            "orders",
            "platform",
            "TikTok",
            "standardised.orders: platform matches ^[a-z][a-z0-9_]{0,31}$",
            "platform=TikTok",
        ),
        ("orders", "cancel_party", "courier", "cancel_party in {buyer", "cancel_party=courier"),
        ("orders", "unit_price", Decimal("-1.00"), "unit_price >= 0", "unit_price=-1.00"),
        ("orders", "pay_amount", Decimal("-0.01"), "pay_amount >= 0", "pay_amount=-0.01"),
        (
            "reviews",
            "rating",
            6,
            "standardised.reviews: rating between 1 and 5",
            "reviews.csv line 2: rating=6",
        ),
        (
            "orders",
            "delivered_at",
            datetime(2025, 3, 1, 14),
            "delivered_at >= shipped_at",
            "delivered_at=2025-03-01T14:00:00, shipped_at=2025-03-01T15:00:00",
        ),
        (
            "orders",
            "paid_at",
            datetime(2025, 3, 2, 0, 0),
            "paid_at before the end of its delivery day",
            "paid_at=2025-03-02T00:00:00, _dt=2025-03-01",
        ),
        (
            "live_sessions",
            "streamer_id",
            None,
            "standardised.live_sessions: streamer_id not null",
            "dt=2025-03-01/live_sessions.csv line 2",
        ),
    ],
)
def test_row_failures_are_caught_and_named(lcq_home, source, column, value, fragment, shown):
    rows = _rows(source)
    rows[0][column] = value
    write_valid(lcq_home, **{source: rows})
    bad = failure(gate(), fragment)
    assert bad.target == source and column in bad.column
    assert shown in bad.message
    assert "failed — 1 row" in bad.message


def test_duplicate_key_within_a_file_lists_every_copy(lcq_home):
    orders = _rows("orders")
    orders[2]["order_id"] = "O1"
    write_valid(lcq_home, orders=orders)
    # the same key in another file is an update, not a duplicate
    write(lcq_home, "orders", _rows("orders")[:1], dt=date(2025, 3, 2), name="orders_update.csv")
    result = gate()
    (bad,) = result.failures()
    assert bad.expectation == "expect_compound_columns_to_be_unique"
    assert bad.column == "_dt, _file_name, order_id"
    assert bad.observed == 2
    assert bad.message == (
        "standardised.orders: (order_id) unique within each file "
        "[expect_compound_columns_to_be_unique] failed — 2 rows "
        "(dt=2025-03-01/orders.csv line 2: _dt=2025-03-01, order_id=O1; "
        "dt=2025-03-01/orders.csv line 4: _dt=2025-03-01, order_id=O1)"
    )


def test_raw_identifier_is_caught_without_quoting_it(lcq_home):
    orders = _rows("orders")
    orders[0]["buyer_id"] = "13800138000"
    write_valid(lcq_home, orders=orders)
    bad = failure(gate(), "buyer_id is a pseudonym")
    assert bad.expectation == "expect_column_values_to_match_regex"
    assert "dt=2025-03-01/orders.csv line 2" in bad.message
    assert "13800138000" not in bad.message
    assert "13800138000" not in json.dumps(bad.examples)


def test_dropped_personal_column_present_is_caught(lcq_home):
    write_valid(lcq_home)
    write(lcq_home, "orders", _rows("orders"), extra={"buyer_phone": ["13800138000"] * 3})
    result = gate()
    bad = failure(result, "personal column buyer_phone absent")
    assert bad.expectation == "expect_column_to_not_exist" and bad.column == "buyer_phone"
    assert bad.message.endswith("failed — 1 file (orders/dt=2025-03-01/orders.parquet: column=buyer_phone)")
    listing = failure(result, "columns as the contract, in order")
    assert "unexpected=['buyer_phone']" in listing.message
    assert "13800138000" not in json.dumps(result.to_json())


def test_wrong_type_is_caught_per_file_and_column(lcq_home):
    write_valid(lcq_home)
    write(lcq_home, "orders", _rows("orders"), cast={"quantity": pl.String})
    bad = failure(gate(), "quantity is int64")
    assert bad.expectation == "expect_column_values_to_be_of_type"
    assert "orders/dt=2025-03-01/orders.parquet: quantity=large_string" in bad.message


def test_missing_required_source_fails_row_count(lcq_home):
    write_valid(lcq_home)
    for f in (lcq_home / "standardised" / "operators").rglob("*.parquet"):
        f.unlink()
    bad = failure(gate(), "standardised.operators: row count >= 1")
    assert bad.expectation == "expect_table_row_count_to_be_between"
    assert bad.message.endswith("failed — observed 0")


@pytest.mark.parametrize(
    ("column", "value", "fragment"),
    [
        ("_line", None, "_line not null"),
        ("_dt", date(2025, 3, 2), "_dt equals the file's dt= folder"),
        ("_file_sha256", "not-a-hash", "_file_sha256 matches"),
    ],
)
def test_lineage_failures(lcq_home, column, value, fragment):
    write_valid(lcq_home)
    path = write(lcq_home, "orders", _rows("orders"))
    frame = pl.read_parquet(path)
    frame = frame.with_columns(
        pl.when(pl.col("_line") == 3).then(pl.lit(value, frame.schema[column])).otherwise(pl.col(column)).alias(column)
    )
    frame.write_parquet(path)
    bad = failure(gate(), fragment)
    assert bad.target == "orders" and bad.observed == 1


def test_only_files_up_to_the_cutoff_are_checked(lcq_home):
    write_valid(lcq_home)
    orders = _rows("orders")
    orders[0]["quantity"] = -5
    write(lcq_home, "orders", orders, dt=date(2025, 3, 20), name="late.csv")
    (lcq_home / "standardised" / "orders" / "dt=not-a-date").mkdir()
    assert gate(cutoff=date(2025, 3, 15)).passed
    assert not gate(cutoff=date(2025, 3, 20)).passed


def test_every_failure_is_counted_over_all_rows(lcq_home):
    orders = [dict(_rows("orders")[0], order_id=f"O{i}", quantity=0 if i % 7 == 0 else 1) for i in range(5000)]
    write_valid(lcq_home, orders=orders)
    bad = failure(gate(), "quantity > 0")
    assert bad.observed == len(range(0, 5000, 7))
    assert len(bad.examples) == 5
    assert [e["line"] for e in bad.examples] == [2, 9, 16, 23, 30]


# --- marts ------------------------------------------------------------------------------------

SHARES = ["PRE-1", "PRE-2", "PRE-3", "IN-2", "IN-3", "POST-1", "POST-3", "POST-4", "POST-6", "POST-7"]


def _indicators() -> pd.DataFrame:
    rows = []
    for sid in ("OP1", "OP2"):
        for ind in SHARES:
            rows.append(("operator", sid, "douyin", ind, 3.0, 4.0, 0.75))
        rows.append(("operator", sid, "douyin", "IN-1", 9.0, 3.0, 300.0))  # per 100 sessions: above 1
        rows.append(("operator", sid, "douyin", "POST-2", None, 12.0, 30.5))  # a median in hours
        rows.append(("operator", sid, "douyin", "POST-5", 2.0, 1000.0, 2.0))
    return pd.DataFrame(
        rows,
        columns=[
            "subject_kind",
            "subject_id",
            "platform",
            "indicator_id",
            "numerator",
            "denominator",
            "raw_value",
        ],
    )


def _subjects() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "subject_kind": ["operator", "operator", "agency"],
            "subject_id": ["OP1", "OP2", "AG1"],
            "subject_name": ["一", "二", "机构"],
            "platform": ["douyin", "douyin", None],
            "main_category": ["food", "food", None],
            "peer_group": ["douyin/food"] * 2 + ["all"],
        }
    )


def write_warehouse(path: Path, indicators: pd.DataFrame | None = None, subjects: pd.DataFrame | None = None):
    con = duckdb.connect(str(path))
    ind = _indicators() if indicators is None else indicators  # noqa: F841 - read by DuckDB
    sub = _subjects() if subjects is None else subjects  # noqa: F841
    con.execute("CREATE TABLE main.fct_subject_indicators AS SELECT * FROM ind")
    if subjects is not False:
        con.execute("CREATE TABLE main.dim_subjects AS SELECT * FROM sub")
    con.close()
    return path


def test_valid_marts_pass(tmp_path):
    result = quality.validate_marts(write_warehouse(tmp_path / "w.duckdb"))
    assert result.passed, [r.message for r in result.failures()]


def test_marts_exported_as_parquet_are_read_too(tmp_path):
    marts = tmp_path / "marts"
    marts.mkdir()
    _indicators().to_parquet(marts / "fct_subject_indicators.parquet")
    _subjects().to_parquet(marts / "dim_subjects.parquet")
    assert quality.validate_marts(marts).passed
    (marts / "dim_subjects.parquet").unlink()
    bad = failure(quality.validate_marts(marts), "marts.dim_subjects")
    assert "dim_subjects.parquet not found" in bad.message


@pytest.mark.parametrize(
    ("change", "fragment", "shown"),
    [
        (
            lambda d: d.assign(indicator_id=d.indicator_id.replace({"PRE-3": "PRE-9"})),
            "marts.fct_subject_indicators: indicator_id in {PRE-1",
            "indicator_id=PRE-9",
        ),
        (
            lambda d: pd.concat([d, d.iloc[[0]]]),
            "(subject_kind, subject_id, indicator_id) unique",
            "subject_kind=operator, subject_id=OP1, indicator_id=PRE-1",
        ),
        (
            lambda d: d.assign(numerator=d.numerator.where(d.indicator_id != "PRE-2", 5.0)),
            "denominator >= numerator where indicator_id NOT_IN (IN-1, POST-2, POST-5)",
            "indicator_id=PRE-2: denominator=4.0, numerator=5.0",
        ),
        (
            lambda d: d.assign(raw_value=d.raw_value.where(d.indicator_id != "POST-7", 1.5)),
            "raw_value between 0 and 1 where indicator_id NOT_IN",
            "indicator_id=POST-7: raw_value=1.5",
        ),
        (
            lambda d: d.assign(denominator=d.denominator.where(d.indicator_id != "IN-1", -1.0)),
            "denominator >= 0",
            "indicator_id=IN-1: denominator=-1.0",
        ),
        (
            lambda d: d.assign(numerator=d.numerator.where(d.indicator_id != "POST-2", 3.0)),
            "numerator is null where indicator_id == POST-2",
            "numerator=3.0",
        ),
    ],
)
def test_mart_failures_are_caught_and_named(tmp_path, change, fragment, shown):
    result = quality.validate_marts(write_warehouse(tmp_path / "w.duckdb", indicators=change(_indicators())))
    bad = failure(result, fragment)
    assert bad.suite == "marts" and bad.target == "fct_subject_indicators"
    assert shown in bad.message, bad.message


def test_missing_mart_table_and_duplicate_subject(tmp_path):
    result = quality.validate_marts(write_warehouse(tmp_path / "w.duckdb", subjects=False))
    assert "table main.dim_subjects not found" in failure(result, "marts.dim_subjects").message
    subjects = pd.concat([_subjects(), _subjects().iloc[[2]]])
    result = quality.validate_marts(write_warehouse(tmp_path / "w2.duckdb", subjects=subjects))
    bad = failure(result, "(subject_kind, subject_id) unique")
    assert "subject_kind=agency, subject_id=AG1" in bad.message
    assert not quality.validate_marts(tmp_path / "absent.duckdb").passed


# --- graded outputs ---------------------------------------------------------------------------


def _ratings() -> pd.DataFrame:
    base = {
        "subject_name": "x",
        "period": "2025-03",
        "as_of": "2025-04-15",
        "status": "final",
        "version": 1,
        "methodology_version": "1",
        "stars": "",
        "veto_reasons": None,
        "not_rated_reason": None,
        "rank": 1,
        "peer_percentile": 50.0,
        "previous_grade": None,
        "score_change": None,
    }
    rows = [
        {
            "subject_kind": "operator",
            "subject_id": "OP1",
            "platform": "douyin",
            "total_score": 91.5,
            "grade": "A",
            "score_pre": 90.0,
            "score_in": 95.0,
            "score_post": 89.0,
            "applicable_weight": 100.0,
            "veto": False,
        },
        {
            "subject_kind": "operator",
            "subject_id": "OP2",
            "platform": "douyin",
            "total_score": 85.0,
            "grade": "E",
            "score_pre": 80.0,
            "score_in": 90.0,
            "score_post": 84.0,
            "applicable_weight": 100.0,
            "veto": True,
        },
        {
            "subject_kind": "agency",
            "subject_id": "AG1",
            "platform": None,
            "total_score": None,
            "grade": "NR",
            "score_pre": None,
            "score_in": None,
            "score_post": None,
            "applicable_weight": 20.0,
            "veto": False,
        },
    ]
    return pd.DataFrame([{**base, **r} for r in rows])


def _output_indicators() -> pd.DataFrame:
    ind = _indicators()
    return ind.assign(
        period="2025-03",
        peer_rate=0.5,
        adjusted_value=ind.raw_value,
        score=80.0,
        weight=5.0,
        applicable=True,
        not_applicable_reason=None,
    )


def write_outputs(folder: Path, ratings: pd.DataFrame | None = None, indicators: pd.DataFrame | None = None):
    folder.mkdir(parents=True, exist_ok=True)
    (_ratings() if ratings is None else ratings).to_parquet(folder / "ratings.parquet")
    (_output_indicators() if indicators is None else indicators).to_parquet(folder / "indicators.parquet")
    return folder


def test_valid_outputs_pass(tmp_path):
    result = quality.validate_outputs(write_outputs(tmp_path / "ev"))
    assert result.passed, [r.message for r in result.failures()]


@pytest.mark.parametrize(
    ("change", "fragment", "shown"),
    [
        (
            lambda d: d.assign(grade=d.grade.replace({"E": "B"})),
            "outputs.ratings: grade in {E} where veto == True",
            "subject_kind=operator, subject_id=OP2: grade=B",
        ),
        (
            lambda d: d.assign(total_score=d.total_score.replace({91.5: 120.0})),
            "outputs.ratings: total_score between 0 and 100",
            "subject_id=OP1: total_score=120.0",
        ),
        (
            lambda d: d.assign(applicable_weight=d.applicable_weight.replace({20.0: -1.0})),
            "applicable_weight between 0 and 100",
            "subject_id=AG1: applicable_weight=-1.0",
        ),
        (lambda d: d.assign(grade=d.grade.replace({"A": "F"})), "grade in {A, B, C, D, E, NR}", "grade=F"),
        (lambda d: pd.concat([d, d.iloc[[0]]]), "(subject_kind, subject_id) unique", "subject_id=OP1"),
    ],
)
def test_rating_failures_are_caught_and_named(tmp_path, change, fragment, shown):
    result = quality.validate_outputs(write_outputs(tmp_path / "ev", ratings=change(_ratings())))
    bad = failure(result, fragment)
    assert bad.suite == "outputs" and bad.target == "ratings"
    assert shown in bad.message, bad.message


def test_indicator_output_failures(tmp_path):
    ind = _output_indicators()
    ind.loc[ind.indicator_id == "PRE-2", "score"] = 101.0
    ind.loc[(ind.indicator_id == "PRE-3") & (ind.subject_id == "OP2"), ["applicable", "score"]] = [
        False,
        50.0,
    ]
    result = quality.validate_outputs(write_outputs(tmp_path / "ev", indicators=ind))
    bad = failure(result, "outputs.indicators: score between 0 and 100")
    assert bad.observed == 2 and "indicator_id=PRE-2: score=101.0" in bad.message
    assert "subject_id=OP2, indicator_id=PRE-3" in failure(result, "score is null where applicable == False").message


@pytest.mark.parametrize("slice_rows", [1, 3, 7])
def test_outputs_in_slices_give_the_results_of_the_whole(tmp_path, monkeypatch, slice_rows):
    """A table through GX in slices of a few rows: offending rows add up, examples are the
    first ones, a repeated key is found wherever the cut falls (its rows stay in one slice)."""
    ind = _output_indicators()
    ind.loc[ind.indicator_id.isin(["PRE-2", "POST-5"]), "score"] = 101.0
    ind = pd.concat([ind, ind.iloc[[5, 5]], ind.iloc[[len(ind) - 1]]])
    folder = write_outputs(tmp_path / "ev", indicators=ind)
    whole = quality.validate_outputs(folder).to_json()
    monkeypatch.setattr("live_commerce_quality.quality.frames.SLICE_ROWS", slice_rows)
    monkeypatch.setattr("live_commerce_quality.quality.BATCH_ROWS", 2)  # cuts fall everywhere
    sliced = quality.validate_outputs(folder).to_json()
    assert sliced == whole
    assert failure(quality.validate_outputs(folder), "score between 0 and 100").observed == 5
    assert "unique" in failure(quality.validate_outputs(folder), "indicator_id) unique").message


def test_missing_output_file(tmp_path):
    folder = write_outputs(tmp_path / "ev")
    (folder / "indicators.parquet").unlink()
    bad = failure(quality.validate_outputs(folder), "outputs.indicators")
    assert bad.expectation == "expect_table_to_exist" and "indicators.parquet not found" in bad.message


def test_scores_may_be_null(tmp_path):
    ind = _output_indicators()
    ind.loc[ind.indicator_id == "IN-1", ["score", "applicable"]] = [None, False]
    assert quality.validate_outputs(write_outputs(tmp_path / "ev", indicators=ind)).passed


# --- enforce, determinism, quiet logs ---------------------------------------------------------


def test_enforce_raises_with_every_failed_check(lcq_home):
    orders = _rows("orders")
    orders[0]["quantity"] = 0
    orders[1]["platform"] = "tik-tok"
    write_valid(lcq_home, orders=orders)
    result = gate()
    with pytest.raises(quality.QualityGateFailed) as raised:
        quality.enforce(result)
    text = str(raised.value)
    assert text.startswith(f"data-quality gate failed: 2 of {len(result.results)} checks")
    assert "quantity > 0" in text and "platform matches" in text
    assert raised.value.result is result
    quality.enforce(quality.validate_outputs(write_outputs(lcq_home / "ev")))  # passes: no exception


def test_results_are_deterministic(lcq_home):
    orders = _rows("orders") * 2
    orders[4]["quantity"] = 0
    write_valid(lcq_home, orders=orders)
    first = json.dumps(gate().to_json(), sort_keys=True, ensure_ascii=False)
    second = json.dumps(gate().to_json(), sort_keys=True, ensure_ascii=False)
    assert first == second
    assert '"passed": false' in first
    folder = write_outputs(lcq_home / "ev", ratings=_ratings().assign(grade="B"))
    outputs = [json.dumps(quality.validate_outputs(folder).to_json(), sort_keys=True) for _ in range(2)]
    assert outputs[0] == outputs[1]
    marts = write_warehouse(lcq_home / "w.duckdb")
    assert quality.validate_marts(marts).to_json() == quality.validate_marts(marts).to_json()


def _run(code: str, env_home: Path) -> None:
    import os

    env = {**os.environ, "LCQ_HOME": str(env_home)}
    subprocess.run([sys.executable, "-c", textwrap.dedent(code)], check=True, env=env)


def test_gx_does_not_flood_stderr(tmp_path, capfd):
    folder = write_outputs(tmp_path / "ev")
    # Under Airflow the root logger is at INFO or lower: GX must still say nothing.
    _run(
        f"""
        import logging
        logging.basicConfig(level=logging.DEBUG)
        from live_commerce_quality import quality
        assert quality.validate_outputs({str(folder)!r}).passed
        print("validated")
    """,
        tmp_path,
    )
    out, err = capfd.readouterr()
    assert out.strip() == "validated"
    assert "great_expectations" not in err
    assert "Calculating Metrics" not in err and "it/s]" not in err
    assert err == ""

    # the control: the same import without the gate's quieting floods stderr (pyspark hidden as
    # the gate hides it: in a `python -c` process pyspark would end the import early)
    _run(
        """
        import logging, sys
        logging.basicConfig(level=logging.DEBUG)
        sys.modules["pyspark"] = None
        import great_expectations
    """,
        tmp_path,
    )
    _, err = capfd.readouterr()
    assert err.count("great_expectations._docs_decorators") > 100


def test_identical_snapshot_bytes_on_two_days_are_not_duplicates(lcq_home):
    """A platform may deliver the very same file on two days: same checksum, two deliveries."""
    write_valid(lcq_home)
    write(lcq_home, "operators", _rows("operators"), dt=date(2025, 3, 2), name="operators.csv")
    assert gate().passed
