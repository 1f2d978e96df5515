"""From indicator counts to scores and grades (methodology.md, "From values to a grade").

The dbt marts give, per subject and indicator, a numerator and a denominator (POST-2: a
median and the orders measured). Here, with the numbers of a `Methodology`:
smoothing toward the pooled peer rate, applicability, the linear score map, stage and total
weighted means, veto items, the not-rated rule, half-up rounding and the grade.

The scoring functions are pure and small so that their invariants can be tested directly;
`grading/tables.py` applies them to whole tables, subjects in a fixed order and a bounded
number at a time, so that the same inputs give byte-identical outputs at any size.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from live_commerce_quality.core.methodology import STAGES, Indicator, Methodology


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
    worse, ties counting half; 100 when alone. `peer_values` are the group's applicable
    values, the subject's own included, sorted ascending: the counts are two binary searches,
    so a group of n subjects costs n log n, not n²."""
    others = len(peer_values) - 1
    if others <= 0:
        return 100.0
    below, up_to = bisect_left(peer_values, value), bisect_right(peer_values, value)
    worse = below if direction == "higher" else len(peer_values) - up_to
    ties = up_to - below - 1
    return 100.0 * (worse + 0.5 * ties) / others


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
