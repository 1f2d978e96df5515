"""Row-level lineage (standard clause 5): from an indicator value of a subject in a period
back to the archived files, with their SHA-256, and the number of their rows that fed it.

The dbt mart `fct_indicator_lineage` works it out during the transform, from the same
per-record facts the indicators are summed from (see its SQL for what `counted` and
`looked_up` rows are). The publish step keeps a copy in the evaluation's
`evidence/lineage.parquet`, so the lineage of an evaluation can be read long after the
warehouse has moved on to other periods and cutoffs; `lcq lineage` reads that copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from live_commerce_quality.core.io import json_text
from live_commerce_quality.core.methodology import DEFAULT_VERSION
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.core.subjects import SubjectRef
from live_commerce_quality.core.text import text_table
from live_commerce_quality.ops.retention import purged_checksums
from live_commerce_quality.publish.evidence import LINEAGE_COLUMNS, LINEAGE_FILE
from live_commerce_quality.transform.marts import LINEAGE_MART


class LineageError(LookupError):
    """No lineage to show, with the reason a person can act on."""


@dataclass(frozen=True)
class Found:
    """Where an evaluation's lineage was found, and its indicator values if at hand."""

    table: Path
    indicators: Path | None

    @property
    def label(self) -> str:
        return str(self.table)


def find(
    settings: Settings, period: str, as_of: str, methodology: str = DEFAULT_VERSION, evaluation: Path | None = None
) -> Found:
    """The lineage of the evaluation of `period` as of `as_of`.

    `evaluation` names the folder (`lcq evaluate --out` writes anywhere); otherwise the
    evaluation under the evaluations folder (final or provisional), and failing that the
    run's work folder, which `lcq evaluate --out` also leaves under LCQ_HOME.
    """
    if evaluation is not None:
        table = evaluation / LINEAGE_FILE
        if not table.is_file():
            raise LineageError(f"{evaluation} has no {LINEAGE_FILE} (evaluated before lineage was recorded?)")
        return Found(table, _if_file(evaluation / "indicators.parquet"))
    cutoff = date.fromisoformat(as_of)
    for status in ("final", "provisional"):
        folder = settings.evaluation_dir(period, status, cutoff, methodology)
        if (folder / LINEAGE_FILE).is_file():
            return Found(folder / LINEAGE_FILE, _if_file(folder / "indicators.parquet"))
    work = settings.work_dir(period, cutoff, methodology)
    table = work / "marts" / f"{LINEAGE_MART}.parquet"
    if table.is_file():
        return Found(table, _if_file(work / "output" / "indicators.parquet"))
    raise LineageError(
        f"no evaluation of {period} as of {as_of} (methodology {methodology}) found under {settings.evaluations} "
        f"or {work.parent}; pass --evaluation DIR for an evaluation written elsewhere"
    )


def _if_file(path: Path) -> Path | None:
    return path if path.is_file() else None


def files_of(found: Found, subject: SubjectRef, indicator_id: str, settings: Settings) -> pl.DataFrame:
    """The files that fed one indicator value: a row per (role, source, dt, file name,
    SHA-256) with its row count, and whether the file is still in the archive (`archive`)."""
    kind, subject_id = subject.kind, subject.id
    table = pl.read_parquet(found.table)
    of_subject = table.filter((pl.col("subject_kind") == kind) & (pl.col("subject_id") == subject_id))
    if of_subject.height == 0:
        # every evaluated subject has PRE-1 rows, so none at all means: not evaluated
        raise LineageError(f"{subject} was not evaluated in this evaluation ({found.label})")
    files = of_subject.filter(pl.col("indicator_id") == indicator_id)
    known = sorted(set(table["indicator_id"].to_list()))
    if files.height == 0 and indicator_id not in known:
        raise LineageError(f"unknown indicator {indicator_id!r}; the evaluation has {', '.join(known)}")
    files = files.select(LINEAGE_COLUMNS[3:]).sort("role", "source", "delivered_dt", "file_name")
    return files.with_columns(archive=pl.Series(_archive_states(settings, files), dtype=pl.String))


def _archive_states(settings: Settings, files: pl.DataFrame) -> list[str]:
    """Whether each file is still in the archive, or which purge removed it."""
    purged = purged_checksums(settings)
    states = []
    for r in files.iter_rows(named=True):
        if settings.archive_version(r["source"], r["delivered_dt"], r["file_sha256"]).is_dir():
            states.append("archived")
        elif r["file_sha256"] in purged:
            states.append(f"purged ({settings.purge_log.name}/{purged[r['file_sha256']]})")
        else:
            states.append("not in the archive")
    return states


def indicator_value(found: Found, subject: SubjectRef, indicator_id: str) -> dict | None:
    if found.indicators is None:
        return None
    kind, subject_id = subject.kind, subject.id
    rows = (
        pl.read_parquet(found.indicators)
        .filter(
            (pl.col("subject_kind") == kind)
            & (pl.col("subject_id") == subject_id)
            & (pl.col("indicator_id") == indicator_id)
        )
        .select("numerator", "denominator", "raw_value", "applicable")
        .to_dicts()
    )
    return rows[0] if rows else None


def format_text(subject: SubjectRef, indicator_id: str, files: pl.DataFrame, value: dict | None, found: Found) -> str:
    lines = [f"lineage of {indicator_id} for {subject} (from {found.label})"]
    if value is not None:
        lines.append(
            f"value: numerator {_num(value['numerator'])}, denominator {_num(value['denominator'])}, "
            f"raw {_num(value['raw_value'])}{'' if value['applicable'] else ' (not applicable)'}"
        )
    if files.height == 0:
        lines.append("no record fed this value (its denominator is 0)")
        return "\n".join(lines)
    header = ("role", "source", "dt", "file", "sha256", "rows", "archive")
    rows = [
        (
            r["role"],
            r["source"],
            r["delivered_dt"],
            r["file_name"],
            r["file_sha256"],
            r["row_count"],
            r["archive"],
        )
        for r in files.iter_rows(named=True)
    ]
    lines += text_table(header, rows, right=(5,))
    by_role = files.group_by("role").agg(files=pl.len(), rows=pl.col("row_count").sum()).sort("role")
    totals = (f"{r['role']} {r['rows']} row(s) from {r['files']} file(s)" for r in by_role.iter_rows(named=True))
    lines.append("total: " + "; ".join(totals))
    return "\n".join(lines)


def format_json(subject: SubjectRef, indicator_id: str, files: pl.DataFrame, value: dict | None, found: Found) -> str:
    payload = {
        "subject": str(subject),
        "indicator_id": indicator_id,
        "lineage_table": found.label,
        "value": value,
        "files": [dict(r, delivered_dt=str(r["delivered_dt"])) for r in files.iter_rows(named=True)],
    }
    return json_text(payload).rstrip("\n")


def _num(value) -> str:
    if value is None:
        return "-"
    return f"{value:g}" if isinstance(value, float) else str(value)
