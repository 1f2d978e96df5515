"""Every place on disk is named once (core/layout.py): data/README.md lists the same entries
that `make clean` removes, and the layout's paths all lie under LCQ_HOME."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import date
from pathlib import Path

from live_commerce_quality.core.layout import HOME_ENTRIES, PROJECT_ROOT, Layout, clean


def test_data_readme_lists_exactly_the_home_entries():
    text = (PROJECT_ROOT / "data" / "README.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| `([^`]+?)/?` \|", text, flags=re.M)
    assert sorted(listed) == sorted(HOME_ENTRIES)


def test_make_clean_removes_every_entry_and_nothing_else(tmp_path):
    home = tmp_path / "home"
    for name in HOME_ENTRIES:
        (home / name).parent.mkdir(parents=True, exist_ok=True)
        if "." in name:
            (home / name).write_text("x")
        else:
            (home / name / "inner").mkdir(parents=True)
    (home / "README.md").write_text("kept")
    env = {**os.environ, "LCQ_HOME": str(home)}
    subprocess.run(["make", "-s", "clean"], cwd=PROJECT_ROOT, env=env, check=True, capture_output=True)
    assert sorted(p.name for p in home.iterdir()) == ["README.md"]
    assert clean(home) == []


def test_every_derived_path_lies_under_its_root(lcq_home):
    layout = Layout.from_env()
    day = date(2026, 3, 2)
    assert layout.archive_version("orders", day, "ab" * 32).is_relative_to(layout.archive)
    assert layout.archive_current("orders", day, "x.csv").is_relative_to(layout.archive)
    assert layout.standardised_file("orders", day, "x.csv").is_relative_to(layout.standardised)
    assert layout.quarantine_file("orders", day, "x.csv").is_relative_to(layout.quarantine)
    assert layout.evaluation_dir("2026-03", "final", date(2026, 4, 15), "1").name == "final-2026-04-15"
    assert layout.evaluation_dir("2026-03", "final", date(2026, 4, 15), "2").name == "final-2026-04-15-m2"
    for path in (layout.published_index, layout.purge_log, layout.archive_key_file, layout.ingest_lock, layout.logs):
        assert path.is_relative_to(lcq_home)
    top = {p.relative_to(lcq_home).parts[0] for p in (layout.purge_log, layout.archive_key_file, layout.published)}
    assert top <= set(HOME_ENTRIES)
    assert Path(layout.warehouse_lock).name in HOME_ENTRIES


def test_bench_results_lie_under_the_home_are_kept_by_clean_and_can_be_committed(lcq_home):
    layout = Layout.from_env()
    assert layout.bench_results == lcq_home / "bench"
    assert layout.bench_results.name not in HOME_ENTRIES  # make clean keeps the committed results
    assert "`bench/`" in (PROJECT_ROOT / "data" / "README.md").read_text(encoding="utf-8")
    if not (PROJECT_ROOT / ".git").exists():
        return
    ignored = lambda rel: subprocess.run(["git", "check-ignore", "-q", rel], cwd=PROJECT_ROOT).returncode == 0  # noqa: E731
    assert not ignored("data/bench/20260101T000000Z-host.json")
    assert not ignored("data/bench/latest.json")
    assert ignored("data/bench/scratch.txt")
    assert ignored("data/warehouse.duckdb")
