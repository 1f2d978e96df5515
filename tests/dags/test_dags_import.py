"""The DAG files import cleanly, hold the expected tasks in order, and keep one writer."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from live_commerce_quality.run.steps import STEPS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory):
    os.environ.setdefault("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow")))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == {"lcq_evaluation", "lcq_nightly_provisional", "lcq_restatements"}


@pytest.mark.parametrize("dag_id", ["lcq_evaluation", "lcq_nightly_provisional"])
def test_steps_in_order_and_one_writer(dagbag, dag_id):
    dag = dagbag.dags[dag_id]
    order = [step.name for step in STEPS]
    assert order == [
        "receive", "standardise", "reconcile", "gate_extracts", "transform", "gate_marts", "grade", "assemble",
        "publish",
    ]  # fmt: skip
    # the transform runs on the run's engine: a choice, then one task per engine
    tasks = [*order[:4], "engine", "transform|transform_spark", *order[5:]]
    assert sorted(dag.task_ids) == sorted(t for names in tasks for t in names.split("|"))
    for upstream, downstream in itertools.pairwise(tasks):
        extra = {"receive"} if downstream == "reconcile" else set()  # it runs when receive found nothing
        for task_id in downstream.split("|"):
            assert dag.get_task(task_id).upstream_task_ids == set(upstream.split("|")) | extra
    assert dag.max_active_runs == 1
    # one DuckDB writer at a time; Spark builds under each run's own folder and takes no slot
    assert dag.get_task("transform").pool == "lcq_warehouse"
    assert dag.get_task("transform_spark").pool == "default_pool"
    assert dag.get_task("gate_marts").trigger_rule == "none_failed_min_one_success"
    # a task per source, mapped over what `receive` found; the next step runs when none failed
    standardise = dag.get_task("standardise")
    assert standardise.op_kwargs_expand_input.value["source"].operator.task_id == "receive"
    assert dag.get_task("reconcile").trigger_rule == "none_failed_min_one_success"
    assert dag.get_task("gate_extracts").trigger_rule == "all_success"


def test_dag_files_do_no_work_at_import(tmp_path):
    """Importing a DAG file must not touch data/: parse it with LCQ_HOME pointing nowhere."""
    env = {**os.environ, "LCQ_HOME": str(tmp_path / "absent"), "AIRFLOW_HOME": str(tmp_path / "af")}
    code = "import runpy,sys; [runpy.run_path(p) for p in sys.argv[1:]]"
    files = [str(p) for p in (ROOT / "dags").glob("*.py")]
    proc = subprocess.run([sys.executable, "-c", code, *files], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not (tmp_path / "absent").exists()


def test_assets_connect_the_stages(dagbag):
    """Reconcile (the end of the ingest), transform and publish update their Assets;
    the restatements wait on the extracts."""
    dag = dagbag.dags["lcq_evaluation"]
    outlets = {t: [a.name for a in dag.get_task(t).outlets] for t in ("reconcile", "transform", "publish")}
    assert outlets == {
        "reconcile": ["lcq_standardised_extracts"],
        "transform": ["lcq_indicator_marts"],
        "publish": ["lcq_publications"],
    }
    restatements = dagbag.dags["lcq_restatements"]
    assert restatements.get_task("restate").pool == "lcq_warehouse"
    assert [a.name for a in restatements.timetable.asset_condition.objects] == ["lcq_standardised_extracts"]
