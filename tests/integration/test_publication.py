"""Publication: never overwrite, restate beside, index and `latest`, hold on rejected inputs."""

from __future__ import annotations

import getpass
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from live_commerce_quality.core.settings import Settings
from live_commerce_quality.publish.publication import accept_inputs

from .conftest import LCQ_VARS, build_hand_landing

pytestmark = pytest.mark.integration

LATE_FINDING = (
    "finding_id,session_id,operator_id,streamer_id,detected_at,finding_type,severity,source,confirmed\n"
    "FND-B-09,,OP_B,,2026-03-20 10:00:00,counterfeit,major,inspection,true\n"
)


def _verify(folder):
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("LCQ_HOME", str(tmp_path / "home"))
    for var in LCQ_VARS:
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def test_publish_restate_and_index(env):
    from live_commerce_quality.run.steps import run_evaluation

    landing = build_hand_landing(env / "home" / "landing")  # the installation's landing: it publishes
    published = env / "home" / "published" / "2026-03"

    run_evaluation(landing, "2026-03", "2026-04-15", env / "e1", publish=True)
    first = published / "final-2026-04-15"
    assert (first / "ratings.parquet").exists() and not (first / "restatement.json").exists()
    assert (published / "latest").resolve() == first.resolve()
    _verify(first)

    # the same inputs again: nothing new is published
    run_evaluation(landing, "2026-03", "2026-04-15", env / "e2", publish=True)
    index = json.loads((env / "home" / "published" / "index.json").read_text())
    assert [p["folder"] for p in index["publications"]] == ["final-2026-04-15"]

    # a late inspection file (extracted on the cutoff day, arriving after publication), which a
    # person publishes by hand (through the DAG, as `lcq publish` does), saying why
    late = landing / "findings" / "dt=2026-04-15" / "late-inspection.csv"
    late.write_text(LATE_FINDING)
    why = "inspection report of 2026-03-20 received late from the market regulator"
    lcq = [str(Path(sys.executable).parent / "lcq"), "publish", "--period", "2026-03", "--as-of", "2026-04-15"]
    proc = subprocess.run([*lcq, "--reason", why], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    second = published / "final-2026-04-15-v2"
    restatement = json.loads((second / "restatement.json").read_text())
    assert restatement["restates"] == "final-2026-04-15"
    assert (restatement["operator_reason"], restatement["requested_by"]) == (why, getpass.getuser())
    assert any("late-inspection.csv" in f for f in restatement["inputs_added_or_replaced"])
    changed = {
        (c["subject_kind"], c["subject_id"]): (c["previous_grade"], c["grade"]) for c in restatement["grades_changed"]
    }
    assert changed[("operator", "OP_B")] == ("B", "E")
    assert pl.read_parquet(second / "ratings.parquet")["version"].unique().to_list() == [2]
    _verify(first)  # the earlier publication is untouched
    assert (published / "latest").resolve() == second.resolve()
    index = json.loads((env / "home" / "published" / "index.json").read_text())
    assert index["latest"]["2026-03"] == "final-2026-04-15-v2"
    assert index["publications"][-1]["requested"] == {"requested_by": getpass.getuser(), "reason": why}
    assert "requested" not in index["publications"][0]


def test_rejected_inputs_hold_publication_until_accepted(env):
    from live_commerce_quality.run.steps import PublicationHeld, run_evaluation

    landing = build_hand_landing(env / "home" / "landing")  # the installation's landing: it publishes
    bad = landing / "reviews" / "dt=2026-04-10" / "broken.csv.gz"
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_bytes(b"\x1f\x8b\x08\x00truncated")
    with pytest.raises(PublicationHeld, match=r"held: 1 rejected input file.*lcq accept-inputs"):
        run_evaluation(landing, "2026-03", "2026-04-15", env / "e1", publish=True)
    published = env / "home" / "published" / "2026-03"
    assert not (published / "final-2026-04-15").exists()
    manifest = json.loads((env / "e1" / "evidence" / "manifest.json").read_text())
    assert [f["file"] for f in manifest["rejected_files"]] == ["reviews/dt=2026-04-10/broken.csv.gz"]

    accept_inputs(Settings.from_env(), "2026-03", "2026-04-15", "truncated resend; original delivered", "tester")
    run_evaluation(landing, "2026-03", "2026-04-15", env / "e2", publish=True)
    assert (published / "final-2026-04-15" / "ratings.parquet").exists()
    # the acceptance is in what is published: the manifest and the index entry
    recorded = json.loads((published / "final-2026-04-15" / "evidence" / "manifest.json").read_text())["acceptance"]
    assert (recorded["accepted_by"], recorded["reason"]) == ("tester", "truncated resend; original delivered")
    assert recorded["accepted_at"]
    index = json.loads((env / "home" / "published" / "index.json").read_text())
    assert index["publications"][0]["acceptance"] == recorded
    _verify(published / "final-2026-04-15")


def test_late_delivery_after_the_final_publication_is_restated_once(env):
    """A correction delivered weeks after the final publication restates the period as of a
    later cutoff, beside the old folder; a second look and a re-run at the old cutoff change nothing."""
    from datetime import date

    from live_commerce_quality.run.restate import due, restate_due
    from live_commerce_quality.run.steps import run_evaluation

    landing = build_hand_landing(env / "home" / "landing")
    settings = Settings.from_env()
    run_evaluation(landing, "2026-03", "2026-04-15", env / "e1", publish=True)
    assert due(settings, date(2026, 5, 3)) == []  # nothing late yet

    late = landing / "findings" / "dt=2026-05-02" / "late-inspection.csv"
    late.parent.mkdir(parents=True)
    late.write_text(LATE_FINDING)
    run_evaluation(landing, "2026-05", "2026-05-02", env / "nightly")  # the nightly run ingests it
    [found] = due(settings, date(2026, 5, 3))
    # the fixture's own late deliveries (after 2026-04-15) and the inspection file
    assert (found.period, found.published) == ("2026-03", "final-2026-04-15") and found.late_records >= 1

    restate_due(settings, date(2026, 5, 3), say=lambda _: None)
    published = env / "home" / "published" / "2026-03"
    restated = published / "final-2026-05-02-v2"
    restatement = json.loads((restated / "restatement.json").read_text())
    assert restatement["restates"] == "final-2026-04-15"
    assert any("late-inspection.csv" in f for f in restatement["inputs_added_or_replaced"])
    assert {(c["subject_id"], c["previous_grade"], c["grade"]) for c in restatement["grades_changed"]} >= {
        ("OP_B", "B", "E")
    }
    _verify(restated)
    _verify(published / "final-2026-04-15")  # the first publication is untouched
    index = json.loads((env / "home" / "published" / "index.json").read_text())
    assert index["latest"]["2026-03"] == "final-2026-05-02-v2"

    # looking again, and re-running the original cutoff (a backfill), publish nothing new
    restate_due(settings, date(2026, 5, 4), say=lambda _: None)
    run_evaluation(landing, "2026-03", "2026-04-15", env / "e2", publish=True)
    index = json.loads((env / "home" / "published" / "index.json").read_text())
    assert [p["folder"] for p in index["publications"] if p["period"] == "2026-03"] == [
        "final-2026-04-15",
        "final-2026-05-02-v2",
    ]
