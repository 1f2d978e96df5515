"""`make bench`: a month of 10 M orders end to end, timed step by step, with peak memory.

Target (issue 2): the whole evaluation of such a month in 5 minutes on 2 cores. The demo
landing is generated once into `LCQ_BENCH_DIR` (default /tmp/lcq-bench) and reused; each
bench run starts from an empty LCQ_HOME so ingest does its full work. Results are printed
and written to `bench/results/<timestamp>.json` (not committed).

    python -m live_commerce_quality.bench [--scale 10] [--month 2026-09]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import time
from pathlib import Path

from live_commerce_quality.core import methodology
from live_commerce_quality.core.io import json_text
from live_commerce_quality.core.periods import Period
from live_commerce_quality.core.settings import PROJECT_ROOT, Settings
from live_commerce_quality.demo import generate
from live_commerce_quality.run import steps


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux; children (dbt) reported separately
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return max(own, kids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=10.0, help="SF; 10 ≈ 10 M orders a month")
    parser.add_argument("--month", default="2026-09")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    root = Path(os.environ.get("LCQ_BENCH_DIR", "/tmp/lcq-bench"))
    landing = root / f"landing-sf{args.scale:g}-{args.month}-s{args.seed}"
    timings: dict[str, float] = {}
    if not (landing / ".complete").exists():
        shutil.rmtree(landing, ignore_errors=True)
        started = time.monotonic()
        generate(landing, [args.month], args.scale, args.seed, "parquet", 0.0005)
        (landing / ".complete").write_text("ok\n")
        timings["generate (not part of the target)"] = time.monotonic() - started

    home = root / "home"
    shutil.rmtree(home, ignore_errors=True)
    os.environ["LCQ_HOME"] = str(home)
    settings = Settings.from_env()

    lag = methodology.load(None, settings.methodology_dir).settlement_lag_days
    as_of = Period.parse(args.month).final_cutoff(lag)
    req = steps.EvaluationRequest(landing=landing, period=args.month, as_of=as_of, out=root / "evaluation")
    total_started = time.monotonic()
    for name, step in steps.STEPS:
        started = time.monotonic()
        step(req, settings)
        timings[name] = time.monotonic() - started
        print(f"  {name:<14} {timings[name]:7.1f} s   peak RSS so far {_peak_rss_mb():8.0f} MB", flush=True)
    total = time.monotonic() - total_started

    import polars as pl

    orders = pl.scan_parquet(str(settings.standardised / "orders" / "**" / "*.parquet")).select(pl.len()).collect()
    result = {
        "scale": args.scale,
        "month": args.month,
        "order_rows_standardised": int(orders.item()),
        "seconds": {k: round(v, 1) for k, v in timings.items()},
        "end_to_end_seconds": round(total, 1),
        "target_seconds": 300,
        "peak_rss_mb": round(_peak_rss_mb()),
        "cpus": os.cpu_count(),
    }
    print(json_text(result), end="")
    out = PROJECT_ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(json_text(result))


if __name__ == "__main__":
    main()
