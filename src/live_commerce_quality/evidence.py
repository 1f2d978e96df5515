"""The evidence pack of an evaluation (outputs.md): what went in, by which rules, with what
data quality, and checksums of everything handed out. Deterministic: no wall-clock times,
so a re-run of the same period as of the same cutoff writes the same bytes."""

from __future__ import annotations

import hashlib
import json
import subprocess
from importlib import metadata
from pathlib import Path

import polars as pl

from live_commerce_quality import lineage
from live_commerce_quality.contract import CONTRACT_VERSION
from live_commerce_quality.settings import PROJECT_ROOT, Settings


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
    from live_commerce_quality.ingest import load_receipts

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
            gates[name] = json.loads(path.read_text())
    manifest = {
        "period": req.period,
        "cutoff": req.as_of.isoformat(),
        "status": req.status(m),
        # the publication version the ratings carry (a restatement is 2, 3, ...)
        "version": int(pl.read_parquet(staged / "ratings.parquet", columns=["version"])["version"].max() or 1),
        "methodology_version": m.version,
        "methodology_sha256": m.content_hash,
        "code_version": code_version(),
        "contract_version": CONTRACT_VERSION,
        "inputs": files,
        "rejected_files": [
            {"file": f"{f['source']}/dt={f['dt']}/{f['file_name']}", "reason": f["reason"]} for f in rejected
        ],
        "warnings": [f"rejected input {f['source']}/dt={f['dt']}/{f['file_name']}: {f['reason']}" for f in rejected],
    }
    _dump(evidence / "manifest.json", manifest)
    _dump(evidence / "data_quality.json", gates)
    set_aside = pl.read_parquet(work / "marts" / "fct_rows_set_aside.parquet")
    summary = {
        "set_aside_at_evaluation": dict(sorted(set_aside.group_by("source").len().iter_rows())),
        "set_aside_at_ingest": {f["source"]: 0 for f in files},
    }
    for f in files:
        summary["set_aside_at_ingest"][f["source"]] += f["rows_set_aside_at_ingest"]
    _dump(evidence / "quarantine_summary.json", summary)
    _write_rows_set_aside(settings, files, set_aside, evidence / "rows_set_aside.parquet")
    (staged / "methodology.yaml").write_bytes(m.path.read_bytes())
    lineage.write_evidence(work / "marts", evidence)


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
    rows.write_parquet(path, compression="zstd")


def write_checksums(folder: Path) -> None:
    lines = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "SHA256SUMS"):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{digest}  {path.relative_to(folder).as_posix()}")
    (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n")


def _dump(path: Path, payload) -> None:
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=True, default=str) + "\n")
