"""Running the dbt project on an engine (core/engines.py: DuckDB by default, or Spark).

dbt runs in its own process (one writer, clean adapter state, its log in the work folder),
with `--target <engine>`. On DuckDB the warehouse is one file of the installation, built by one
run at a time (the caller holds its lock); on Spark each build writes its tables under the run's
own folder, from empty. transform/marts.py hands the marts on to grading.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import IO

import polars as pl

from live_commerce_quality.core.contract import SOURCES, standardised_schema
from live_commerce_quality.core.duck import DuckDBBounds
from live_commerce_quality.core.engines import DEFAULT_ENGINE, DUCKDB, SPARK, SparkBounds
from live_commerce_quality.core.io import read_json, write_json, write_parquet
from live_commerce_quality.core.settings import Settings

log = logging.getLogger(__name__)

RUN_RESULTS = "run_results.json"  # dbt's record of an invocation, in its target path
ANSI = re.compile(r"\x1b\[[0-9;]*m")


# What every evaluation's build runs: the models and their data tests, but not the formulas'
# unit tests (the test suite runs those) nor the grain tests of what holds by construction (the
# delivered file line, which the ingest makes; the records view, a union of key-tested models):
# the test suite runs them on data, see dbt_project/README.md.
GRAIN_TAGS = ("tag:delivery_grain", "tag:construction_grain")
BUILD_ARGS = ("build", "--exclude-resource-type", "unit_test", "--exclude", *GRAIN_TAGS)


class DbtError(RuntimeError):
    """dbt failed; the message carries the end of its output."""


def evaluation_vars(period_start: date, period_end: date, cutoff: date, as_of_instant: datetime, m) -> dict:
    """The dbt vars of an evaluation: its window, and what the models need from the methodology."""
    return {
        "period_start": period_start.isoformat(),
        "period_end": period_end.isoformat(),
        "cutoff": cutoff.isoformat(),
        "as_of_instant": as_of_instant.strftime("%Y-%m-%d %H:%M:%S"),
        **m.dbt_vars(),
    }


def run_dbt(
    args: list[str],
    settings: Settings,
    work: Path,
    dbt_vars: dict,
    lock: IO[str] | None = None,
    engine: str = DEFAULT_ENGINE,
) -> str:
    """Run `dbt <args>` on the project with the engine's target; returns the end of its output
    (no colour codes).

    `lock`, the held warehouse lock, is handed to dbt: were this process killed, dbt would
    go on writing the warehouse, and the lock must keep other runs out until dbt ends too.
    """
    dbt = Path(sys.executable).parent / "dbt"
    env = {
        **os.environ,
        **DuckDBBounds.of(settings).environment(),
        **(SparkBounds.of(settings).environment(settings.spark_warehouse(work)) if engine == SPARK else {}),
        "LCQ_WAREHOUSE": str(settings.warehouse),
        "LCQ_STANDARDISED": str(settings.standardised),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    cmd = [
        str(dbt), *args, "--no-use-colors", "--target", engine,
        "--project-dir", str(settings.dbt_project),
        "--profiles-dir", str(settings.dbt_project),
        "--target-path", str(work / "dbt_target"),
        "--log-path", str(work / "dbt_logs"),
        "--vars", json.dumps(dbt_vars, sort_keys=True),
    ]  # fmt: skip
    work.mkdir(parents=True, exist_ok=True)
    results = work / "dbt_target" / RUN_RESULTS
    if args[0] == "retry":  # dbt retry reads the failed invocation's results from its --state
        state = work / "dbt_state"
        state.mkdir(exist_ok=True)
        (state / RUN_RESULTS).write_bytes(results.read_bytes())
        cmd += ["--state", str(state)]
    results.unlink(missing_ok=True)  # what is there afterwards is this invocation's
    keep = () if lock is None else (lock.fileno(),)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, pass_fds=keep)
    tail = ANSI.sub("", "\n".join(proc.stdout.splitlines()[-40:]))
    if proc.returncode != 0:
        failed = build_summary(work).get("failed") if results.exists() else None
        if failed:  # the nodes that failed and why, not dbt's whole output
            lines = "\n".join(f"- {f['node']} ({f['status']}): {f['message']}" for f in failed)
            raise DbtError(f"dbt {args[0]}: {len(failed)} node(s) failed:\n{lines}")
        raise DbtError(f"dbt {' '.join(args)} failed (exit {proc.returncode}):\n{tail}\n{proc.stderr[-2000:]}")
    log.debug("dbt %s:\n%s", " ".join(args), tail)
    return tail


def build_warehouse(
    settings: Settings, work: Path, dbt_vars: dict, lock: IO[str] | None, engine: str = DEFAULT_ENGINE
) -> dict:
    """Build the models for one run: on DuckDB the warehouse lock held, on Spark from an empty
    folder of the run's (`lock` None). When DuckDB's last build was this run's, with the same
    vars, and it failed, only what failed and what depends on it is built again (`dbt retry`):
    a failed model is retried alone, e.g. after a fix or when an Airflow task is cleared. A Spark
    build is always whole (its catalog lived in the failed dbt process). Returns the build's
    summary, `retried` saying which it was."""
    if engine != DUCKDB:
        shutil.rmtree(settings.spark_warehouse(work), ignore_errors=True)
        run_dbt(list(BUILD_ARGS), settings, work, dbt_vars, engine=engine)
        return {"retried": False, **build_summary(work)}
    record = settings.warehouse_build
    mine = {"work": str(work), "vars": dbt_vars}
    last = read_json(record) if record.exists() else {}
    retry = (
        {k: last.get(k) for k in mine} == mine
        and last.get("status") == "failed"
        and (work / "dbt_target" / RUN_RESULTS).exists()
    )
    write_json(record, {**mine, "status": "building"})  # a killed build is never retried
    try:
        run_dbt(["retry"] if retry else list(BUILD_ARGS), settings, work, dbt_vars, lock=lock)
    except DbtError:
        write_json(record, {**mine, "status": "failed"})
        raise
    write_json(record, {**mine, "status": "built"})
    return {"retried": retry, **build_summary(work)}


def _one_line(message: str | None, limit: int = 300) -> str:
    """dbt's message of a node on one line (its error is often on the second)."""
    text = " ".join(line.strip() for line in (message or "").splitlines() if line.strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def build_summary(work: Path, slowest: int = 10) -> dict:
    """What a dbt invocation did, from its run_results.json: nodes by status, the failed ones
    with their message on one line, and the slowest models with their seconds."""
    results = json.loads((work / "dbt_target" / RUN_RESULTS).read_text(encoding="utf-8"))["results"]
    by_status: dict[str, int] = {}
    for r in results:
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
    failed = [
        {"node": r["unique_id"].split(".")[-1], "status": r["status"], "message": _one_line(r["message"])}
        for r in results
        if r["status"] in ("error", "fail", "runtime error")
    ]
    models = sorted(
        (r for r in results if r["unique_id"].startswith("model.")), key=lambda r: -float(r["execution_time"])
    )
    return {
        "nodes": dict(sorted(by_status.items())),
        "failed": failed,
        "slowest_models": {r["unique_id"].split(".")[-1]: round(r["execution_time"], 1) for r in models[:slowest]},
    }


def ensure_source_schemas(settings: Settings) -> None:
    """An empty, typed Parquet file per source, so the models read a source that has had no
    delivery yet as an empty table rather than failing on an empty folder."""
    for source in SOURCES:
        path = settings.source_schema_file(source)
        if not path.exists():
            write_parquet(pl.DataFrame(schema=standardised_schema(source)), path)


def build_docs(settings: Settings, dbt_vars: dict) -> Path:
    """dbt's documentation of the project (models, columns, tests, lineage graph and the indicator
    definitions) as one self-contained page; returns its path. No data is read (empty catalog)."""
    out = settings.docs
    run_dbt(["docs", "generate", "--static", "--empty-catalog"], settings, out, dbt_vars)
    page = out / "dbt_target" / "static_index.html"
    index = out / "index.html"
    index.write_bytes(page.read_bytes())
    return index
