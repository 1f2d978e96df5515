"""Ingest: every accepted format and CSV encoding, line numbers, lineage and types."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
from decimal import Decimal

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from live_commerce_quality.core.contract import LINEAGE_COLUMNS, standardised_schema
from live_commerce_quality.ingest import read_archived

from .ingest_support import (
    OPERATOR,
    ORDER,
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


def test_csv_utf8_values_types_lineage(settings):
    rows = orders(2)
    rows[1]["unit_price"] = "12.5"
    rows[1]["pay_amount"] = "25"
    path = deliver(settings, "orders", "orders.csv", csv_text(rows))
    r = result(run(settings), "orders.csv")
    assert_accounted(r)
    assert (r.format, r.encoding, r.rows_in, r.rows_loaded) == ("csv", "utf-8", 2, 2)
    df = std(settings, "orders", "orders.csv")
    assert dict(df.schema) == standardised_schema("orders")
    assert tuple(df.columns[-4:]) == LINEAGE_COLUMNS
    assert "buyer_phone" not in df.columns and "buyer_address" not in df.columns
    assert df["_line"].to_list() == [2, 3]
    assert df["_dt"].to_list() == [dt.date(2026, 3, 2)] * 2
    assert df["_file_name"].to_list() == ["orders.csv"] * 2
    assert df["_file_sha256"][0] == r.file_sha256
    assert df["unit_price"].to_list() == [Decimal("10.00"), Decimal("12.50")]
    assert df["pay_amount"][1] == Decimal("25.00")
    assert df["quantity"].to_list() == [2, 2]
    assert df["paid_at"][0] == dt.datetime(2026, 3, 2, 10, 0)
    assert df["shipped_at"].null_count() == 2  # empty field is null
    # the original bytes are archived (encrypted) and read back unchanged
    assert read_archived(settings, "orders", "2026-03-02", r.file_sha256, "orders.csv") == path.read_bytes()


def test_csv_with_bom(settings):
    deliver(settings, "operators", "ops.csv", b"\xef\xbb\xbf" + csv_text([OPERATOR]).encode())
    r = result(run(settings), "ops.csv")
    assert_accounted(r)
    assert r.encoding == "utf-8-sig"
    assert std(settings, "operators", "ops.csv")["operator_id"].to_list() == ["op1"]


def test_csv_gbk_detected(settings):
    deliver(settings, "operators", "ops.csv", csv_text([OPERATOR]).encode("gbk"))
    r = result(run(settings), "ops.csv")
    assert_accounted(r)
    assert r.encoding == "gb18030"
    assert std(settings, "operators", "ops.csv")["operator_name"].to_list() == ["某某旗舰店"]


@pytest.mark.parametrize("declared", ["gbk", "GB18030", "gb2312"])
def test_csv_declared_encoding(settings, declared):
    name = f"ops.{declared}.csv"
    deliver(settings, "operators", name, csv_text([OPERATOR]).encode("gbk"))
    r = result(run(settings), name)
    assert_accounted(r)
    assert r.encoding == {"gbk": "gbk", "GB18030": "gb18030", "gb2312": "gbk"}[declared]
    assert std(settings, "operators", name)["operator_name"].to_list() == ["某某旗舰店"]


def test_csv_declared_utf8_but_gbk_is_rejected_with_offset(settings):
    data = csv_text([OPERATOR]).encode("gbk")
    with pytest.raises(UnicodeDecodeError) as e:
        data.decode("utf-8")
    offset = e.value.start  # GBK 某 (C4 B3) happens to be valid UTF-8: the error is later
    deliver(settings, "operators", "ops.utf-8.csv", data)
    r = result(run(settings), "ops.utf-8.csv")
    assert r.status == "rejected"
    assert r.reason == (f"declared encoding utf-8 does not decode: invalid byte sequence at byte offset {offset}")
    assert not (settings.standardised / "operators").exists()


def test_csv_declared_gbk_that_does_not_decode(settings):
    data = csv_text([row(OPERATOR, operator_name="x")]).encode() + b"op2,douyin,\xff\xfe,,true,food,\n"
    deliver(settings, "operators", "ops.gbk.csv", data)
    r = result(run(settings), "ops.gbk.csv")
    assert r.status == "rejected"
    offset = data.index(b"\xff")
    assert r.reason.startswith("declared encoding gbk does not decode")
    assert f"byte offset {offset}" in r.reason


def test_csv_neither_utf8_nor_gb18030_is_rejected(settings):
    data = csv_text([row(OPERATOR, operator_name="x")]).encode() + b"op2,douyin,\x80\xff,,true,food,\n"
    deliver(settings, "operators", "ops.csv", data)
    r = result(run(settings), "ops.csv")
    assert r.status == "rejected"
    assert r.reason.startswith("undecodable: neither UTF-8 (invalid at byte offset")


def test_csv_gz(settings):
    deliver(settings, "orders", "orders.csv.gz", gzip.compress(csv_text(orders(3)).encode()))
    r = result(run(settings), "orders.csv.gz")
    assert_accounted(r)
    assert (r.format, r.encoding, r.rows_loaded) == ("csv.gz", "utf-8", 3)


def test_csv_column_order_free_and_extra_columns_ignored(settings):
    cols = ["extra_note", *reversed(list(ORDER))]
    rows = [row(ORDER, extra_note="kept only in the archive")]
    deliver(settings, "orders", "orders.csv", csv_text(rows, cols))
    r = result(run(settings), "orders.csv")
    assert_accounted(r)
    df = std(settings, "orders", "orders.csv")
    assert "extra_note" not in df.columns
    assert list(df.columns) == list(standardised_schema("orders"))
    assert df["order_id"].to_list() == ["o1"]


def test_csv_optional_column_missing_is_null(settings):
    cols = [c for c in ORDER if c not in ("cancel_party", "shipped_at")]
    deliver(settings, "orders", "orders.csv", csv_text(orders(1), cols))
    r = result(run(settings), "orders.csv")
    assert_accounted(r)
    assert std(settings, "orders", "orders.csv")["cancel_party"].to_list() == [None]


def test_csv_line_is_record_number_with_quoted_newline(settings):
    rows = [row(OPERATOR, operator_name="line one\nline two"), row(OPERATOR, operator_id="op2")]
    rows[1]["license_verified"] = "perhaps"
    deliver(settings, "operators", "ops.csv", csv_text(rows))
    r = result(run(settings), "ops.csv")
    assert (r.rows_loaded, r.rows_quarantined) == (1, 1)
    assert std(settings, "operators", "ops.csv")["operator_name"].to_list() == ["line one\nline two"]
    assert list(reasons(settings, "operators", "ops.csv")) == [3]


def test_csv_crlf_and_quoted_empty(settings):
    text = csv_text([row(OPERATOR, credit_code="")]).replace("\n", "\r\n")
    text = text.replace("op1,douyin", 'op1,"douyin"')
    deliver(settings, "operators", "ops.csv", text)
    r = result(run(settings), "ops.csv")
    assert_accounted(r)
    df = std(settings, "operators", "ops.csv")
    assert df["credit_code"].to_list() == [None]
    assert df["region_code"].to_list() == ["110105"]  # no stray \r


def test_str_values_are_not_stripped(settings):
    deliver(settings, "operators", "ops.csv", csv_text([row(OPERATOR, operator_name="  padded ")]))
    run(settings)
    assert std(settings, "operators", "ops.csv")["operator_name"].to_list() == ["  padded "]


def test_jsonl_typed_values_and_physical_lines(settings):
    recs = [
        {**ORDER, "quantity": 2, "unit_price": 1.005, "pay_amount": "2.01", "extra": {"a": [1]}},
        {**ORDER, "order_id": "o2", "quantity": 0},
    ]
    for rec in recs:
        for k in ("shipped_at", "delivered_at", "cancelled_at", "cancel_party"):
            rec[k] = None
    lines = [json.dumps(recs[0], ensure_ascii=False), "", json.dumps(recs[1], ensure_ascii=False)]
    deliver(settings, "orders", "orders.jsonl", "\n".join(lines) + "\n")
    r = result(run(settings), "orders.jsonl")
    assert_accounted(r)
    assert (r.format, r.rows_in, r.rows_loaded, r.rows_quarantined) == ("jsonl", 3, 1, 2)
    df = std(settings, "orders", "orders.jsonl")
    assert df["_line"].to_list() == [1]
    assert df["unit_price"].to_list() == [Decimal("1.01")]
    assert reasons(settings, "orders", "orders.jsonl") == {
        2: "empty line",
        3: "quantity must be > 0 (got '0')",
    }


def test_jsonl_bad_line_is_a_bad_row(settings):
    good = json.dumps(ORDER, ensure_ascii=False)
    text = "\n".join([good, "{not json", "[1, 2]", good.replace('"o1"', '"o2"')]) + "\n"
    deliver(settings, "orders", "orders.jsonl", text)
    r = result(run(settings), "orders.jsonl")
    assert_accounted(r)
    assert (r.rows_loaded, r.rows_quarantined) == (2, 2)
    got = reasons(settings, "orders", "orders.jsonl")
    assert got[2].startswith("not valid JSON")
    assert got[3] == "not a JSON object (got list)"
    assert std(settings, "orders", "orders.jsonl")["_line"].to_list() == [1, 4]


def _orders_table(**overrides) -> pa.Table:
    n = 3
    cols = {
        "order_id": pa.array([f"o{i}" for i in range(n)]),
        "platform": pa.array(["douyin"] * n),
        "operator_id": pa.array(["op1"] * n),
        "product_id": pa.array(["p1"] * n),
        "buyer_id": pa.array(["B1", "B2", None]),
        "buyer_phone": pa.array(["13800000000"] * n),
        "quantity": pa.array([1, 2, 3], pa.int32()),
        "unit_price": pa.array([Decimal("1.005"), Decimal("2.675"), Decimal("3")], pa.decimal128(10, 3)),
        "pay_amount": pa.array([1.005, 5.35, 9.0], pa.float64()),
        "paid_at": pa.array(
            [dt.datetime(2026, 3, 1, 16, 0), dt.datetime(2026, 3, 2, 2, 0), dt.datetime(2026, 3, 2, 15, 59, 59)],
            pa.timestamp("us", tz="UTC"),
        ),
        "shipped_at": pa.array([dt.datetime(2026, 3, 2, 9, 0), None, None], pa.timestamp("ms")),
    }
    cols.update(overrides)
    return pa.table(cols)


def test_parquet_typed_columns(settings):
    buf = io.BytesIO()
    pq.write_table(_orders_table(), buf)
    deliver(settings, "orders", "orders.parquet", buf.getvalue())
    r = result(run(settings), "orders.parquet")
    assert (r.format, r.encoding) == ("parquet", None)
    # row 3: buyer_id null (required) -> set aside
    assert (r.rows_in, r.rows_loaded, r.rows_quarantined) == (3, 2, 1)
    df = std(settings, "orders", "orders.parquet")
    assert dict(df.schema) == standardised_schema("orders")
    assert df["_line"].to_list() == [1, 2]
    # tz-aware UTC -> CST naive; naive -> taken as CST
    assert df["paid_at"].to_list() == [dt.datetime(2026, 3, 2, 0, 0), dt.datetime(2026, 3, 2, 10, 0)]
    assert df["shipped_at"].to_list() == [dt.datetime(2026, 3, 2, 9, 0), None]
    assert df["unit_price"].to_list() == [Decimal("1.01"), Decimal("2.68")]
    assert df["pay_amount"].to_list() == [Decimal("1.01"), Decimal("5.35")]
    assert df["quantity"].to_list() == [1, 2]
    assert reasons(settings, "orders", "orders.parquet") == {3: "buyer_id is required but empty"}


def test_parquet_string_columns_parse_like_text(settings):
    t = _orders_table(
        quantity=pa.array(["1", "x", "3"]),
        paid_at=pa.array(["2026-03-02T01:00:00+08:00", "2026-03-02 10:00:00", "2026-03-02"]),
        buyer_id=pa.array(["B1", "B2", "B3"]),
    )
    buf = io.BytesIO()
    pq.write_table(t, buf)
    deliver(settings, "orders", "orders.parquet", buf.getvalue())
    r = result(run(settings), "orders.parquet")
    assert (r.rows_loaded, r.rows_quarantined) == (1, 2)
    assert reasons(settings, "orders", "orders.parquet") == {
        2: "quantity is not an integer (got 'x')",
        3: "paid_at is a date without a time (got '2026-03-02')",
    }


def test_xlsx_first_sheet_only(settings):
    xlsxwriter = pytest.importorskip("xlsxwriter")
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("orders")
    fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    cols = list(ORDER)
    ws.write_row(0, 0, cols)
    values = [row(ORDER), row(ORDER, order_id="o2", quantity="0")]
    for i, rec in enumerate(values, start=1):
        for j, c in enumerate(cols):
            v = rec[c]
            if c == "paid_at":
                ws.write_datetime(i, j, dt.datetime(2026, 3, 2, 10, 30), fmt)
            elif c in ("quantity",):
                ws.write_number(i, j, float(v))
            elif c == "unit_price":
                ws.write_number(i, j, 2.675)
            elif v:
                ws.write_string(i, j, v)
    ws2 = wb.add_worksheet("other")
    ws2.write_row(0, 0, ["nothing", "here"])
    wb.close()
    deliver(settings, "orders", "orders.xlsx", buf.getvalue())
    r = result(run(settings), "orders.xlsx")
    assert_accounted(r)
    assert (r.format, r.rows_in, r.rows_loaded, r.rows_quarantined) == ("xlsx", 2, 1, 1)
    df = std(settings, "orders", "orders.xlsx")
    assert df["paid_at"].to_list() == [dt.datetime(2026, 3, 2, 10, 30)]
    assert df["unit_price"].to_list() == [Decimal("2.68")]
    assert df["quantity"].to_list() == [2]
    assert df["_line"].to_list() == [2]
    assert reasons(settings, "orders", "orders.xlsx") == {3: "quantity must be > 0 (got '0')"}


def test_empty_records_are_set_aside_not_dropped(settings):
    text = csv_text(orders(1)) + ",,,,,,,,,,,,,,,,,\n" + "\n"
    deliver(settings, "orders", "orders.csv", text)
    r = result(run(settings), "orders.csv")
    assert_accounted(r)
    assert (r.rows_in, r.rows_loaded) == (3, 1)
    assert reasons(settings, "orders", "orders.csv") == {
        3: "empty record (no values)",
        4: "empty record (no values)",
    }
    q = quarantine(settings, "orders", "orders.csv")
    assert q["record_key"].to_list() == [None, None]


def test_record_with_more_fields_than_header(settings):
    text = csv_text(orders(2))
    lines = text.splitlines()
    lines[1] += ",surplus"
    deliver(settings, "orders", "orders.csv", "\n".join(lines) + "\n")
    r = result(run(settings), "orders.csv")
    assert_accounted(r)
    assert reasons(settings, "orders", "orders.csv") == {2: f"record has more fields than the header ({len(ORDER)})"}
    assert std(settings, "orders", "orders.csv")["order_id"].to_list() == ["o2"]


def test_header_only_file_loads_zero_rows(settings):
    deliver(settings, "orders", "orders.csv", ",".join(ORDER) + "\n")
    r = result(run(settings), "orders.csv")
    assert (r.status, r.rows_in, r.rows_loaded, r.rows_quarantined) == ("loaded", 0, 0, 0)
    df = std(settings, "orders", "orders.csv")
    assert df.height == 0 and dict(df.schema) == standardised_schema("orders")


def test_standardised_schema_for_every_source(settings):
    """A header-only file of each source gives that source's standardised schema."""
    from live_commerce_quality.core.contract import SOURCES

    for name, src in SOURCES.items():
        deliver(settings, name, f"{name}.csv", ",".join(src.column_names) + "\n")
    report = run(settings)
    assert len(report.loaded) == len(SOURCES)
    for name in SOURCES:
        df = pl.read_parquet(settings.standardised / name / "dt=2026-03-02" / f"{name}.csv.parquet")
        assert dict(df.schema) == standardised_schema(name)
