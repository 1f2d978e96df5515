"""The scheduled path end to end through the DAGs (embedded Airflow): nightly provisional runs on
consecutive days, then the monthly final on the day its schedule makes it due, each published
with the index and `latest`; and a backfill of three months, run twice, that publishes the same
bytes once and nothing more the second time."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from live_commerce_quality.core.settings import Settings
from live_commerce_quality.demo import generate as generate_demo
from live_commerce_quality.publish.publication import accept_inputs
from live_commerce_quality.run.embedded import run_dag
from live_commerce_quality.run.schedule import final_due, nightly_window

from .conftest import LCQ_VARS

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("LCQ_HOME", str(home))
    for var in (*LCQ_VARS, "AIRFLOW_HOME", "LCQ_AIRFLOW_DB_URL"):
        monkeypatch.delenv(var, raising=False)
    return home


def _tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_nightly_runs_then_the_monthly_final(home):
    """Demo deliveries day by day: two nights of month-to-date ratings, then the final on the day
    the schedule makes it due (the demo's planted bad files accepted on the record)."""
    settings = Settings.from_env()
    generate_demo(settings.landing, ["2026-09"], 0.003, 11, "parquet", 0.0)
    quiet = lambda _: None  # noqa: E731
    runs = [(*nightly_window(day), "lcq_nightly_provisional") for day in (date(2026, 9, 20), date(2026, 9, 21))]
    runs.append((*final_due(date(2026, 10, 16), 15), "lcq_evaluation"))
    for period, as_of, dag_id in runs:
        accept_inputs(settings, period, as_of.isoformat(), "demo data: planted bad files", "test")
        run_dag({"period": period, "as_of": as_of.isoformat(), "publish": True}, dag_id=dag_id, say=quiet)

    index = json.loads((home / "published" / "index.json").read_text())
    assert [(p["period"], p["status"], p["as_of"]) for p in index["publications"]] == [
        ("2026-09", "final", "2026-10-15"),
        ("2026-09", "provisional", "2026-09-19"),
        ("2026-09", "provisional", "2026-09-20"),
    ]
    assert index["latest"] == {"2026-09": "final-2026-10-15"}
    assert (home / "published" / "2026-09" / "latest").resolve().name == "final-2026-10-15"
    provisional = home / "published" / "2026-09" / "provisional-2026-09-20"
    manifest = json.loads((provisional / "evidence" / "manifest.json").read_text())
    assert (manifest["status"], manifest["cutoff"]) == ("provisional", "2026-09-20")
    # month to date: the second night knows more orders than the first
    first = json.loads(
        (home / "published" / "2026-09" / "provisional-2026-09-19" / "evidence" / "manifest.json").read_text()
    )
    assert sum(f["rows_loaded"] for f in manifest["inputs"]) > sum(f["rows_loaded"] for f in first["inputs"])


def test_a_backfill_run_twice_publishes_the_same_bytes_once(home):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LCQ_", "AIRFLOW"))}
    env["LCQ_HOME"] = str(home)
    lcq = [str(Path(sys.executable).parent / "lcq")]
    months = "2026-06,2026-07,2026-08"
    generate = ["generate", "--scale", "0.003", "--months", months, "--seed", "5", "--out", str(home / "landing")]
    subprocess.run(lcq + generate, env=env, check=True, capture_output=True)
    for month, cutoff in (("2026-06", "2026-07-15"), ("2026-07", "2026-08-15"), ("2026-08", "2026-09-15")):
        accept = ["accept-inputs", "--period", month, "--as-of", cutoff, "--reason", "demo: planted bad files"]
        subprocess.run(lcq + accept, env=env, check=True, capture_output=True)

    backfill = ["backfill", "--from", "2026-06", "--to", "2026-08"]
    first = subprocess.run(lcq + backfill, env=env, capture_output=True, text=True, timeout=1800)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    published = _tree(home / "published")
    index = json.loads((home / "published" / "index.json").read_text())
    assert [(p["period"], p["folder"]) for p in index["publications"]] == [
        ("2026-06", "final-2026-07-15"),
        ("2026-07", "final-2026-08-15"),
        ("2026-08", "final-2026-09-15"),
    ]

    again = subprocess.run(lcq + backfill, env=env, capture_output=True, text=True, timeout=1800)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert _tree(home / "published") == published  # no new version, not one byte changed
