"""`make bench` (`python -m live_commerce_quality.bench`): the product's one measurement.

For each scale asked (default SF1 and SF10; SF1 is about 1 M orders a month): a demo landing
of the month (generated once, cached under LCQ_BENCH_DIR), the monthly evaluation end to end
in an empty installation, each step in its own process with its wall time and peak RSS (dbt's
process included); beside it the floor (hand-written DuckDB SQL) and pandas computing every
operator indicator from the same standardised Parquet, checked cell by cell against the
pipeline's mart; nightly runs as of day 1 and day 30; at one scale (the smallest, or
--spark-scale) the transform again on Spark, beside DuckDB's, its marts checked. Once: the month evaluated in an
installation holding 1 and 12 months of history (at a small scale). A table is printed and
the JSON written to `<LCQ_HOME>/bench/` (default data/bench/).

    python -m live_commerce_quality.bench [--scale 1 --scale 10] [--month 2026-09]
        [--only monthly|floor|pandas|spark|nightly|history ...] [--spark-scale S] [--out DIR]
"""

from __future__ import annotations

import argparse
import shutil
from datetime import UTC, datetime
from pathlib import Path

from live_commerce_quality.bench import data, report, scenarios
from live_commerce_quality.core.settings import Settings

WARM_UP_SCALE = 0.01
PARTS = ("monthly", "floor", "pandas", "spark", "nightly", "history")
NOTES = {
    "seconds": "a step's call, timed inside its own process (its imports excluded); end to end: their sum",
    "process_seconds": "spawn to exit of the step's process: interpreter start and imports included",
    "peak_rss_mb": "the larger of the kernel's peak RSS of the process and its reaped descendants"
    " (os.wait4, largest single process) and the sampled (0.1 s) sum over its live process tree",
    "floor": "hand-written DuckDB SQL, operators only, straight from the standardised Parquet",
    "pandas": "plain pandas (pyarrow Parquet reader), operators only; stopped at the memory cap",
    "agreement": "numerator, denominator and raw value of every operator x indicator against the mart"
    " fct_subject_indicators of the monthly run",
    "spark": "the transform step again on Spark (dbt-spark session, local[cores]) from the monthly run's"
    " standardised layer, beside DuckDB's; its marts checked against DuckDB's, mart by mart",
    "set_up": "ingest and extracts gate of earlier deliveries before a nightly or history run (what the"
    " earlier runs left): reported, not counted",
    "warm_up": "an unmeasured evaluation of a small landing first, each step in its own process, so that"
    " the measured processes find Python's bytecode caches (their environment lacks PYTHONDONTWRITEBYTECODE)",
}


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m live_commerce_quality.bench", description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=float, action="append", help="scale factor, repeatable (default: 1 and 10)")
    p.add_argument("--month", default="2026-09", help="the month evaluated (YYYY-MM)")
    p.add_argument("--only", action="append", choices=PARTS, help="measure only these parts (repeatable)")
    p.add_argument("--out", type=Path, help="results folder (default: <LCQ_HOME>/bench)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--bad-share", type=float, default=0.0005, help="share of bad rows planted in the demo data")
    p.add_argument("--history-scale", type=float, help="scale of the 12-month landing (default: min(0.1, scales))")
    p.add_argument("--history-months", type=int, default=12)
    p.add_argument("--spark-scale", type=float, help="the scale the Spark path is measured at (default: the smallest)")
    p.add_argument("--pandas-mem-gb", type=float, default=8.0, help="memory cap of the pandas process")
    p.add_argument("--keep", action="store_true", help="keep the installations (under LCQ_BENCH_DIR/homes)")
    p.add_argument("--no-warm-up", dest="warm_up", action="store_false", help="skip the unmeasured first evaluation")
    args = p.parse_args(argv)
    args.scale = args.scale or [1.0, 10.0]
    args.only = set(args.only or PARTS)
    if args.history_scale is None:
        args.history_scale = min(0.1, *args.scale)
    if args.spark_scale is None:
        args.spark_scale = min(args.scale)
    return args


def run_scale(settings: Settings, args: argparse.Namespace, scale: float) -> dict:
    """Everything measured at one scale."""
    tag = f"sf{scale:g}"
    print(f"SF{scale:g}", flush=True)
    spec = data.LandingSpec(scale, (args.month,), args.seed, args.bad_share)
    landing, info = data.landing(settings, spec, settings.bench_work / "logs" / tag)
    out: dict = {"landing": info}
    spark = "spark" in args.only and scale == args.spark_scale
    if spark or args.only & {"monthly", "floor", "pandas"}:  # all held against the monthly run
        out["monthly"], inst = scenarios.monthly(settings, landing, args.month, tag)
        for which in ("floor", "pandas"):
            if which in args.only and out["monthly"]["ok"]:
                out[which] = scenarios.against_pipeline(settings, inst, out["monthly"], which, args.pandas_mem_gb)
        if spark and out["monthly"]["ok"]:
            out["spark"] = scenarios.spark_beside(settings, inst, out["monthly"])
        out["ratios"] = report.ratios(out)
        if not args.keep:
            shutil.rmtree(inst.home, ignore_errors=True)
    if "nightly" in args.only:
        out["nightly"] = scenarios.nightly(settings, landing, args.month, tag, args.keep)
    out["targets"] = report.targets(scale, out)
    return out


def warm_up(settings: Settings, args: argparse.Namespace) -> dict:
    """An unmeasured evaluation of a small landing first (scenarios.warm_up)."""
    print(f"warm-up: SF{WARM_UP_SCALE:g}, not measured", flush=True)
    spec = data.LandingSpec(WARM_UP_SCALE, (args.month,), args.seed, args.bad_share)
    landing, _ = data.landing(settings, spec, settings.bench_work / "logs" / "warm-up")
    return {"scale": WARM_UP_SCALE, **scenarios.warm_up(settings, landing, args.month)}


def run_history(settings: Settings, args: argparse.Namespace) -> dict:
    months = data.months_ending(args.month, args.history_months)
    print(f"history: SF{args.history_scale:g}, {len(months)} months", flush=True)
    spec = data.LandingSpec(args.history_scale, months, args.seed, args.bad_share)
    full, info = data.landing(settings, spec, settings.bench_work / "logs" / "history")
    result = scenarios.history(settings, full, args.month, months, args.keep)
    return {"scale": args.history_scale, "landing": info, **result, "target": None}


def main(argv: list[str] | None = None) -> dict:
    args = parse(argv)
    settings = Settings.from_env()
    document: dict = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": report.machine(),
        "git": report.git(),
        "arguments": {
            "scales": args.scale, "month": args.month, "seed": args.seed, "bad_share": args.bad_share,
            "only": sorted(args.only), "pandas_mem_gb": args.pandas_mem_gb,
        },
        "notes": NOTES,
        "scales": {},
    }  # fmt: skip
    if args.warm_up:
        document["warm_up"] = warm_up(settings, args)
    for scale in args.scale if args.only - {"history"} else ():
        document["scales"][f"{scale:g}"] = run_scale(settings, args, scale)
    targets = [t for s in document["scales"].values() for t in s["targets"]]
    if (scaling := report.scaling_target(document["scales"])) is not None:
        targets.append(scaling)
    if "history" in args.only:
        document["history"] = run_history(settings, args)
        document["history"]["target"] = report.history_target(document["history"])
        targets.append(document["history"]["target"])
    document["targets"] = targets
    document["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    print(report.table(document))
    path = report.write(document, args.out or settings.bench_results)
    print(f"\nwritten to {path}")
    return document
