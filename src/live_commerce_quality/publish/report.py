"""`report.html`: the readable report of an evaluation — self-contained (no network), prints
cleanly to PDF. Indicator definitions come from the dbt docs blocks, written once."""

from __future__ import annotations

from pathlib import Path

import jinja2
import polars as pl

from live_commerce_quality.core.definitions import indicator_definitions
from live_commerce_quality.core.methodology import Methodology
from live_commerce_quality.core.outputs import KIND_SHEETS
from live_commerce_quality.publish.tables import GRADE_COLOURS

# Above this many subjects the report gives one row per subject instead of a section each:
# a provincial month has tens of thousands, and a 100 MB page helps nobody.
DETAILED_MAX_SUBJECTS = 2000


def _fmt(value, digits: int = 4) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        text = f"{value:.{digits}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def write_report(ratings: pl.DataFrame, indicators: pl.DataFrame, m: Methodology, manifest: dict, path: Path) -> None:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("live_commerce_quality.publish", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    grades, kinds = m.grade_order, m.subject_kinds
    distribution = []
    for kind in kinds:
        rows = ratings.filter(pl.col("subject_kind") == kind)
        if rows.height == 0:
            continue
        table = []
        for platform in sorted(rows["platform"].unique().to_list(), key=lambda p: p or ""):
            sub = rows.filter(pl.col("platform").eq_missing(platform))
            counts = dict(sub.group_by("grade").len().iter_rows())
            table.append({"platform": platform, **{g: counts.get(g, 0) for g in grades}, "total": sub.height})
        distribution.append((kind, table))
    ordered = ratings.with_columns(
        pl.col("subject_kind").replace_strict({k: i for i, k in enumerate(kinds)}, return_dtype=pl.Int32).alias("_k")
    ).sort("_k", "subject_id")
    detailed = ratings.height <= DETAILED_MAX_SUBJECTS
    order = {ind.id: i for i, ind in enumerate(m.indicators)}
    subjects, compact = [], []
    if detailed:
        by_subject = {
            key: group.to_dicts()
            for key, group in indicators.group_by("subject_kind", "subject_id", maintain_order=True)
        }
        for row in ordered.drop("_k").iter_rows(named=True):
            rows = by_subject.get((row["subject_kind"], row["subject_id"]), [])
            subjects.append({**row, "indicators": sorted(rows, key=lambda r: order.get(r["indicator_id"], 99))})
    else:
        scores = indicators.pivot(on="indicator_id", index=["subject_kind", "subject_id"], values="score")
        ids = [ind.id for ind in m.indicators]
        wide = ordered.join(scores, on=["subject_kind", "subject_id"], how="left")
        for kind in kinds:
            rows = wide.filter(pl.col("subject_kind") == kind)
            if rows.height:
                compact.append((kind, [{**r, "scores": [r.get(i) for i in ids]} for r in rows.iter_rows(named=True)]))
    movers = ordered.filter(
        pl.col("previous_grade").is_not_null() & (pl.col("previous_grade") != pl.col("grade"))
    ).to_dicts()
    flagged = ordered.filter(pl.col("veto") | pl.col("not_rated_reason").is_not_null()).to_dicts()
    html = env.get_template("report.html.j2").render(
        period=manifest["period"],
        as_of=manifest["cutoff"],
        status=manifest["status"],
        methodology=m,
        ratings_count=ratings.height,
        warnings=manifest.get("warnings", []),
        distribution=distribution,
        grades=grades,
        colours=GRADE_COLOURS,
        kind_names=KIND_SHEETS,
        movers=movers,
        flagged=flagged,
        subjects=subjects,
        detailed=detailed,
        compact=compact,
        names={ind.id: f"{ind.name_zh} {ind.name_en}" for ind in m.indicators},
        definitions=indicator_definitions(),
        fmt=_fmt,
    )
    path.write_text(html, encoding="utf-8")
