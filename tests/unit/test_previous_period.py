"""The previous period's grades come from the evaluation found by period, methodology version
and status (final first, then the latest cutoff), not from the newest folder name."""

from __future__ import annotations

import json

import polars as pl

from live_commerce_quality.core.settings import Settings
from live_commerce_quality.publish.publication import previous_evaluation


def _evaluation(root, name, status, cutoff, methodology="1", version=1):
    folder = root / name
    (folder / "evidence").mkdir(parents=True)
    pl.DataFrame({"grade": ["A"]}).write_parquet(folder / "ratings.parquet")
    manifest = {"status": status, "cutoff": cutoff, "methodology_version": methodology, "version": version}
    (folder / "evidence" / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_final_first_then_latest_cutoff_same_methodology(lcq_home):
    settings = Settings.from_env()
    root = settings.evaluations / "2026-02"
    _evaluation(root, "provisional-2026-03-10", "provisional", "2026-03-10")
    final = _evaluation(root, "final-2026-03-15", "final", "2026-03-15")
    later = _evaluation(root, "final-2026-03-20", "final", "2026-03-20")
    _evaluation(root, "zz-final-2026-03-31-m2", "final", "2026-03-31", methodology="2")  # sorts last by name
    assert previous_evaluation(settings, "2026-02", "1", published=False) == later
    assert previous_evaluation(settings, "2026-02", "2", published=False).name == "zz-final-2026-03-31-m2"
    (later / "ratings.parquet").unlink()
    assert previous_evaluation(settings, "2026-02", "1", published=False) == final
    assert previous_evaluation(settings, "2026-01", "1", published=False) is None


def test_publishing_runs_read_the_index(lcq_home):
    settings = Settings.from_env()
    _evaluation(settings.evaluations / "2026-02", "final-2026-03-20", "final", "2026-03-20")
    assert previous_evaluation(settings, "2026-02", "1", published=True) is None  # nothing published
    pub = _evaluation(settings.published / "2026-02", "final-2026-03-15-v2", "final", "2026-03-15", version=2)
    _evaluation(settings.published / "2026-02", "final-2026-03-15", "final", "2026-03-15")
    entries = [
        {"period": "2026-02", "status": "final", "as_of": "2026-03-15", "version": v, "folder": f}
        for v, f in ((1, "final-2026-03-15"), (2, "final-2026-03-15-v2"))
    ]
    settings.published_index.write_text(json.dumps({"publications": entries, "latest": {}}))
    assert previous_evaluation(settings, "2026-02", "1", published=True) == pub
