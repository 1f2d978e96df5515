"""Publication (outputs.md, "Publication"): scheduled runs publish each evaluation under
`published/<period>/<status>-<as_of>/`, never overwriting one already published. When a
correction or late delivery changes a published rating, the restatement is a new folder
beside the old one (`…-v2`) with `restatement.json` giving the reason and the grades that
changed. `published/index.json` lists every publication; `published/<period>/latest`
points at the newest final one. A reader sees a whole folder or none of it.

A period whose inputs include rejected files is held until an operator accepts it
(`lcq accept-inputs`) or a good file replaces the bad one; the acceptance (who, when, why)
is in the evaluation's manifest and in its index entry.

Every file of a publication is inside its `SHA256SUMS`, signed (`SHA256SUMS.sig`, core/signing.py):
a restatement's folder is sealed again once `restatement.json` is written. The installation's
public key lies beside the index (`published/signing_key.pub`).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from live_commerce_quality.core.io import atomic_write_bytes, read_json, write_json
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.core.signing import PUBLIC_KEY_FILE
from live_commerce_quality.publish import evidence

CONTENT_FILES = ("ratings.parquet", "indicators.parquet")


@dataclass(frozen=True)
class Publication:
    period: str
    status: str
    as_of: str
    version: int
    folder: Path

    @property
    def name(self) -> str:
        base = f"{self.status}-{self.as_of}"
        return base if self.version == 1 else f"{base}-v{self.version}"


def publications(settings: Settings) -> list[dict]:
    """Every publication the index lists (period, status, as_of, version, folder, …)."""
    return _read_index(settings)


def _read_index(settings: Settings) -> list[dict]:
    path = settings.published_index
    return read_json(path)["publications"] if path.exists() else []


def latest(settings: Settings, period: str, status: str, as_of: str) -> Publication | None:
    """The publication a new one of `period` as of `as_of` would follow, if any.

    A provisional follows the newest of the same cutoff. A final is a series: the first at the
    settlement cutoff, then restatements as of later cutoffs when late data changed it; a final as
    of C follows the newest final as of C or before. So a re-run at an earlier cutoff (a backfill)
    finds its own publication and changes nothing, and one at a later cutoff restates the newest."""
    rows = [
        p
        for p in _read_index(settings)
        if (p["period"], p["status"]) == (period, status)
        and (p["as_of"] <= as_of if status == "final" else p["as_of"] == as_of)
    ]
    if not rows:
        return None
    newest = max(rows, key=lambda p: p["version"])
    return Publication(
        period, status, newest["as_of"], newest["version"], settings.publication_dir(period, newest["folder"])
    )


def same_content(ratings: pl.DataFrame, indicators: Path, folder: Path) -> bool:
    """Equal ratings and indicators (`indicators`: their file), whatever the publication version."""
    old_r = pl.read_parquet(folder / "ratings.parquet").drop("version")
    return old_r.equals(ratings.drop("version")) and same_rows(indicators, folder / "indicators.parquet")


def same_rows(a: Path, b: Path, window: int = 500_000) -> bool:
    """Equal Parquet tables, row for row, compared a window of rows at a time: an indicators
    output of millions of rows is never whole in memory."""
    left, right = pl.scan_parquet(a), pl.scan_parquet(b)
    if left.collect_schema() != right.collect_schema():
        return False
    rows = left.select(pl.len()).collect().item()
    if rows != right.select(pl.len()).collect().item():
        return False
    return all(
        left.slice(start, window).collect().equals(right.slice(start, window).collect())
        for start in range(0, rows, window)
    )


def accept_inputs(settings: Settings, period: str, as_of: str, reason: str, who: str) -> Path:
    """Record that an operator accepts publishing despite rejected input files."""
    path = settings.acceptance(period, as_of)
    accepted_at = datetime.now(UTC).isoformat(timespec="seconds")
    return write_json(
        path, {"period": period, "as_of": as_of, "reason": reason, "accepted_by": who, "accepted_at": accepted_at}
    )


def previous_evaluation(settings: Settings, period: str, methodology_version: str, published: bool) -> Path | None:
    """The folder whose ratings are the previous grades of a later period: the evaluations
    of `period` under `methodology_version`, final before provisional, then the latest
    cutoff, then the highest version. Publishing runs read the publication index (a
    published grade is set beside a published grade); other runs the evaluations folder."""
    candidates = []
    if published:
        for p in _read_index(settings):
            folder = settings.publication_dir(p["period"], p["folder"])
            if p["period"] == period and (folder / "ratings.parquet").exists():
                version = p.get("methodology_version") or read_json(folder / "evidence" / "manifest.json").get(
                    "methodology_version"
                )
                candidates.append((p["status"] == "final", p["as_of"], p["version"], str(version), folder))
    else:
        root = settings.evaluations / period
        for path in sorted(root.glob("*/evidence/manifest.json")) if root.is_dir() else []:
            folder = path.parents[1]
            if folder.name.startswith(".") or not (folder / "ratings.parquet").exists():
                continue
            man = read_json(path)
            key = (man["status"] == "final", man["cutoff"], man.get("version", 1), str(man["methodology_version"]))
            candidates.append((*key, folder))
    same = [c for c in candidates if c[3] == str(methodology_version)]
    return max(same, key=lambda c: c[:3])[4] if same else None


def publish(
    settings: Settings, evaluation: Path, manifest: dict, request: dict | None = None
) -> tuple[Publication | None, str]:
    """Publish an evaluation folder; returns (publication or None, what happened). `request`
    (who asked, and why) goes with a new publication: into its restatement.json and the index."""
    period, status, as_of = manifest["period"], manifest["status"], manifest["cutoff"]
    ratings = pl.read_parquet(evaluation / "ratings.parquet")
    version = int(ratings["version"][0]) if ratings.height else 1
    if manifest["rejected_files"] and not settings.acceptance(period, as_of).exists():
        files = ", ".join(f["file"] for f in manifest["rejected_files"])
        return None, (
            f"publication of {period} as of {as_of} held: {len(manifest['rejected_files'])} rejected input file(s)"
            f" ({files}); deliver a good file or run `lcq accept-inputs --period {period} --as-of {as_of}"
            ' --reason "..."`'
        )
    previous = latest(settings, period, status, as_of)
    if previous is not None and previous.version >= version:
        return previous, f"already published as {previous.folder} (same content)"
    name = Publication(period, status, as_of, version, Path()).name
    pub = Publication(period, status, as_of, version, settings.publication_dir(period, name))
    if pub.folder.exists():  # never overwrite what was published
        # a run killed between moving the folder into place and indexing it left it unlisted
        _update_index(settings, pub, manifest, request)
        return pub, f"already published as {pub.folder}"
    incoming = pub.folder.parent / f".{pub.folder.name}.incoming"
    shutil.rmtree(incoming, ignore_errors=True)
    shutil.copytree(evaluation, incoming)
    if previous is not None:
        _write_restatement(incoming, previous, manifest, request)
        evidence.seal(settings, incoming)  # restatement.json inside SHA256SUMS, signed again
    os.replace(incoming, pub.folder)
    atomic_write_bytes(settings.published_signing_key, (pub.folder / PUBLIC_KEY_FILE).read_bytes())
    _update_index(settings, pub, manifest, request)
    return pub, f"published as {pub.folder}"


def _write_restatement(folder: Path, previous: Publication, manifest: dict, request: dict | None) -> None:
    old = pl.read_parquet(previous.folder / "ratings.parquet").select("subject_kind", "subject_id", "grade")
    new = pl.read_parquet(folder / "ratings.parquet").select("subject_kind", "subject_id", "grade")
    changed = (
        old.join(new, on=["subject_kind", "subject_id"], how="full", suffix="_new", coalesce=True)
        .filter(~pl.col("grade").eq_missing(pl.col("grade_new")))
        .rename({"grade": "previous_grade", "grade_new": "grade"})
        .sort("subject_kind", "subject_id")
    )
    old_inputs = read_json(previous.folder / "evidence" / "manifest.json")["inputs"]
    seen = {(f["source"], f["dt"], f["file_name"], f["sha256"]) for f in old_inputs}
    new_files = [
        f"{f['source']}/dt={f['dt']}/{f['file_name']} ({f['sha256'][:12]})"
        for f in manifest["inputs"]
        if (f["source"], f["dt"], f["file_name"], f["sha256"]) not in seen
    ]
    payload = {
        "restates": previous.folder.name,
        "reason": "corrected or late deliveries changed the rating"
        if new_files
        else "re-evaluation changed the rating",
        "inputs_added_or_replaced": new_files,
        "grades_changed": changed.to_dicts(),
    }
    if request is not None:  # a person asked for this re-evaluation
        payload["requested_by"] = request.get("requested_by")
        payload["operator_reason"] = request["reason"]
    write_json(folder / "restatement.json", payload)


def _update_index(settings: Settings, pub: Publication, manifest: dict, request: dict | None = None) -> None:
    entries = [
        p for p in _read_index(settings) if (p["period"], p["status"], p["as_of"], p["version"])
        != (pub.period, pub.status, pub.as_of, pub.version)
    ]  # fmt: skip
    entries.append(
        {
            "period": pub.period,
            "status": pub.status,
            "as_of": pub.as_of,
            "version": pub.version,
            "folder": pub.name,
            "methodology_version": manifest["methodology_version"],
            "acceptance": manifest.get("acceptance"),
            **({"requested": request} if request is not None else {}),
        }
    )
    entries.sort(key=lambda p: (p["period"], p["status"], p["as_of"], p["version"]))
    latest_final = {}
    for p in entries:
        if p["status"] == "final":
            latest_final[p["period"]] = p["folder"]  # sorted: the last is the newest cutoff and version
    index = {"publications": entries, "latest": latest_final}
    write_json(settings.published_index, index)
    for period, folder in latest_final.items():
        link = settings.latest_link(period)
        tmp_link = link.with_name(".latest.tmp")
        if tmp_link.is_symlink() or tmp_link.exists():
            tmp_link.unlink()
        tmp_link.symlink_to(folder)
        os.replace(tmp_link, link)
