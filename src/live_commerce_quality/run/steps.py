"""The evaluation, step by step. Each step is one Airflow task; `run_evaluation` runs the same
steps in one process (tests, debugging, the benchmark). Steps hand over through files in the
run's work folder, so a task can be retried on its own, and each returns a small summary (the
task's return value in Airflow), never a report dump.

    receive → standardise (per source) → reconcile → gate_extracts → transform (dbt)
      → gate_marts → grade → assemble → publish
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Callable
from contextlib import closing, nullcontext
from datetime import date
from pathlib import Path
from typing import NamedTuple

import polars as pl

from live_commerce_quality import ingest, quality
from live_commerce_quality.core import duck
from live_commerce_quality.core import methodology as methodology_mod
from live_commerce_quality.core.engines import SINGLE_WRITER
from live_commerce_quality.core.folders import replace_folder
from live_commerce_quality.core.io import json_inline, read_json, sha256_file, write_json, write_parquet
from live_commerce_quality.core.locking import exclusive
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.grading.tables import COUNT_COLUMNS, EvaluationContext, grade_to_file
from live_commerce_quality.ingest import FileResult, IngestReport
from live_commerce_quality.publish import evidence, publication
from live_commerce_quality.publish.quality_page import write_data_quality_page
from live_commerce_quality.publish.report import write_report
from live_commerce_quality.publish.tables import write_csvs, write_workbook
from live_commerce_quality.run.request import EvaluationError, EvaluationRequest
from live_commerce_quality.transform.buckets import bucket_count
from live_commerce_quality.transform.dbt import DbtError, build_warehouse, ensure_source_schemas, evaluation_vars
from live_commerce_quality.transform.marts import export_marts

__all__ = [
    "STEPS",
    "EvaluationError",
    "EvaluationRequest",
    "PublicationHeld",
    "StepSpec",
    "progress_path",
    "read_progress",
    "run_evaluation",
    "run_step",
]

log = logging.getLogger(__name__)

PROGRESS_FILE = "progress.jsonl"  # in the work folder: a line per step as it ends (the console follows it)
INGEST_FOLDER = "ingest"  # in the work folder: what was received, and each source's file results
RECEIVED_FILE = "received.json"


class PublicationHeld(EvaluationError):
    """The evaluation is written but not published; the reason says what a person must do."""


def step_receive(req: EvaluationRequest, settings: Settings) -> dict:
    """Receive: find every delivery up to the cutoff; returns the files received per source,
    which the next step runs over, a task per source."""
    if not req.landing.is_dir():
        raise EvaluationError(f"landing folder {req.landing} does not exist")
    folder = req.work_dir(settings) / INGEST_FOLDER
    if folder.exists():
        shutil.rmtree(folder)  # a source's result from an earlier run must not be reconciled
    received = ingest.receive(req.landing, settings, up_to=req.as_of)
    by_source = received.files_by_source()
    write_json(
        folder / RECEIVED_FILE,
        {
            "files_by_source": by_source,
            "problems": received.problems,
            "skipped_after_up_to": received.skipped_after_up_to,
            "demo_key": received.demo_key,
            "archive_key_file": received.archive_key_file,
        },
    )
    log.info(
        "received %d file(s) up to %s: %s; %d after the cutoff left for later, %d landing problem(s)",
        sum(by_source.values()), req.as_of, json_inline(by_source), received.skipped_after_up_to,
        len(received.problems),
    )  # fmt: skip
    return by_source


def step_standardise(req: EvaluationRequest, settings: Settings, source: str) -> dict:
    """One source: archive each delivery, validate its rows, standardise and load them."""
    report = ingest.ingest_source(req.landing, settings, source, up_to=req.as_of)
    results = [f.receipt() | {"action": f.action, "issues": list(f.issues)} for f in report.files]
    write_json(req.work_dir(settings) / INGEST_FOLDER / f"{source}.json", results)
    counts = report.counts()
    log.info(
        "%s: %d file(s): %d loaded, %d rejected, %d unchanged; %d row(s) in, %d loaded, %d set aside",
        source, counts["files"], counts["loaded"], counts["rejected"], counts["unchanged"],
        counts["rows_in"], counts["rows_loaded"], counts["rows_set_aside"],
    )  # fmt: skip
    return {"source": source, **{k: v for k, v in counts.items() if k != "landing_problems"}}


def received_sources(req: EvaluationRequest, settings: Settings) -> list[str]:
    """The sources `receive` found deliveries of, for the run of `req` (after it ran)."""
    folder = req.work_dir(req.workspace(settings)) / INGEST_FOLDER
    return list(read_json(folder / RECEIVED_FILE)["files_by_source"])


def step_reconcile(req: EvaluationRequest, settings: Settings) -> dict:
    """Reconcile: every file received was ingested and every row read is loaded or set aside;
    one summary of the whole ingest."""
    folder = req.work_dir(settings) / INGEST_FOLDER
    received = read_json(folder / RECEIVED_FILE)
    results = {
        source: [FileResult.from_receipt(r, r["action"]) for r in read_json(path)]
        for source in received["files_by_source"]
        if (path := folder / f"{source}.json").exists()
    }
    try:
        ingest.reconcile(received["files_by_source"], results)
    except ingest.ReconciliationError as exc:
        raise EvaluationError(f"ingest does not reconcile: {exc}") from None
    report = IngestReport(
        landing=req.landing,
        files=[f for files in results.values() for f in files],
        problems=received["problems"],
        skipped_after_up_to=received["skipped_after_up_to"],
        demo_key=received["demo_key"],
        archive_key_file=received["archive_key_file"],
    )
    log.info("%s", report.summary())
    return report.counts()


def step_gate_extracts(req: EvaluationRequest, settings: Settings) -> dict:
    result = quality.validate_standardised(settings, req.as_of)
    return _record_gate(req, settings, "extracts", result)


def step_transform(req: EvaluationRequest, settings: Settings) -> dict:
    """Build the dbt models as of the cutoff on the run's engine and export the marts for the
    later steps.

    DuckDB's warehouse has one writer at a time; the marts are copied out under the same lock
    so a later run cannot change them between this step and grading. A Spark build writes
    under the run's own folder and needs no lock.
    """
    m = _methodology(req, settings)
    work = req.work_dir(settings)
    ensure_source_schemas(settings)
    dbt_vars = evaluation_vars(req.period_start, req.period_end, req.as_of, req.as_of_instant, m)
    dbt_vars["buckets"] = bucket_count(settings, req.period_start, req.as_of, req.engine)
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    single_writer = req.engine in SINGLE_WRITER
    with exclusive(settings.warehouse_lock, "warehouse") if single_writer else nullcontext() as lock:
        try:
            built = build_warehouse(settings, work, dbt_vars, lock, engine=req.engine)
        except DbtError as exc:
            raise EvaluationError(str(exc)) from None
        rows = export_marts(settings, work, engine=req.engine)
    return {"engine": req.engine, "marts": str(work / "marts"), "rows": rows, **built}


def step_gate_marts(req: EvaluationRequest, settings: Settings) -> dict:
    result = quality.validate_marts(req.work_dir(settings) / "marts")
    return _record_gate(req, settings, "marts", result)


def step_grade(req: EvaluationRequest, settings: Settings) -> dict:
    """Grade every subject into the staged outputs: the indicators streamed to their file, a
    chunk of subjects at a time; the ratings, versioned when published, written last."""
    m = _methodology(req, settings)
    work = req.work_dir(settings)
    marts = work / "marts"
    ctx = EvaluationContext(period=req.period, as_of=req.as_of, status=req.status(m))
    staged = work / "output"
    if staged.exists():
        shutil.rmtree(staged)
    staged.mkdir(parents=True)
    with closing(duck.connect(settings)) as con:
        ratings = grade_to_file(
            pl.read_parquet(marts / "dim_subjects.parquet"),
            pl.read_parquet(marts / "fct_subject_indicators.parquet", columns=list(COUNT_COLUMNS)),
            pl.read_parquet(marts / "fct_veto_findings.parquet"),
            m,
            ctx,
            staged / "indicators.parquet",
            con,
            previous=_previous_ratings(req, settings, m),
        )
    if req.version is not None:
        ratings = ratings.with_columns(version=pl.lit(req.version, pl.Int64))
    elif req.publish:
        ratings = _publication_version(req, settings, ctx.status, ratings, staged / "indicators.parquet")
    write_parquet(ratings, staged / "ratings.parquet")
    distribution = dict(sorted(ratings.group_by("grade").len().iter_rows()))
    return {"subjects": ratings.height, "grades": distribution}


def step_assemble(req: EvaluationRequest, settings: Settings) -> dict:
    """Check the graded outputs, write the evidence pack and checksums, and move the evaluation
    folder into place atomically: a reader sees the whole evaluation or none of it."""
    m = _methodology(req, settings)
    work = req.work_dir(settings)
    staged = work / "output"
    result = quality.validate_outputs(staged)
    _record_gate(req, settings, "outputs", result)
    evidence.write_evidence(req, m, settings, work, staged)
    _write_people_outputs(m, staged)
    evidence.seal(settings, staged)

    final = req.output_dir(settings, m)
    final.parent.mkdir(parents=True, exist_ok=True)
    incoming = final.parent / f".{final.name}.incoming"
    if incoming.exists():
        shutil.rmtree(incoming)
    shutil.copytree(staged, incoming)
    # An evaluation folder (not a publication) is replaced whole by a re-run.
    replace_folder(incoming, final)
    log.info("evaluation written to %s", final)
    if (work / NOTHING_EVALUATED_FILE).exists():
        finding = read_json(work / NOTHING_EVALUATED_FILE)["findings"][0]
        raise EvaluationError(
            f"no subject evaluated: every row of the deliveries up to {req.as_of} was set aside"
            f" (evaluation folder {final}: evidence/rows_set_aside.parquet lists each with its reason); {finding}"
        )
    return {"evaluation": str(final)}


def step_publish(req: EvaluationRequest, settings: Settings) -> dict:
    """Publish the evaluation under published/ (scheduled runs; `lcq publish`), never over an
    earlier publication. A held publication fails the step with the reason, so a scheduled run
    that published nothing is never green."""
    if not req.publish:
        return {"published": None, "publication": "not asked: an evaluation only"}
    if req.is_trial(settings):
        raise EvaluationError(f"{req.landing} is not the installation's landing folder: a trial is never published")
    final = req.output_dir(settings, _methodology(req, settings))
    manifest = read_json(final / "evidence" / "manifest.json")
    pub, what = publication.publish(settings, final, manifest, req.request_note)
    if pub is None:
        raise PublicationHeld(what)
    log.info("publication: %s", what)
    return {"published": str(pub.folder), "publication": what}


# One DuckDB writer: under Airflow the steps that write the warehouse take the one slot of this
# pool (the file lock in step_transform also keeps out runs started outside Airflow).
WAREHOUSE_POOL = "lcq_warehouse"
WAREHOUSE_WRITERS = ("transform",)


# The steps in order, written once: the DAG makes a task of each (a task per source for
# `per_source` steps, mapped over the sources the first step received), `run_evaluation` calls each.
class StepSpec(NamedTuple):
    name: str
    run: Callable[..., dict]
    per_source: bool = False


STEPS: tuple[StepSpec, ...] = (
    StepSpec("receive", step_receive),
    StepSpec("standardise", step_standardise, per_source=True),
    StepSpec("reconcile", step_reconcile),
    StepSpec("gate_extracts", step_gate_extracts),
    StepSpec("transform", step_transform),
    StepSpec("gate_marts", step_gate_marts),
    StepSpec("grade", step_grade),
    StepSpec("assemble", step_assemble),
    StepSpec("publish", step_publish),
)
STEP_FUNCTIONS: dict[str, Callable[..., dict]] = {step.name: step.run for step in STEPS}


def record_name(name: str, source: str | None = None) -> str:
    """How the progress file and the console name a step: `standardise[orders]` for a source's."""
    return name if source is None else f"{name}[{source}]"


