"""What the bench measures: the monthly evaluation step by step, the floor and pandas beside
it, nightly runs on day 1 and day 30, and one month evaluated with 1 and 12 months of history.

Each step of `run.steps.STEPS` runs in a fresh child process (`measure.run`), so its peak
memory is its own; the steps hand over through the installation's files, as Airflow tasks do.
Set-up that a scenario needs but does not measure (ingesting earlier deliveries) runs in a
child process too, and is reported apart.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from live_commerce_quality.bench import data, measure
from live_commerce_quality.bench.indicators import agreement
from live_commerce_quality.core import methodology as methodology_mod
from live_commerce_quality.core.periods import Period
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.run import steps

TRANSFORM = "transform"  # the dbt step, held against the floor


@dataclass(frozen=True)
class Installation:
    """A bench installation: its home, its landing, and where its processes' logs go."""

    home: Path
    landing: Path

    @property
    def env(self) -> dict[str, str]:
        return data.child_env(self.home, self.landing)

    @property
    def logs(self) -> Path:
        """Beside the homes, so that they outlive a removed installation."""
        return self.home.parents[1] / "logs" / self.home.name

    def settings(self, base: Settings) -> Settings:
        return replace(base, home=self.home, landing=self.landing, standardised=self.home / "standardised")


# --- the children's side ---------------------------------------------------------------------


def child_step(name: str, conf: dict) -> dict:
    """One step of an evaluation, in the installation of this process's environment; a step
    that runs per source runs here for every source received, one after the other (under
    Airflow they are tasks side by side)."""
    settings = Settings.from_env()
    req = steps.EvaluationRequest.from_conf(conf, settings)
    if not dict((s.name, s.per_source) for s in steps.STEPS)[name]:
        return steps.run_step(name, req, settings)
    sources = steps.received_sources(req, settings)
    return {source: steps.run_step(name, req, settings, source) for source in sources}


def child_ingest(up_to: str) -> dict:
    """Set-up (not measured as a step): what the installation's earlier runs left, its landing
    ingested up to a day and the extracts gate run over it, which keeps each file's measures."""
    from live_commerce_quality import quality
    from live_commerce_quality.ingest import ingest_landing

    settings = Settings.from_env()
    counts = ingest_landing(settings.landing, settings, up_to=date.fromisoformat(up_to)).counts()
    quality.validate_standardised(settings, date.fromisoformat(up_to))
    return counts


# --- steps -----------------------------------------------------------------------------------


def step_calls(req: steps.EvaluationRequest) -> list[tuple[str, str, dict]]:
    """(label, child target, arguments) of each step of STEPS, in order: the one place that
    knows how a step is called. A step that takes more than its name (a source, say) is
    adapted here."""
    return [(step.name, f"{__name__}:child_step", {"name": step.name, "conf": req.to_conf()}) for step in steps.STEPS]


def run_steps(inst: Installation, req: steps.EvaluationRequest, tag: str, quiet: bool = False) -> dict:
    """Every step of `req` in its own child process; stops at a failed step. `tag` names the
    run in the console and in its processes' log files."""
    out: dict = {"period": req.period, "as_of": req.as_of.isoformat(), "steps": {}, "ok": True}
    for label, target, kwargs in step_calls(req):
        m = measure.run(target, kwargs, inst.env, inst.logs / f"{tag}-{label}.log")
        out["steps"][label] = m.summary()
        if isinstance(m.result, dict) and m.result.get("slowest_models"):
            # where a step's time goes inside dbt: the profile the next optimisation starts from
            out["steps"][label]["slowest_models"] = m.result["slowest_models"]
        if not quiet:
            print(f"    {tag:<12} {label:<16} {_secs(m.seconds):>8} {m.peak_rss_mb:8.0f} MB", flush=True)
        if not m.ok:
            out.update(ok=False, error=f"step {label}: {m.error}")
            break
    done = list(out["steps"].values())
    out["total"] = {
        "seconds": round(sum(s.get("seconds", 0.0) for s in done), 2),
        "process_seconds": round(sum(s["process_seconds"] for s in done), 2),
        "peak_rss_mb": max((s["peak_rss_mb"] for s in done), default=0),
    }
    return out


