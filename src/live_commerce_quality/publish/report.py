"""`report.html`: the readable report of an evaluation (outputs.md). Self-contained — charts
are inline SVG drawn by publish/charts.py, the filter a few lines of script on the page, no
request leaves the file — bilingual (中文 first, English beside), and it prints to A4 with
page numbers and repeated table headers. Grade thresholds, labels and stage names come from
the methodology, platform names from core/platforms.yaml, indicator definitions from the dbt
docs blocks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl

from live_commerce_quality.core.definitions import indicator_definitions
from live_commerce_quality.core.io import write_text_parts
from live_commerce_quality.core.methodology import Methodology
from live_commerce_quality.publish import charts, labels
from live_commerce_quality.publish.html import template_env
from live_commerce_quality.publish.labels import GRADE_COLOURS
from live_commerce_quality.publish.quality_page import PAGE as QUALITY_PAGE
from live_commerce_quality.publish.quality_page import quality_summary
from live_commerce_quality.publish.report_appendix import methodology_appendix

# Above this many subjects the report gives one row per subject instead of a section each:
# a provincial month has tens of thousands, and a 100 MB page helps nobody.
DETAILED_MAX_SUBJECTS = 2000
# Movers: the largest changes each way in the chart, and in the table.
MOVERS_CHARTED = 12
MOVERS_LISTED = 50
# The subject table comes in blocks of this many rows, each laid out only when scrolled to.
CHUNK_ROWS = 250


def fmt(value, digits: int = 2) -> str:
    """A number for people: fixed decimals, trailing zeros kept (scores line up); — for none."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def fmt_value(value, unit: str) -> str:
    """An indicator value in its unit: shares as percentages, the others as numbers."""
    if value is None:
        return "—"
    if unit == "share":
        return f"{100 * value:.2f}%"
    return f"{value:,.2f}"


def _platform_or_all(code: str | None) -> str:
    """Agencies have no platform: their group is all platforms."""
    return "不分平台 all platforms" if code is None else labels.platform(code)


def _ordered(ratings: pl.DataFrame, m: Methodology) -> pl.DataFrame:
    kinds = {k: i for i, k in enumerate(m.subject_kinds)}
    return (
        ratings.with_columns(
            pl.col("subject_kind").replace_strict(kinds, default=len(kinds), return_dtype=pl.Int32).alias("_k")
        )
        .sort("_k", "platform", "subject_id", nulls_last=True)
        .drop("_k")
    )


def _row(row: dict, m: Methodology) -> dict:
    """A subject's rating row, ready to print."""
    kind, platform = row["subject_kind"], row["platform"]
    search = " ".join(str(v) for v in (row["subject_id"], row["subject_name"] or "", row["grade"], platform or ""))
    return {
        **row,
        "anchor": f"s-{kind}-{row['subject_id']}",
        "q": f"{search} {labels.platform(platform)}".lower(),
        "grade_label": labels.grade(m, row["grade"]),
        "reason": labels.reason(row),
    }


def _groups(ordered: pl.DataFrame, m: Methodology) -> list[dict]:
    """The subjects by (kind, platform), in report order: title, grade counts (grades in the
    order they first come) and where the group's rows are in `ordered`."""
    spans = (
        ordered.with_row_index("_i")
        .group_by("subject_kind", "platform", maintain_order=True)
        .agg(pl.col("_i").first().alias("start"), pl.len().alias("n"))
    )
    counts: dict[tuple, dict[str, int]] = {}
    graded = ordered.group_by("subject_kind", "platform", "grade", maintain_order=True).len()
    for kind, platform, grade, n in graded.iter_rows():
        counts.setdefault((kind, platform), {})[grade] = n
    return [
        {
            "kind": kind,
            "platform": platform,
            "anchor": f"g-{kind}-{platform or 'all'}",
            "title": f"{labels.kind(kind)} · {_platform_or_all(platform)}",
            "start": start,
            "n": n,
            "counts": counts[(kind, platform)],
        }
        for kind, platform, start, n in spans.iter_rows()
    ]


def _distribution(groups: list[dict], m: Methodology) -> list[dict]:
    """Per subject kind: the grade counts of each platform as a stacked-bar chart, and totals."""
    order = list(m.grade_order)
    out: list[dict] = []
    for g in groups:
        if not out or out[-1]["kind"] != g["kind"]:
            out.append({"kind": g["kind"], "title": labels.kind(g["kind"]), "bars": [], "totals": {}})
        out[-1]["bars"].append((_platform_or_all(g["platform"]), g["counts"]))
        for grade, n in g["counts"].items():
            out[-1]["totals"][grade] = out[-1]["totals"].get(grade, 0) + n
    for d in out:
        title = f"等级分布 grade distribution · {d['title']}"
        d["svg"] = charts.stacked_bars(d["bars"], order, GRADE_COLOURS, title)
        d["total"] = sum(d["totals"].values())
    return out


