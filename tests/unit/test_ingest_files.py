"""Ingest: bad files, archive and receipts, re-delivery, pseudonymisation, determinism."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging
from datetime import date

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from live_commerce_quality.core.settings import DEMO_PSEUDONYM_KEY, Settings
from live_commerce_quality.ingest import RECEIPT_SCHEMA, load_receipts, pseudonym, read_archived
from live_commerce_quality.ingest.pseudonymise import pseudonymise

from .ingest_support import (
    COMPLAINT,
    ORDER,
    RAW_ADDRESS,
    RAW_BUYER,
    RAW_PHONE,
    all_bytes_under,
    assert_accounted,
    csv_text,
    deliver,
    orders,
    quarantine,
    result,
    row,
    run,
    std,
)


def _parquet_bytes(df: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.write_parquet(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- bad files

GOOD_CSV = csv_text(orders(3))
GOOD_JSONL = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in orders(2))


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("orders.csv", b"", "empty file (0 bytes)"),
        ("orders.txt", GOOD_CSV, "unknown format (expected a name ending in .csv.gz, .csv, .jsonl, .parquet, .xlsx)"),
        (
            "orders.csv",
            csv_text(orders(1), [c for c in ORDER if c != "buyer_id"]),
            "missing required column(s): buyer_id",
        ),
        (
            "orders.csv",
            csv_text(orders(1), [c for c in ORDER if c not in ("quantity", "paid_at")]),
            "missing required column(s): quantity, paid_at",
        ),
        (
            "orders.csv",
            "order_id,order_id\n1,2\n",
            "column order_id appears more than once in the header (positions 1 and 2)",
        ),
        ("orders.csv", GOOD_CSV[:-30], "truncated: the last record (line 4) ends before its last field (cancel_party)"),
        (
            "orders.csv",
            GOOD_CSV + 'o9,"douyin\n',
            "unterminated quoted field (odd number of '\"'): the file is truncated or malformed",
        ),
        ("orders.csv.gz", gzip.compress(GOOD_CSV.encode())[:-12], "truncated gzip stream"),
        ("orders.csv.gz", b"not gzip at all", "unreadable gzip file"),
        ("orders.jsonl", GOOD_JSONL[:-20], "truncated: the last line (2) is incomplete"),
        ("orders.jsonl", "\n \n", "empty: no JSON records, only blank lines"),
        (
            "orders.jsonl",
            b'{"order_id": "\xff"}\n',
            "undecodable: JSONL must be UTF-8 (invalid byte sequence at byte offset 14)",
        ),
        ("orders.jsonl", GOOD_JSONL.replace('"buyer_id"', '"buyer"'), "missing required column(s): buyer_id"),
        ("orders.parquet", b"PAR1 this is not parquet", "unreadable Parquet, truncated or corrupt"),
        ("orders.parquet", None, "unreadable Parquet, truncated or corrupt"),
        ("orders.xlsx", b"PK\x03\x04 broken zip", "unreadable XLSX"),
    ],
)
def test_bad_files_are_rejected_whole(settings, name, data, reason):
    if data is None:  # a truncated Parquet file
        data = _parquet_bytes(pl.DataFrame(orders(5)))[:-100]
    deliver(settings, "orders", name, data)
    deliver(settings, "orders", "zz_good.csv", GOOD_CSV)  # the run goes on
    report = run(settings)
    r = result(report, name)
    assert r.status == "rejected"
    assert r.reason.startswith(reason), r.reason
    assert (r.rows_in, r.rows_loaded, r.rows_quarantined, r.standardised_path) == (None,) * 4
    assert result(report, "zz_good.csv").status == "loaded"
    # nothing written past the archive for the rejected file
    std_dir = settings.standardised / "orders" / "dt=2026-03-02"
    assert sorted(p.name for p in std_dir.iterdir()) == ["zz_good.csv.parquet"]
    assert not (settings.quarantine / "orders").exists()
    # but it is archived with its receipt
    arch = settings.archive / "orders" / "dt=2026-03-02" / r.file_sha256
    original = data.encode() if isinstance(data, str) else data
    assert read_archived(settings, "orders", "2026-03-02", r.file_sha256, name) == original
    receipt = json.loads((arch / "receipt.json").read_text())[name]
    assert receipt["status"] == "rejected" and receipt["reason"] == r.reason
    assert f"REJECTED orders/dt=2026-03-02/{name}: {r.reason}" in report.summary()


def test_rejected_redelivery_keeps_the_earlier_good_version(settings):
    deliver(settings, "orders", "orders.csv", GOOD_CSV)
    first = result(run(settings), "orders.csv")
    deliver(settings, "orders", "orders.csv", GOOD_CSV[:-30])
    second = result(run(settings), "orders.csv")
    assert second.status == "rejected"
    df = std(settings, "orders", "orders.csv")
    assert df["_file_sha256"].unique().to_list() == [first.file_sha256]
    current = load_receipts(settings).row(0, named=True)
    assert current["status"] == "rejected" and current["file_sha256"] == second.file_sha256


# --------------------------------------------------------------------------- landing layout


def test_unknown_source_and_malformed_dt_are_reported(settings):
    deliver(settings, "orders", "orders.csv", GOOD_CSV)
    (settings.landing / "refunds" / "dt=2026-03-02").mkdir(parents=True)
    (settings.landing / "orders" / "2026-03-02").mkdir(parents=True)
    (settings.landing / "orders" / "dt=2026-13-01").mkdir(parents=True)
    (settings.landing / "orders" / "dt=2026-03-02" / "nested").mkdir()
    report = run(settings)
    assert [f.file_name for f in report.files] == ["orders.csv"]
    text = "\n".join(report.problems)
    assert "refunds: unknown source folder" in text
    assert "orders/2026-03-02: malformed dt folder" in text
    assert "orders/dt=2026-13-01: malformed dt folder (not a calendar date)" in text
    assert "orders/dt=2026-03-02/nested: not a regular file" in text
    assert "PROBLEM refunds: unknown source folder" in report.summary()


def test_up_to_and_delivery_order(settings):
    for d in ("2026-03-03", "2026-03-01", "2026-03-02"):
        deliver(settings, "orders", "b.csv", csv_text(orders(1, paid_at=f"{d} 08:00:00")), dt=d)
        deliver(settings, "orders", "B.csv", csv_text(orders(1, paid_at=f"{d} 08:00:00")), dt=d)
        deliver(settings, "orders", "a.csv", csv_text(orders(1, paid_at=f"{d} 08:00:00")), dt=d)
    report = run(settings, up_to=date(2026, 3, 2))
    assert [(str(f.dt), f.file_name) for f in report.files] == [
        ("2026-03-01", "B.csv"),
        ("2026-03-01", "a.csv"),
        ("2026-03-01", "b.csv"),
        ("2026-03-02", "B.csv"),
        ("2026-03-02", "a.csv"),
        ("2026-03-02", "b.csv"),
    ]
    assert report.skipped_after_up_to == 3


def test_unsafe_file_name_gets_a_safe_stable_output_name(settings):
    deliver(settings, "orders", "orders:march*.csv", GOOD_CSV)
    r = result(run(settings), "orders:march*.csv")
    assert r.status == "loaded"
    assert ":" not in r.standardised_path and "*" not in r.standardised_path
    assert (settings.standardised / r.standardised_path).exists()


# --------------------------------------------------------------------------- re-delivery


def _mtimes(*roots):
    return {p: p.stat().st_mtime_ns for root in roots for p in root.rglob("*") if p.is_file()}


def test_same_file_again_is_a_noop(settings):
    deliver(settings, "orders", "orders.csv", csv_text([*orders(2), row(ORDER, order_id="x", quantity="0")]))
    first = result(run(settings), "orders.csv")
    before = _mtimes(settings.archive, settings.standardised, settings.quarantine)
    second_report = run(settings)
    second = result(second_report, "orders.csv")
    assert second.action == "unchanged"
    assert (second.status, second.file_sha256, second.rows_in, second.rows_quarantined) == (
        first.status, first.file_sha256, first.rows_in, first.rows_quarantined,
    )  # fmt: skip
    assert _mtimes(settings.archive, settings.standardised, settings.quarantine) == before
    assert "1 unchanged" in second_report.summary()


def test_new_content_under_the_same_name_replaces_the_earlier_version(settings):
    deliver(settings, "orders", "orders.csv", csv_text([*orders(2), row(ORDER, order_id="x", quantity="0")]))
    v1 = result(run(settings), "orders.csv")
    deliver(settings, "orders", "orders.csv", csv_text(orders(4)))
    v2 = result(run(settings), "orders.csv")
    assert v2.action == "processed" and v2.file_sha256 != v1.file_sha256
    df = std(settings, "orders", "orders.csv")
    assert df.height == 4 and df["_file_sha256"].unique().to_list() == [v2.file_sha256]
    # v2 has no bad rows: v1's quarantine no longer applies
    assert quarantine(settings, "orders", "orders.csv").height == 0
    day = settings.archive / "orders" / "dt=2026-03-02"
    assert (day / v1.file_sha256 / "orders.csv.enc").exists() and (day / v2.file_sha256 / "orders.csv.enc").exists()
    receipts = load_receipts(settings)
    assert receipts.height == 1 and receipts["file_sha256"][0] == v2.file_sha256
    # and back to the first content: it is in effect again (archive not rewritten)
    deliver(settings, "orders", "orders.csv", csv_text([*orders(2), row(ORDER, order_id="x", quantity="0")]))
    v3 = result(run(settings), "orders.csv")
    assert v3.action == "processed" and v3.file_sha256 == v1.file_sha256
    assert std(settings, "orders", "orders.csv").height == 2
    assert load_receipts(settings)["file_sha256"][0] == v1.file_sha256
    pointer = json.loads((day / "_current" / "orders.csv.json").read_text())
    assert pointer["history"] == [v1.file_sha256, v2.file_sha256, v1.file_sha256]


def test_same_bytes_under_two_names_share_the_archive_folder(settings):
    deliver(settings, "orders", "a.csv", GOOD_CSV)
    deliver(settings, "orders", "b.csv", GOOD_CSV)
    report = run(settings)
    sha = hashlib.sha256(GOOD_CSV.encode()).hexdigest()
    folder = settings.archive / "orders" / "dt=2026-03-02" / sha
    assert sorted(p.name for p in folder.iterdir()) == ["a.csv.enc", "b.csv.enc", "receipt.json"]
    receipt = json.loads((folder / "receipt.json").read_text())
    assert sorted(receipt) == ["a.csv", "b.csv"]
    assert all("received_at" in v for v in receipt.values())
    assert len(report.loaded) == 2


# --------------------------------------------------------------------------- receipts


def test_load_receipts(settings):
    deliver(settings, "orders", "orders.csv", csv_text([*orders(2), row(ORDER, order_id="x", quantity="0")]))
    deliver(settings, "orders", "bad.csv", b"")
    run(settings)
    df = load_receipts(settings)
    assert dict(df.schema) == RECEIPT_SCHEMA
    assert list(df.columns) == [
        "source", "dt", "file_name", "file_sha256", "bytes", "format", "encoding", "status",
        "reason", "rows_in", "rows_loaded", "rows_quarantined", "standardised_path", "contract_version",
    ]  # fmt: skip
    rows = {r["file_name"]: r for r in df.iter_rows(named=True)}
    assert rows["orders.csv"]["status"] == "loaded"
    assert (
        rows["orders.csv"]["rows_in"],
        rows["orders.csv"]["rows_loaded"],
        rows["orders.csv"]["rows_quarantined"],
    ) == (3, 2, 1)
    assert rows["orders.csv"]["standardised_path"] == "orders/dt=2026-03-02/orders.csv.parquet"
    assert rows["orders.csv"]["contract_version"] == "1"
    assert rows["bad.csv"]["status"] == "rejected" and rows["bad.csv"]["reason"] == "empty file (0 bytes)"
    assert rows["bad.csv"]["bytes"] == 0
    # the current receipts hold no wall-clock time
    for p in (settings.archive / "orders" / "dt=2026-03-02" / "_current").iterdir():
        assert "received_at" not in json.loads(p.read_text())


def test_load_receipts_empty(settings):
    df = load_receipts(settings)
    assert df.height == 0 and dict(df.schema) == RECEIPT_SCHEMA


def test_report_totals_and_frame(settings):
    deliver(settings, "orders", "a.csv", csv_text([*orders(2), row(ORDER, order_id="x", quantity="0")]))
    deliver(settings, "orders", "b.csv", b"")
    report = run(settings)
    assert (report.rows_in, report.rows_loaded, report.rows_quarantined) == (3, 2, 1)
    assert (
        report.summary()
        .splitlines()[0]
        .endswith("2 file(s): 1 loaded, 1 rejected, 0 unchanged; rows: 3 in = 2 loaded + 1 set aside")
    )
    assert report.to_frame().height == 2


# --------------------------------------------------------------------------- personal data


def test_personal_data_never_written_past_ingest(settings):
    rows = [*orders(2), row(ORDER, order_id="bad", quantity="0", buyer_id="", buyer_phone=RAW_PHONE)]
    deliver(settings, "orders", "orders.csv", csv_text(rows))
    complaint_bad = row(COMPLAINT, complaint_id="c2", satisfaction="7")
    deliver(settings, "complaints", "complaints.csv", csv_text([COMPLAINT, complaint_bad]))
    report = run(settings)
    assert all(f.status == "loaded" for f in report.files)
    written = all_bytes_under(settings.standardised, settings.quarantine)
    for secret in (RAW_BUYER, RAW_PHONE, RAW_ADDRESS, "COMPLAINANT-RAW-9", "13700001111"):
        assert secret.encode() not in written, secret
    df = std(settings, "orders", "orders.csv")
    key = DEMO_PSEUDONYM_KEY.encode()
    assert df["buyer_id"].to_list() == [pseudonym(RAW_BUYER, key)] * 2
    comp = std(settings, "complaints", "complaints.csv")
    assert comp["complainant_id"].to_list() == [pseudonym("COMPLAINANT-RAW-9", key)]
    assert "complainant_phone" not in comp.columns
    # quarantine holds the key columns only, never personal fields
    q = quarantine(settings, "complaints", "complaints.csv")
    assert q["record_key"].to_list() == ["c2"]


def test_pseudonym_key_from_environment(settings, monkeypatch, caplog):
    monkeypatch.setenv("LCQ_PSEUDONYM_KEY", "a-real-secret")
    deliver(settings, "orders", "orders.csv", GOOD_CSV)
    with caplog.at_level(logging.WARNING):
        report = run(settings)
    assert not report.demo_key and "DEMO KEY" not in caplog.text
    assert std(settings, "orders", "orders.csv")["buyer_id"][0] == pseudonym(RAW_BUYER, b"a-real-secret")


def test_demo_key_warning(settings, caplog):
    deliver(settings, "orders", "orders.csv", GOOD_CSV)
    with caplog.at_level(logging.WARNING):
        report = run(settings)
    assert report.demo_key
    assert "PUBLIC DEMO KEY" in caplog.text
    assert "demo key" in report.summary()


def test_pseudonymise_matches_hmac_in_order():
    values = pl.Series("v", [f"id-{i % 997}" if i % 13 else None for i in range(20_000)] + ["中文", ""])
    got = pseudonymise(values, b"k" * 70)  # a key longer than the block is hashed first
    for i in (1, 2, 500, 12_345, 19_999, 20_000, 20_001):
        v = values[i]
        assert got[i] == (None if v is None else pseudonym(v, b"k" * 70)), i
    assert got.null_count() == values.null_count()


def test_pseudonymise_side_by_side_in_threads_shares_one_database_safely():
    from concurrent.futures import ThreadPoolExecutor

    values = pl.Series("v", [f"buyer-{i % 301}" for i in range(5_000)])
    keys = [bytes([k]) * 32 for k in range(8)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda key: pseudonymise(values, key), keys))
    for key, got in zip(keys, results, strict=True):
        assert got[0] == pseudonym("buyer-0", key) and got[4_999] == pseudonym("buyer-183", key)
        assert got.n_unique() == 301


# --------------------------------------------------------------------------- determinism


def test_same_input_same_bytes(tmp_path, monkeypatch):
    monkeypatch.delenv("LCQ_PSEUDONYM_KEY", raising=False)
    outputs = []
    for home in ("h1", "h2"):
        for var in ("LCQ_LANDING", "LCQ_ARCHIVE", "LCQ_STANDARDISED", "LCQ_QUARANTINE"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("LCQ_HOME", str(tmp_path / home))
        s = Settings.from_env()
        deliver(s, "orders", "orders.csv", csv_text([*orders(50), row(ORDER, order_id="x", quantity="0")]))
        typed = [{k: (v or None) for k, v in r.items()} for r in orders(10)]
        deliver(s, "orders", "orders.parquet", _parquet_bytes(pl.DataFrame(typed)))
        run(s)
        files = {}
        for root in (s.standardised, s.quarantine):
            for p in sorted(root.rglob("*")):
                if p.is_file():
                    files[p.relative_to(s.home).as_posix()] = p.read_bytes()
        for p in sorted((s.archive).rglob("_current/*.json")):
            files[p.relative_to(s.home).as_posix()] = p.read_bytes()
        outputs.append(files)
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) == 5


def test_parquet_nested_contract_column_is_rejected(settings):
    t = pa.table({c: pa.array([v]) for c, v in ORDER.items()}).set_column(0, "order_id", pa.array([[1, 2]]))
    buf = io.BytesIO()
    pq.write_table(t, buf)
    deliver(settings, "orders", "orders.parquet", buf.getvalue())
    r = result(run(settings), "orders.parquet")
    assert r.status == "rejected"
    assert "order_id" in r.reason and "unsupported" in r.reason


def test_rows_accounted_for_in_every_loaded_file(settings):
    deliver(settings, "orders", "a.csv", csv_text([*orders(5), row(ORDER, order_id="o1")]))
    deliver(settings, "orders", "b.jsonl", GOOD_JSONL + "\n")
    report = run(settings)
    for f in report.files:
        assert_accounted(f)
        std_rows = std(settings, "orders", f.file_name).height
        q_rows = quarantine(settings, "orders", f.file_name).height
        assert (std_rows, q_rows) == (f.rows_loaded, f.rows_quarantined)
