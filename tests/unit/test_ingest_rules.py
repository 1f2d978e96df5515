"""Ingest: row rules (bad rows and their reasons), timestamp, money, boolean and int parsing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest

from live_commerce_quality.ingest.parse import parse_dec_general, parse_ts_general

from .ingest_support import (
    COMPLAINT,
    OPERATOR,
    ORDER,
    REVIEW,
    assert_accounted,
    csv_text,
    deliver,
    orders,
    quarantine,
    reasons,
    result,
    row,
    run,
    std,
)


def _one_bad(settings, source: str, good: dict, bad: dict) -> str:
    """Deliver a good row (line 2) and a bad row (line 3); return the bad row's reason."""
    deliver(settings, source, f"{source}.csv", csv_text([good, bad]))
    r = result(run(settings), f"{source}.csv")
    assert_accounted(r)
    assert (r.rows_in, r.rows_loaded, r.rows_quarantined) == (2, 1, 1)
    got = reasons(settings, source, f"{source}.csv")
    assert list(got) == [3]
    return got[3]


O2 = {"order_id": "o2"}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"buyer_id": ""}, "buyer_id is required but empty"),
        ({"paid_at": ""}, "paid_at is required but empty"),
        ({"quantity": "two"}, "quantity is not an integer (got 'two')"),
        ({"quantity": "2.5"}, "quantity is not an integer (got '2.5')"),
        ({"unit_price": "1,000.00"}, "unit_price is not an amount in yuan (got '1,000.00')"),
        ({"unit_price": "¥10"}, "unit_price is not an amount in yuan (got '¥10')"),
        ({"paid_at": "yesterday"}, "paid_at is not an ISO 8601 date and time (got 'yesterday')"),
        ({"paid_at": "2026-02-30 10:00:00"}, "paid_at is not an ISO 8601 date and time (got '2026-02-30 10:00:00')"),
        ({"paid_at": "2026/03/02 10:00:00"}, "paid_at is not an ISO 8601 date and time (got '2026/03/02 10:00:00')"),
        ({"paid_at": "2026-03-02"}, "paid_at is a date without a time (got '2026-03-02')"),
        (
            {"platform": "Douyin"},
            "platform must be a code of a-z, 0-9 and _, a letter first, at most 32 characters (got 'Douyin')",
        ),
        (
            {"cancel_party": "seller"},
            "cancel_party must be one of buyer, merchant, platform, system (got 'seller')",
        ),
        ({"quantity": "0"}, "quantity must be > 0 (got '0')"),
        ({"quantity": "-1"}, "quantity must be > 0 (got '-1')"),
        ({"unit_price": "-0.01"}, "unit_price must be >= 0 (got '-0.01')"),
        ({"pay_amount": "-5"}, "pay_amount must be >= 0 (got '-5')"),
        (
            {"shipped_at": "2026-03-02 09:00:00"},
            "shipped_at 2026-03-02 09:00:00 is before paid_at 2026-03-02 10:00:00",
        ),
        (
            {"shipped_at": "2026-03-02 12:00:00", "delivered_at": "2026-03-02 11:00:00"},
            "delivered_at 2026-03-02 11:00:00 is before shipped_at 2026-03-02 12:00:00",
        ),
        (
            {"paid_at": "2026-03-03 00:00:00", "promised_ship_by": ""},
            "paid_at 2026-03-03 00:00:00 is at or after the end of the delivery day dt=2026-03-02 (CST)",
        ),
        (
            {"shipped_at": "2026-03-02T16:00:00Z"},
            "shipped_at 2026-03-03 00:00:00 is at or after the end of the delivery day dt=2026-03-02 (CST)",
        ),
    ],
)
def test_order_row_rules(settings, changes, expected):
    assert _one_bad(settings, "orders", ORDER, row(ORDER, **O2, **changes)) == expected


def test_several_reasons_are_all_reported_in_order(settings):
    bad = row(ORDER, **O2, platform="x-1", quantity="0", unit_price="-1", shipped_at="2026-03-01 00:00:00")
    assert _one_bad(settings, "orders", ORDER, bad) == (
        "platform must be a code of a-z, 0-9 and _, a letter first, at most 32 characters (got 'x-1'); "
        "quantity must be > 0 (got '0'); unit_price must be >= 0 (got '-1'); "
        "shipped_at 2026-03-01 00:00:00 is before paid_at 2026-03-02 10:00:00"
    )


def test_promise_is_exempt_from_the_delivery_day(settings):
    deliver(settings, "orders", "orders.csv", csv_text([row(ORDER, promised_ship_by="2026-03-09 10:00:00")]))
    r = result(run(settings), "orders.csv")
    assert (r.rows_loaded, r.rows_quarantined) == (1, 0)


