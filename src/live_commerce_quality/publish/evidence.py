"""The evidence pack of an evaluation (outputs.md): what went in, by which rules, with what
data quality, and checksums of everything handed out. Deterministic: no wall-clock times,
so a re-run of the same period as of the same cutoff writes the same bytes."""

from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path

import polars as pl

from live_commerce_quality.core import duck, signing
from live_commerce_quality.core.contract import CONTRACT_VERSION
from live_commerce_quality.core.io import copy_to_parquet, read_json, sha256_file, write_json, write_parquet
from live_commerce_quality.core.layout import PROJECT_ROOT
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.ingest import load_receipts
from live_commerce_quality.transform.marts import LINEAGE_MART

LINEAGE_FILE = Path("evidence") / "lineage.parquet"  # evidence/lineage.parquet of every evaluation folder
PREVIOUS_FILE = "previous.json"  # in the work folder: the previous period's evaluation grading used
LINEAGE_COLUMNS = (
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


def code_version() -> str:
    """Package version and, in a git checkout, the commit (with `-dirty` for local edits)."""
    version = metadata.version("live-commerce-quality")
    try:
        commit = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "rev-parse", "--short=12", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        return f"{version}+g{commit}{'-dirty' if dirty else ''}"
    except (OSError, subprocess.CalledProcessError):
        return version


def input_manifest(settings: Settings, cutoff, marts: Path) -> list[dict]:
    """Every delivered file with dt <= cutoff, with its row accounting for this run:
    rows_in = rows_loaded + rows_set_aside (at ingest, plus references unknown at the cutoff)."""
    receipts = load_receipts(settings)
    if receipts.height == 0:
        return []
    receipts = receipts.filter(pl.col("dt").cast(pl.Date) <= cutoff)
    set_aside = pl.read_parquet(marts / "fct_rows_set_aside.parquet")
    by_file = set_aside.group_by("file_sha256").agg(pl.len().alias("rows_set_aside_at_evaluation"))
    rows = (
        receipts.join(by_file, on="file_sha256", how="left")
        .with_columns(pl.col("rows_set_aside_at_evaluation").fill_null(0))
        .sort("source", "dt", "file_name")
    )
    out = []
    for r in rows.iter_rows(named=True):
        rows_in = r["rows_in"] or 0
        at_eval = r["rows_set_aside_at_evaluation"]
        ingest_aside = r["rows_quarantined"] or 0
        out.append(
            {
                "source": r["source"],
                "dt": str(r["dt"]),
                "file_name": r["file_name"],
                "sha256": r["file_sha256"],
                "status": r["status"],
                "reason": r["reason"],
                "rows_in": rows_in,
                "rows_loaded": (r["rows_loaded"] or 0) - at_eval,
                "rows_set_aside": ingest_aside + at_eval,
                "rows_set_aside_at_ingest": ingest_aside,
                "rows_set_aside_at_evaluation": at_eval,
            }
        )
    return out


def write_evidence(req, m, settings: Settings, work: Path, staged: Path) -> None:
    evidence = staged / "evidence"
    evidence.mkdir(parents=True, exist_ok=True)
    files = input_manifest(settings, req.as_of, work / "marts")
    rejected = [f for f in files if f["status"] == "rejected"]
    gates = {}
    for name in ("extracts", "marts", "outputs"):
        path = work / f"gate_{name}.json"
        if path.exists():
            gates[name] = read_json(path)
    manifest = {
        "period": req.period,
        "cutoff": req.as_of.isoformat(),
        "status": req.status(m),
        # the publication version the ratings carry (a restatement is 2, 3, ...)
        "version": int(pl.read_parquet(staged / "ratings.parquet", columns=["version"])["version"].max() or 1),
        "methodology_version": m.version,
        "methodology_sha256": m.content_hash,
        "code_version": code_version(),
        # the engine the dbt models ran on: DuckDB and Spark give the same values to the cell
        "engine": req.engine,
        "contract_version": CONTRACT_VERSION,
        "inputs": files,
        "rejected_files": [
            {"file": f"{f['source']}/dt={f['dt']}/{f['file_name']}", "reason": f["reason"]} for f in rejected
        ],
        "warnings": [f"rejected input {f['source']}/dt={f['dt']}/{f['file_name']}: {f['reason']}" for f in rejected]
        + _nothing_evaluated(work),
        # the evaluation of the previous period whose grades `previous_grade` shows (or null)
        "previous": read_json(work / PREVIOUS_FILE) if (work / PREVIOUS_FILE).exists() else None,
        # `lcq accept-inputs` for this period and cutoff: who, when, why (or null)
        "acceptance": _acceptance(settings, req),
    }
    write_json(evidence / "manifest.json", manifest)
    write_json(evidence / "data_quality.json", gates)
    set_aside = pl.read_parquet(work / "marts" / "fct_rows_set_aside.parquet")
    summary = {
        "set_aside_at_evaluation": dict(sorted(set_aside.group_by("source").len().iter_rows())),
        "set_aside_at_ingest": {f["source"]: 0 for f in files},
    }
    for f in files:
        summary["set_aside_at_ingest"][f["source"]] += f["rows_set_aside_at_ingest"]
    write_json(evidence / "quarantine_summary.json", summary)
    _write_rows_set_aside(settings, files, set_aside, evidence / "rows_set_aside.parquet")
    (staged / "methodology.yaml").write_bytes(m.path.read_bytes())
    write_lineage(settings, work / "marts", evidence)


def _nothing_evaluated(work: Path) -> list[str]:
    """The warning of a run whose every row was set aside (run/steps.py), with the gate's finding."""
    path = work / "nothing_evaluated.json"
    if not path.exists():
        return []
    return [f"no subject evaluated: every row was set aside; {read_json(path)['findings'][0]}"]


def _acceptance(settings: Settings, req) -> dict | None:
    path = settings.acceptance(req.period, req.as_of.isoformat())
    return read_json(path) if path.exists() else None


def _write_rows_set_aside(settings: Settings, files: list[dict], at_evaluation: pl.DataFrame, path: Path) -> None:
    """Every row this evaluation did not use, with its file, line and reason: set aside at
    ingest (the quarantine of the current version of each input file) or at evaluation
    (a reference unknown as of the cutoff). Personal fields never reach the quarantine."""
    current = {f["sha256"] for f in files if f["status"] != "rejected"}
    frames = [
        at_evaluation.select(
            pl.col("source"),
            pl.col("delivered_dt").cast(pl.Date).alias("dt"),
            pl.col("file_name"),
            pl.col("file_sha256"),
            pl.col("file_line").cast(pl.Int64).alias("line"),
            pl.col("set_aside_reason").alias("reason"),
            pl.col("record_key").cast(pl.String),
            pl.lit("evaluation").alias("set_aside_at"),
        )
    ]
    quarantined = sorted(settings.quarantine.glob("*/dt=*/*.parquet"))
    if quarantined and current:
        frames.append(
            pl.scan_parquet(quarantined)
            .filter(pl.col("file_sha256").is_in(list(current)))
            .select(
                pl.col("source"),
                pl.col("dt").cast(pl.Date),
                pl.col("file_name"),
                pl.col("file_sha256"),
                pl.col("line").cast(pl.Int64),
                pl.col("reason"),
                pl.col("record_key").cast(pl.String),
                pl.lit("ingest").alias("set_aside_at"),
            )
            .collect()
        )
    rows = pl.concat(frames, how="vertical_relaxed").sort("source", "dt", "file_name", "line", "set_aside_at")
    write_parquet(rows, path)


def write_lineage(settings: Settings, marts: Path, evidence: Path) -> Path:
    """Copy the exported lineage mart into the evidence pack: its columns but the key, in its
    order (sorted by them, transform/marts.py), streamed by DuckDB: at scale the table is tens
    of millions of rows. `lcq lineage` reads this copy, so the lineage of an evaluation outlives
    the warehouse's state."""
    source = duck.sql_string(marts / f"{LINEAGE_MART}.parquet")
    query = f"select {', '.join(LINEAGE_COLUMNS)} from read_parquet({source})"
    con = duck.connect(settings)
    try:
        copy_to_parquet(con, query, evidence / LINEAGE_FILE.name)
    finally:
        con.close()
    return evidence / LINEAGE_FILE.name


def seal(settings: Settings, folder: Path) -> str:
    """The installation's public key into the evidence, checksums of every file, and their
    signature (core/signing.py); returns the key's fingerprint."""
    key = signing.signing_key(settings.signing_key_file)
    signing.write_public_key(key, folder)
    write_checksums(folder)
    signing.sign_folder(key, folder)
    return key.fingerprint


def write_checksums(folder: Path) -> None:
    """SHA256SUMS: every file of the folder but itself and its signature."""
    lines = []
    unsummed = (signing.SUMS_FILE, signing.SIGNATURE_FILE)
    for path in sorted(
        p for p in folder.rglob("*") if p.is_file() and p.relative_to(folder).as_posix() not in unsummed
    ):
        digest, _ = sha256_file(path)
        lines.append(f"{digest}  {path.relative_to(folder).as_posix()}")
    (folder / signing.SUMS_FILE).write_text("\n".join(lines) + "\n")