def _histograms(ordered: pl.DataFrame, m: Methodology) -> list[dict]:
    rated = {g.grade for g in m.grades}
    thresholds = [(g.grade, g.min_score) for g in m.grades]
    out = []
    for kind in m.subject_kinds:
        scores = ordered.filter(
            (pl.col("subject_kind") == kind) & pl.col("grade").is_in(list(rated)) & pl.col("total_score").is_not_null()
        )["total_score"].to_list()
        if scores:
            title = f"总分分布 score distribution · {labels.kind(kind)}"
            out.append(
                {
                    "title": labels.kind(kind),
                    "n": len(scores),
                    "svg": charts.histogram(scores, thresholds, GRADE_COLOURS, title),
                }
            )
    return out


def _movers(ordered: pl.DataFrame, m: Methodology) -> dict:
    """Subjects whose score changed against the previous period, largest change first, up and down apart."""
    changed = ordered.filter(pl.col("score_change").is_not_null() & (pl.col("score_change") != 0))
    up = changed.filter(pl.col("score_change") > 0).sort("score_change", "subject_id", descending=[True, False])
    down = changed.filter(pl.col("score_change") < 0).sort("score_change", "subject_id")

    def rows(frame: pl.DataFrame) -> list[dict]:
        return [
            {**r, "anchor": f"s-{r['subject_kind']}-{r['subject_id']}", "kind_label": labels.kind(r["subject_kind"])}
            for r in frame.head(MOVERS_LISTED).iter_rows(named=True)
        ]

    def short(r: dict) -> str:
        name = (r["subject_name"] or "")[:12]
        return f"{r['subject_id']} {name}".strip()

    charted = [(short(r), r["score_change"]) for r in up.head(MOVERS_CHARTED).iter_rows(named=True)]
    charted += [(short(r), r["score_change"]) for r in down.head(MOVERS_CHARTED).iter_rows(named=True)]
    compared = ordered.filter(pl.col("previous_grade").is_not_null()).height
    return {
        "compared": compared,
        "up": rows(up),
        "down": rows(down),
        "n_up": up.height,
        "n_down": down.height,
        "listed": MOVERS_LISTED,
        "svg": charts.diverging_bars(charted, "分数变化最大的对象 largest score changes") if charted else "",
        "grade_changes": ordered.filter(
            pl.col("previous_grade").is_not_null() & (pl.col("previous_grade") != pl.col("grade"))
        ).height,
    }


def _heat(indicators: pl.LazyFrame, m: Methodology) -> list[dict]:
    """Mean indicator score by platform (applicable indicators only), one table per subject kind."""
    scored = indicators.filter(pl.col("applicable") & pl.col("score").is_not_null() & pl.col("platform").is_not_null())
    means = (
        scored.group_by("subject_kind", "platform", "indicator_id")
        .agg(pl.col("score").mean().alias("mean"), pl.len().alias("n"))
        .collect()
    )
    cells = {(r["subject_kind"], r["platform"], r["indicator_id"]): r for r in means.iter_rows(named=True)}
    out = []
    for kind in m.subject_kinds:
        platforms = sorted(means.filter(pl.col("subject_kind") == kind)["platform"].unique().to_list())
        if not platforms:
            continue
        rows = []
        for ind in m.indicators:
            row = []
            for p in platforms:
                cell = cells.get((kind, p, ind.id))
                mean = None if cell is None else cell["mean"]
                row.append({"text": fmt(mean, 1), "colour": charts.heat(mean), "n": 0 if cell is None else cell["n"]})
            rows.append({"id": ind.id, "name": f"{ind.name_zh}", "name_en": ind.name_en, "cells": row})
        out.append({"title": labels.kind(kind), "platforms": [labels.platform(p) for p in platforms], "rows": rows})
    return out


