"""Late data: the records of a period delivered after the cutoff it was evaluated as of,
each placed in its cohort and classed against the version in effect at the cutoff."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

from live_commerce_quality.core.contract import standardised_schema
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.ops import changes

SINCE = date(2026, 4, 15)


def deliver(settings: Settings, source: str, dt: str, rows: list[dict], name: str | None = None) -> None:
    """Standardised rows of one delivered file, as the ingest writes them."""
    name = name or f"{source}.csv"
    schema = standardised_schema(source)
    lineage = {"_dt": date.fromisoformat(dt), "_file_name": name, "_file_sha256": f"sha-{source}-{dt}"}
    full = [{**dict.fromkeys(schema), **row, **lineage, "_line": i + 2} for i, row in enumerate(rows)]
    folder = settings.standardised / source / f"dt={dt}"
    folder.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(full, schema=schema).write_parquet(folder / f"{name}.parquet")


def order(order_id: str, paid: str) -> dict:
    return {"order_id": order_id, "paid_at": datetime.fromisoformat(paid)}


def test_late_records_are_placed_in_their_cohort_and_classed(settings):
    deliver(settings, "orders", "2026-04-10", [order("O1", "2026-03-05 10:00"), order("O2", "2026-03-06 10:00")])
    deliver(settings, "reviews", "2026-04-10", [{"review_id": "R1", "order_id": "O2", "rating": 5}])
    deliver(settings, "operators", "2026-03-01", [{"operator_id": "OP1"}])
    # after the cutoff
    deliver(
        settings,
        "orders",
        "2026-04-20",
        [
            order("O1", "2026-04-02 10:00"),  # its payment time corrected into April
            order("O3", "2026-03-30 10:00"),  # a March order delivered late
            order("O4", "2026-04-05 10:00"),  # an April order: not of March
            order("O2", "2026-03-06 10:00"),  # a later version of a March order
        ],
    )
    deliver(
        settings,
        "after_sales",
        "2026-04-21",
        [{"case_id": "A1", "order_id": "O2"}, {"case_id": "A4", "order_id": "O4"}, {"case_id": "A9", "order_id": "O9"}],
    )
    deliver(settings, "reviews", "2026-04-21", [{"review_id": "R1", "order_id": "O2", "rating": 1}])
    deliver(settings, "operators", "2026-04-22", [{"operator_id": "OP1"}, {"operator_id": "OP2"}])

    records = changes.late_records(settings, changes.Window("2026-03", SINCE, None))
    got = {(r["source"], r["record_key"]): r["change"] for r in records.iter_rows(named=True)}
    assert got == {
        ("orders", "O1"): "moved out",
        ("orders", "O2"): "update",
        ("orders", "O3"): "new",
        ("after_sales", "A1"): "new",  # a late case of a March order counts for March
        ("reviews", "R1"): "not scored",  # the first delivered rating counts
        ("operators", "OP1"): "update",  # a later snapshot applies to March as of a later cutoff
        ("operators", "OP2"): "new",
    }
    o3 = records.filter(pl.col("record_key") == "O3").row(0, named=True)
    assert (o3["delivered_dt"], o3["file_name"], o3["file_sha256"], o3["file_line"]) == (
        date(2026, 4, 20),
        "orders.csv",
        "sha-orders-2026-04-20",
        3,
    )

    files = changes.by_file(records)
    orders_file = files.filter(pl.col("source") == "orders").row(0, named=True)
    assert (orders_file["new"], orders_file["update"], orders_file["moved out"]) == (1, 1, 1)

    # up to a day: what was delivered later is not looked at
    until = changes.late_records(settings, changes.Window("2026-03", SINCE, date(2026, 4, 20)))
    assert sorted(until["record_key"].to_list()) == ["O1", "O2", "O3"]


def test_nothing_late(settings):
    deliver(settings, "orders", "2026-04-10", [order("O1", "2026-03-05 10:00")])
    records = changes.late_records(settings, changes.Window("2026-03", SINCE, None))
    assert records.height == 0
    assert "0 record(s) of the period in 0 file(s)" in changes.format_text(
        changes.Window("2026-03", SINCE, None),
        records,
        changes.rejected_files(settings, changes.Window("2026-03", SINCE, None)),
    )
