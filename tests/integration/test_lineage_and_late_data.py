"""Lineage and late data on the hand fixture (tests/fixtures/hand, EXPECTED.md).

- `lcq lineage` names, for an indicator value, the delivered files and their rows that fed
  it; the rows it counts add up to the denominator of every indicator of every subject.
- A record of March delivered after the cutoff counts for March when March is evaluated
  again as of a later cutoff, and `lcq changes` lists it with the file it came in.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from live_commerce_quality.cli import main
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.core.subjects import SubjectRef
from live_commerce_quality.ops import lineage, retention
from live_commerce_quality.publish.evidence import LINEAGE_COLUMNS, LINEAGE_FILE

from .conftest import LCQ_VARS

pytestmark = pytest.mark.integration

# The source whose records an indicator's denominator counts (PRE-1: the snapshots).
DENOMINATOR_SOURCE = {
    "PRE-2": "live_sessions",
    "PRE-3": "products",
    "IN-1": "live_sessions",
    "IN-2": "orders",
    "IN-3": "cs_conversations",
    "POST-1": "orders",
    "POST-2": "orders",
    "POST-3": "orders",
    "POST-4": "after_sales",
    "POST-5": "orders",
    "POST-6": "complaints",
    "POST-7": "reviews",
}
LATE_CASE = (
    "case_id,order_id,case_type,reason,merchant_responsible,requested_at,resolved_at,outcome\n"
    "AS_C_LATE,OC05,return_refund,quality,true,2026-04-19 09:00:00,,\n"
)


@pytest.fixture
def home_env(monkeypatch):
    def use(home: Path) -> Settings:
        monkeypatch.setenv("LCQ_HOME", str(home))
        for var in LCQ_VARS:
            monkeypatch.delenv(var, raising=False)
        return Settings.from_env()

    return use


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cli_json(*args: str) -> dict:
    result = CliRunner().invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def lineage_files(out: Path, subject: str, indicator: str, as_of: str = "2026-04-15") -> set[tuple]:
    payload = cli_json(
        "lineage", "--period", "2026-03", "--as-of", as_of, "--subject", subject, "--indicator", indicator,
        "--evaluation", str(out),
    )  # fmt: skip
    return {
        (f["role"], f["source"], f["delivered_dt"], f["file_name"], f["file_sha256"], f["row_count"])
        for f in payload["files"]
    }


def test_counted_rows_add_up_to_every_denominator(hand_evaluation):
    out, _, _ = hand_evaluation
    table = pl.read_parquet(out / LINEAGE_FILE)
    counted = table.filter(pl.col("role") == "counted").group_by("subject_kind", "subject_id", "indicator_id", "source")
    counted = counted.agg(pl.col("row_count").sum())
    indicators = pl.read_parquet(out / "indicators.parquet")
    assert set(indicators["subject_kind"]) == {"operator", "streamer", "agency", "platform"}
    mismatches = []
    for row in indicators.iter_rows(named=True):
        kind, indicator = row["subject_kind"], row["indicator_id"]
        source = DENOMINATOR_SOURCE.get(indicator) or ("operators" if kind in ("operator", "platform") else "streamers")
        rows = counted.filter(
            (pl.col("subject_kind") == kind)
            & (pl.col("subject_id") == row["subject_id"])
            & (pl.col("indicator_id") == indicator)
            & (pl.col("source") == source)
        )["row_count"].sum()
        if rows != row["denominator"]:
            mismatches.append((kind, row["subject_id"], indicator, rows, row["denominator"]))
    assert mismatches == []


def test_evidence_lineage_is_the_mart_without_its_key_sorted_by_every_column(hand_evaluation):
    out, home, _ = hand_evaluation
    evidence = pl.read_parquet(out / LINEAGE_FILE)
    assert tuple(evidence.columns) == LINEAGE_COLUMNS
    assert evidence.height > 0
    assert evidence.equals(evidence.sort(list(LINEAGE_COLUMNS), nulls_last=True))
    (mart,) = Path(home).glob("runs/*/marts/fct_indicator_lineage.parquet")
    assert pl.read_parquet(mart).drop("lineage_key").equals(evidence)


def test_lineage_of_hand_derived_values(hand_evaluation, home_env):
    out, home, landing = hand_evaluation
    home_env(home)
    orders_1 = landing / "orders" / "dt=2026-04-15" / "part-1.csv"
    orders_2 = landing / "orders" / "dt=2026-04-15" / "part-2.csv"
    cases = landing / "after_sales" / "dt=2026-04-15" / "after_sales.csv"

    # OP_C POST-3 = 1/11: its eleven shipped orders, and AS_C1 (wrong item) on OC03
    assert lineage_files(out, "operator:OP_C", "POST-3") == {
        ("counted", "orders", "2026-04-15", "part-1.csv", sha256(orders_1), 11),
        ("looked_up", "after_sales", "2026-04-15", "after_sales.csv", sha256(cases), 1),
    }
    # OP_A POST-3 = 1/20: OA12's current version is the later file part-2.csv; OA02 counts
    # once in the numerator, but both its quality cases (AS_A1, AS_A2) were looked at
    assert lineage_files(out, "operator:OP_A", "POST-3") == {
        ("counted", "orders", "2026-04-15", "part-1.csv", sha256(orders_1), 19),
        ("counted", "orders", "2026-04-15", "part-2.csv", sha256(orders_2), 1),
        ("looked_up", "after_sales", "2026-04-15", "after_sales.csv", sha256(cases), 2),
    }
    # the agency's PRE-1 is its two evaluated streamers' snapshot rows
    streamers = landing / "streamers" / "dt=2026-03-01" / "streamers.csv"
    assert lineage_files(out, "agency:AG1", "PRE-1") == {
        ("counted", "streamers", "2026-03-01", "streamers.csv", sha256(streamers), 2),
    }

    text = CliRunner().invoke(
        main,
        ["lineage", "--period", "2026-03", "--as-of", "2026-04-15", "--subject", "operator:OP_C",
         "--indicator", "POST-3", "--evaluation", str(out)],
    )  # fmt: skip
    assert text.exit_code == 0, text.output
    assert "value: numerator 1, denominator 11" in text.output
    assert sha256(orders_1) in text.output and "archived" in text.output

    unknown = CliRunner().invoke(
        main,
        ["lineage", "--period", "2026-03", "--as-of", "2026-04-15", "--subject", "operator:OP_E",
         "--indicator", "POST-3", "--evaluation", str(out)],
    )  # fmt: skip
    assert unknown.exit_code == 1
    assert "operator:OP_E was not evaluated" in unknown.output  # E had a February session only


def test_lineage_after_a_purge_names_the_purge(hand_evaluation, home_env, tmp_path):
    out, home, _ = hand_evaluation
    copy = tmp_path / "home"
    shutil.copytree(home, copy, symlinks=True)
    settings = home_env(copy)
    # in 2030 the 2026 deliveries are more than three years old
    result = retention.purge(settings, date(2027, 1, 1), reason="test", today=date(2030, 1, 1))
    found = lineage.Found(out / LINEAGE_FILE, out / "indicators.parquet")
    files = lineage.files_of(found, SubjectRef("operator", "OP_C"), "POST-3", settings)
    assert set(files["archive"]) == {f"purged (purge_log/{result.record_path.name})"}


def test_late_record_counts_in_its_cohort_and_is_listed(hand_evaluation, home_env, tmp_path):
    from live_commerce_quality.run.steps import run_evaluation

    before, _, hand_landing = hand_evaluation  # March as of 2026-04-15
    landing = tmp_path / "home" / "landing"  # this installation's own landing
    shutil.copytree(hand_landing, landing)
    late = landing / "after_sales" / "dt=2026-04-19" / "late-quality.csv"
    late.parent.mkdir(parents=True)
    late.write_text(LATE_CASE)  # a quality case of OC05, a shipped March order of OP_C

    home_env(tmp_path / "home")
    after = run_evaluation(landing, "2026-03", "2026-04-20", out=tmp_path / "as-of-2026-04-20")

    def post_3(folder: Path, kind: str, subject_id: str) -> tuple[float, float]:
        of_subject = (pl.col("subject_kind") == kind) & (pl.col("subject_id") == subject_id)
        row = pl.read_parquet(folder / "indicators.parquet").filter(of_subject & (pl.col("indicator_id") == "POST-3"))
        return row["numerator"][0], row["denominator"][0]

    assert post_3(before, "operator", "OP_C") == (1, 11)
    assert post_3(after, "operator", "OP_C") == (2, 11)  # the April case counts for March
    assert post_3(after, "streamer", "S_C") == (2, 11)
    assert ("looked_up", "after_sales", "2026-04-19", "late-quality.csv", sha256(late), 1) in lineage_files(
        after, "operator:OP_C", "POST-3", as_of="2026-04-20"
    )

    listed = cli_json("changes", "--period", "2026-03", "--since", "2026-04-15")
    by_file = {
        (f["source"], f["delivered_dt"], f["file_name"]): {c: f[c] for c in ("new", "update") if f[c]}
        for f in listed["files"]
    }
    # derived from the fixture: what it delivers after 2026-04-15 (see build.py), plus ours
    assert by_file == {
        ("after_sales", "2026-04-17", "after_sales.csv"): {"update": 1},  # AS_A10 resolved
        ("after_sales", "2026-04-19", "late-quality.csv"): {"new": 1},
        ("complaints", "2026-04-16", "complaints.csv"): {"new": 1},  # CA10
        ("cs_conversations", "2026-04-17", "cs_conversations.csv"): {"update": 1},  # CVA17 answered
        ("findings", "2026-04-20", "findings.csv"): {"new": 1},  # FND-A-04
        ("live_sessions", "2026-04-16", "live_sessions.csv"): {"new": 1},  # SB6
        ("operators", "2026-04-20", "operators.csv"): {"update": 2},  # OP_A, OP_D
        ("orders", "2026-04-18", "orders.csv"): {"new": 1, "update": 1},  # OA_LATE; OA18 delivered
        ("reviews", "2026-04-16", "reviews.csv"): {"new": 1},  # RA_LATE
    }
    late_file = next(f for f in listed["files"] if f["file_name"] == "late-quality.csv")
    assert late_file["file_sha256"] == sha256(late)
    assert [r["record_key"] for r in listed["records"] if r["file_name"] == "late-quality.csv"] == ["AS_C_LATE"]
