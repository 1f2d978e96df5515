"""`lcq`: the command line. It parses and prints; the work is done by the package below it.
Evaluations always run through the Airflow DAG (embedded: SQLite metadata DB, `airflow dags
test`, see `run/embedded.py`), so the command line and the scheduler run one pipeline, not two."""

from __future__ import annotations

import getpass
import time
from datetime import date, timedelta
from importlib import metadata
from pathlib import Path

import click
import polars as pl

from live_commerce_quality.core import methodology as methodology_mod
from live_commerce_quality.core.engines import ENGINES
from live_commerce_quality.core.io import json_text
from live_commerce_quality.core.locking import LockTimeout
from live_commerce_quality.core.periods import Period, PeriodError, month_range, today_cst
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.core.subjects import SubjectError, SubjectRef
from live_commerce_quality.core.text import text_table
from live_commerce_quality.demo import generate as generate_demo
from live_commerce_quality.inspect.compare import format_matrix, migration_matrix, movers, write_comparison
from live_commerce_quality.inspect.explain import explain as explain_subject
from live_commerce_quality.inspect.explain import find_evaluation
from live_commerce_quality.ops import changes as ch
from live_commerce_quality.ops import lineage as lin
from live_commerce_quality.ops import retention
from live_commerce_quality.ops import verify as verify_mod
from live_commerce_quality.publish.publication import accept_inputs as record_acceptance
from live_commerce_quality.run.airflow_env import (
    ADMIN_USER,
    DEFAULT_PORT,
    AirflowSetupError,
    admin_password,
    airflow_env,
    prepare,
    start_components,
    stop_components,
)
from live_commerce_quality.run.embedded import AirflowRunError
from live_commerce_quality.run.embedded import run_dag as run_embedded_dag
from live_commerce_quality.run.request import EvaluationError
from live_commerce_quality.run.restate import due as due_restatements
from live_commerce_quality.transform.dbt import DbtError, build_docs

DEMO_MONTHS = ("2026-09", "2026-10")
DEMO_SCALE = 0.05  # about 50 k orders a month
DEMO_SEED = 20240724  # the day the standard was issued
DEMO_ACCEPTANCE = "demo data: the rejected files are planted to show the quarantine"


@click.group()
@click.version_option(metadata.version("live-commerce-quality"), prog_name="lcq")
def main() -> None:
    """Service-quality rating of live-streaming e-commerce under GB/T 44207-2024."""


@main.command()
@click.option("--scale", type=float, default=1.0, show_default=True, help="SF1 ≈ 1 M orders a month")
@click.option("--months", required=True, help="YYYY-MM[,YYYY-MM...]")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="landing folder to write")
@click.option(
    "--format", "fmt", default="parquet", show_default=True,
    type=click.Choice(["parquet", "csv", "csv.gz", "jsonl", "xlsx", "mixed"]),
)  # fmt: skip
@click.option("--bad-share", type=float, default=0.002, show_default=True, help="share of bad rows; 0 for none")
def generate(scale: float, months: str, seed: int, out: Path, fmt: str, bad_share: float) -> None:
    """Write demo monitoring extracts, delivered day by day as a platform would."""

    summary = generate_demo(out, [m.strip() for m in months.split(",") if m.strip()], scale, seed, fmt, bad_share)
    click.echo(json_text(summary), nl=False)


def engine_option(command):
    """--engine: where the dbt models run (core/engines.py); the installation's LCQ_ENGINE when not given."""
    return click.option(
        "--engine", type=click.Choice(ENGINES), help="engine of the dbt models; default: LCQ_ENGINE, else duckdb"
    )(command)


@main.command()
@click.option("--landing", type=click.Path(path_type=Path, exists=True, file_okay=False), required=True)
@click.option("--period", required=True, help="YYYY-MM, YYYY-Qn or YYYY")
@click.option("--as-of", "as_of", required=True, help="cutoff YYYY-MM-DD")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="evaluation folder to write")
@click.option("--methodology", default="1", show_default=True, help="methodology version")
@engine_option
def evaluate(landing: Path, period: str, as_of: str, out: Path, methodology: str, engine: str | None) -> None:
    """Evaluate PERIOD as of a cutoff through the Airflow DAG and write the evaluation folder."""
    folder = run_dag(
        {
            "landing": str(landing.resolve()),
            "period": period,
            "as_of": as_of,
            "out": str(out.resolve()),
            "methodology": methodology,
            "publish": False,
            "engine": engine,
        }
    )
    _print_outcome(folder)


