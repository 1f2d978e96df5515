"""Two methodology versions on the same period: the grade migration matrix and the subjects
whose grade changes, with the indicators that moved them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl


def migration_matrix(ratings_a: pl.DataFrame, ratings_b: pl.DataFrame, grades: Sequence[str]) -> pl.DataFrame:
    """Rows: grade under A; columns: grade under B, both in `grades` order (the methodology's
    `grade_order`); cells: subjects. Every subject evaluated under both counts exactly once, so
    the cells add up to the subjects rated."""
    pairs = ratings_a.select("subject_kind", "subject_id", pl.col("grade").alias("grade_a")).join(
        ratings_b.select("subject_kind", "subject_id", pl.col("grade").alias("grade_b")),
        on=["subject_kind", "subject_id"],
        how="inner",
    )
    counts = {(a, b): n for a, b, n in pairs.group_by("grade_a", "grade_b").len().iter_rows()}
    rows = [{"grade_a": a, **{b: counts.get((a, b), 0) for b in grades}, "total": 0} for a in grades]
    for row in rows:
        row["total"] = sum(row[b] for b in grades)
    return pl.DataFrame(rows)


def movers(
    ratings_a: pl.DataFrame, ratings_b: pl.DataFrame, ind_a: pl.DataFrame, ind_b: pl.DataFrame, top: int = 3
) -> pl.DataFrame:
    """Subjects whose grade differs, with the indicators whose weighted score moved most."""
    key = ["subject_kind", "subject_id"]
    changed = ratings_a.select(*key, "subject_name", pl.col("grade").alias("grade_a"),
                               pl.col("total_score").alias("total_a")).join(
        ratings_b.select(*key, pl.col("grade").alias("grade_b"), pl.col("total_score").alias("total_b")),
        on=key,
    ).filter(pl.col("grade_a") != pl.col("grade_b"))  # fmt: skip
    scores = ind_a.select(*key, "indicator_id", "weight", pl.col("score").alias("score_a")).join(
        ind_b.select(*key, "indicator_id", pl.col("score").alias("score_b")), on=[*key, "indicator_id"]
    )
    moved = (
        scores.with_columns(delta=(pl.col("score_b").fill_null(0) - pl.col("score_a").fill_null(0)) * pl.col("weight"))
        .filter(pl.col("delta") != 0)
        .sort(pl.col("delta").abs(), "indicator_id", descending=[True, False])
        .group_by(key, maintain_order=True)
        .head(top)
        .with_columns(
            what=pl.format(
                "{} {}→{}",
                "indicator_id",
                pl.col("score_a").round(1).cast(pl.String).fill_null("n/a"),
                pl.col("score_b").round(1).cast(pl.String).fill_null("n/a"),
            )
        )
        .group_by(key, maintain_order=True)
        .agg(pl.col("what").str.join("; ").alias("moved_by"))
    )
    return changed.join(moved, on=key, how="left").sort(key)


def write_comparison(folder: Path, matrix: pl.DataFrame, changed: pl.DataFrame) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    matrix.write_csv(folder / "migration_matrix.csv")
    changed.write_csv(folder / "grade_changes.csv")


def format_matrix(matrix: pl.DataFrame, a: str, b: str) -> str:
    grades = matrix["grade_a"].to_list()
    corner = f"v{a} \\ v{b}"
    head = f"{corner:>10} " + " ".join(f"{g:>5}" for g in grades) + "  total"
    lines = [head]
    for row in matrix.iter_rows(named=True):
        lines.append(f"{row['grade_a']:>10} " + " ".join(f"{row[g]:>5}" for g in grades) + f"  {row['total']:>5}")
    lines.append(
        f"{'total':>10} " + " ".join(f"{matrix[g].sum():>5}" for g in grades) + f"  {matrix['total'].sum():>5}"
    )
    return "\n".join(lines)
