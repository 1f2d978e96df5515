"""The Airflow side: one DAG shape for every evaluation, built here so DAG files stay thin.

Each task calls one step of `run/steps.py` with the run's `EvaluationRequest`, which comes from the
run's params (on-demand runs, `lcq evaluate`) or from the schedule (`run/schedule.py`: the month
whose final cutoff was yesterday, or month to date as of yesterday). The restatement DAG is
scheduled on the Asset the ingest step updates.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta

import pendulum
from airflow.sdk import Asset, Param, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowSkipException

from live_commerce_quality.core import methodology
from live_commerce_quality.core.engines import DEFAULT_ENGINE, ENGINE_ENV, ENGINES, SINGLE_WRITER
from live_commerce_quality.core.periods import CST_ZONE_NAME
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.run.request import EvaluationRequest
from live_commerce_quality.run.schedule import final_due, nightly_window
from live_commerce_quality.run.steps import STEPS, WAREHOUSE_POOL, WAREHOUSE_WRITERS, StepSpec, run_step

log = logging.getLogger(__name__)
CST = pendulum.timezone(CST_ZONE_NAME)

# The stages' products as Airflow Assets: a step that makes one updates it, so a team sees in the
# UI what each run produced and can schedule its own DAGs on them (lcq_restatements waits on the first).
STANDARDISED = Asset(name="lcq_standardised_extracts", uri="lcq://installation/standardised", group="lcq")
MARTS = Asset(name="lcq_indicator_marts", uri="lcq://installation/warehouse/marts", group="lcq")
PUBLICATIONS = Asset(name="lcq_publications", uri="lcq://installation/published", group="lcq")
STEP_ASSETS = {"reconcile": [STANDARDISED], "transform": [MARTS], "publish": [PUBLICATIONS]}
# Steps that read the secrets (pseudonym key, archive key).
SECRET_STEPS = ("receive", "standardise")

PARAMS = {
    "landing": Param(None, type=["null", "string"], description="landing folder; default: settings"),
    "period": Param(None, type=["null", "string"], description="YYYY-MM; default: from the schedule"),
    "as_of": Param(None, type=["null", "string"], description="cutoff YYYY-MM-DD; default: from the schedule"),
    "out": Param(None, type=["null", "string"], description="evaluation folder; default: data/evaluations/..."),
    "methodology": Param("1", type="string", description="methodology version"),
    "publish": Param(True, type="boolean", description="publish under published/ (scheduled runs do)"),
    "reason": Param(None, type=["null", "string"], description="why a person asks for this run (restatement.json)"),
    "requested_by": Param(None, type=["null", "string"], description="who asks (kept with the reason)"),
    "engine": Param(
        None, type=["null", "string"], enum=[None, *ENGINES],
        description="engine of the dbt models; default: the Variable or environment LCQ_ENGINE, else duckdb",
    ),
}  # fmt: skip


def current_request(mode: str):
    context = get_current_context()
    settings = Settings.from_env()
    conf = dict(context["params"])
    conf["engine"] = conf.get("engine") or _variable(ENGINE_ENV)
    if not conf.get("period") or not conf.get("as_of"):
        logical = context.get("logical_date") or pendulum.now("UTC")
        run_day = logical.in_timezone(CST).date()
        if mode == "monthly":
            m = methodology.load(conf.get("methodology"), settings.methodology_dir)
            window = final_due(run_day, m.settlement_lag_days)
            if window is None:
                raise AirflowSkipException(
                    f"no month's final cutoff was {run_day - timedelta(days=1)} "
                    f"(settlement lag {m.settlement_lag_days} days): nothing to rate today"
                )
        else:
            window = nightly_window(run_day)
        conf["period"] = conf.get("period") or window[0]
        conf["as_of"] = conf.get("as_of") or window[1].isoformat()
    return EvaluationRequest.from_conf(conf, settings), settings


def _variable(name: str) -> str | None:
    """The environment's value of `name`, else the Airflow Variable of that name, else None."""
    if os.environ.get(name):
        return os.environ[name]
    from airflow.sdk import Variable

    try:
        return Variable.get(name, default=None)
    except Exception:  # no metadata DB reachable: the environment or the default applies
        return None


# Secrets the ingest reads from the environment; an Airflow Variable of the same name may supply them.
SECRET_VARIABLES = ("LCQ_PSEUDONYM_KEY", "LCQ_ARCHIVE_KEY", "LCQ_SIGNING_KEY")


