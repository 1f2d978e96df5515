"""How many buckets the largest models are built in (transform/buckets.py): the orders rows
delivered from the period's first day to the cutoff, over the rows one query may take."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from live_commerce_quality.core.duck import DuckDBBounds
from live_commerce_quality.core.engines import SPARK
from live_commerce_quality.transform.buckets import bucket_count, delivered_rows


def _orders(settings, day: str, rows: int) -> None:
    folder = settings.standardised / "orders" / f"dt={day}"
    folder.mkdir(parents=True, exist_ok=True)
    pl.DataFrame({"order_id": [f"o{i}" for i in range(rows)]}).write_parquet(folder / f"orders_{day}.parquet")


def test_rows_are_counted_from_the_period_start_to_the_cutoff(settings):
    _orders(settings, "2026-02-28", 500)  # before P: not the period's
    _orders(settings, "2026-03-01", 3000)
    _orders(settings, "2026-04-15", 2000)
    _orders(settings, "2026-04-16", 700)  # after the cutoff
    assert delivered_rows(settings, "orders", date(2026, 3, 1), date(2026, 4, 15)) == 5000
    assert delivered_rows(settings, "reviews", date(2026, 3, 1), date(2026, 4, 15)) == 0


@pytest.mark.parametrize(("limit", "expected"), [("3GB", 1), ("2MB", 2), ("1MB", 3)])
def test_buckets_follow_the_rows_and_the_memory_limit(settings, monkeypatch, limit, expected):
    monkeypatch.setenv("LCQ_DUCKDB_MEMORY_LIMIT", limit)
    _orders(settings, "2026-03-02", 25_000)  # 1MB: 10,000 rows a bucket
    assert bucket_count(settings, date(2026, 3, 1), date(2026, 4, 15)) == expected
    assert bucket_count(settings, date(2026, 3, 1), date(2026, 4, 15), engine=SPARK) == 1


def test_no_deliveries_is_one_bucket(settings):
    assert bucket_count(settings, date(2026, 3, 1), date(2026, 4, 15)) == 1


@pytest.mark.parametrize(("spelled", "size"), [("3GB", 3e9), ("2500MiB", 2500 * 2**20), ("1 gb", 1e9)])
def test_memory_limit_in_bytes(settings, monkeypatch, spelled, size):
    monkeypatch.setenv("LCQ_DUCKDB_MEMORY_LIMIT", spelled)
    assert DuckDBBounds.of(settings).memory_limit_bytes == size


def test_a_memory_limit_that_is_no_size_is_refused_with_its_variable(settings, monkeypatch):
    monkeypatch.setenv("LCQ_DUCKDB_MEMORY_LIMIT", "lots")
    with pytest.raises(ValueError, match="LCQ_DUCKDB_MEMORY_LIMIT"):
        DuckDBBounds.of(settings).bucket_rows()
