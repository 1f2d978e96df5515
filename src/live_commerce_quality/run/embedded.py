"""The embedded Airflow the command line runs evaluations through: metadata in SQLite under
the installation's `airflow/` folder, DAGs from the project's `dags/`, one DAG run per call in
this machine's processes (`airflow dags test`). The command line and a scheduler run one
pipeline, not two."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from live_commerce_quality.core.layout import PROJECT_ROOT
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.run.request import EvaluationRequest
from live_commerce_quality.run.steps import OUTCOME_FILE, WAREHOUSE_POOL, read_outcome

EVALUATION_DAG = "lcq_evaluation"


class AirflowRunError(RuntimeError):
    """The DAG run failed; the message names the log and quotes the reason."""


def airflow_env(settings: Settings) -> dict:
    """The environment of the embedded Airflow, derived from the installation at every call."""
    env = dict(os.environ)
    env.setdefault("AIRFLOW_HOME", str(settings.airflow_home))
    env.update(
        AIRFLOW__CORE__DAGS_FOLDER=str(PROJECT_ROOT / "dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__UNIT_TEST_MODE="False",
        LCQ_HOME=str(settings.home),
        PYTHONWARNINGS="ignore",
    )
    return env


def _airflow(args: list[str], env: dict, log_file: Path | None = None) -> subprocess.CompletedProcess:
    airflow = Path(sys.executable).parent / "airflow"
    if log_file is None:
        return subprocess.run([str(airflow), *args], env=env, capture_output=True, text=True, check=False)
    with open(log_file, "w") as handle:
        return subprocess.run([str(airflow), *args], env=env, stdout=handle, stderr=subprocess.STDOUT, check=False)


def ensure_airflow(settings: Settings, say=print) -> dict:
    """Create the metadata DB and the warehouse pool once; returns the Airflow environment."""
    env = airflow_env(settings)
    marker = Path(env["AIRFLOW_HOME"]) / settings.airflow_initialised.name
    marker.parent.mkdir(parents=True, exist_ok=True)
    if not marker.exists():
        say(f"initialising the embedded Airflow metadata DB in {marker.parent} ...")
        for args in (["db", "migrate"], ["pools", "set", WAREHOUSE_POOL, "1", "DuckDB warehouse: one writer"]):
            proc = _airflow(args, env)
            if proc.returncode != 0:
                raise AirflowRunError(f"airflow {' '.join(args)} failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
        marker.write_text("ok\n")
    return env


def run_dag(conf: dict, dag_id: str = EVALUATION_DAG, say=print) -> dict:
    """Run one DAG run on the embedded metadata DB; returns the publish step's outcome
    (`evaluation`: the folder, `published`, `publication`)."""
    settings = Settings.from_env()
    req = EvaluationRequest.from_conf(conf, settings)  # refuses a bad request before Airflow starts
    env = ensure_airflow(settings, say)
    log_file = settings.dag_log(dag_id, req.period, req.as_of.isoformat())
    log_file.parent.mkdir(parents=True, exist_ok=True)
    # A fresh logical date per invocation: each CLI run is its own DAG run.
    logical = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    say(f"running DAG {dag_id} for {req.period} as of {req.as_of} (log: {log_file}) ...")
    started = time.monotonic()
    outcome_file = req.work_dir(settings) / OUTCOME_FILE
    outcome_file.unlink(missing_ok=True)
    proc = _airflow(["dags", "test", dag_id, logical, "-c", json.dumps(conf)], env, log_file)
    if proc.returncode != 0 or not outcome_file.exists():
        text = log_file.read_text(errors="replace")
        raise AirflowRunError(
            f"the evaluation DAG failed (exit {proc.returncode}); the reason, from {log_file}:\n"
            + _failure_excerpt(text)
        )
    say(f"done in {time.monotonic() - started:.0f} s")
    return read_outcome(req, settings)


def _failure_excerpt(text: str) -> str:
    lines = text.splitlines()
    keys = ("Error", "error", "failed", "FAILED", "Traceback", "QualityGateFailed")
    hits = [i for i, line in enumerate(lines) if any(k in line for k in keys)]
    if not hits:
        return "\n".join(lines[-40:])
    first = max(0, hits[0] - 2)
    return "\n".join(lines[first : first + 60])
