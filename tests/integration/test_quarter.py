"""A quarter through the same pipeline: 2026-Q1 of the hand fixture, as of 2026-04-15.

The expected values are reasoned from tests/fixtures/hand/EXPECTED.md, not from the product:

- Q1 = 2026-01-01 .. 2026-03-31, so the fixture's March records all count, and so do its
  February ones that March left out (EXPECTED.md section 4): OP_A's session SA0 (licence not
  shown; its offer SA0/PA1 lacks `spec`), its finding FND-A-03 (confirmed minor, 02-27) and
  its order OA_FEB; OP_B's FND-B-03 (confirmed critical counterfeit, 02-25); OP_E's session
  SE0 and order OE_FEB, which make OP_E evaluated, with its confirmed critical FND-E-01
  (March). April records stay out, as for March.
- The cutoff 2026-04-15 is the last day of the quarter (03-31) + the 15-day lag: final.
- One extra delivery below gives OP_D a January session SD0 (licence shown, one complete
  offer). OP_D is alone in douyin/apparel and none of its smoothed indicators is applicable,
  so its numbers follow by hand without any peer rate:
  PRE-1 0 (invalid check character, as in March); PRE-2 (2 + 1) / (3 + 1) = 0.75, below
  `zero` 0.8, score 0; PRE-3 (4 + 1) / (5 + 1) = 5/6, score 100·(5/6 − 0.7)/0.3 = 400/9;
  IN-1 0 points / 4 sessions, score 100; nothing after the transaction is applicable (4
  orders). 交易前 = (5·0 + 5·0 + 10·400/9)/20 = 200/9; 交易中 = 100; total =
  (20·200/9 + 35·100)/55 = 35500/495 = 71.7171… → 71.72 (March: 69.70), weight 35 → NR.

Everything else (the changed peer rates of douyin/food and every cell of every kind) is
checked against the independent reference, which reads the spec's period definition itself.
"""

from __future__ import annotations

import csv
import importlib.util
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from tests.independent.compare import compare
from tests.independent.reference import evaluate

from .conftest import HAND, LCQ_VARS, build_hand_landing

pytestmark = pytest.mark.integration


def _hand_module():
    spec = importlib.util.spec_from_file_location("hand_fixture_build_q", HAND / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _add_january_session(landing: Path) -> None:
    hand = _hand_module()
    rows = {
        "live_sessions": [hand.session("SD0", "OP_D", "2026-01-20 19:00", 2, True)],
        "products": [hand.product("SD0", "PD1", "OP_D", announced="199.00", listed="219.00", category="apparel")],
    }
    for source, records in rows.items():
        folder = landing / source / "dt=2026-02-01"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "january.csv", "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(hand.COLUMNS[source])
            for r in records:
                writer.writerow([hand._cell(r.get(c)) for c in hand.COLUMNS[source]])


@pytest.fixture(scope="module")
def quarter(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("quarter")
    landing = build_hand_landing(tmp / "landing")
    _add_january_session(landing)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LCQ_HOME", str(tmp / "home"))
        for var in LCQ_VARS:
            mp.delenv(var, raising=False)
        from live_commerce_quality.run.steps import run_evaluation

        out = run_evaluation(landing=landing, period="2026-Q1", as_of="2026-04-15", out=tmp / "out")
    return Path(out), landing


def _operators(out: Path) -> dict[str, dict]:
    ratings = pl.read_parquet(out / "ratings.parquet").filter(pl.col("subject_kind") == "operator")
    return {r["subject_id"]: r for r in ratings.iter_rows(named=True)}


def _indicator(out: Path, subject: str, indicator: str) -> dict:
    ind = pl.read_parquet(out / "indicators.parquet")
    return ind.filter((pl.col("subject_id") == subject) & (pl.col("indicator_id") == indicator)).row(0, named=True)


def test_quarter_ratings_by_hand(quarter):
    out, _ = quarter
    ops = _operators(out)
    assert sorted(ops) == ["OP_A", "OP_B", "OP_C", "OP_D", "OP_E"]  # OP_E: its February session
    assert {(r["period"], r["status"], r["as_of"]) for r in ops.values()} == {("2026-Q1", "final", date(2026, 4, 15))}
    d = ops["OP_D"]
    assert (d["grade"], d["total_score"], d["applicable_weight"]) == ("NR", 71.72, 35)
    assert d["score_pre"] == pytest.approx(200 / 9, rel=1e-12) and d["score_in"] == 100.0 and d["score_post"] is None
    assert d["rank"] is None and d["peer_percentile"] is None
    assert ops["OP_B"]["grade"] == "E" and "FND-B-03" in ops["OP_B"]["veto_reasons"]  # February critical
    assert ops["OP_E"]["grade"] == "E" and "FND-E-01" in ops["OP_E"]["veto_reasons"]
    assert ops["OP_C"]["grade"] == "E" and ops["OP_C"]["score_pre"] == pytest.approx(72.3484848485, rel=1e-10)
    # OP_A: SA0 joins, licence not shown; FND-A-03 adds a point; SA0/PA1 lacks `spec`
    pre2, in1, pre3 = (_indicator(out, "OP_A", i) for i in ("PRE-2", "IN-1", "PRE-3"))
    assert (pre2["numerator"], pre2["denominator"], pre2["score"]) == (4, 5, 0.0)
    assert (in1["numerator"], in1["denominator"], in1["raw_value"], in1["score"]) == (2, 5, 40.0, 0.0)
    assert (pre3["numerator"], pre3["denominator"]) == (6, 9)
    d_pre3 = _indicator(out, "OP_D", "PRE-3")
    assert (d_pre3["numerator"], d_pre3["denominator"]) == (5, 6)
    assert d_pre3["score"] == pytest.approx(400 / 9, rel=1e-12)


def test_quarter_agrees_with_the_independent_reference(quarter):
    out, landing = quarter
    ratings, indicators = evaluate(landing, "2026-Q1", "2026-04-15")
    issues, _ = compare(out, ratings, indicators)
    assert not issues, "\n".join(issues[:40])
