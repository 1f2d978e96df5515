"""A failed dbt model is seen by name and retried alone: the transform step's error names the
model and dbt's message; run again (a fix, an Airflow task cleared), it builds only what failed
and what depends on it (`dbt retry`), and the marts are those of a clean build."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from live_commerce_quality.core.settings import Settings
from live_commerce_quality.run.request import EvaluationError, EvaluationRequest
from live_commerce_quality.run.steps import run_step

from .conftest import LCQ_VARS, build_hand_landing

pytestmark = pytest.mark.integration

PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
PLANTED = "where error('planted failure') is null\n"


def test_a_failed_model_is_named_and_retried_alone(tmp_path, monkeypatch):
    home = tmp_path / "home"
    landing = build_hand_landing(home / "landing")
    project = tmp_path / "dbt_project"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    monkeypatch.setenv("LCQ_HOME", str(home))
    for var in LCQ_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LCQ_DBT_PROJECT", str(project))
    settings = Settings.from_env()
    req = EvaluationRequest(landing=landing, period="2026-03", as_of=date(2026, 4, 15))
    for source in run_step("receive", req, settings):
        run_step("standardise", req, settings, source)
    run_step("reconcile", req, settings)

    clean = run_step("transform", req, settings)
    assert clean["retried"] is False and not clean["failed"]
    marts = req.work_dir(settings) / "marts"
    expected = {p.name: pl.read_parquet(p) for p in marts.glob("*.parquet")}

    model = project / "models" / "marts" / "fct_veto_findings.sql"
    sql = model.read_text()
    model.write_text(sql.replace("select * from final", "select * from final\n" + PLANTED))
    with pytest.raises(EvaluationError, match=r"fct_veto_findings \(error\): .*planted failure"):
        run_step("transform", req, settings)

    model.write_text(sql)  # the fix
    retried = run_step("transform", req, settings)
    assert retried["retried"] is True and not retried["failed"]
    assert sum(retried["nodes"].values()) < sum(clean["nodes"].values()) / 3, (retried["nodes"], clean["nodes"])
    assert {p.name: pl.read_parquet(p) for p in marts.glob("*.parquet")}.keys() == expected.keys()
    for name, frame in expected.items():  # the same rows (a table rebuilt may list them in another order)
        assert pl.read_parquet(marts / name).sort(pl.all()).equals(frame.sort(pl.all())), name

    # the next run of another request builds everything again
    other = EvaluationRequest(landing=landing, period="2026-03", as_of=date(2026, 4, 14))
    assert run_step("transform", other, settings)["retried"] is False
