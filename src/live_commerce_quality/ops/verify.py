"""`lcq verify FOLDER` (standard clause 7, 证实方法): prove a published evaluation right.

1. Every checksum in `SHA256SUMS` matches, and every file of the folder is in it (but the
   signature); the signature `SHA256SUMS.sig` verifies with the public key in the folder's
   evidence, whose fingerprint is reported (and held to the key published beside the index
   when the folder lies in this installation's `published/`).
2. The recorded methodology (`methodology.yaml`) is the one the manifest names by SHA-256.
3. The evaluation is recomputed from the archive in a temporary directory: the archived
   originals named in the manifest's `inputs` are decrypted into a scratch landing folder,
   and the whole pipeline runs on a scratch installation (every root inside the temporary
   directory) with the recorded methodology, period, cutoff and publication version, the
   previous period's ratings the manifest names and the acceptance it records.
4. Every output file is compared with the published one: Parquet tables cell by cell (row
   key, column, both values), the manifest field by field (a different code version is said,
   not failed), other files byte for byte.

Nothing is written into the installation: it is only read (the archive, its key, the previous
ratings). Not recomputed: `restatement.json` (it compares with an earlier publication; its
bytes are covered by the checksums and the signature) and the signing files.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from live_commerce_quality.core import crypto, signing
from live_commerce_quality.core.engines import DEFAULT_ENGINE
from live_commerce_quality.core.io import read_json, sha256_file, write_json
from live_commerce_quality.core.layout import dt_folder
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.ingest.archive import read_archived
from live_commerce_quality.publish.evidence import code_version
from live_commerce_quality.run.request import EvaluationError
from live_commerce_quality.run.steps import run_evaluation

log = logging.getLogger(__name__)

MANIFEST = "evidence/manifest.json"
# Files not recomputed: the seal (checked by itself) and the restatement (see the module text).
NOT_RECOMPUTED = (signing.SUMS_FILE, signing.SIGNATURE_FILE, signing.PUBLIC_KEY_FILE.as_posix(), "restatement.json")
# Row keys of the Parquet tables; any other table is compared row by row in order.
TABLE_KEYS = {
    "ratings.parquet": ("subject_kind", "subject_id"),
    "indicators.parquet": ("subject_kind", "subject_id", "indicator_id"),
}


@dataclass
class Verification:
    folder: Path
    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not self.differences

    def text(self) -> str:
        lines = [f"verify {self.folder}", *self.notes]
        if self.identical:
            lines.append("identical")
        else:
            lines.append(f"{len(self.differences)} difference(s):")
            lines.extend(f"  {d}" for d in self.differences)
        return "\n".join(lines)


def verify(settings: Settings, folder: Path) -> Verification:
    """Check and recompute the evaluation in `folder` (see the module text)."""
    folder = Path(folder).resolve()
    result = Verification(folder)
    check_checksums(folder, result)
    check_signature(settings, folder, result)
    try:
        manifest = read_json(folder / MANIFEST)
    except (OSError, ValueError) as exc:
        result.differences.append(f"{MANIFEST}: unreadable ({exc}); nothing to recompute")
        return result
    methodology = folder / "methodology.yaml"
    if not methodology.is_file() or sha256_file(methodology)[0] != manifest.get("methodology_sha256"):
        result.differences.append("methodology.yaml: its SHA-256 is not the manifest's methodology_sha256")
        return result
    here = code_version()
    if manifest.get("code_version") != here:
        result.notes.append(f"code version: published by {manifest.get('code_version')}, recomputed with {here}")
    with tempfile.TemporaryDirectory(prefix="lcq-verify-") as tmp:
        recomputed = _recompute(settings, folder, manifest, Path(tmp), result)
        if recomputed is not None:
            result.differences.extend(compare_folders(folder, recomputed))
    return result


# --- the seal ---------------------------------------------------------------------------------


def check_checksums(folder: Path, result: Verification) -> None:
    try:
        lines = (folder / signing.SUMS_FILE).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        result.differences.append(f"{signing.SUMS_FILE}: unreadable ({exc})")
        return
    listed = set()
    for line in lines:
        digest, _, name = line.partition("  ")
        listed.add(name)
        path = folder / name
        if not path.is_file():
            result.differences.append(f"{name}: listed in {signing.SUMS_FILE} but missing")
        elif sha256_file(path)[0] != digest:
            result.differences.append(f"{name}: its SHA-256 does not match {signing.SUMS_FILE}")
    unsummed = {signing.SUMS_FILE, signing.SIGNATURE_FILE}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if name not in listed and name not in unsummed:
            result.differences.append(f"{name}: not covered by {signing.SUMS_FILE}")
    result.notes.append(f"checksums: {len(listed)} file(s) listed in {signing.SUMS_FILE}")


def check_signature(settings: Settings, folder: Path, result: Verification) -> None:
    try:
        fp = signing.verify_folder(folder)
    except signing.SigningError as exc:
        result.differences.append(str(exc))
        return
    published = settings.published_signing_key
    installation = signing.read_fingerprint(published)
    if folder.is_relative_to(settings.published.resolve()) and installation not in (None, fp):
        result.differences.append(
            f"{signing.PUBLIC_KEY_FILE.as_posix()}: signed with key {fp}, not this installation's {installation}"
        )
        return
    whose = (
        "the key published beside this installation's index" if installation == fp else "no key of this installation"
    )
    result.notes.append(f"signature: valid, Ed25519 key {fp} ({whose})")


# --- recomputation ----------------------------------------------------------------------------


def scratch_settings(settings: Settings, root: Path) -> Settings:
    """An installation whose every root lies in `root`; the dbt project and expectations are the code's."""
    home = root / "home"
    return dataclasses.replace(
        settings,
        home=home,
        landing=root / "landing",
        archive=home / "archive",
        standardised=home / "standardised",
        quarantine=home / "quarantine",
        warehouse=home / "warehouse.duckdb",
        evaluations=home / "evaluations",
        airflow_home=home / "airflow",
        methodology_dir=root / "methodology",
    )