@main.command()
@click.option("--period", required=True, help="YYYY-MM, YYYY-Qn or YYYY")
@click.option("--subject", required=True, help="KIND:ID, e.g. operator:OP_1")
@click.option(
    "--evaluation",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    help="evaluation folder; default: the newest of the period under data/evaluations",
)
def explain(period: str, subject: str, evaluation: Path | None) -> None:
    """Show how a subject's grade follows from its indicators."""

    settings = Settings.from_env()
    try:
        folder = evaluation or find_evaluation(settings, period)

        version = pl.read_parquet(folder / "ratings.parquet")["methodology_version"][0]
        m = methodology_mod.load(version, settings.methodology_dir)
        click.echo(explain_subject(folder, SubjectRef.parse(subject, m.subject_kinds), m))
    except (FileNotFoundError, LookupError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc


@main.command("compare-methodology")
@click.option("--period", required=True, help="YYYY-MM, YYYY-Qn or YYYY")
@click.option("--as-of", "as_of", required=True, help="cutoff YYYY-MM-DD")
@click.option("--a", "version_a", required=True, help="methodology version A")
@click.option("--b", "version_b", required=True, help="methodology version B")
@click.option(
    "--landing", type=click.Path(path_type=Path, exists=True, file_okay=False), help="landing folder; default: settings"
)
def compare_methodology(period: str, as_of: str, version_a: str, version_b: str, landing: Path | None) -> None:
    """Evaluate a period under two methodology versions and show how the grades migrate."""

    settings = Settings.from_env()
    landing = (landing or settings.landing).resolve()
    folders = {
        v: run_dag({"landing": str(landing), "period": period, "as_of": as_of, "methodology": v, "publish": False})
        for v in (version_a, version_b)
    }
    ra, rb = (pl.read_parquet(folders[v] / "ratings.parquet") for v in (version_a, version_b))
    ia, ib = (pl.read_parquet(folders[v] / "indicators.parquet") for v in (version_a, version_b))
    matrix = migration_matrix(ra, rb, methodology_mod.load(version_a, settings.methodology_dir).grade_order)
    changed = movers(ra, rb, ia, ib)
    out = settings.comparison_dir(period, as_of, version_a, version_b)
    write_comparison(out, matrix, changed)
    click.echo(f"grade migration, {period} as of {as_of} ({ra.height} subjects rated):")
    click.echo(format_matrix(matrix, version_a, version_b))
    click.echo(f"\n{changed.height} subjects change grade:")
    for row in changed.head(30).iter_rows(named=True):
        click.echo(f"  {row['subject_kind']}:{row['subject_id']} {row['grade_a']}→{row['grade_b']}  {row['moved_by']}")
    click.echo(f"\nwritten to {out}")


@main.command()
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
def verify(folder: Path) -> None:
    """Check a published evaluation's checksums and signature, recompute it from the archive
    and compare every output: prints `identical` or every difference; exit 1 on any."""

    result = verify_mod.verify(Settings.from_env(), folder)
    click.echo(result.text())
    if not result.identical:
        raise SystemExit(1)


@main.command("accept-inputs")
@click.option("--period", required=True, help="YYYY-MM, YYYY-Qn or YYYY")
@click.option("--as-of", "as_of", required=True, help="cutoff YYYY-MM-DD")
@click.option("--reason", required=True, help="why publishing with rejected input files is acceptable")
def accept_inputs(period: str, as_of: str, reason: str) -> None:
    """Accept publishing a period whose inputs include rejected files (then re-run it)."""

    path = record_acceptance(Settings.from_env(), period, as_of, reason, getpass.getuser())
    click.echo(f"accepted: {path}; the next run of {period} as of {as_of} publishes")


@main.command()
@click.option("--period", required=True, help="YYYY-MM, YYYY-Qn or YYYY")
@click.option("--as-of", "as_of", help="cutoff YYYY-MM-DD; default: the period's final cutoff (end + settlement lag)")
@click.option("--methodology", default="1", show_default=True, help="methodology version")
@click.option("--accept", "accept_reason", help="accept rejected input files, with this reason, and publish")
@click.option("--reason", help="why you ask for this publication (kept in restatement.json and the index)")
@engine_option
def publish(
    period: str, as_of: str | None, methodology: str, accept_reason: str | None, reason: str | None, engine: str | None
) -> None:
    """Evaluate PERIOD from the installation's landing folder and publish it (e.g. after accept-inputs).

    A publication held by rejected input files exits non-zero with the reason, unless --accept says why
    publishing them is acceptable (the acceptance is recorded with the publication). When the result
    differs from the last publication, a new version is published beside it; --reason says why."""
    settings = Settings.from_env()
    cutoff = as_of or _final_cutoff(settings, period, methodology)
    if accept_reason:
        record_acceptance(settings, period, cutoff, accept_reason, getpass.getuser())
    conf = {"landing": str(settings.landing), "period": period, "as_of": cutoff, "methodology": methodology}
    conf["engine"] = engine
    asked = {"reason": reason, "requested_by": getpass.getuser()} if reason else {}
    _print_outcome(run_dag({**conf, "publish": True, **asked}))


@main.command()
@click.option("--from", "first", required=True, help="first month YYYY-MM")
@click.option("--to", "last", required=True, help="last month YYYY-MM")
@click.option("--methodology", default="1", show_default=True, help="methodology version")
@engine_option
def backfill(first: str, last: str, methodology: str, engine: str | None) -> None:
    """Evaluate and publish each month from --from to --to as it was known at its final cutoff.

    Running it again changes nothing: a month already published with the same content is left as it is.
    Months whose final cutoff has not passed are skipped; a held month is reported and the rest go on."""
    settings = Settings.from_env()
    try:
        months = month_range(first, last)
    except PeriodError as exc:
        raise click.BadParameter(str(exc)) from exc
    held = []
    for p in months:
        cutoff = _final_cutoff(settings, p.name, methodology)
        if date.fromisoformat(cutoff) >= today_cst():
            click.echo(f"{p.name}: final cutoff {cutoff} has not passed; skipped")
            continue
        conf = {"landing": str(settings.landing), "period": p.name, "as_of": cutoff, "methodology": methodology}
        conf["engine"] = engine
        try:
            run_dag({**conf, "publish": True})
        except click.ClickException as exc:
            click.echo(f"{p.name}: {exc.message}", err=True)
            held.append(p.name)
    if held:
        raise click.ClickException(f"not published: {', '.join(held)} (see above)")


@main.command()
@click.option("--methodology", default="1", show_default=True, help="methodology version")
@click.option("--dry-run", is_flag=True, help="list the periods due; evaluate nothing")
@click.option("--reason", help="why you ask for the restatements (kept in each restatement.json)")
def restate(methodology: str, dry_run: bool, reason: str | None) -> None:
    """Restate published finals that late deliveries changed, as of yesterday (CST).

    A period is due while inside the restatement window (LCQ_RESTATEMENT_WINDOW_DAYS, 90) when records
    of it were delivered after its newest final publication's cutoff; a new version is published beside
    the old one (with restatement.json) only when the result changed."""
    settings = Settings.from_env()
    today = today_cst()
    found = due_restatements(settings, today, methodology)
    if not found:
        click.echo("no published final has late deliveries inside the restatement window")
    for d in found:
        click.echo(f"{d.period}: {d.late_records} record(s) in {d.late_files} file(s) delivered after {d.published}")
        if not dry_run:
            conf = {"landing": str(settings.landing), "period": d.period, "methodology": methodology}
            asked = {"reason": reason, "requested_by": getpass.getuser()} if reason else {}
            run_dag({**conf, "as_of": (today - timedelta(days=1)).isoformat(), "publish": True, **asked})


def _final_cutoff(settings: Settings, period: str, methodology: str) -> str:
    lag = methodology_mod.load(methodology, settings.methodology_dir).settlement_lag_days
    try:
        return Period.parse(period).final_cutoff(lag).isoformat()
    except PeriodError as exc:
        raise click.BadParameter(str(exc)) from exc


@main.command()
@click.option("--period", required=True, help="YYYY-MM, YYYY-Qn or YYYY")
@click.option("--as-of", "as_of", required=True, help="cutoff YYYY-MM-DD of the evaluation")
@click.option("--subject", required=True, help="KIND:ID, e.g. operator:OP_1, agency:AG1, platform:douyin")
@click.option("--indicator", "indicator_id", required=True, help="indicator id, e.g. POST-3")
@click.option("--methodology", default="1", show_default=True, help="methodology version of the evaluation")
@click.option(
    "--evaluation",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    help="evaluation folder (e.g. an `lcq evaluate --out`); default: found under LCQ_HOME",
)
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def lineage(
    period: str, as_of: str, subject: str, indicator_id: str, methodology: str, evaluation: Path | None, as_json: bool
) -> None:
    """List the archived files (with SHA-256) and the rows of each that fed one indicator value."""

    settings = Settings.from_env()
    try:
        ref = SubjectRef.parse(subject, methodology_mod.load(methodology, settings.methodology_dir).subject_kinds)
        found = lin.find(settings, period, as_of, methodology, evaluation)
        files = lin.files_of(found, ref, indicator_id, settings)
        value = lin.indicator_value(found, ref, indicator_id)
    except (lin.LineageError, SubjectError, methodology_mod.MethodologyError) as exc:
        raise click.ClickException(str(exc)) from exc
    fmt = lin.format_json if as_json else lin.format_text
    click.echo(fmt(ref, indicator_id, files, value, found))


@main.command()
@click.option("--period", required=True, help="YYYY-MM, YYYY-Qn or YYYY")
@click.option("--since", required=True, help="the cutoff YYYY-MM-DD the period was evaluated as of")
@click.option("--until", help="last delivery day to look at (YYYY-MM-DD); default: everything received")
@click.option("--records", "show_records", is_flag=True, help="list every record, not only the files")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output (files and records)")
def changes(period: str, since: str, until: str | None, show_records: bool, as_json: bool) -> None:
    """List the records of PERIOD delivered after the cutoff it was evaluated as of, by file."""

    settings = Settings.from_env()
    try:
        window = ch.check_window(period, since, until)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    records = ch.late_records(settings, window)
    rejected = ch.rejected_files(settings, window)
    if as_json:
        click.echo(ch.format_json(window, records, rejected))
        return
    click.echo(ch.format_text(window, records, rejected))
    if show_records and records.height:
        click.echo("")
        header = ("source", "dt", "file", "line", "key", "change")
        for line in text_table(header, records.drop("file_sha256").rows(), right=(3,)):
            click.echo(line)


@main.command()
@click.option("--before", required=True, help="remove deliveries with dt before this date (YYYY-MM-DD)")
@click.option("--reason", help="why (kept in the purge record); required unless --dry-run")
@click.option("--dry-run", is_flag=True, help="show what would be removed; remove nothing")
@click.option(
    "--landing",
    "landings",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="another landing folder evaluations read from, purged likewise (repeatable)",
)
def purge(before: str, reason: str | None, dry_run: bool, landings: tuple[Path, ...]) -> None:
    """Remove archived, standardised and quarantined deliveries older than three years, with a record."""

    try:
        cutoff = date.fromisoformat(before)
    except ValueError as exc:
        raise click.BadParameter(f"--before must be YYYY-MM-DD, got {before!r}") from exc
    try:
        result = retention.purge(Settings.from_env(), cutoff, reason=reason, landings=landings, dry_run=dry_run)
    except (retention.PurgeRefused, LockTimeout) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(retention.summary(result))


@main.command()
def docs() -> None:
    """Write dbt's documentation of the project (models, tests, indicator definitions) as one page."""

    settings = Settings.from_env()
    m = methodology_mod.load(None, settings.methodology_dir)
    try:
        page = build_docs(settings, m.dbt_vars())
    except DbtError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"dbt docs: {page}")