def run_step(name: str, req: EvaluationRequest, settings: Settings, source: str | None = None) -> dict:
    """One step for `req` (for one `source`, if the step runs per source), in its workspace,
    timed; its result or its failure is appended to the run's progress file (the first step
    starts the file afresh)."""
    workspace = req.workspace(settings)
    progress = progress_path(req, settings)
    if name == STEPS[0].name:
        progress.unlink(missing_ok=True)
    started = time.monotonic()
    record: dict = {"step": record_name(name, source)}
    try:
        args = () if source is None else (source,)
        result = STEP_FUNCTIONS[name](req, workspace, *args)
        record.update(status="done", result=result)
        return result
    except Exception as exc:
        record.update(status="failed", error=str(exc), held=isinstance(exc, PublicationHeld))
        raise
    finally:
        record["seconds"] = round(time.monotonic() - started, 1)
        progress.parent.mkdir(parents=True, exist_ok=True)
        with open(progress, "a", encoding="utf-8") as fh:  # one short line: appends do not interleave
            fh.write(json_inline(record) + "\n")


def progress_path(req: EvaluationRequest, settings: Settings) -> Path:
    return req.work_dir(req.workspace(settings)) / PROGRESS_FILE


def read_progress(req: EvaluationRequest, settings: Settings) -> list[dict]:
    """The steps of the request's last run that have ended, in order."""
    path = progress_path(req, settings)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def run_evaluation(
    landing: Path | str,
    period: str,
    as_of: date | str,
    out: Path | str | None = None,
    settings: Settings | None = None,
    methodology: str = methodology_mod.DEFAULT_VERSION,
    publish: bool = False,
    version: int | None = None,
    engine: str | None = None,
) -> Path:
    """All steps in this process; returns the evaluation folder."""
    settings = settings or Settings.from_env()
    req = EvaluationRequest(
        landing=Path(landing),
        period=period,
        as_of=as_of if isinstance(as_of, date) else date.fromisoformat(as_of),
        out=None if out is None else Path(out),
        methodology=methodology,
        publish=publish,
        version=version,
        engine=engine,
    )
    results: dict[str, dict] = {}
    for step in STEPS:
        if step.per_source:
            for source in results[STEPS[0].name]:
                results[record_name(step.name, source)] = run_step(step.name, req, settings, source)
        else:
            results[step.name] = run_step(step.name, req, settings)
    return Path(results["assemble"]["evaluation"])


