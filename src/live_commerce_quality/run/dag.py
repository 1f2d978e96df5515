"""The Airflow side: one DAG shape for every evaluation, built here so DAG files stay thin.

Each task calls one step of `run/steps.py` with the run's `EvaluationRequest`, which comes from the
run's params (on-demand runs, `lcq evaluate`) or from the schedule (the period before the
logical date, as of that period's settlement cutoff, or month to date as of yesterday).
"""

from __future__ import annotations

import os
from datetime import date, timedelta

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from live_commerce_quality.core import methodology
from live_commerce_quality.core.periods import CST_ZONE_NAME, Period
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.run.request import EvaluationRequest
from live_commerce_quality.run.steps import STEPS, WAREHOUSE_POOL, WAREHOUSE_WRITERS

CST = pendulum.timezone(CST_ZONE_NAME)

PARAMS = {
    "landing": Param(None, type=["null", "string"], description="landing folder; default: settings"),
    "period": Param(None, type=["null", "string"], description="YYYY-MM; default: from the schedule"),
    "as_of": Param(None, type=["null", "string"], description="cutoff YYYY-MM-DD; default: from the schedule"),
    "out": Param(None, type=["null", "string"], description="evaluation folder; default: data/evaluations/..."),
    "methodology": Param("1", type="string", description="methodology version"),
    "publish": Param(True, type="boolean", description="publish under published/ (scheduled runs do)"),
}


def _scheduled_window(mode: str, logical_day: date, lag_days: int) -> tuple[str, date]:
    if mode == "monthly":
        # final rating of the month before, as of its settlement cutoff
        before = Period.month_of(logical_day).previous()
        return before.name, before.final_cutoff(lag_days)
    # nightly: provisional month to date as of yesterday
    yesterday = logical_day - timedelta(days=1)
    return Period.month_of(yesterday).name, yesterday


def current_request(mode: str):
    context = get_current_context()
    settings = Settings.from_env()
    conf = dict(context["params"])
    if not conf.get("period") or not conf.get("as_of"):
        logical = context.get("logical_date") or pendulum.now("UTC")
        m = methodology.load(conf.get("methodology"), settings.methodology_dir)
        period, as_of = _scheduled_window(mode, logical.in_timezone(CST).date(), m.settlement_lag_days)
        conf["period"] = conf.get("period") or period
        conf["as_of"] = conf.get("as_of") or as_of.isoformat()
    return EvaluationRequest.from_conf(conf, settings), settings


# Secrets the ingest reads from the environment; an Airflow Variable of the same name may supply them.
SECRET_VARIABLES = ("LCQ_PSEUDONYM_KEY", "LCQ_ARCHIVE_KEY", "LCQ_SIGNING_KEY")


def _secrets_from_variables() -> None:
    """Copy each secret from its Airflow Variable into the environment, unless already set there.
    Without either, the ingest falls back (demo pseudonym key, installation archive key) and warns."""
    missing = [name for name in SECRET_VARIABLES if not os.environ.get(name)]
    if not missing:
        return
    from airflow.sdk import Variable

    for name in missing:
        try:
            value = Variable.get(name, default=None)
        except Exception:  # no metadata DB reachable: the environment or the fallback applies
            value = None
        if value:
            os.environ[name] = value


def _step_callable(name: str, step, mode: str):
    def run_step():
        if name == "ingest":
            _secrets_from_variables()
        return step(*current_request(mode))

    run_step.__name__ = name
    run_step.__doc__ = step.__doc__ or f"the {name} step for this run's evaluation request."
    return run_step


def build_evaluation_dag(dag_id: str, schedule: str | None, mode: str, doc: str):
    @dag(
        dag_id=dag_id,
        schedule=schedule,
        start_date=pendulum.datetime(2024, 11, 1, tz=CST),  # the standard is in force from here
        catchup=False,
        max_active_runs=1,
        params=PARAMS,
        tags=["lcq", "gb-t-44207"],
        doc_md=doc,
        default_args={"retries": 0},
    )
    def evaluation():
        previous = None
        for name, step in STEPS:
            pool = WAREHOUSE_POOL if name in WAREHOUSE_WRITERS else None
            this = task(task_id=name, pool=pool)(_step_callable(name, step, mode))()
            if previous is not None:
                previous >> this
            previous = this

    return evaluation()