def _secs(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.1f} s"


def request(landing: Path, period: str, as_of: date, out: Path) -> steps.EvaluationRequest:
    return steps.EvaluationRequest(landing=landing, period=period, as_of=as_of, out=out)


def final_cutoff(period: str, settings: Settings) -> date:
    lag = methodology_mod.load(None, settings.methodology_dir).settlement_lag_days
    return Period.parse(period).final_cutoff(lag)


# --- scenarios -------------------------------------------------------------------------------


def warm_up(settings: Settings, landing: Path, month: str) -> dict:
    """Not measured: one evaluation of a small landing, each step in its own process as the
    measured runs do, so that these find Python's bytecode caches written and the code's
    files in the page cache, as on an installation that has run before."""
    inst = Installation(data.fresh_home(settings, "warm-up"), landing)
    result = run_steps(inst, request(landing, month, final_cutoff(month, settings), inst.home / "out"), "warm-up", True)
    _done(inst, keep=False)
    return {"ok": result["ok"], "process_seconds": result["total"]["process_seconds"], "error": result.get("error")}


def monthly(settings: Settings, landing: Path, month: str, tag: str) -> tuple[dict, Installation]:
    """The month evaluated as of its final cutoff in an empty installation: every step."""
    inst = Installation(data.fresh_home(settings, f"monthly-{tag}"), landing)
    req = request(landing, month, final_cutoff(month, settings), inst.home / "evaluation")
    result = run_steps(inst, req, "monthly")
    result["marts"] = str(req.work_dir(inst.settings(settings)) / "marts")
    return result, inst


def against_pipeline(
    settings: Settings, inst: Installation, monthly_result: dict, which: str, mem_cap_gb: float | None
) -> dict:
    """The floor (`which`='floor') or pandas on the monthly run's standardised layer, then
    their rows checked against its mart."""
    out = inst.home / f"{which}.parquet"
    out.unlink(missing_ok=True)
    kwargs = {
        "standardised": str(inst.settings(settings).standardised),
        "period": monthly_result["period"],
        "as_of": monthly_result["as_of"],
        "methodology": None,
        "out": str(out),
    }
    module = "floor" if which == "floor" else "pandas_ref"
    cap = mem_cap_gb if which == "pandas" else None
    m = measure.run(f"live_commerce_quality.bench.{module}:compute", kwargs, inst.env, inst.logs / f"{which}.log", cap)
    result = m.summary()
    result["agree"] = False
    if m.ok:
        result["agreement"] = agreement(out, Path(monthly_result["marts"]))
        result["agree"] = result["agreement"]["agree"]
    print(f"    {which:<12} {_secs(m.seconds):>25} {m.peak_rss_mb:8.0f} MB  {_agree_text(result)}", flush=True)
    return result


def spark_beside(settings: Settings, inst: Installation, monthly_result: dict) -> dict:
    """The transform step again on Spark, from the monthly run's standardised layer: its time
    and memory beside DuckDB's, and its marts held against DuckDB's cell by cell."""
    from live_commerce_quality.core.engines import SPARK

    marts = Path(monthly_result["marts"])
    duckdb_marts = marts.with_name("marts-duckdb")
    shutil.copytree(marts, duckdb_marts, dirs_exist_ok=True)
    req = request(inst.landing, monthly_result["period"], date.fromisoformat(monthly_result["as_of"]), inst.home)
    conf = {**req.to_conf(), "engine": SPARK}
    m = measure.run(f"{__name__}:child_step", {"name": TRANSFORM, "conf": conf}, inst.env, inst.logs / "spark.log")
    result = {**m.summary(), "duckdb": monthly_result["steps"][TRANSFORM]}
    if m.ok:
        result["agreement"] = marts_agreement(duckdb_marts, marts)
        result["agree"] = result["agreement"]["agree"]
    duck = result["duckdb"]
    verdict = "marts equal" if result.get("agree") else result.get("agreement", result.get("error"))
    beside = f"(duckdb {_secs(duck.get('seconds'))}, {duck.get('peak_rss_mb', 0):.0f} MB)"
    print(
        f"    {'spark':<12} {TRANSFORM:<16} {_secs(m.seconds):>8} {m.peak_rss_mb:8.0f} MB  {beside}  {verdict}",
        flush=True,
    )
    return result