@main.command("airflow")
@click.option("--port", type=int, default=DEFAULT_PORT, show_default=True, help="the api-server's port (the UI)")
def airflow_serve(port: int) -> None:
    """Run Airflow with the project's DAGs: api-server (UI), scheduler, dag-processor, triggerer.

    Metadata in SQLite under the installation, or in the database LCQ_AIRFLOW_DB_URL names (e.g.
    postgresql+psycopg2://postgres@127.0.0.1:5432/airflow), with the LocalExecutor. Ctrl-C stops it."""
    settings = Settings.from_env()
    env = airflow_env(settings, port=port)
    try:
        prepare(env, say=click.echo)
    except AirflowSetupError as exc:
        raise click.ClickException(str(exc)) from exc
    logs = settings.logs / "airflow"
    started = start_components(env, logs, port)
    click.echo(f"Airflow UI: http://127.0.0.1:{port}  (log in as {ADMIN_USER} / {admin_password(env)})")
    click.echo(f"component logs: {logs}; task logs: {env['AIRFLOW_HOME']}/logs; Ctrl-C stops every component")
    try:
        while all(proc.poll() is None for proc in started.values()):
            time.sleep(1)
        ended = [name for name, proc in started.items() if proc.poll() is not None]
        raise click.ClickException(f"Airflow {', '.join(ended)} stopped; see {logs}")
    except KeyboardInterrupt:
        click.echo("stopping Airflow ...")
    finally:
        stop_components(started)