def _secrets_from_variables() -> None:
    """Copy each secret from its Airflow Variable into the environment, unless already set there.
    Without either, the ingest falls back (demo pseudonym key, installation archive key) and warns."""
    for name in SECRET_VARIABLES:
        value = _variable(name)
        if value:
            os.environ[name] = value


def _step_callable(step: StepSpec, mode: str):
    def task_callable(**kwargs):
        if step.name in SECRET_STEPS:
            _secrets_from_variables()
        source = kwargs.get("source")
        if source is not None:  # mapped over `receive`'s {source: files}: each task gets (source, files)
            source = source[0]
            get_current_context()["source_name"] = source  # the mapped task's name in the UI
        return run_step(step.name, *current_request(mode), source=source)

    task_callable.__name__ = step.name
    task_callable.__doc__ = step.run.__doc__ or f"the {step.name} step for this run's evaluation request."
    return task_callable


def _step_task(step: StepSpec, mode: str, previous, mapped_over=None):
    """The step's task, after `previous`: mapped over the sources the first step received
    when the step runs per source (a task per source, side by side). The step after the
    mapped one (`mapped_over`: the task the mapping read) runs when none failed and that task
    succeeded, also when no source had a delivery (nothing mapped); so does the step after a
    choice of tasks (`previous` a list: the engines' transforms, one of which runs)."""
    options = {
        "task_id": step.name,
        "pool": WAREHOUSE_POOL if step.name in WAREHOUSE_WRITERS else None,
        "outlets": STEP_ASSETS.get(step.name, []),
    }
    if step.per_source:
        mapped = task(**options, map_index_template="{{ source_name }}")(_step_callable(step, mode))
        return mapped.expand(source=previous)
    if step.name in WAREHOUSE_WRITERS:
        return _engine_tasks(step, mode, previous, options)
    joins = mapped_over is not None or isinstance(previous, list)
    this = task(**options, trigger_rule="none_failed_min_one_success" if joins else "all_success")(
        _step_callable(step, mode)
    )()
    if previous is not None:
        previous >> this
    if mapped_over is not None:
        mapped_over >> this
    return this


def _engine_tasks(step: StepSpec, mode: str, previous, options: dict) -> list:
    """The step on the run's engine: a choice (task `engine`), then the engine's task. DuckDB's
    (`transform`) takes the one slot of the warehouse pool, one writer at a time; Spark's
    (`transform_spark`) takes none: each Spark build writes under its own run's folder and the
    engine handles its own concurrency."""

    @task.branch(task_id="engine")
    def engine() -> str:
        """Which engine builds the models: the run's `engine` param, else LCQ_ENGINE, else duckdb."""
        req, _ = current_request(mode)
        return engine_task_id(step, req.engine)

    choice = engine()
    previous >> choice
    tasks = []
    for name in ENGINES:
        this_options = {**options, "task_id": engine_task_id(step, name)}
        if name not in SINGLE_WRITER:
            this_options["pool"] = None
        this = task(**this_options)(_step_callable(step, mode))()
        choice >> this
        tasks.append(this)
    return tasks


def engine_task_id(step: StepSpec, engine: str) -> str:
    """`transform` on the default engine (DuckDB), `transform_<engine>` on another."""
    return step.name if engine == DEFAULT_ENGINE else f"{step.name}_{engine}"


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
        previous = mapped_over = None
        for step in STEPS:
            this = _step_task(step, mode, previous, mapped_over)
            mapped_over = previous if step.per_source else None
            previous = this

    return evaluation()


def build_restatement_dag(dag_id: str, doc: str):
    """Re-evaluate and restate published finals that late deliveries changed (run/restate.py),
    each time new extracts are standardised."""

    @dag(
        dag_id=dag_id,
        schedule=[STANDARDISED],
        start_date=pendulum.datetime(2024, 11, 1, tz=CST),
        catchup=False,
        max_active_runs=1,
        tags=["lcq", "gb-t-44207"],
        doc_md=doc,
        default_args={"retries": 0},
    )
    def restatements():
        @task(task_id="restate", pool=WAREHOUSE_POOL, outlets=[PUBLICATIONS])
        def restate() -> list[dict]:
            """Every due restatement, as of yesterday (CST)."""
            from live_commerce_quality.run.restate import restate_due  # its steps import dbt and GX

            _secrets_from_variables()
            today = pendulum.now(CST).date()
            return restate_due(Settings.from_env(), today, say=log.info)

        restate()

    return restatements()
