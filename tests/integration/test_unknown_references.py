"""Unknown referenced keys (extracts.md "Bad input"): checked at evaluation time against the
good rows delivered up to the cutoff, in dbt (int_*_checked -> fct_rows_set_aside). A row set
aside makes its key unknown, so rows that refer to it are set aside too.

A tiny landing, every row valid at ingest but for one rating out of range; the evaluation sets
aside, with file, line and reason: a session of an unknown operator, the order placed in that
session, a review of an unknown order and the review of that order. Every input file of the
evidence manifest adds up: rows in = rows loaded + rows set aside.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

pytestmark = pytest.mark.integration

LCQ_VARS = ("LCQ_LANDING", "LCQ_ARCHIVE", "LCQ_STANDARDISED", "LCQ_QUARANTINE", "LCQ_WAREHOUSE",
            "LCQ_EVALUATIONS", "LCQ_PSEUDONYM_KEY", "LCQ_ARCHIVE_KEY")  # fmt: skip

FILES = {
    ("operators", "2026-03-01", "operators.csv"): (
        "operator_id,platform,operator_name,credit_code,license_verified,main_category,region_code\n"
        "op1,douyin,店一,,true,food,110105\n"
    ),
    ("streamers", "2026-03-01", "streamers.csv"): (
        "streamer_id,platform,display_name,real_name_verified,agency_id\nst1,douyin,主播一,true,\n"
    ),
    ("live_sessions", "2026-03-05", "sessions.csv"): (
        "session_id,platform,operator_id,streamer_id,started_at,ended_at,license_displayed,peak_viewers\n"
        "s1,douyin,op1,st1,2026-03-05 20:00:00,2026-03-05 22:00:00,true,100\n"
        "s2,douyin,op9,st1,2026-03-05 20:00:00,2026-03-05 22:00:00,true,100\n"  # op9: no such operator
    ),
    ("orders", "2026-03-06", "orders.csv"): (
        "order_id,platform,session_id,operator_id,streamer_id,product_id,buyer_id,buyer_phone,buyer_address,"
        "quantity,unit_price,pay_amount,paid_at,promised_ship_by,shipped_at,delivered_at,cancelled_at,cancel_party\n"
        "o1,douyin,s1,op1,st1,p1,BUYER-000001,13800000001,,1,10.00,10.00,2026-03-05 21:00:00,,,,,\n"
        "o2,douyin,s2,op1,st1,p1,BUYER-000002,13800000002,,1,10.00,10.00,2026-03-05 21:00:00,,,,,\n"  # s2 set aside
    ),
    ("reviews", "2026-03-07", "reviews.csv"): (
        "review_id,order_id,rating,reviewed_at\n"
        "r1,o1,5,2026-03-06 10:00:00\n"
        "r2,o404,1,2026-03-06 10:00:00\n"  # no such order
        "r3,o2,1,2026-03-06 10:00:00\n"  # o2 set aside
        "r4,o1,6,2026-03-06 11:00:00\n"  # out of range: set aside at ingest
    ),
}

SET_ASIDE_AT_EVALUATION = {
    ("live_sessions", "sessions.csv", 3, "s2", "operator_id names no known record"),
    ("orders", "orders.csv", 3, "o2", "session_id names no known record"),
    ("reviews", "reviews.csv", 3, "r2", "order_id names no known record"),
    ("reviews", "reviews.csv", 4, "r3", "order_id names no known record"),
}


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("unknown-references")
    for (source, dt, name), content in FILES.items():
        path = tmp / "home" / "landing" / source / f"dt={dt}" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    home = tmp / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LCQ_HOME", str(home))
        for var in LCQ_VARS:
            mp.delenv(var, raising=False)
        from live_commerce_quality.run.steps import run_evaluation

        out = run_evaluation(landing=home / "landing", period="2026-03", as_of="2026-03-31", out=tmp / "out")
    return Path(out), home


def test_unknown_references_are_set_aside_with_file_line_and_reason(evaluation):
    out, home = evaluation
    (marts,) = sorted(home.glob("runs/*/marts"))  # the evaluation's marts, as graded
    rows = pl.read_parquet(marts / "fct_rows_set_aside.parquet")
    got = set(rows.select("source", "file_name", "file_line", "record_key", "set_aside_reason").iter_rows())
    assert got == SET_ASIDE_AT_EVALUATION
    summary = json.loads((out / "evidence" / "quarantine_summary.json").read_text())
    assert summary["set_aside_at_evaluation"] == {"live_sessions": 1, "orders": 1, "reviews": 2}
    assert summary["set_aside_at_ingest"]["reviews"] == 1


def test_every_input_file_adds_up_in_the_manifest(evaluation):
    out, _ = evaluation
    manifest = json.loads((out / "evidence" / "manifest.json").read_text())
    inputs = {f["file_name"]: f for f in manifest["inputs"]}
    assert sorted(inputs) == sorted(name for _, _, name in FILES)
    for f in inputs.values():
        assert f["status"] == "loaded"
        assert f["rows_in"] == f["rows_loaded"] + f["rows_set_aside"], f
    reviews = inputs["reviews.csv"]
    assert (reviews["rows_in"], reviews["rows_loaded"], reviews["rows_set_aside"]) == (4, 1, 3)
    assert (reviews["rows_set_aside_at_ingest"], reviews["rows_set_aside_at_evaluation"]) == (1, 2)
    assert (inputs["sessions.csv"]["rows_loaded"], inputs["orders.csv"]["rows_loaded"]) == (1, 1)
