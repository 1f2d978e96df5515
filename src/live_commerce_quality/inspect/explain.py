"""Explain one subject's rating: every indicator down to numerator and denominator, how the
stage scores, total and grade follow, and any veto or not-rated reason.

Indicator definitions are read from the dbt docs blocks (dbt_project/docs/indicators.md),
the one place they are written.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from live_commerce_quality.core.definitions import indicator_definitions
from live_commerce_quality.core.methodology import STAGES, Methodology
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.core.subjects import SubjectRef

LEADING_TITLE = re.compile(r"^\*\*.*?\*\*\s*(\([^)]*\)\.)?\s*")


def find_evaluation(settings: Settings, period: str) -> Path:
    """The newest evaluation of a period: final before provisional, later cutoff first."""
    folder = settings.evaluations / period
    candidates = sorted(
        (p for p in folder.glob("*") if (p / "ratings.parquet").exists()),
        key=lambda p: (p.name.startswith("final"), p.name),
    )
    if not candidates:
        raise FileNotFoundError(f"no evaluation of {period} under {folder}")
    return candidates[-1]


def _fmt(value, digits: int = 4) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}".rstrip("0").rstrip(".") if value == value else "—"
    return str(value)


def explain(folder: Path, subject: SubjectRef, m: Methodology) -> str:
    kind, subject_id = subject.kind, subject.id
    ratings = pl.read_parquet(folder / "ratings.parquet").filter(
        (pl.col("subject_kind") == kind) & (pl.col("subject_id") == subject_id)
    )
    if ratings.height == 0:
        raise LookupError(f"{subject} was not evaluated in {folder}")
    r = ratings.row(0, named=True)
    rows = pl.read_parquet(folder / "indicators.parquet").filter(
        (pl.col("subject_kind") == kind) & (pl.col("subject_id") == subject_id)
    )
    definitions = indicator_definitions()
    out = [
        f"{kind} {subject_id} {r['subject_name'] or ''} — platform {r['platform'] or '—'}",
        f"period {r['period']} as of {r['as_of']} ({r['status']}), methodology {r['methodology_version']}",
        "",
    ]
    by_id = {row["indicator_id"]: row for row in rows.iter_rows(named=True)}
    for stage in STAGES:
        zh, en = m.stage_names[stage]
        out.append(f"{zh} {en} (stage weight {m.stage_weights[stage]:g}): score {_fmt(r['score_' + stage], 2)}")
        for ind in (i for i in m.indicators if i.stage == stage):
            row = by_id.get(ind.id)
            if row is None:
                continue
            out.append(f"  {ind.id} {ind.name_zh} {ind.name_en}")
            # the block opens with the indicator's bold name and stage, already printed above
            out.append(f"      {LEADING_TITLE.sub('', definitions.get(ind.id, ''))}")
            line = (
                f"      numerator {_fmt(row['numerator'])} / denominator {_fmt(row['denominator'])}"
                f" → raw {_fmt(row['raw_value'])} {ind.unit}; peer {_fmt(row['peer_rate'])};"
                f" adjusted {_fmt(row['adjusted_value'])}"
            )
            out.append(line)
            if row["applicable"]:
                out.append(
                    f"      score {_fmt(row['score'], 2)} (full {ind.full:g} → 100, zero {ind.zero:g} → 0),"
                    f" weight {ind.weight:g}"
                )
            else:
                out.append(f"      not applicable: {row['not_applicable_reason']}")
        out.append("")
    live = [s for s in STAGES if r["score_" + s] is not None]
    parts = " + ".join(f"{m.stage_weights[s]:g}×{r['score_' + s]:.2f}" for s in live)
    weight = sum(m.stage_weights[s] for s in live)
    out.append(f"total = ({parts}) / {weight:g} = {_fmt(r['total_score'], 2)} (rounded half-up)")
    out.append(f"applicable weight {r['applicable_weight']:g} of 100")
    if r["veto"]:
        out.append(f"veto → grade {r['grade']}: {r['veto_reasons']}")
    elif r["not_rated_reason"]:
        out.append(f"not rated ({r['grade']}): {r['not_rated_reason']}")
    else:
        out.append(f"grade {r['grade']} {r['stars']}")
    if r.get("rank") is not None:
        out.append(f"rank {r['rank']} among {kind}s of its platform (percentile {_fmt(r['peer_percentile'], 1)})")
    if r.get("previous_grade") is not None:
        out.append(f"previous period: {r['previous_grade']}, change {_fmt(r['score_change'], 2)}")
    return "\n".join(out)