def _recompute(settings: Settings, folder: Path, manifest: dict, root: Path, result: Verification) -> Path | None:
    scratch = scratch_settings(settings, root)
    if not _restore_inputs(settings, scratch, manifest, result):
        result.notes.append("not recomputed: archived inputs are missing or unreadable")
        return None
    if not _restore_previous(settings, scratch, manifest, result):
        return None
    version = str(manifest["methodology_version"])
    scratch.methodology_dir.mkdir(parents=True)
    shutil.copyfile(folder / "methodology.yaml", scratch.methodology_dir / f"v{version}.yaml")
    if manifest.get("acceptance"):
        write_json(scratch.acceptance(manifest["period"], manifest["cutoff"]), manifest["acceptance"])
    out = root / "recomputed"
    try:
        run_evaluation(
            scratch.landing, manifest["period"], manifest["cutoff"], out, scratch, version,
            version=int(manifest.get("version") or 1), engine=manifest.get("engine") or DEFAULT_ENGINE,
        )  # fmt: skip
    except EvaluationError as exc:  # an evaluation that says why it failed still writes its folder
        result.notes.append(f"the recomputation ended with: {exc}")
    if not out.is_dir():
        result.differences.append("the evaluation could not be recomputed: no folder was written")
        return None
    result.notes.append(f"recomputed from {len(manifest['inputs'])} archived input(s)")
    return out


def _restore_inputs(settings: Settings, scratch: Settings, manifest: dict, result: Verification) -> bool:
    """Decrypt every input into the scratch landing; names every file that fails."""
    if not (os.environ.get(crypto.KEY_ENV) or settings.archive_key_file.exists()):
        result.differences.append(
            f"no archive key: set {crypto.KEY_ENV} or keep {settings.archive_key_file}; the archive cannot be read"
        )
        return False
    key = crypto.archive_key(settings.archive_key_file)
    ok = True
    for f in manifest["inputs"]:
        label = f"archived input {f['source']}/dt={f['dt']}/{f['file_name']}"
        try:
            data = read_archived(settings, f["source"], f["dt"], f["sha256"], f["file_name"], key)
        except (crypto.ArchiveDecryptError, FileNotFoundError) as exc:
            result.differences.append(f"{label}: {exc}")
            ok = False
            continue
        dest = scratch.landing / f["source"] / dt_folder(date.fromisoformat(f["dt"])) / f["file_name"]
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
    return ok


