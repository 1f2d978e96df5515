"""Grading whole tables: the marts in, the ratings and indicators outputs out (outputs.md).

The scoring of one subject (grading/grade.py) is plain Python, so a subject costs a few
kilobytes of objects while it is graded. Subjects are therefore graded a chunk at a time,
in (kind, id) order: what is held at once is one chunk's objects plus the columnar inputs
and ratings, whatever the number of subjects (at SF50, 543 k subjects and 7 M indicator
rows). What needs every subject comes first, over the columns: the pooled peer rates, and
for percentile scoring each peer group's sorted values. The chunk size changes nothing in
the outputs (tests/unit/test_grading_tables.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from live_commerce_quality.core.io import write_parquet_parts
from live_commerce_quality.core.methodology import Indicator, Methodology
from live_commerce_quality.core.outputs import INDICATORS, RATINGS
from live_commerce_quality.grading.grade import (
    IndicatorResult,
    SubjectResult,
    grade_subject,
    percentile_score,
    score_indicator,
)

# Subjects graded at once: about 13 indicator results and two output rows each, so a chunk
# holds some 100 MB of Python objects.
CHUNK_SUBJECTS = 20_000

# The columns of `fct_subject_indicators` grading reads.
COUNT_COLUMNS = ("subject_kind", "subject_id", "indicator_id", "numerator", "denominator", "raw_value")

# Columns `_with_peers` adds once every subject is graded; the rest are filled subject by subject.
PEER_COLUMNS = ("rank", "peer_percentile", "previous_grade", "score_change")

# Subject kinds made of members, which report member counts instead of being vetoed.
AGGREGATE_KINDS = ("agency", "platform")

# Subject kinds whose indicators are never smoothed (methodology: platforms).
UNSMOOTHED_KINDS = ("platform",)

GRADED_SCHEMA = {k: v for k, v in RATINGS.schema().items() if k not in PEER_COLUMNS}


@dataclass(frozen=True)
class EvaluationContext:
    period: str
    as_of: date
    status: str
    version: int = 1


# A percentile pool: (kind, peer group, indicator id) -> the applicable values, sorted.
Pools = dict[tuple[str, str, str], list[float]]


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


def _chunks(subjects: pl.DataFrame, indicators: pl.DataFrame, size: int) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
    """(subjects, their indicator rows) `size` subjects at a time, in the subjects' order.
    The indicator rows keep their order within a chunk (a repeated row: the last counts)."""
    keyed = subjects.select("subject_kind", "subject_id").with_row_index("_chunk")
    keyed = keyed.with_columns(pl.col("_chunk") // size)
    rows = indicators.join(keyed, on=["subject_kind", "subject_id"], how="inner", maintain_order="left")
    rows = rows.sort("_chunk", maintain_order=True)
    lengths = dict(rows.group_by("_chunk").len().iter_rows())
    offset = 0
    for chunk, start in enumerate(range(0, subjects.height, size)):
        n = lengths.get(chunk, 0)
        yield subjects.slice(start, size), rows.slice(offset, n).drop("_chunk")
        offset += n


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
    subjects: pl.DataFrame,
    indicators: pl.DataFrame,
    rates: dict[tuple, float],
    m: Methodology,
    which: tuple[Indicator, ...] | None = None,
) -> dict[tuple, list[IndicatorResult]]:
    """The indicators (`which`, default all) of every subject scored, by (kind, id), on the
    linear map; percentile scores are set afterwards (`_rank_in_pools`)."""
    counts = _counts_by_subject(indicators)
    scored: dict[tuple, list[IndicatorResult]] = {}
    for subj in subjects.iter_rows(named=True):
        key = (subj["subject_kind"], subj["subject_id"])
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
            for ind in (m.indicators if which is None else which)
        ]
    return scored


def _peer_groups(subjects: pl.DataFrame) -> dict[tuple, str]:
    """(kind, id) -> peer group."""
    keys = zip(subjects["subject_kind"], subjects["subject_id"], strict=True)
    return dict(zip(keys, subjects["peer_group"], strict=True))


def _percentile_pools(
    subjects: pl.DataFrame, indicators: pl.DataFrame, rates: dict[tuple, float], m: Methodology, size: int
) -> Pools:
    """The applicable values of every indicator in percentile mode, by kind and peer group,
    sorted: a percentile score ranks a subject among all its peers, so they are gathered
    before any chunk is graded (a first pass over the percentile indicators only)."""
    which = tuple(i for i in m.indicators if i.scoring == "percentile")
    pools: defaultdict[tuple, list[float]] = defaultdict(list)
    if not which:
        return {}
    for part, rows in _chunks(subjects, indicators, size):
        groups = _peer_groups(part)
        for key, results in _score_subjects(part, rows, rates, m, which).items():
            for r in results:
                if r.applicable:
                    pools[(key[0], groups[key], r.indicator_id)].append(r.adjusted_value)
    return {key: sorted(values) for key, values in pools.items()}


def _rank_in_pools(
    scored: dict[tuple, list[IndicatorResult]], groups: dict[tuple, str], pools: Pools, m: Methodology
) -> None:
    """Replace the linear score of every applicable indicator in percentile mode by its rank
    score among the applicable subjects of the same kind and peer group (in place)."""
    for key, results in scored.items():
        for r in results:
            ind = m.indicator(r.indicator_id)
            if ind.scoring == "percentile" and r.applicable:
                r.score = percentile_score(
                    r.adjusted_value, pools[(key[0], groups[key], r.indicator_id)], ind.direction
                )


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


def grade_parts(
    subjects: pl.DataFrame,
    indicators: pl.DataFrame,
    vetoes: pl.DataFrame,
    m: Methodology,
    ctx: EvaluationContext,
    chunk_subjects: int = CHUNK_SUBJECTS,
) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
    """Grade every evaluated subject, `chunk_subjects` at a time in (kind, id) order. Inputs
    are the dbt marts `dim_subjects`, `fct_subject_indicators` and `fct_veto_findings`;
    yields (ratings without the PEER_COLUMNS, indicators with the columns of outputs.md)."""
    subjects = subjects.sort("subject_kind", "subject_id")
    indicators = indicators.select(COUNT_COLUMNS)
    rates = peer_rates(indicators, subjects)
    pools = _percentile_pools(subjects, indicators, rates, m, chunk_subjects)
    veto_ids = _veto_findings(vetoes)
    for part, rows in _chunks(subjects, indicators, chunk_subjects):
        scored = _score_subjects(part, rows, rates, m)
        _rank_in_pools(scored, _peer_groups(part), pools, m)
        rating_rows, indicator_rows = [], []
        for subj in part.iter_rows(named=True):
            key = (subj["subject_kind"], subj["subject_id"])
            res = grade_subject(scored[key], veto_ids.get(key, []), m)
            rating_rows.append(_rating_row(subj, res, m, ctx))
            indicator_rows.extend(_indicator_row(subj, r, m, ctx) for r in scored[key])
        yield (
            pl.DataFrame(rating_rows, schema=GRADED_SCHEMA),
            pl.DataFrame(indicator_rows, schema=INDICATORS.schema()).select(INDICATORS.names),
        )


def with_peers(parts: list[pl.DataFrame], previous: pl.DataFrame | None, m: Methodology) -> pl.DataFrame:
    """The ratings from the graded parts of `grade_parts`: rank, percentile, previous grade."""
    graded = pl.concat(parts) if parts else pl.DataFrame(schema=GRADED_SCHEMA)
    return _with_peers(graded, previous, m).select(RATINGS.names).cast(RATINGS.schema())


def grade_all(
    subjects: pl.DataFrame,
    indicators: pl.DataFrame,
    vetoes: pl.DataFrame,
    m: Methodology,
    ctx: EvaluationContext,
    previous: pl.DataFrame | None = None,
    chunk_subjects: int = CHUNK_SUBJECTS,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(ratings, indicators) whole, sorted by kind and id: for tables that fit in memory."""
    rating_parts, indicator_parts = [], []
    for ratings, rows in grade_parts(subjects, indicators, vetoes, m, ctx, chunk_subjects):
        rating_parts.append(ratings)
        indicator_parts.append(rows)
    empty = pl.DataFrame(schema=INDICATORS.schema()).select(INDICATORS.names)
    return with_peers(rating_parts, previous, m), pl.concat(indicator_parts) if indicator_parts else empty


def grade_to_file(
    subjects: pl.DataFrame,
    indicators: pl.DataFrame,
    vetoes: pl.DataFrame,
    m: Methodology,
    ctx: EvaluationContext,
    indicators_path: Path,
    con,
    previous: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Grade every subject, the indicators output streamed to `indicators_path` chunk by
    chunk (never whole in memory) by DuckDB (`con`); returns the ratings."""
    rating_parts: list[pl.DataFrame] = []

    def indicator_parts() -> Iterator[pl.DataFrame]:
        for ratings, rows in grade_parts(subjects, indicators, vetoes, m, ctx):
            rating_parts.append(ratings)
            yield rows

    write_parquet_parts(indicator_parts(), INDICATORS.schema(), indicators_path, con)
    return with_peers(rating_parts, previous, m)


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
