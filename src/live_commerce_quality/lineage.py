"""Row-level lineage (standard clause 5): from an indicator value of a subject in a period
back to the archived files, with their SHA-256, and the number of their rows that fed it.

The dbt mart `fct_indicator_lineage` works it out during the transform, from the same
per-record facts the indicators are summed from (see its SQL for what `counted` and
`looked_up` rows are). The publish step keeps a copy in the evaluation's
`evidence/lineage.parquet`, so the lineage of an evaluation can be read long after the
warehouse has moved on to other periods and cutoffs; `lcq lineage` reads that copy.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from live_commerce_quality.methodology import DEFAULT_VERSION
from live_commerce_quality.settings import Settings
from live_commerce_quality.text_table import text_table

MART = "fct_indicator_lineage"
EVIDENCE_FILE = Path("evidence") / "lineage.parquet"
COLUMNS = (
    "subject_kind",
    "subject_id",
    "indicator_id",
    "role",
    "source",
    "delivered_dt",
    "file_name",
    "file_sha256",
    "row_count",
)
SUBJECT_KINDS = ("operator", "streamer", "agency", "platform")


class LineageError(LookupError):
    """No lineage to show, with the reason a person can act on."""


def write_evidence(marts: Path, evidence: Path) -> Path:
    """Copy the exported lineage mart into the evidence pack, sorted: the table the
    warehouse returns has no fixed row order, and the evidence is checksummed."""
    frame = pl.read_parquet(marts / f"{MART}.parquet").select(COLUMNS).sort(COLUMNS)
    path = evidence / EVIDENCE_FILE.name
    tmp = path.with_name(f".{path.name}.tmp")
    frame.write_parquet(tmp, compression="zstd", statistics=True, row_group_size=1_000_000)
    os.replace(tmp, path)
    return path


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
        table = evaluation / EVIDENCE_FILE
        if not table.is_file():
            raise LineageError(f"{evaluation} has no {EVIDENCE_FILE} (evaluated before lineage was recorded?)")
        return Found(table, _if_file(evaluation / "indicators.parquet"))
    # the default methodology's folder has no suffix (pipeline.output_dir)
    suffix = "" if methodology == DEFAULT_VERSION else f"-m{methodology}"
    for status in ("final", "provisional"):
        folder = settings.evaluations / period / f"{status}-{as_of}{suffix}"
        if (folder / EVIDENCE_FILE).is_file():
            return Found(folder / EVIDENCE_FILE, _if_file(folder / "indicators.parquet"))
    work = settings.home / "runs" / f"{period}_as-of-{as_of}_m{methodology}"  # pipeline.work_dir
    table = work / "marts" / f"{MART}.parquet"
    if table.is_file():
        return Found(table, _if_file(work / "output" / "indicators.parquet"))
    raise LineageError(
        f"no evaluation of {period} as of {as_of} (methodology {methodology}) found under {settings.evaluations} "
        f"or {settings.home / 'runs'}; pass --evaluation DIR for an evaluation written elsewhere"
    )


def _if_file(path: Path) -> Path | None:
    return path if path.is_file() else None


def parse_subject(text: str) -> tuple[str, str]:
    kind, sep, subject_id = text.partition(":")
    if not sep or kind not in SUBJECT_KINDS or not subject_id:
        raise LineageError(f"subject must be KIND:ID with KIND one of {', '.join(SUBJECT_KINDS)}; got {text!r}")
    return kind, subject_id


def files_of(found: Found, subject: str, indicator_id: str, settings: Settings) -> pl.DataFrame:
    """The files that fed one indicator value: a row per (role, source, dt, file name,
    SHA-256) with its row count, and whether the file is still in the archive (`archive`)."""
    kind, subject_id = parse_subject(subject)
    table = pl.read_parquet(found.table)
    of_subject = table.filter((pl.col("subject_kind") == kind) & (pl.col("subject_id") == subject_id))
    if of_subject.height == 0:
        # every evaluated subject has PRE-1 rows, so none at all means: not evaluated
        raise LineageError(f"{subject} was not evaluated in this evaluation ({found.label})")
    files = of_subject.filter(pl.col("indicator_id") == indicator_id)
    known = sorted(set(table["indicator_id"].to_list()))
    if files.height == 0 and indicator_id not in known:
        raise LineageError(f"unknown indicator {indicator_id!r}; the evaluation has {', '.join(known)}")
    files = files.select(COLUMNS[3:]).sort("role", "source", "delivered_dt", "file_name")
    return files.with_columns(archive=pl.Series(_archive_states(settings, files), dtype=pl.String))


def _archive_states(settings: Settings, files: pl.DataFrame) -> list[str]:
    """Whether each file is still in the archive, or which purge removed it."""
    from live_commerce_quality.ingest.archive import version_dir
    from live_commerce_quality.retention import LOG_DIR, purged_checksums

    purged = purged_checksums(settings)
    states = []
    for r in files.iter_rows(named=True):
        if version_dir(settings, r["source"], r["delivered_dt"], r["file_sha256"]).is_dir():
            states.append("archived")
        elif r["file_sha256"] in purged:
            states.append(f"purged ({LOG_DIR}/{purged[r['file_sha256']]})")
        else:
            states.append("not in the archive")
    return states


def indicator_value(found: Found, subject: str, indicator_id: str) -> dict | None:
    if found.indicators is None:
        return None
    kind, subject_id = parse_subject(subject)
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


def format_text(subject: str, indicator_id: str, files: pl.DataFrame, value: dict | None, found: Found) -> str:
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


def format_json(subject: str, indicator_id: str, files: pl.DataFrame, value: dict | None, found: Found) -> str:
    payload = {
        "subject": subject,
        "indicator_id": indicator_id,
        "lineage_table": found.label,
        "value": value,
        "files": [dict(r, delivered_dt=str(r["delivered_dt"])) for r in files.iter_rows(named=True)],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def _num(value) -> str:
    if value is None:
        return "-"
    return f"{value:g}" if isinstance(value, float) else str(value)