def _restore_previous(settings: Settings, scratch: Settings, manifest: dict, result: Verification) -> bool:
    """Put the previous period's ratings the manifest names where the scratch run finds them."""
    prev = manifest.get("previous")
    if not prev:
        return True
    places = (
        settings.publication_dir(prev["period"], prev["folder"]),
        settings.evaluations / prev["period"] / prev["folder"],
    )
    for place in places:
        ratings = place / "ratings.parquet"
        if ratings.is_file() and sha256_file(ratings)[0] == prev["ratings_sha256"]:
            dest = scratch.evaluations / prev["period"] / prev["folder"]
            (dest / "evidence").mkdir(parents=True)
            shutil.copyfile(ratings, dest / "ratings.parquet")
            shutil.copyfile(place / MANIFEST, dest / MANIFEST)
            return True
    result.differences.append(
        f"previous evaluation {prev['period']}/{prev['folder']} (ratings SHA-256 {prev['ratings_sha256'][:12]}…) "
        "not found in this installation: previous_grade and score_change cannot be recomputed"
    )
    return False


# --- comparison -------------------------------------------------------------------------------


def _files(folder: Path) -> set[str]:
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    return names - set(NOT_RECOMPUTED)


def compare_folders(published: Path, recomputed: Path) -> list[str]:
    """Every difference between the published folder and the recomputed one."""
    ours, theirs = _files(published), _files(recomputed)
    diffs = [f"{n}: published, but not recomputed" for n in sorted(ours - theirs)]
    diffs += [f"{n}: recomputed, but not in the published folder" for n in sorted(theirs - ours)]
    for name in sorted(ours & theirs):
        a, b = published / name, recomputed / name
        if a.read_bytes() == b.read_bytes():
            continue
        if name == MANIFEST:
            diffs.extend(_manifest_differences(a, b))
        elif name.endswith(".parquet"):
            diffs.extend(table_differences(name, a, b))
        else:
            diffs.append(f"{name}: differs from the recomputed file")
    return diffs


def _manifest_differences(a: Path, b: Path) -> list[str]:
    try:
        old, new = read_json(a), read_json(b)
    except ValueError:
        return [f"{MANIFEST}: not valid JSON"]
    keys = sorted((set(old) | set(new)) - {"code_version"})
    out = [
        f"{MANIFEST}: field {k}: published {old.get(k)!r}, recomputed {new.get(k)!r}"
        for k in keys
        if old.get(k) != new.get(k)
    ]
    return out or ([] if old.get("code_version") != new.get("code_version") else [f"{MANIFEST}: differs in layout"])


def table_differences(name: str, a: Path, b: Path) -> list[str]:
    """Cell by cell: rows only on one side, and every (row key, column) whose values differ."""
    try:
        old, new = pl.read_parquet(a), pl.read_parquet(b)
    except Exception as exc:  # any unreadable file is a difference, named
        return [f"{name}: cannot be read as Parquet ({type(exc).__name__})"]
    if old.columns != new.columns or old.schema != new.schema:
        return [f"{name}: columns differ: published {old.schema}, recomputed {new.schema}"]
    key = list(TABLE_KEYS.get(name, ()))
    if not key or old.select(key).is_duplicated().any() or new.select(key).is_duplicated().any():
        old, new, key = old.with_row_index("row"), new.with_row_index("row"), ["row"]
    joined = old.join(new, on=key, how="full", suffix="__new", coalesce=True, nulls_equal=True, maintain_order="left")
    diffs = []
    old_keys = set(old.select(key).rows())
    new_keys = set(new.select(key).rows())
    for row in joined.iter_rows(named=True):
        k = tuple(row[c] for c in key)
        where = ", ".join(f"{c}={v}" for c, v in zip(key, k, strict=True))
        if k not in new_keys:
            diffs.append(f"{name}: row {where}: published, not recomputed")
            continue
        if k not in old_keys:
            diffs.append(f"{name}: row {where}: recomputed, not published")
            continue
        for c in old.columns:
            if c not in key and not _same(row[c], row[f"{c}__new"]):
                diffs.append(f"{name}: row {where}, column {c}: published {row[c]!r}, recomputed {row[c + '__new']!r}")
    return diffs or [f"{name}: same cells, different bytes"]


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:  # NaN
        return True
    return a == b
