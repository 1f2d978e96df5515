"""The embedded Airflow the command line runs evaluations through: metadata in SQLite under
the installation's `airflow/` folder, DAGs from the project's `dags/`, one DAG run per call in
this machine's processes (`airflow dags test`). The command line and a scheduler run one
pipeline, not two."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from live_commerce_quality.core.settings import Settings
from live_commerce_quality.run.airflow_env import airflow_env, prepare
from live_commerce_quality.run.request import EvaluationRequest
from live_commerce_quality.run.steps import STEPS, progress_path, read_progress

EVALUATION_DAG = "lcq_evaluation"


class AirflowRunError(RuntimeError):
    """The DAG run failed; the message names the step and the reason (or the log)."""

    def __init__(self, message: str, held: bool = False):
        super().__init__(message)
        self.held = bool(held)


def ensure_airflow(settings: Settings, say=print) -> dict:
    """Prepare the embedded Airflow once per home; returns the environment of its processes."""
    env = airflow_env(settings)
    marker = Path(env["AIRFLOW_HOME"]) / settings.airflow_initialised.name
    if not marker.exists():
        say(f"initialising the embedded Airflow in {marker.parent} ...")
        prepare(env, say)
        marker.write_text("ok\n")
    return env


def run_dag(conf: dict, dag_id: str = EVALUATION_DAG, say=print) -> dict:
    """Run one DAG run on the embedded metadata DB, saying each step as it ends; returns the
    steps' results by name (`assemble`: the evaluation folder, `publish`: the publication).
    Raises AirflowRunError with the failed step's reason (PublicationHeld's when held)."""
    settings = Settings.from_env()
    req = EvaluationRequest.from_conf(conf, settings)  # refuses a bad request before Airflow starts
    env = ensure_airflow(settings, say)
    log_file = settings.dag_log(dag_id, req.period, req.as_of.isoformat())
    log_file.parent.mkdir(parents=True, exist_ok=True)
    # A fresh logical date per invocation: each CLI run is its own DAG run.
    logical = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    where = " (trial workspace: not the installation's landing)" if req.is_trial(settings) else ""
    say(f"running DAG {dag_id} for {req.period} as of {req.as_of}{where}; log: {log_file}")
    started = time.monotonic()
    progress_path(req, settings).unlink(missing_ok=True)  # a failure before the first step leaves none
    proc = _start_airflow(["dags", "test", dag_id, logical, "-c", json.dumps(conf)], env, log_file)
    seen = _follow(proc, req, settings, say)
    done = {r["step"]: r for r in seen if r["status"] == "done"}
    failed = [r for r in seen if r["status"] == "failed"]
    if failed:
        raise AirflowRunError(f"step {failed[0]['step']} failed: {failed[0]['error']}", held=failed[0].get("held"))
    if proc.returncode != 0 or not {step.name for step in STEPS if not step.per_source} <= set(done):
        text = log_file.read_text(errors="replace")
        raise AirflowRunError(
            f"the evaluation DAG failed (exit {proc.returncode}); the reason, from {log_file}:\n"
            + _failure_excerpt(text)
        )
    say(f"done in {time.monotonic() - started:.0f} s")
    return {name: r["result"] for name, r in done.items()}


def _start_airflow(args: list[str], env: dict, log_file: Path) -> subprocess.Popen:
    airflow = Path(sys.executable).parent / "airflow"
    handle = open(log_file, "w")  # noqa: SIM115 - closed when the process is reaped (_follow)
    proc = subprocess.Popen([str(airflow), *args], env=env, stdout=handle, stderr=subprocess.STDOUT)
    proc.log_handle = handle
    return proc


def _follow(proc: subprocess.Popen, req: EvaluationRequest, settings: Settings, say) -> list[dict]:
    """Say each step as its progress record appears, until the DAG run's process ends."""
    shown = 0
    while True:
        ended = proc.poll() is not None
        records = read_progress(req, settings)
        for r in records[shown:]:
            state = "done" if r["status"] == "done" else ("HELD" if r.get("held") else "FAILED")
            say(f"  {r['step']:<28} {state:<6} {r['seconds']:6.1f} s  {_brief(r)}")
        shown = len(records)
        if ended:
            proc.log_handle.close()
            return records
        time.sleep(0.5)


def _brief(record: dict) -> str:
    """One line of a step's result for the console."""
    if record["status"] != "done":
        return record.get("error", "").splitlines()[0][:160] if record.get("error") else ""
    result = record.get("result") or {}
    keys = ("files", "rows_in", "rows_loaded", "rows_set_aside", "rejected", "passed", "subjects", "grades",
            "evaluation", "publication")  # fmt: skip
    shown = [f"{k} {result[k]}" for k in keys if k in result]
    if not shown:  # receive: files per source
        shown = [f"{k} {v}" for k, v in result.items()]
    return ", ".join(shown)[:200]


def _failure_excerpt(text: str) -> str:
    lines = text.splitlines()
    keys = ("Error", "error", "failed", "FAILED", "Traceback", "QualityGateFailed")
    hits = [i for i, line in enumerate(lines) if any(k in line for k in keys)]
    if not hits:
        return "\n".join(lines[-40:])
    first = max(0, hits[0] - 2)
    return "\n".join(lines[first : first + 60])