def test_last_instant_of_the_day_is_accepted(settings):
    deliver(settings, "orders", "orders.csv", csv_text([row(ORDER, paid_at="2026-03-02 23:59:59.999999")]))
    r = result(run(settings), "orders.csv")
    assert (r.rows_loaded, r.rows_quarantined) == (1, 0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", "rating must be between 1 and 5 (got '0')"), ("6", "rating must be between 1 and 5 (got '6')")],
)
def test_rating_range(settings, value, expected):
    bad = row(REVIEW, review_id="r2", rating=value)
    assert _one_bad(settings, "reviews", REVIEW, bad) == expected


def test_satisfaction_range_and_time_order_in_complaints(settings):
    bad = row(COMPLAINT, complaint_id="c2", satisfaction="9", closed_at="2026-03-01 00:00:00")
    assert _one_bad(settings, "complaints", COMPLAINT, bad) == (
        "satisfaction must be between 1 and 5 (got '9'); "
        "closed_at 2026-03-01 00:00:00 is before received_at 2026-03-02 09:00:00"
    )


def test_bad_boolean(settings):
    bad = row(OPERATOR, operator_id="op2", license_verified="maybe")
    assert _one_bad(settings, "operators", OPERATOR, bad) == (
        "license_verified is not a boolean (true/false, 1/0, 是/否, Y/N) (got 'maybe')"
    )


def test_duplicate_key_sets_aside_every_copy(settings):
    rows = [*orders(2), row(ORDER, order_id="o1", quantity="5")]
    deliver(settings, "orders", "orders.csv", csv_text(rows))
    r = result(run(settings), "orders.csv")
    assert_accounted(r)
    assert (r.rows_loaded, r.rows_quarantined) == (1, 2)
    assert reasons(settings, "orders", "orders.csv") == {
        2: "duplicate key within the file (lines 2, 4)",
        4: "duplicate key within the file (lines 2, 4)",
    }
    q = quarantine(settings, "orders", "orders.csv")
    assert q["record_key"].to_list() == ["o1", "o1"]
    assert std(settings, "orders", "orders.csv")["order_id"].to_list() == ["o2"]


def test_composite_key_duplicates_and_record_key(settings):
    product = {
        "session_id": "s1",
        "product_id": "p1",
        "operator_id": "op1",
        "category": "food",
        "title": "好吃的",
        "announced_price": "9.90",
        "listed_price": "9.90",
        "certificate_required": "否",
    }
    rows = [product, row(product, product_id="p2"), row(product, title="again")]
    deliver(settings, "products", "products.csv", csv_text(rows))
    run(settings)
    q = quarantine(settings, "products", "products.csv")
    assert q["record_key"].to_list() == ["s1|p1", "s1|p1"]
    assert q["line"].to_list() == [2, 4]


def test_messages_name_file_line_and_reason(settings):
    deliver(settings, "orders", "orders.csv", csv_text([ORDER, row(ORDER, **O2, quantity="0")]))
    r = result(run(settings), "orders.csv")
    assert r.issues == ("orders/dt=2026-03-02/orders.csv line 3: quantity must be > 0 (got '0')",)


def test_quarantine_columns(settings):
    deliver(settings, "orders", "orders.csv", csv_text([row(ORDER, quantity="0")]))
    r = result(run(settings), "orders.csv")
    q = quarantine(settings, "orders", "orders.csv")
    assert q.columns == ["source", "dt", "file_name", "file_sha256", "line", "reason", "record_key"]
    assert q.row(0) == (
        "orders",
        dt.date(2026, 3, 2),
        "orders.csv",
        r.file_sha256,
        2,
        "quantity must be > 0 (got '0')",
        "o1",
    )
    assert r.quarantine_path == "orders/dt=2026-03-02/orders.csv.parquet"


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-02T10:11:12", dt.datetime(2026, 3, 2, 10, 11, 12)),
        ("2026-03-02 10:11:12", dt.datetime(2026, 3, 2, 10, 11, 12)),
        ("2026-03-02 10:11", dt.datetime(2026, 3, 2, 10, 11)),
        ("2026-03-02T10:11:12.5", dt.datetime(2026, 3, 2, 10, 11, 12, 500000)),
        ("2026-03-02T10:11:12.1234567", dt.datetime(2026, 3, 2, 10, 11, 12, 123456)),
        ("2026-03-02T10:11:12+08:00", dt.datetime(2026, 3, 2, 10, 11, 12)),
        ("2026-03-02T10:11:12+0800", dt.datetime(2026, 3, 2, 10, 11, 12)),
        ("2026-03-02T10:11:12+08", dt.datetime(2026, 3, 2, 10, 11, 12)),
        ("2026-03-02T02:11:12Z", dt.datetime(2026, 3, 2, 10, 11, 12)),
        ("2026-03-02T02:11:12+00:00", dt.datetime(2026, 3, 2, 10, 11, 12)),
        ("2026-03-01T21:11:12-05:00", dt.datetime(2026, 3, 2, 10, 11, 12)),
        ("2026-03-02T07:41:12+05:30", dt.datetime(2026, 3, 2, 10, 11, 12)),
        (" 2026-03-02 10:11:12 ", dt.datetime(2026, 3, 2, 10, 11, 12)),
        ("2026-03-02", None),
        ("2026-03-02T25:00:00", None),
        ("2026-02-29 10:00:00", None),
        ("2026-3-2 10:00:00", None),
        ("2026-03-02 10:00:00 +08:00", None),
        ("20260302T101112", None),
        ("", None),
    ],
)
def test_timestamp_parsing(text, expected):
    assert parse_ts_general(pl.Series("t", [text])).to_list() == [expected]