@main.command("run-demo")
def run_demo() -> None:
    """Generate demo data if there is none and evaluate its months through Airflow."""
    settings = Settings.from_env()
    if not any(settings.landing.glob("*/dt=*/*")):
        click.echo(f"generating demo extracts for {', '.join(DEMO_MONTHS)} in {settings.landing} ...")
        generate_demo(settings.landing, list(DEMO_MONTHS), DEMO_SCALE, DEMO_SEED, "mixed", 0.002)
    for period in DEMO_MONTHS:
        cutoff = _final_cutoff(settings, period, methodology_mod.DEFAULT_VERSION)
        # the demo plants rejected files to show the quarantine; publishing them is accepted on the record
        record_acceptance(settings, period, cutoff, DEMO_ACCEPTANCE, "make run (demo)")
        folder = run_dag({"landing": str(settings.landing), "period": period, "as_of": cutoff})
        _print_outcome(folder)


def run_dag(conf: dict) -> Path:
    """Run the evaluation DAG for `conf` and return the evaluation folder; print the publication."""

    try:
        results = run_embedded_dag(conf, say=click.echo)
    except (AirflowRunError, EvaluationError) as exc:
        raise click.ClickException(str(exc)) from exc
    if results["publish"].get("published"):
        click.echo(f"publication: {results['publish']['publication']}")
    return Path(results["assemble"]["evaluation"])


# What a person opens first, then what systems and auditors read (every file is in SHA256SUMS).
SHOWN_FILES = ("report.html", "ratings.xlsx", "ratings_*.csv", "data_quality.html", "ratings.parquet",
               "indicators.parquet", "evidence/manifest.json", "SHA256SUMS")  # fmt: skip


def _print_outcome(folder: Path) -> None:
    """Where the evaluation's files are, and its grades."""
    ratings = pl.read_parquet(folder / "ratings.parquet")
    click.echo(f"\nevaluation: {folder}")
    for pattern in SHOWN_FILES:
        for path in sorted(folder.glob(pattern)):
            click.echo(f"  {path}")
    dist = ratings.group_by("subject_kind", "grade").len().sort("subject_kind", "grade")
    click.echo("grade distribution:")
    for kind in dist["subject_kind"].unique().sort():
        rows = dist.filter(pl.col("subject_kind") == kind)
        parts = "  ".join(f"{g}: {n}" for g, n in rows.select("grade", "len").iter_rows())
        click.echo(f"  {kind:<9} {parts}")


if __name__ == "__main__":
    main()
