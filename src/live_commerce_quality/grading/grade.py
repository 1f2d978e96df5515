"""From indicator counts to scores and grades (methodology.md, "From values to a grade").

The dbt marts give, per subject and indicator, a numerator and a denominator (POST-2: a
median and the orders measured). Here, with the numbers of a `Methodology`:
smoothing toward the pooled peer rate, applicability, the linear score map, stage and total
weighted means, veto items, the not-rated rule, half-up rounding and the grade.

The scoring functions are pure and small so that their invariants can be tested directly;
`grade_all` applies them to whole tables in a fixed order so that the same inputs give
byte-identical outputs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from live_commerce_quality.core.methodology import STAGES, Indicator, Methodology
from live_commerce_quality.core.outputs import INDICATORS, RATINGS


def round_half_up(value: float, places: int = 2) -> float:
    """Half-up rounding of the value as written (89.995 -> 90.0), not of its binary image."""
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def linear_score(value: float, full: float, zero: float) -> float:
    """100 at `full`, 0 at `zero`, linear between, clamped; serves both directions."""
    score = 100.0 * (value - zero) / (full - zero)
    return min(100.0, max(0.0, score))


def smooth(numerator: float, denominator: float, peer_rate: float, k: float) -> float:
    """Shrink a rate toward its peer rate: (x + k·p) / (n + k)."""
    return (numerator + k * peer_rate) / (denominator + k)


@dataclass
class IndicatorResult:
    indicator_id: str
    numerator: float | None
    denominator: float
    raw_value: float | None
    peer_rate: float | None
    adjusted_value: float | None
    score: float | None
    weight: float
    applicable: bool
    not_applicable_reason: str | None


@dataclass
class SubjectResult:
    indicators: list[IndicatorResult]
    stage_scores: dict[str, float | None]
    total_score: float | None  # rounded half-up
    applicable_weight: float
    grade: str
    stars: str
    veto: bool
    veto_reasons: str | None
    not_rated_reason: str | None
    extra: dict = field(default_factory=dict)


def score_indicator(
    ind: Indicator,
    kind: str,
    numerator: float | None,
    denominator: float,
    raw_value: float | None,
    peer_rate: float | None,
    k: float,
    smoothing_on: bool,
) -> IndicatorResult:
    """Applicability, smoothing and score of one indicator of one subject.

    `peer_rate` is a ratio (numerator/denominator pooled over the peer group), before the
    indicator's unit scale; the result reports it in the indicator's unit.
    """
    if kind in ind.not_for:
        reason = f"does not apply to {kind}s"
    elif denominator < ind.n_min or raw_value is None:
        reason = f"denominator {denominator:g} below n_min {ind.n_min:g}"
    else:
        reason = None
    applicable = reason is None

    adjusted = raw_value
    if ind.smoothed and smoothing_on and peer_rate is not None and numerator is not None:
        adjusted = smooth(numerator, denominator, peer_rate, k) * ind.scale
    score = linear_score(adjusted, ind.full, ind.zero) if applicable else None
    return IndicatorResult(
        indicator_id=ind.id,
        numerator=numerator,
        denominator=denominator,
        raw_value=raw_value,
        peer_rate=None if peer_rate is None else peer_rate * ind.scale,
        adjusted_value=adjusted,
        score=score,
        weight=ind.weight,
        applicable=applicable,
        not_applicable_reason=reason,
    )


def percentile_score(value: float, peer_values: list[float], direction: str) -> float:
    """Score by rank within the peer group: the share of the other applicable peers that do
    worse, ties counting half; 100 when alone."""
    others = len(peer_values) - 1
    if others <= 0:
        return 100.0
    if direction == "higher":
        worse = sum(1 for v in peer_values if v < value)
    else:
        worse = sum(1 for v in peer_values if v > value)
    ties = sum(1 for v in peer_values if v == value) - 1
    return 100.0 * (worse + 0.5 * ties) / others


def apply_percentile_scoring(
    results: dict[tuple, list[IndicatorResult]], groups: dict[tuple, str], m: Methodology
) -> None:
    """Replace the linear score of every indicator in percentile mode by its rank score
    among the applicable subjects of the same kind and peer group (in place)."""
    percentile_ids = {i.id for i in m.indicators if i.scoring == "percentile"}
    if not percentile_ids:
        return
    pools: dict[tuple, list[float]] = defaultdict(list)
    for key, rows in results.items():
        for r in rows:
            if r.indicator_id in percentile_ids and r.applicable:
                pools[(key[0], groups[key], r.indicator_id)].append(r.adjusted_value)
    for key, rows in results.items():
        for r in rows:
            if r.indicator_id in percentile_ids and r.applicable:
                pool = pools[(key[0], groups[key], r.indicator_id)]
                r.score = percentile_score(r.adjusted_value, pool, m.indicator(r.indicator_id).direction)


def combine(results: list[IndicatorResult], m: Methodology) -> tuple[dict, float | None, float]:
    """Stage scores, unrounded total and applicable weight from scored indicators.

    Stage score: weighted mean over the stage's applicable indicators. Total: weighted mean of
    the stages with any applicable indicator, at their full stage weights — which shares an
    empty stage's weight among the others.
    """
    by_stage: dict[str, list[IndicatorResult]] = defaultdict(list)
    for r in results:
        if r.applicable:
            by_stage[m.indicator(r.indicator_id).stage].append(r)
    stage_scores: dict[str, float | None] = {}
    for stage in STAGES:
        rows = by_stage.get(stage, [])
        weight = sum(r.weight for r in rows)
        stage_scores[stage] = sum(r.weight * r.score for r in rows) / weight if weight else None
    live = [s for s in STAGES if stage_scores[s] is not None]
    total_weight = sum(m.stage_weights[s] for s in live)
    total = sum(m.stage_weights[s] * stage_scores[s] for s in live) / total_weight if total_weight else None
    applicable_weight = sum(r.weight for r in results if r.applicable)
    return stage_scores, total, applicable_weight


def grade_subject(results: list[IndicatorResult], veto_findings: list[str], m: Methodology) -> SubjectResult:
    stage_scores, total, applicable_weight = combine(results, m)
    rounded = None if total is None else round_half_up(total)
    not_rated_reason = None
    if applicable_weight < m.min_applicable_weight:
        missing = ", ".join(r.indicator_id for r in results if not r.applicable)
        not_rated_reason = (
            f"applicable weight {applicable_weight:g} below {m.min_applicable_weight:g} (not applicable: {missing})"
        )
    veto = bool(veto_findings)
    if veto:
        grade = m.grade_named(m.veto_grade)
    elif not_rated_reason is not None or rounded is None:
        grade = m.not_rated
    else:
        grade = m.grade_for(rounded)
    return SubjectResult(
        indicators=results,
        stage_scores=stage_scores,
        total_score=rounded,
        applicable_weight=applicable_weight,
        grade=grade.grade,
        stars=grade.stars,
        veto=veto,
        veto_reasons="; ".join(veto_findings) if veto else None,
        not_rated_reason=not_rated_reason,
    )


def peer_rates(indicators: pl.DataFrame, subjects: pl.DataFrame) -> dict[tuple, float]:
    """Pooled rate Σ numerators / Σ denominators per (kind, peer group, indicator), over every
    evaluated subject of the group, applicable or not."""
    pooled = (
        indicators.join(
            subjects.select("subject_kind", "subject_id", "peer_group"),
            on=["subject_kind", "subject_id"],
        )
        .filter(pl.col("numerator").is_not_null())
        .group_by("subject_kind", "peer_group", "indicator_id")
        .agg(pl.col("numerator").sum(), pl.col("denominator").sum())
        .filter(pl.col("denominator") > 0)
    )
    return {
        (row["subject_kind"], row["peer_group"], row["indicator_id"]): row["numerator"] / row["denominator"]
        for row in pooled.iter_rows(named=True)
    }


# Columns `_with_peers` adds once every subject is graded; the rest are filled subject by subject.
PEER_COLUMNS = ("rank", "peer_percentile", "previous_grade", "score_change")

# Subject kinds made of members, which report member counts instead of being vetoed.
AGGREGATE_KINDS = ("agency", "platform")

# Subject kinds whose indicators are never smoothed (methodology: platforms).
UNSMOOTHED_KINDS = ("platform",)


@dataclass(frozen=True)
class EvaluationContext:
    period: str
    as_of: date
    status: str
    version: int = 1


def _counts_by_subject(indicators: pl.DataFrame) -> defaultdict[tuple, dict[str, dict]]:
    """(kind, id) -> indicator id -> its row of `fct_subject_indicators` (a subject without
    rows gets none: every indicator then has a zero denominator)."""
    counts: dict[tuple, dict[str, dict]] = defaultdict(dict)
    for row in indicators.iter_rows(named=True):
        counts[(row["subject_kind"], row["subject_id"])][row["indicator_id"]] = row
    return counts


def _veto_findings(vetoes: pl.DataFrame) -> dict[tuple, list[str]]:
    """(kind, id) -> its veto findings as reported, in finding id order."""
    veto_ids: dict[tuple, list[str]] = defaultdict(list)
    for row in vetoes.sort("finding_id").iter_rows(named=True):
        veto_ids[(row["subject_kind"], row["subject_id"])].append(
            f"{row['finding_id']} ({row['severity']} {row['finding_type']})"
        )
    return veto_ids


def _score_subjects(
    subjects: pl.DataFrame, counts: defaultdict[tuple, dict[str, dict]], rates: dict[tuple, float], m: Methodology
) -> dict[tuple, list[IndicatorResult]]:
    """Every indicator of every subject scored, by (kind, id)."""
    scored: dict[tuple, list[IndicatorResult]] = {}
    groups: dict[tuple, str] = {}
    for subj in subjects.iter_rows(named=True):
        key = (subj["subject_kind"], subj["subject_id"])
        groups[key] = subj["peer_group"]
        scored[key] = [
            score_indicator(
                ind,
                key[0],
                numerator=counts[key].get(ind.id, {}).get("numerator"),
                denominator=float(counts[key].get(ind.id, {}).get("denominator") or 0.0),
                raw_value=counts[key].get(ind.id, {}).get("raw_value"),
                peer_rate=rates.get((key[0], subj["peer_group"], ind.id)),
                k=m.smoothing_k,
                smoothing_on=key[0] not in UNSMOOTHED_KINDS,
            )
            for ind in m.indicators
        ]
    # percentile scores rank a subject among its peers, so they wait until all are scored
    apply_percentile_scoring(scored, groups, m)
    return scored


def _rating_row(subj: dict, res: SubjectResult, m: Methodology, ctx: EvaluationContext) -> dict:
    """A subject's row of the ratings, without the PEER_COLUMNS."""
    kind = subj["subject_kind"]
    return {
        "subject_kind": kind,
        "subject_id": subj["subject_id"],
        "subject_name": subj["subject_name"],
        "platform": subj["platform"],
        "period": ctx.period,
        "as_of": ctx.as_of,
        "status": ctx.status,
        "version": ctx.version,
        "methodology_version": m.version,
        "total_score": res.total_score,
        "grade": res.grade,
        "stars": res.stars,
        "score_pre": res.stage_scores["pre"],
        "score_in": res.stage_scores["in"],
        "score_post": res.stage_scores["post"],
        "applicable_weight": res.applicable_weight,
        "veto": res.veto,
        "veto_reasons": res.veto_reasons,
        "not_rated_reason": res.not_rated_reason,
        # agencies and platforms: members evaluated, and members vetoed
        "members_evaluated": subj.get("members_evaluated") if kind in AGGREGATE_KINDS else None,
        "members_vetoed": subj.get("members_vetoed") if kind in AGGREGATE_KINDS else None,
    }