# --- helpers -----------------------------------------------------------------------------


def _methodology(req: EvaluationRequest, settings: Settings) -> methodology_mod.Methodology:
    return methodology_mod.load(req.methodology, settings.methodology_dir)


NOTHING_EVALUATED_FILE = "nothing_evaluated.json"  # in the work folder: every row was set aside (evidence.py)


def _record_gate(req: EvaluationRequest, settings: Settings, name: str, result) -> dict:
    """Write the gate's result; stop the run when it failed, except when its only findings
    are empty tables after the extracts gate found every row set aside: the run then goes on
    to write an evaluation folder saying so, and fails when it is assembled (step_assemble)."""
    work = req.work_dir(settings)
    write_json(work / f"gate_{name}.json", result.to_json())
    empty_only = all(r.expectation == "expect_table_row_count_to_be_between" for r in result.failures())
    if name == "extracts":
        (work / NOTHING_EVALUATED_FILE).unlink(missing_ok=True)
        if not result.passed and empty_only:
            findings = [str(quality.QualityGateFailed(result))]
            write_json(work / NOTHING_EVALUATED_FILE, {"gate": name, "findings": findings})
    if not (empty_only and (work / NOTHING_EVALUATED_FILE).exists()):
        quality.enforce(result)
    return {"gate": name, "passed": result.passed}


