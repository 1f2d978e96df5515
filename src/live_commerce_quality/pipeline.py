"""The evaluation, step by step. Each step is one Airflow task; `run_evaluation` runs the same
steps in one process (tests, debugging). Steps hand over through files in a work folder,
so a task can be retried on its own.

    ingest → gate_extracts → transform (dbt) → gate_marts → grade → publish
"""

from __future__ import annotations

import calendar
import json
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO

import polars as pl

from live_commerce_quality import methodology as methodology_mod
from live_commerce_quality.contract import SOURCES, standardised_schema
from live_commerce_quality.folders import replace_folder
from live_commerce_quality.locking import exclusive
from live_commerce_quality.settings import Settings

log = logging.getLogger(__name__)

MARTS = (
    "dim_subjects",
    "fct_subject_indicators",
    "fct_veto_findings",
    "fct_rows_set_aside",
    "fct_order_scope",
    "fct_indicator_lineage",
)


class EvaluationError(RuntimeError):
    """A step that cannot go on, with the reason a person can act on."""


@dataclass(frozen=True)
class EvaluationRequest:
    landing: Path
    period: str  # YYYY-MM, a CST calendar month
    as_of: date  # the cutoff C
    out: Path | None = None
    methodology: str = methodology_mod.DEFAULT_VERSION
    # publish under published/ (scheduled runs); `lcq evaluate` only writes its --out folder
    publish: bool = False

    def __post_init__(self):
        try:
            datetime.strptime(self.period, "%Y-%m")
        except ValueError:
            raise EvaluationError(f"period must be YYYY-MM, got {self.period!r}") from None
        if self.as_of < self.period_start:
            raise EvaluationError(f"cutoff {self.as_of} is before the period {self.period} starts")

    @property
    def period_start(self) -> date:
        year, month = map(int, self.period.split("-"))
        return date(year, month, 1)

    @property
    def period_end(self) -> date:
        """First day after the period."""
        start = self.period_start
        return start + timedelta(days=calendar.monthrange(start.year, start.month)[1])

    @property
    def as_of_instant(self) -> datetime:
        """T: the start of the day after the cutoff, CST."""
        return datetime.combine(self.as_of + timedelta(days=1), datetime.min.time())

    def status(self, m: methodology_mod.Methodology) -> str:
        """Final once the settlement lag after the period has passed, else provisional."""
        final_from = self.period_end - timedelta(days=1) + timedelta(days=m.settlement_lag_days)
        return "final" if self.as_of >= final_from else "provisional"

    def to_conf(self) -> dict:
        return {
            "landing": str(self.landing),
            "period": self.period,
            "as_of": self.as_of.isoformat(),
            "out": None if self.out is None else str(self.out),
            "methodology": self.methodology,
            "publish": self.publish,
        }

    @classmethod
    def from_conf(cls, conf: dict, settings: Settings) -> EvaluationRequest:
        as_of = conf.get("as_of")
        period = conf.get("period")
        if not period or not as_of:
            raise EvaluationError("an evaluation needs `period` (YYYY-MM) and `as_of` (YYYY-MM-DD)")
        return cls(
            landing=Path(conf.get("landing") or settings.landing),
            period=period,
            as_of=date.fromisoformat(str(as_of)),
            out=Path(conf["out"]) if conf.get("out") else None,
            methodology=str(conf.get("methodology") or methodology_mod.DEFAULT_VERSION),
            publish=bool(conf.get("publish", False)),
        )


def work_dir(req: EvaluationRequest, settings: Settings) -> Path:
    return settings.home / "runs" / f"{req.period}_as-of-{req.as_of}_m{req.methodology}"


def output_dir(req: EvaluationRequest, settings: Settings) -> Path:
    if req.out is not None:
        return req.out
    m = methodology_mod.load(req.methodology, settings.methodology_dir)
    # the default methodology's folder has no suffix; another version's sits beside it
    suffix = "" if req.methodology == methodology_mod.DEFAULT_VERSION else f"-m{req.methodology}"
    return settings.evaluations / req.period / f"{req.status(m)}-{req.as_of}{suffix}"


# --- steps -----------------------------------------------------------------------------


def step_ingest(req: EvaluationRequest, settings: Settings) -> dict:
    """Archive, validate and standardise every delivery up to the cutoff."""
    from live_commerce_quality.ingest import ingest_landing

    if not req.landing.is_dir():
        raise EvaluationError(f"landing folder {req.landing} does not exist")
    with exclusive(settings.home / "ingest.lock", "ingest"):
        report = ingest_landing(req.landing, settings, up_to=req.as_of)
    log.info("%s", report.summary())
    return {"summary": report.summary()}


