"""Demo landing data: monitoring extracts as platforms and monitors would deliver them.

`generate()` writes `<out>/<source>/dt=YYYY-MM-DD/<part>.<ext>` for every source of the
extract contract, for the CST calendar months asked, at a scale factor (SF1 is about
1 M orders a month). Everything is drawn from one seed with vectorised numpy/polars and
written with fixed writer settings, so the same arguments give byte-identical files.

What it plants, so that the pipeline has something to find:

- operators of five latent quality tiers (A best ... E worst) that drive every indicator,
  heavy-tailed sizes (some too small to be rated) and a few veto findings;
- day-by-day delivery: each record in the `dt` it was extracted, with updates as later
  versions of the same key (orders shipped, delivered, cancelled; sessions ended; cases
  and complaints closed; findings confirmed), late records, a correction file, edited
  reviews, and cumulative snapshots (full on the first day and each month's first day,
  weekly deltas in between) with attribute changes;
- with `bad_share` > 0, bad rows and a few bad files. Bad rows are extra rows with keys
  of their own (or duplicates of a non-final version), so the clean data, and hence every
  rating computed from it, is the same as with `bad_share=0`.

The package is split by source family, in the order they are generated (each needs the
ones before): `subjects` (operators, streamers, agencies), `sessions` (live_sessions,
products), `orders` (orders, after_sales, reviews), `service` (cs_conversations,
complaints) and `findings`. They draw from `world` (the knobs) on the `timeline`, build
rows with `frames` and hand them to the `landing`, which plants `faults` and writes
the `formats`. Each family draws from random streams of its own, but the landing's bad
rows depend on the order of deliveries, so `generate` keeps that order fixed.
"""

from __future__ import annotations

from pathlib import Path

from live_commerce_quality.core.contract import PLATFORMS, SOURCES
from live_commerce_quality.demo.findings import write_findings
from live_commerce_quality.demo.formats import FORMATS
from live_commerce_quality.demo.landing import Landing
from live_commerce_quality.demo.orders import write_after_sales, write_orders, write_reviews
from live_commerce_quality.demo.service import write_complaints, write_conversations
from live_commerce_quality.demo.sessions import write_products, write_sessions
from live_commerce_quality.demo.subjects import draw_agencies, draw_operators, draw_streamers, write_snapshots
from live_commerce_quality.demo.timeline import Calendar, day_str
from live_commerce_quality.demo.world import TIERS, Demo

__all__ = ["generate"]


def generate(
    out: Path,
    months: list[str],
    scale: float = 1.0,
    seed: int = 0,
    fmt: str = "parquet",
    bad_share: float = 0.002,
) -> dict:
    """Write a landing folder of demo extracts under `out` and return a summary.

    `months` are CST calendar months `YYYY-MM`; activity (sessions, orders) happens in
    them, deliveries continue `DELIVERY_TAIL_DAYS` days after the last one. `scale` 1 is
    about 1 M orders, 60,000 sessions and 2,000 operators a month. `fmt` is a contract
    format or `mixed`. `bad_share` is the share of bad rows planted (0 gives a clean
    landing; above 0 a few bad files are planted too).
    """
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    if not scale > 0:
        raise ValueError("scale must be > 0")
    if not 0 <= bad_share < 0.5:
        raise ValueError("bad_share must be in [0, 0.5)")
    demo = Demo(Calendar.of(months), scale, seed)
    w = Landing(Path(out), fmt, bad_share, seed, demo.cal)
    ops, sts, ags = draw_operators(demo), draw_streamers(demo), draw_agencies(demo)
    write_snapshots(demo, ops, sts, ags, w)
    sessions = write_sessions(demo, ops, sts, w)
    offers = write_products(demo, ops, sessions, w)
    orders = write_orders(demo, ops, sessions, offers, w)
    write_conversations(demo, ops, sessions, orders, w)
    write_after_sales(demo, orders, w)
    write_complaints(demo, ops, orders, w)
    write_reviews(demo, orders, w)
    write_findings(demo, ops, sts, sessions, orders, w)
    return {
        "months": demo.cal.months,
        "scale": scale,
        "seed": seed,
        "format": fmt,
        "bad_share": bad_share,
        "first_dt": day_str(demo.cal.first),
        "last_dt": day_str(demo.cal.last),
        "subjects": {
            "operators": len(ops),
            "streamers": len(sts),
            "agencies": len(ags),
            "platforms": len(PLATFORMS),
            "operators_by_tier": {t: int((ops.tier == i).sum()) for i, t in enumerate(TIERS)},
        },
        "records": dict(demo.records),
        "rows": {s: w.rows.get(s, 0) for s in SOURCES},
        "files": {s: w.files.get(s, 0) for s in SOURCES},
        "files_written": sum(w.files.values()),
        "bad_rows": {s: w.faults.bad_rows.get(s, 0) for s in SOURCES},
        "bad_files": w.faults.bad_files,
        **demo.planted,
    }
