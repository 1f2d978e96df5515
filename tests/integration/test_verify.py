"""`lcq verify`: a fresh and a restated publication recompute identical from the archive; one
changed byte in an output, an evidence file or an archived input, or a replaced signature,
is found and named. Verify never writes into the installation."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from live_commerce_quality.core.settings import Settings

from .conftest import LCQ_VARS, build_hand_landing
from .test_publication import LATE_FINDING

pytestmark = pytest.mark.integration


def _tree(root):
    """Every path under `root` with its content hash (or link target): what verify must not change."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_symlink():
            out[rel] = "-> " + str(p.readlink())
        elif p.is_file():
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[rel] = "dir"
    return out


def _flip(path, offset=None):
    data = bytearray(path.read_bytes())
    i = len(data) // 2 if offset is None else offset
    data[i] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """(home, landing, first publication, restatement) of the hand fixture."""
    tmp = tmp_path_factory.mktemp("verify")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LCQ_HOME", str(tmp / "home"))
        for var in LCQ_VARS:
            mp.delenv(var, raising=False)
        from live_commerce_quality.run.steps import run_evaluation

        landing = build_hand_landing(tmp / "home" / "landing")  # the installation's landing: it publishes
        run_evaluation(landing, "2026-03", "2026-04-15", tmp / "e1", publish=True)
        (landing / "findings" / "dt=2026-04-15" / "late-inspection.csv").write_text(LATE_FINDING)
        run_evaluation(landing, "2026-03", "2026-04-15", tmp / "e2", publish=True)
    folder = tmp / "home" / "published" / "2026-03"
    return tmp / "home", tmp, folder / "final-2026-04-15", folder / "final-2026-04-15-v2"


@pytest.fixture
def env(published, monkeypatch):
    home = published[0]
    monkeypatch.setenv("LCQ_HOME", str(home))
    for var in LCQ_VARS:
        monkeypatch.delenv(var, raising=False)
    return published


def _verify(folder):
    from live_commerce_quality.cli import main

    return CliRunner().invoke(main, ["verify", str(folder)])


@pytest.mark.parametrize("which", ["fresh", "restated"])
def test_verify_passes_and_never_writes_into_the_installation(env, which):
    home, _, first, second = env
    folder = first if which == "fresh" else second
    if which == "restated":  # restatement.json is inside SHA256SUMS, and signed
        assert "restatement.json" in (folder / "SHA256SUMS").read_text()
    before = _tree(home)
    result = _verify(folder)
    assert result.exit_code == 0, result.output
    assert "identical" in result.output.splitlines()
    assert "signature: valid, Ed25519 key SHA256:" in result.output
    assert "published beside this installation's index" in result.output
    assert _tree(home) == before


def test_a_changed_output_byte_and_evidence_byte_are_named(env, tmp_path):
    _, _, first, _ = env
    copy = shutil.copytree(first, tmp_path / "copy")
    _flip(copy / "ratings.parquet")
    text = (copy / "evidence" / "quarantine_summary.json").read_text()
    (copy / "evidence" / "quarantine_summary.json").write_text(text.replace("{", "{ ", 1))
    result = _verify(copy)
    assert result.exit_code == 1, result.output
    assert "ratings.parquet: its SHA-256 does not match SHA256SUMS" in result.output
    assert "evidence/quarantine_summary.json: its SHA-256 does not match SHA256SUMS" in result.output
    assert "evidence/quarantine_summary.json: differs from the recomputed file" in result.output


def test_a_changed_table_cell_is_named_with_row_and_column(tmp_path):
    import polars as pl

    from live_commerce_quality.ops.verify import table_differences

    frame = pl.DataFrame({"subject_kind": ["operator"] * 2, "subject_id": ["A", "B"], "grade": ["B", "E"]})
    frame.write_parquet(tmp_path / "a.parquet")
    frame.with_columns(grade=pl.Series(["B", "D"])).write_parquet(tmp_path / "b.parquet")
    assert table_differences("ratings.parquet", tmp_path / "a.parquet", tmp_path / "b.parquet") == [
        "ratings.parquet: row subject_kind=operator, subject_id=B, column grade: published 'E', recomputed 'D'"
    ]


def test_a_replaced_signature_fails(env, tmp_path):
    _, _, first, _ = env
    copy = shutil.copytree(first, tmp_path / "copy")
    forged = Ed25519PrivateKey.generate().sign((copy / "SHA256SUMS").read_bytes())
    (copy / "SHA256SUMS.sig").write_text(base64.b64encode(forged).decode() + "\n")
    result = _verify(copy)
    assert result.exit_code == 1, result.output
    assert "SHA256SUMS.sig: the signature of SHA256SUMS does not verify with the key SHA256:" in result.output


def test_a_changed_archived_input_is_named(env):
    _, _, first, _ = env
    settings = Settings.from_env()
    inputs = json.loads((first / "evidence" / "manifest.json").read_text())["inputs"]
    target = next(f for f in inputs if f["source"] == "orders")
    from live_commerce_quality.ingest.archive import archived_path

    path = archived_path(settings, target["source"], target["dt"], target["sha256"], target["file_name"])
    original = path.read_bytes()
    try:
        _flip(path, offset=len(original) - 20)
        result = _verify(first)
    finally:
        path.write_bytes(original)
    assert result.exit_code == 1, result.output
    label = f"archived input orders/dt={target['dt']}/{target['file_name']}"
    assert label in result.output and "fails authentication" in result.output
    assert "not recomputed" in result.output