def step_gate_extracts(req: EvaluationRequest, settings: Settings) -> dict:
    from live_commerce_quality import quality

    result = quality.validate_standardised(settings, req.as_of)
    return _record_gate(req, settings, "extracts", result)


def step_transform(req: EvaluationRequest, settings: Settings) -> dict:
    """Build the dbt models as of the cutoff and export the marts for the later steps.

    The warehouse has one writer at a time; the marts are copied out under the same lock so
    a later run cannot change them between this step and grading.
    """
    m = methodology_mod.load(req.methodology, settings.methodology_dir)
    work = work_dir(req, settings)
    _ensure_source_schemas(settings)
    dbt_vars = {
        "period_start": req.period_start.isoformat(),
        "period_end": req.period_end.isoformat(),
        "cutoff": req.as_of.isoformat(),
        "as_of_instant": req.as_of_instant.strftime("%Y-%m-%d %H:%M:%S"),
        **m.dbt_vars(),
    }
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(settings.warehouse.with_suffix(".lock"), "warehouse") as lock:
        # unit tests of the formulas run in the test suite, not in every evaluation
        run_dbt(["build", "--exclude-resource-type", "unit_test"], settings, work, dbt_vars, lock=lock)
        _export_marts(settings, work / "marts")
    return {"marts": str(work / "marts")}


def step_gate_marts(req: EvaluationRequest, settings: Settings) -> dict:
    from live_commerce_quality import quality

    result = quality.validate_marts(work_dir(req, settings) / "marts")
    return _record_gate(req, settings, "marts", result)


def step_grade(req: EvaluationRequest, settings: Settings) -> dict:
    from live_commerce_quality.grading import EvaluationContext, grade_all

    m = methodology_mod.load(req.methodology, settings.methodology_dir)
    work = work_dir(req, settings)
    marts = work / "marts"
    ctx = EvaluationContext(period=req.period, as_of=req.as_of, status=req.status(m))
    ratings, indicators = grade_all(
        pl.read_parquet(marts / "dim_subjects.parquet"),
        pl.read_parquet(marts / "fct_subject_indicators.parquet"),
        pl.read_parquet(marts / "fct_veto_findings.parquet"),
        m,
        ctx,
        previous=_previous_ratings(req, settings),
    )
    if req.publish:
        ratings = _publication_version(req, settings, ctx.status, ratings, indicators)
    staged = work / "output"
    if staged.exists():
        shutil.rmtree(staged)
    staged.mkdir(parents=True)
    _write_parquet(ratings, staged / "ratings.parquet")
    _write_parquet(indicators, staged / "indicators.parquet")
    distribution = dict(sorted(ratings.group_by("grade").len().iter_rows()))
    return {"subjects": ratings.height, "grades": distribution}


def step_publish(req: EvaluationRequest, settings: Settings) -> Path:
    """Check the graded outputs, write the evidence pack and checksums, and move the folder
    into place atomically: a reader sees the whole evaluation or none of it."""
    from live_commerce_quality import evidence, quality

    m = methodology_mod.load(req.methodology, settings.methodology_dir)
    work = work_dir(req, settings)
    staged = work / "output"
    result = quality.validate_outputs(staged)
    _record_gate(req, settings, "outputs", result)
    evidence.write_evidence(req, m, settings, work, staged)
    _write_people_outputs(m, staged)
    evidence.write_checksums(staged)

    final = output_dir(req, settings)
    final.parent.mkdir(parents=True, exist_ok=True)
    incoming = final.parent / f".{final.name}.incoming"
    if incoming.exists():
        shutil.rmtree(incoming)
    shutil.copytree(staged, incoming)
    # An evaluation folder (not a publication) is replaced whole by a re-run.
    replace_folder(incoming, final)
    log.info("evaluation written to %s", final)
    if req.publish:
        from live_commerce_quality import publication

        manifest = json.loads((final / "evidence" / "manifest.json").read_text())
        pub, what = publication.publish(settings, final, manifest)
        if pub is None:
            log.warning("publication: %s", what)
        else:
            log.info("publication: %s", what)
    return final


STEPS = (
    ("ingest", step_ingest),
    ("gate_extracts", step_gate_extracts),
    ("transform", step_transform),
    ("gate_marts", step_gate_marts),
    ("grade", step_grade),
    ("publish", step_publish),
)


def run_evaluation(
    landing: Path | str,
    period: str,
    as_of: date | str,
    out: Path | str | None = None,
    settings: Settings | None = None,
    methodology: str = methodology_mod.DEFAULT_VERSION,
    publish: bool = False,
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
    )
    result = None
    for _, step in STEPS:
        result = step(req, settings)
    return result


# --- helpers -----------------------------------------------------------------------------


