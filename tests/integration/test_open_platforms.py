"""Open platforms (extracts.md, "Platform codes are open"): a delivery from a platform that is not
among the demo's four is evaluated and rated like any other."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from .conftest import LCQ_VARS, build_hand_landing

pytestmark = pytest.mark.integration


def _renamed(landing: Path, old: str, new: str) -> Path:
    for path in landing.rglob("*.csv"):
        path.write_text(path.read_text("utf-8").replace(f",{old},", f",{new},"), "utf-8")
    return landing


def test_a_new_platform_is_evaluated_and_rated(tmp_path, monkeypatch):
    monkeypatch.setenv("LCQ_HOME", str(tmp_path / "home"))
    for var in LCQ_VARS:
        monkeypatch.delenv(var, raising=False)
    from live_commerce_quality.run.steps import run_evaluation

    landing = _renamed(build_hand_landing(tmp_path / "landing"), "douyin", "pinduoduo")
    out = run_evaluation(landing, "2026-03", "2026-04-15", tmp_path / "out")
    ratings = pl.read_parquet(out / "ratings.parquet")
    ops = ratings.filter(pl.col("subject_kind") == "operator").sort("subject_id")
    # the hand fixture's grades (EXPECTED.md section 8), under another platform code
    assert ops.select("subject_id", "platform", "grade", "total_score").rows() == [
        ("OP_A", "pinduoduo", "E", 34.86),
        ("OP_B", "pinduoduo", "B", 80.0),
        ("OP_C", "pinduoduo", "E", 64.41),
        ("OP_D", "pinduoduo", "NR", 69.7),
    ]
    assert ratings.filter(pl.col("subject_kind") == "platform")["subject_id"].to_list() == ["pinduoduo"]


def test_a_landing_whose_rows_are_all_set_aside_still_gives_a_folder_saying_so(tmp_path, monkeypatch):
    import json

    monkeypatch.setenv("LCQ_HOME", str(tmp_path / "home"))
    for var in LCQ_VARS:
        monkeypatch.delenv(var, raising=False)
    from live_commerce_quality.run.steps import EvaluationError, run_evaluation

    # a platform code of another form: every operator, session and order row is a bad value
    landing = _renamed(build_hand_landing(tmp_path / "landing"), "douyin", "Pin-Duo-Duo")
    out = tmp_path / "out"
    with pytest.raises(EvaluationError, match=r"no subject evaluated: every row .* was set aside") as raised:
        run_evaluation(landing, "2026-03", "2026-04-15", out)
    assert "standardised.orders: row count >= 1" in str(raised.value)  # the gate's finding
    assert pl.read_parquet(out / "ratings.parquet").height == 0
    manifest = json.loads((out / "evidence" / "manifest.json").read_text())
    assert any(w.startswith("no subject evaluated") and "row count >= 1" in w for w in manifest["warnings"])
    aside = pl.read_parquet(out / "evidence" / "rows_set_aside.parquet")
    reasons = aside.filter(pl.col("reason").str.contains("got 'Pin-Duo-Duo'"))
    assert set(reasons["source"]) >= {"operators", "live_sessions", "orders"}
    assert sum(f["rows_loaded"] for f in manifest["inputs"] if f["source"] == "orders") == 0
    gates = json.loads((out / "evidence" / "data_quality.json").read_text())
    assert gates["extracts"]["passed"] is False
    assert (out / "SHA256SUMS.sig").exists()


def test_lcq_evaluate_exits_non_zero_with_the_reason_when_every_row_is_set_aside(tmp_path):
    """The same landing through the command line (the Airflow DAG): a folder, and a non-zero exit
    whose message says why, so a regulator's script sees it."""
    import os
    import subprocess
    import sys

    landing = _renamed(build_hand_landing(tmp_path / "landing"), "douyin", "Pin-Duo-Duo")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LCQ_", "AIRFLOW"))}
    env["LCQ_HOME"] = str(tmp_path / "home")
    out = tmp_path / "out"
    lcq = Path(sys.executable).parent / "lcq"
    args = ["evaluate", "--landing", str(landing), "--period", "2026-03", "--as-of", "2026-04-15", "--out", str(out)]
    proc = subprocess.run([str(lcq), *args], env=env, capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode != 0
    assert "no subject evaluated: every row" in proc.stderr, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert (out / "evidence" / "rows_set_aside.parquet").exists()