def _publication_version(
    req: EvaluationRequest, settings: Settings, status: str, ratings: pl.DataFrame, indicators: Path
) -> pl.DataFrame:
    """Version 1 for a first publication; the same version when nothing changed since the
    last one; the next version (a restatement) when a correction or late delivery did."""
    previous = publication.latest(settings, req.period, status, req.as_of.isoformat())
    version = 1
    if previous is not None:
        same = publication.same_content(ratings, indicators, previous.folder)
        version = previous.version if same else previous.version + 1
    return ratings.with_columns(version=pl.lit(version, pl.Int64))


def _previous_ratings(
    req: EvaluationRequest, settings: Settings, m: methodology_mod.Methodology
) -> pl.DataFrame | None:
    """The ratings of the previous period (of the same kind) under the same methodology
    version, final before provisional, then the latest cutoff (publication.previous_evaluation);
    which evaluation it was goes into the manifest (`previous`)."""
    record = req.work_dir(settings) / evidence.PREVIOUS_FILE
    record.unlink(missing_ok=True)
    period = req.period_bounds.previous().name
    folder = publication.previous_evaluation(settings, period, m.version, req.publish)
    if folder is None:
        return None
    ratings = pl.read_parquet(folder / "ratings.parquet")
    man = read_json(folder / "evidence" / "manifest.json")
    write_json(
        record,
        {
            "period": period,
            "folder": folder.name,
            "status": man["status"],
            "cutoff": man["cutoff"],
            "version": man.get("version", 1),
            "methodology_version": man["methodology_version"],
            "ratings_sha256": sha256_file(folder / "ratings.parquet")[0],
        },
    )
    return ratings


def _write_people_outputs(m: methodology_mod.Methodology, staged: Path) -> None:
    """Excel workbook, one CSV per subject kind, the data-quality page and the HTML report."""
    ratings = pl.read_parquet(staged / "ratings.parquet")
    indicators = pl.scan_parquet(staged / "indicators.parquet")  # the report reads what it shows
    manifest = read_json(staged / "evidence" / "manifest.json")
    data_quality = read_json(staged / "evidence" / "data_quality.json")
    write_csvs(ratings, staged)
    write_data_quality_page(staged)
    write_workbook(ratings, m, data_quality, staged / "ratings.xlsx")
    write_report(ratings, indicators, m, manifest, staged / "report.html")
