"""Every DuckDB connection gets the installation's bounds: memory limit, threads, spill folder."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import yaml

from live_commerce_quality.core import duck

ROOT = Path(__file__).resolve().parents[2]


def test_connections_and_dbt_get_the_same_bounds(settings, monkeypatch):
    monkeypatch.setenv(duck.MEMORY_LIMIT_ENV, "1GB")
    monkeypatch.setenv(duck.THREADS_ENV, "1")
    con = duck.connect(settings)
    try:
        limit, threads, spill = con.sql(
            "select current_setting('memory_limit'), current_setting('threads'), current_setting('temp_directory')"
        ).fetchall()[0]
    finally:
        con.close()
    assert limit in ("1.0 GiB", "953.6 MiB", "1.0 GB", "1000.0 MB", "953.6MiB")
    assert int(threads) == 1
    assert spill == str(settings.duckdb_spill) and settings.duckdb_spill.is_dir()
    env = duck.DuckDBBounds.of(settings).environment()  # what dbt's profile reads
    assert env == {"LCQ_DUCKDB_MEMORY_LIMIT": "1GB", "LCQ_DUCKDB_THREADS": "1",
                   "LCQ_DUCKDB_TEMP_DIRECTORY": str(settings.duckdb_spill)}  # fmt: skip


def test_defaults(settings, monkeypatch):
    monkeypatch.delenv(duck.MEMORY_LIMIT_ENV, raising=False)
    monkeypatch.delenv(duck.THREADS_ENV, raising=False)
    bounds = duck.DuckDBBounds.of(settings)
    assert bounds.memory_limit == duck.DEFAULT_MEMORY_LIMIT and bounds.threads >= 1


def _duckdb_profile(env: dict[str, str]) -> dict:
    """dbt_project/profiles.yml's duckdb target with its env_var() calls filled from `env`."""
    text = (ROOT / "dbt_project" / "profiles.yml").read_text(encoding="utf-8")
    text = re.sub(r"\{\{\s*env_var\('(\w+)', '[^']*'\)\s*\}\}", lambda m: env.get(m.group(1), ""), text)
    return yaml.safe_load(text)["live_commerce_quality"]["outputs"]["duckdb"]


def test_dbt_keeps_its_bounds_after_a_build_spills(settings, tmp_path):
    """What dbt-duckdb does with the profile: `config_options` when the database opens, `settings`
    again on every new cursor. A build that spilled must still get new cursors (DuckDB refuses to
    switch temp_directory once used), and the bounds must be the installation's."""
    bounds = duck.DuckDBBounds(memory_limit="40MB", threads=1, temp_directory=tmp_path / "spill")
    profile = _duckdb_profile(bounds.environment())
    con = duckdb.connect(str(tmp_path / "w.duckdb"), config=profile.get("config_options") or {})
    try:
        con.sql("create table spilled as select * from range(4000000) t(i) order by hash(i)")  # past 40 MB
        cursor = con.cursor()
        for key, value in (profile.get("settings") or {}).items():
            cursor.execute(f"set {key} = '{value}'")
        limit, threads, spill = cursor.sql(
            "select current_setting('memory_limit'), current_setting('threads'), current_setting('temp_directory')"
        ).fetchall()[0]
    finally:
        con.close()
    assert limit in ("38.1 MiB", "40.0 MB", "38.1MiB") and int(threads) == 1
    assert spill == str(bounds.temp_directory)
