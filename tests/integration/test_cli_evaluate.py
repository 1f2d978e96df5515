"""`lcq evaluate` runs the Airflow DAG (embedded SQLite metadata DB) on a landing folder it
has never seen and writes the evaluation folder; the same steps run in-process give the
same bytes; every delivered row is accounted for. The folder is a trial: the installation's
own archive, with an official delivery in it, is left exactly as it was."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from .conftest import build_hand_landing

pytestmark = pytest.mark.integration


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def dag_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    landing = build_hand_landing(tmp / "landing")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LCQ_", "AIRFLOW"))}
    env["LCQ_HOME"] = str(tmp / "home")
    lcq = Path(sys.executable).parent / "lcq"
    # the installation's own archive holds an official delivery before the trial
    official = tmp / "home" / "landing" / "operators" / "dt=2026-02-27"
    official.mkdir(parents=True)
    (official / "operators.csv").write_text(
        "operator_id,platform,operator_name,license_verified,main_category\nOP_Z,douyin,某某,true,food\n"
    )
    ingest = [sys.executable, "-c", "from live_commerce_quality.core.settings import Settings; "
              "from live_commerce_quality.ingest import ingest_landing; s = Settings.from_env(); "
              "ingest_landing(s.landing, s)"]  # fmt: skip
    subprocess.run(ingest, env=env, check=True, capture_output=True)
    env["LCQ_TEST_ARCHIVE_BEFORE"] = json.dumps(tree_digest(tmp / "home" / "archive"))
    out = tmp / "evaluation"
    proc = subprocess.run(
        [str(lcq), "evaluate", "--landing", str(landing), "--period", "2026-03",
         "--as-of", "2026-04-15", "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    return proc, out, tmp, landing, env


def test_a_trial_leaves_the_installation_archive_as_it_was(dag_run):
    proc, _, tmp, _, env = dag_run
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "trial workspace" in proc.stdout
    assert tree_digest(tmp / "home" / "archive") == json.loads(env["LCQ_TEST_ARCHIVE_BEFORE"])
    trials = list((tmp / "home" / "trials").iterdir())
    assert len(trials) == 1 and (trials[0] / "archive").is_dir() and (trials[0] / "warehouse.duckdb").exists()
    assert not (tmp / "home" / "published").exists()


def test_evaluate_through_airflow(dag_run):
    proc, out, tmp, _, _ = dag_run
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "grade distribution" in proc.stdout
    # it ran as an Airflow DAG run, with the task log of every step
    log = (tmp / "home" / "logs").glob("lcq_evaluation_2026-03_as-of-2026-04-15.log")
    text = next(log).read_text()
    steps = ["receive", "standardise[orders]", "standardise[reviews]", "reconcile", "gate_extracts", "transform",
             "gate_marts", "grade", "assemble", "publish"]  # fmt: skip
    for step in steps:
        assert step.split("[")[0] in text
        # the console says each step as it ends, with its time
        assert any(line.split()[:2] == [step, "done"] for line in proc.stdout.splitlines()), step
    assert "\x1b[" not in text, "no colour codes in the task log"
    ratings = pl.read_parquet(out / "ratings.parquet").filter(pl.col("subject_kind") == "operator")
    grades = dict(ratings.select("subject_id", "grade").iter_rows())
    assert grades == {"OP_A": "E", "OP_B": "B", "OP_C": "E", "OP_D": "NR"}
    assert ratings.filter(pl.col("subject_id") == "OP_B")["total_score"].item() == 80.00


def test_checksums_and_row_accounting(dag_run):
    _, out, _, _, _ = dag_run
    for line in (out / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name
    manifest = json.loads((out / "evidence" / "manifest.json").read_text())
    assert manifest["inputs"], "every delivered file is listed"
    for f in manifest["inputs"]:
        assert f["rows_in"] == f["rows_loaded"] + f["rows_set_aside"], f
        assert len(f["sha256"]) == 64
    listed = pl.read_parquet(out / "evidence" / "rows_set_aside.parquet")
    assert listed.height == sum(f["rows_set_aside"] for f in manifest["inputs"])
    assert listed["reason"].null_count() == 0 and listed["line"].null_count() == 0


def test_in_process_run_gives_the_same_bytes(dag_run, monkeypatch):
    _, out, tmp, landing, _ = dag_run
    from live_commerce_quality.run.steps import run_evaluation

    monkeypatch.setenv("LCQ_HOME", str(tmp / "home"))
    again = run_evaluation(landing=landing, period="2026-03", as_of="2026-04-15", out=tmp / "again")
    assert (again / "SHA256SUMS").read_text() == (out / "SHA256SUMS").read_text()