def run_dbt(args: list[str], settings: Settings, work: Path, dbt_vars: dict, lock: IO[str] | None = None) -> None:
    """dbt in its own process: one writer, clean adapter state, its log in the work folder.

    `lock`, the held warehouse lock, is handed to dbt: were this process killed, dbt would
    go on writing the warehouse, and the lock must keep other runs out until dbt ends too.
    """
    dbt = Path(sys.executable).parent / "dbt"
    env = {
        **os.environ,
        "LCQ_WAREHOUSE": str(settings.warehouse),
        "LCQ_STANDARDISED": str(settings.standardised),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    cmd = [
        str(dbt), *args,
        "--project-dir", str(settings.dbt_project),
        "--profiles-dir", str(settings.dbt_project),
        "--target-path", str(work / "dbt_target"),
        "--log-path", str(work / "dbt_logs"),
        "--vars", json.dumps(dbt_vars),
    ]  # fmt: skip
    work.mkdir(parents=True, exist_ok=True)
    keep = () if lock is None else (lock.fileno(),)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, pass_fds=keep)
    tail = "\n".join(proc.stdout.splitlines()[-40:])
    if proc.returncode != 0:
        raise EvaluationError(f"dbt {' '.join(args)} failed (exit {proc.returncode}):\n{tail}\n{proc.stderr[-2000:]}")
    log.info("dbt %s:\n%s", " ".join(args), tail)


def _ensure_source_schemas(settings: Settings) -> None:
    """An empty, typed Parquet file per source, so the models read a source that has had no
    delivery yet as an empty table rather than failing on an empty folder."""
    for source in SOURCES:
        path = settings.standardised / source / "_schema" / "empty.parquet"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_parquet(pl.DataFrame(schema=standardised_schema(source)), path)


def _export_marts(settings: Settings, dest: Path) -> None:
    import duckdb

    dest.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        for mart in MARTS:
            frame = con.sql(f"select * from main.{mart}").pl()
            _write_parquet(frame, dest / f"{mart}.parquet")
    finally:
        con.close()


def _record_gate(req: EvaluationRequest, settings: Settings, name: str, result) -> dict:
    from live_commerce_quality import quality

    work = work_dir(req, settings)
    work.mkdir(parents=True, exist_ok=True)
    payload = result.to_json()
    (work / f"gate_{name}.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=True))
    quality.enforce(result)
    return {"gate": name, "passed": result.passed}


def _publication_version(
    req: EvaluationRequest, settings: Settings, status: str, ratings: pl.DataFrame, indicators: pl.DataFrame
) -> pl.DataFrame:
    """Version 1 for a first publication; the same version when nothing changed since the
    last one; the next version (a restatement) when a correction or late delivery did."""
    from live_commerce_quality import publication

    previous = publication.latest(settings, req.period, status, req.as_of.isoformat())
    version = 1
    if previous is not None:
        same = publication.same_content(ratings, indicators, previous.folder)
        version = previous.version if same else previous.version + 1
    return ratings.with_columns(version=pl.lit(version, pl.Int64))


def _previous_ratings(req: EvaluationRequest, settings: Settings) -> pl.DataFrame | None:
    """The latest evaluation of the previous period found under the evaluations folder."""
    prev_end = req.period_start - timedelta(days=1)
    prev_dir = settings.evaluations / f"{prev_end:%Y-%m}"
    if not prev_dir.is_dir():
        return None
    candidates = sorted(
        (p for p in prev_dir.iterdir() if (p / "ratings.parquet").exists()),
        key=lambda p: (p.name.startswith("final"), p.name),
    )
    return pl.read_parquet(candidates[-1] / "ratings.parquet") if candidates else None


def _write_people_outputs(m: methodology_mod.Methodology, staged: Path) -> None:
    """Excel workbook, one CSV per subject kind, and the HTML report."""
    from live_commerce_quality.publish_tables import write_csvs, write_workbook
    from live_commerce_quality.report import write_report

    ratings = pl.read_parquet(staged / "ratings.parquet")
    indicators = pl.read_parquet(staged / "indicators.parquet")
    manifest = json.loads((staged / "evidence" / "manifest.json").read_text())
    data_quality = json.loads((staged / "evidence" / "data_quality.json").read_text())
    write_csvs(ratings, staged)
    write_workbook(ratings, m, data_quality, staged / "ratings.xlsx")
    write_report(ratings, indicators, m, manifest, staged / "report.html")


def _write_parquet(frame: pl.DataFrame, path: Path) -> None:
    """Deterministic Parquet: same frame, same bytes; written whole or not at all."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # two writers never share a temp file
    frame.write_parquet(tmp, compression="zstd", statistics=True, row_group_size=1_000_000)
    os.replace(tmp, path)
