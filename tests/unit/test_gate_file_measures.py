"""The extracts gate reads a standardised file once: its measures are kept while it is unchanged,
and the results are the same as a gate that reads every file."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest

from live_commerce_quality.core.settings import Settings
from live_commerce_quality.quality import standardised
from tests.unit.test_quality import _rows, failure, gate, write, write_valid


@pytest.fixture
def measured(monkeypatch):
    """The files each gate run scans, by run."""
    runs: list[list[str]] = []
    real = standardised._measure_files

    def spy(con, checks, files):
        runs[-1].extend(f.name for f in files)
        return real(con, checks, files)

    monkeypatch.setattr(standardised, "_measure_files", spy)

    def run(**kw):
        runs.append([])
        return gate(**kw), sorted(runs[-1])

    return run


def _summary(result) -> list[tuple]:
    return [(r.target, r.expectation, r.column, r.success, r.observed, r.message) for r in result.results]


def test_a_second_gate_reads_only_new_files_with_the_same_results(lcq_home, measured):
    write_valid(lcq_home)
    first, scanned = measured()
    assert scanned == ["live_sessions.parquet", "operators.parquet", "orders.parquet", "reviews.parquet"]
    again, scanned = measured()
    assert scanned == [] and _summary(again) == _summary(first)

    bad = [dict(r, order_id=f"N{i}", quantity=0) for i, r in enumerate(_rows("orders"))]
    write(lcq_home, "orders", bad, dt=date(2025, 3, 2), name="next.csv")
    result, scanned = measured()
    assert scanned == ["next.parquet"]
    shown = failure(result, "quantity > 0")
    assert shown.observed == 3
    assert [(e["file"], e["line"]) for e in shown.examples] == [("dt=2025-03-02/next.csv", i) for i in (2, 3, 4)]

    Settings.from_env().extracts_measured.unlink()  # a gate reading everything agrees
    full, scanned = measured()
    assert len(scanned) == 5 and _summary(full) == _summary(result)


def test_a_file_written_again_is_measured_again(lcq_home, measured):
    write_valid(lcq_home)
    assert measured()[0].passed
    orders = _rows("orders")
    orders[1]["quantity"] = 0
    write(lcq_home, "orders", orders)
    result, scanned = measured()
    assert scanned == ["orders.parquet"]
    assert failure(result, "quantity > 0").observed == 1


def test_duplicate_keys_and_bad_schemas_are_counted_from_the_kept_measures(lcq_home, measured):
    orders = _rows("orders")
    orders[2]["order_id"] = "O1"
    write_valid(lcq_home, orders=orders)
    write(lcq_home, "orders", _rows("orders"), name="typed.csv", cast={"quantity": pl.String})
    first, _ = measured()
    again, scanned = measured()
    assert scanned == [] and _summary(again) == _summary(first)
    duplicate = failure(again, "unique within each file")
    assert duplicate.observed == 2 and [e["line"] for e in duplicate.examples] == [2, 4]
    assert "orders/dt=2025-03-01/typed.parquet: quantity=large_string" in failure(again, "quantity is int64").message


def test_other_checks_measure_every_file_again(lcq_home, measured):
    write_valid(lcq_home)
    measured()
    path = Settings.from_env().extracts_measured
    kept = json.loads(path.read_text())
    kept["sources"]["orders"]["fingerprint"] = "a suite changed since"
    path.write_text(json.dumps(kept))
    _, scanned = measured()
    assert scanned == ["orders.parquet"]
    path.write_text("{not json")  # unreadable: read everything, write it anew
    _, scanned = measured()
    assert len(scanned) == 4 and json.loads(path.read_text())["format"] == 1