def _indicator_row(subj: dict, r: IndicatorResult, m: Methodology, ctx: EvaluationContext) -> dict:
    """One indicator of a subject as a row of the indicators output."""
    return {
        "subject_kind": subj["subject_kind"],
        "subject_id": subj["subject_id"],
        "platform": subj["platform"],
        "period": ctx.period,
        "as_of": ctx.as_of,
        "methodology_version": m.version,
        "indicator_id": r.indicator_id,
        "stage": m.indicator(r.indicator_id).stage,
        "numerator": r.numerator,
        "denominator": r.denominator,
        "raw_value": r.raw_value,
        "peer_rate": r.peer_rate,
        "adjusted_value": r.adjusted_value,
        "score": r.score,
        "weight": r.weight,
        "applicable": r.applicable,
        "not_applicable_reason": r.not_applicable_reason,
    }


def grade_all(
    subjects: pl.DataFrame,
    indicators: pl.DataFrame,
    vetoes: pl.DataFrame,
    m: Methodology,
    ctx: EvaluationContext,
    previous: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Grade every evaluated subject. Inputs are the dbt marts `dim_subjects`,
    `fct_subject_indicators` and `fct_veto_findings`; returns (ratings, indicators) with the
    columns of outputs.md, sorted by kind and id."""
    subjects = subjects.sort("subject_kind", "subject_id")
    rates = peer_rates(indicators, subjects)
    counts = _counts_by_subject(indicators)
    veto_ids = _veto_findings(vetoes)
    scored = _score_subjects(subjects, counts, rates, m)

    rating_rows, indicator_rows = [], []
    for subj in subjects.iter_rows(named=True):
        key = (subj["subject_kind"], subj["subject_id"])
        results = scored[key]
        res = grade_subject(results, veto_ids.get(key, []), m)
        rating_rows.append(_rating_row(subj, res, m, ctx))
        indicator_rows.extend(_indicator_row(subj, r, m, ctx) for r in results)

    graded = {k: v for k, v in RATINGS.schema().items() if k not in PEER_COLUMNS}
    ratings = _with_peers(pl.DataFrame(rating_rows, schema=graded), previous, m)
    ind_df = pl.DataFrame(indicator_rows, schema=INDICATORS.schema())
    return ratings.select(RATINGS.names).cast(RATINGS.schema()), ind_df.select(INDICATORS.names)


def _with_peers(ratings: pl.DataFrame, previous: pl.DataFrame | None, m: Methodology) -> pl.DataFrame:
    """Rank and percentile (methodology.md, "Rank and percentile"); the previous period's
    grade and score change.

    Among the rated subjects (grade A–E, vetoed ones included) of one kind and platform
    (agencies all together: their platform is null), ordered by grade, A first, then by
    rounded total, higher first (a vetoed subject without any total last of its grade);
    ties share the better rank. `peer_percentile` = 100 × the share of the other rated
    subjects of the group ranked below; 100 for a subject alone in its group. A not-rated
    subject has neither.
    """
    group = ["subject_kind", "platform"]
    rated_grades = [g.grade for g in m.grades]
    rated = pl.col("grade").is_in(rated_grades)
    # one exact integer per subject: better grade first, then higher total (in cents)
    position = pl.col("grade").replace_strict({g: i for i, g in enumerate(rated_grades)}, default=None)
    cents_behind = (10_000 - (pl.col("total_score") * 100).round(0)).fill_null(10_001).cast(pl.Int64)
    key = pl.when(rated).then(position.cast(pl.Int64) * 100_000 + cents_behind)
    peers = rated.cast(pl.Int64).sum().over(group)
    at_or_above = key.rank(method="max").over(group).cast(pl.Int64)
    ratings = ratings.with_columns(
        rank=key.rank(method="min").over(group).cast(pl.Int64),
        peer_percentile=pl.when(rated).then(
            pl.when(peers > 1).then(100.0 * (peers - at_or_above) / (peers - 1)).otherwise(100.0)
        ),
    )
    if previous is not None and previous.height:
        prev = previous.select(
            "subject_kind",
            "subject_id",
            pl.col("grade").alias("previous_grade"),
            pl.col("total_score").alias("_previous_total"),
        )
        ratings = ratings.join(prev, on=["subject_kind", "subject_id"], how="left").with_columns(
            score_change=(pl.col("total_score") - pl.col("_previous_total")).round(2)
        )
        ratings = ratings.drop("_previous_total")
    else:
        ratings = ratings.with_columns(previous_grade=pl.lit(None, pl.String), score_change=pl.lit(None, pl.Float64))
    return ratings.sort("subject_kind", "subject_id")
