"""Restatements on late data (methodology.md, "Restatement"): a delivery received after a
period's final publication that changes its result re-evaluates the period, and the new version
is published beside the old one with `restatement.json`; nothing published is overwritten.

Which periods are due: each period's newest final publication, while the period is inside the
restatement window (its final cutoff at most `LCQ_RESTATEMENT_WINDOW_DAYS` days ago, 90 by
default: after that a published final stands), when the standardised layer holds records of the
period delivered after the publication's cutoff (`ops/changes.late_records`). A due period is
evaluated as of yesterday; the publication decides, from the content, whether that is a new
version (`publish/publication.latest`). Late data that changes nothing publishes nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from live_commerce_quality.core import methodology as methodology_mod
from live_commerce_quality.core.periods import Period
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.ops.changes import Window, late_records
from live_commerce_quality.publish.publication import publications
from live_commerce_quality.run.steps import run_evaluation

WINDOW_ENV = "LCQ_RESTATEMENT_WINDOW_DAYS"
DEFAULT_WINDOW_DAYS = 90


@dataclass(frozen=True)
class Due:
    period: str
    published: str  # the newest final publication's folder name
    published_as_of: date
    late_records: int
    late_files: int


def window_days() -> int:
    return int(os.environ.get(WINDOW_ENV, DEFAULT_WINDOW_DAYS))


def due(settings: Settings, today: date, methodology: str = methodology_mod.DEFAULT_VERSION) -> list[Due]:
    """The published finals that late deliveries (up to yesterday) may change."""
    lag = methodology_mod.load(methodology, settings.methodology_dir).settlement_lag_days
    newest: dict[str, dict] = {}
    for p in publications(settings):
        if p["status"] == "final" and p["version"] >= newest.get(p["period"], {}).get("version", 0):
            newest[p["period"]] = p
    found = []
    for period, pub in sorted(newest.items()):
        if (today - Period.parse(period).final_cutoff(lag)).days > window_days():
            continue
        since = date.fromisoformat(pub["as_of"])
        records = late_records(settings, Window(period, since, today - timedelta(days=1)))
        if records.height:
            files = records.select("source", "delivered_dt", "file_name").unique().height
            found.append(Due(period, pub["folder"], since, records.height, files))
    return found


def restate_due(settings: Settings, today: date, methodology: str = methodology_mod.DEFAULT_VERSION, say=print):
    """Re-evaluate every due period as of yesterday and publish what changed; returns what was done."""
    done = []
    for d in due(settings, today, methodology):
        cutoff = today - timedelta(days=1)
        say(f"{d.period}: {d.late_records} record(s) in {d.late_files} file(s) delivered after {d.published}")
        folder = run_evaluation(settings.landing, d.period, cutoff, settings=settings, methodology=methodology,
                                publish=True)  # fmt: skip
        done.append({"period": d.period, "as_of": cutoff.isoformat(), "evaluation": str(Path(folder))})
    return done