def _with_indicators(groups: list[dict], ordered: pl.DataFrame, indicators: pl.LazyFrame, m: Methodology) -> None:
    """Detailed (a few thousand subjects at most): each subject's rows and indicator rows, in
    methodology order, a section each."""
    order = {ind.id: i for i, ind in enumerate(m.indicators)}
    units = {ind.id: ind.unit for ind in m.indicators}
    names = {ind.id: (ind.name_zh, ind.name_en) for ind in m.indicators}
    by_subject: dict[tuple, list[dict]] = {}
    for r in indicators.collect().iter_rows(named=True):
        unit = units.get(r["indicator_id"], "share")
        by_subject.setdefault((r["subject_kind"], r["subject_id"]), []).append(
            {
                **r,
                "name": names.get(r["indicator_id"], ("", "")),
                "raw": fmt_value(r["raw_value"], unit),
                "peer": fmt_value(r["peer_rate"], unit),
                "adjusted": fmt_value(r["adjusted_value"], unit),
                "why": labels.short_not_applicable(r["not_applicable_reason"]),
            }
        )
    for g in groups:
        g["rows"] = [_row(r, m) for r in ordered.slice(g["start"], g["n"]).iter_rows(named=True)]
        for row in g["rows"]:
            found = by_subject.get((row["subject_kind"], row["subject_id"]), [])
            row["indicators"] = sorted(found, key=lambda r: order.get(r["indicator_id"], 99))
        g["chunks"] = [g["rows"][i : i + CHUNK_ROWS] for i in range(0, g["n"], CHUNK_ROWS)]


def _with_scores(groups: list[dict], ordered: pl.DataFrame, indicators: pl.LazyFrame, m: Methodology) -> None:
    """Not detailed (any number of subjects): a row each with its indicator scores, made a
    chunk of rows at a time while the page is written, never all at once."""
    ids = [ind.id for ind in m.indicators]
    scores = (
        indicators.filter(pl.col("indicator_id").is_in(ids))
        .select("subject_kind", "subject_id", "indicator_id", "score")
        .collect()
        .pivot(on="indicator_id", index=["subject_kind", "subject_id"], values="score", aggregate_function="last")
    )
    missing = [pl.lit(None, pl.Float64).alias(i) for i in ids if i not in scores.columns]
    scores = scores.with_columns(missing).select("subject_kind", "subject_id", pl.concat_list(ids).alias("scores"))
    with_scores = ordered.join(scores, on=["subject_kind", "subject_id"], how="left", maintain_order="left")

    def chunks(start: int, n: int):
        for offset in range(0, n, CHUNK_ROWS):
            part = with_scores.slice(start + offset, min(CHUNK_ROWS, n - offset))
            yield [_row(r, m) for r in part.iter_rows(named=True)]

    for g in groups:
        g["chunks"] = chunks(g["start"], g["n"])


def report_parts(
    ratings: pl.DataFrame,
    indicators: pl.DataFrame | pl.LazyFrame,
    m: Methodology,
    manifest: dict,
    quality: dict | None = None,
) -> Iterator[str]:
    """The page as it is rendered, piece by piece (`indicators`: the indicators output, read
    only for the columns a page of this size shows)."""
    indicators = indicators.lazy()
    ordered = _ordered(ratings, m)
    groups = _groups(ordered, m)
    detailed = ratings.height <= DETAILED_MAX_SUBJECTS
    (_with_indicators if detailed else _with_scores)(groups, ordered, indicators, m)
    flagged = ordered.filter(pl.col("veto") | pl.col("not_rated_reason").is_not_null())
    distribution = _distribution(groups, m)
    return (
        template_env()
        .get_template("report.html.j2")
        .generate(
            period=manifest["period"],
            as_of=manifest["cutoff"],
            status=labels.status(manifest["status"]),
            manifest=manifest,
            methodology=m,
            ratings_count=ratings.height,
            kind_counts=[(labels.kind(d["kind"]), d["total"]) for d in distribution],
            warnings=[labels.warning(w) for w in manifest.get("warnings", [])],
            distribution=distribution,
            legend=charts.legend([(f"{g} {labels.grade(m, g)}", GRADE_COLOURS[g]) for g in m.grade_order]),
            histograms=_histograms(ordered, m),
            movers=_movers(ordered, m),
            heat=_heat(indicators, m),
            flagged=(_row(r, m) for r in flagged.iter_rows(named=True)),
            flagged_count=flagged.height,
            groups=groups,
            detailed=detailed,
            detailed_max=DETAILED_MAX_SUBJECTS,
            grades=list(m.grade_order),
            grade_label=lambda g: labels.grade(m, g),
            stage_label=lambda s: labels.stage(m, s),
            colours=GRADE_COLOURS,
            quality=quality,
            quality_page=QUALITY_PAGE,
            appendix=methodology_appendix(m, indicator_definitions()),
            fmt=fmt,
            platform_label=_platform_or_all,
        )
    )


def write_report(
    ratings: pl.DataFrame, indicators: pl.DataFrame | pl.LazyFrame, m: Methodology, manifest: dict, path: Path
) -> None:
    """Write `report.html`, streamed as it is rendered; its data-quality summary is read from
    the evaluation folder's evidence."""
    evidence = path.parent / "evidence" / "manifest.json"
    quality = quality_summary(path.parent) if evidence.exists() else None
    write_text_parts(report_parts(ratings, indicators, m, manifest, quality), path)