def marts_agreement(a: Path, b: Path) -> dict:
    """Whether two exports of the marts hold the same rows, mart by mart (the export writes them
    in one order with the contract's types, so equal frames are equal marts)."""
    import polars as pl

    differ, rows = [], 0
    for f in sorted(a.glob("*.parquet")):
        frame = pl.read_parquet(f)
        rows += frame.height
        if not frame.equals(pl.read_parquet(b / f.name)):
            differ.append(f.name)
    return {"agree": not differ, "marts_differing": differ, "rows_compared": rows}


def _agree_text(result: dict) -> str:
    if "agreement" not in result:
        return result.get("error", "failed")
    a = result["agreement"]
    return f"{a['mismatching_cells']} mismatching cell(s) of {a['cells_compared']}"


def nightly(settings: Settings, landing: Path, month: str, tag: str, keep: bool) -> dict:
    """Provisional runs as of day 1 and day 30 of the month, each in an installation that has
    ingested and gated the deliveries up to the day before, as the night before's run did
    (set-up, not measured)."""
    p = Period.parse(month)
    last = min(30, (p.end - p.start).days)
    out: dict = {}
    for day in (1, last):
        as_of = p.start + timedelta(days=day - 1)
        inst = Installation(data.fresh_home(settings, f"nightly-{tag}-day{day}"), landing)
        setup = measure.run(f"{__name__}:child_ingest", {"up_to": (as_of - timedelta(days=1)).isoformat()}, inst.env,
                            inst.logs / "setup-ingest.log")  # fmt: skip
        result = run_steps(inst, request(landing, month, as_of, inst.home / "evaluation"), f"day{day}")
        what = f"ingest and extracts gate of the deliveries up to {as_of - timedelta(days=1)}"
        result["setup"] = {"what": what, **setup.summary()}
        out[f"day_{day}"] = result
        _done(inst, keep)
    first, final = out["day_1"]["total"]["seconds"], out[f"day_{last}"]["total"]["seconds"]
    out["ratio"] = round(final / first, 3) if first else None
    out["days"] = [1, last]
    return out


def history(settings: Settings, full: Path, month: str, months: tuple[str, ...], keep: bool) -> dict:
    """`month` as of its final cutoff in an installation holding only it, and in one that has
    ingested the earlier months first (set-up, not measured)."""
    cutoff = final_cutoff(month, settings)
    only = data.one_month_landing(full, month, cutoff)
    before = (Period.parse(month).start - timedelta(days=1)).isoformat()
    out: dict = {"month": month, "as_of": cutoff.isoformat(), "months": list(months)}
    for label, landing, setup_up_to in (("one_month", only, None), ("all_months", full, before)):
        tag = "1-month" if setup_up_to is None else f"{len(months)}-months"
        inst = Installation(data.fresh_home(settings, f"history-{label}"), landing)
        setup = None
        if setup_up_to is not None:
            setup = measure.run(f"{__name__}:child_ingest", {"up_to": setup_up_to}, inst.env, inst.logs / "setup.log")
        result = run_steps(inst, request(landing, month, cutoff, inst.home / "evaluation"), tag)
        if setup is not None:
            what = f"ingest and extracts gate of {len(months) - 1} earlier month(s), up to {before}"
            result["setup"] = {"what": what, **setup.summary()}
        out[label] = result
        _done(inst, keep)
    one, many = out["one_month"]["total"]["seconds"], out["all_months"]["total"]["seconds"]
    out["ratio"] = round(many / one, 3) if one else None
    return out


def _done(inst: Installation, keep: bool) -> None:
    """A scenario's installation is removed once measured (its logs too), unless kept."""
    if not keep:
        shutil.rmtree(inst.home, ignore_errors=True)