def test_timestamps_through_ingest(settings):
    rows = [
        row(ORDER, order_id="a", paid_at="2026-03-02T10:00:00"),
        row(ORDER, order_id="b", paid_at="2026-03-02 10:00:00"),
        row(ORDER, order_id="c", paid_at="2026-03-02T02:00:00Z"),
        row(ORDER, order_id="d", paid_at="2026-03-01T21:00:00-05:00"),
        row(ORDER, order_id="e", paid_at="2026-03-02 10:00:00.25+08:00"),
    ]
    deliver(settings, "orders", "orders.csv", csv_text(rows))
    r = result(run(settings), "orders.csv")
    assert (r.rows_loaded, r.rows_quarantined) == (5, 0)
    got = std(settings, "orders", "orders.csv")["paid_at"].to_list()
    assert got == [dt.datetime(2026, 3, 2, 10, 0)] * 4 + [dt.datetime(2026, 3, 2, 10, 0, 0, 250000)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.005", "1.01"),
        ("2.675", "2.68"),
        ("0.125", "0.13"),
        ("1.004999", "1.00"),
        ("1.0049", "1.00"),
        ("0.995", "1.00"),
        ("-1.005", "-1.01"),
        ("+3.14159", "3.14"),
        (".5", "0.50"),
        ("5.", "5.00"),
        ("007.10", "7.10"),
        ("9999999999999999.994", "9999999999999999.99"),
        ("12345678901234567", None),
        ("1e3", None),
        ("1,000", None),
        ("abc", None),
    ],
)
def test_money_half_up_from_the_decimal_text(text, expected):
    got = parse_dec_general(pl.Series("m", [text])).to_list()
    assert got == [None if expected is None else Decimal(expected)]


def test_money_through_ingest(settings):
    rows = [
        row(ORDER, order_id="a", unit_price="1.005", pay_amount="2.675"),
        row(ORDER, order_id="b", unit_price="10", pay_amount="0.125"),
        row(ORDER, order_id="c", unit_price="  3.333 ", pay_amount="0"),
    ]
    deliver(settings, "orders", "orders.csv", csv_text(rows))
    r = result(run(settings), "orders.csv")
    assert (r.rows_loaded, r.rows_quarantined) == (3, 0)
    df = std(settings, "orders", "orders.csv")
    assert df["unit_price"].to_list() == [Decimal("1.01"), Decimal("10.00"), Decimal("3.33")]
    assert df["pay_amount"].to_list() == [Decimal("2.68"), Decimal("0.13"), Decimal("0.00")]
    assert df.schema["unit_price"] == pl.Decimal(18, 2)


def test_boolean_spellings(settings):
    spellings = {"true": True, "FALSE": False, "1": True, "0": False, "是": True, "否": False, "Y": True, "n": False}
    rows = [row(OPERATOR, operator_id=f"op{i}", license_verified=v) for i, v in enumerate(spellings)]
    deliver(settings, "operators", "ops.csv", csv_text(rows))
    r = result(run(settings), "ops.csv")
    assert (r.rows_loaded, r.rows_quarantined) == (len(spellings), 0)
    assert std(settings, "operators", "ops.csv")["license_verified"].to_list() == list(spellings.values())


def test_integer_spellings(settings):
    rows = [
        row(ORDER, order_id="a", quantity="3"),
        row(ORDER, order_id="b", quantity="3.0"),
        row(ORDER, order_id="c", quantity=" 4 "),
        row(ORDER, order_id="d", quantity="+5"),
        row(ORDER, order_id="e", quantity="99999999999999999999"),
    ]
    deliver(settings, "orders", "orders.csv", csv_text(rows))
    r = result(run(settings), "orders.csv")
    assert std(settings, "orders", "orders.csv")["quantity"].to_list() == [3, 3, 4, 5]
    assert reasons(settings, "orders", "orders.csv") == {6: "quantity is not an integer (got '99999999999999999999')"}
    assert r.rows_in == 5
