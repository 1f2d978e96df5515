"""Every DuckDB connection gets the installation's bounds: memory limit, threads, spill folder."""

from __future__ import annotations

from live_commerce_quality.core import duck


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
