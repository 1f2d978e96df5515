"""Retention: `purge` removes deliveries older than a date from every place they live,
records what it removed, refuses anything younger than three years, and leaves the
receipts describing exactly what is still held."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from live_commerce_quality.cli import main
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.ingest import ingest_landing, load_receipts
from live_commerce_quality.ops import retention

HEADER = "operator_id,platform,operator_name,credit_code,license_verified,main_category,region_code\n"
GOOD = "op{n},douyin,店{n},,true,food,110105\n"
BAD = "opx,douyin,坏行,,maybe,food,110105\n"  # not a boolean: set aside at ingest
TODAY = date(2026, 11, 28)


def deliver_operators(settings: Settings, dt: str, numbers: list[int], bad: bool = False) -> None:
    folder = settings.landing / "operators" / f"dt={dt}"
    folder.mkdir(parents=True)
    rows = "".join(GOOD.format(n=n) for n in numbers) + (BAD if bad else "")
    (folder / "operators.csv").write_text(HEADER + rows)


@pytest.fixture
def held(lcq_home, tmp_path) -> Settings:
    """Operator snapshots delivered on three days: 2021 (with a row set aside) and 2022,
    both old, and 2026, which supersedes them. Ingested from the settings' landing folder,
    as the scheduled runs do."""
    settings = Settings.from_env()
    deliver_operators(settings, "2021-05-01", [0], bad=True)
    deliver_operators(settings, "2022-12-31", [1])
    deliver_operators(settings, "2026-03-01", [0, 1, 2])
    ingest_landing(settings.landing, settings)
    return settings


def day_folders(settings: Settings) -> dict[str, list[str]]:
    out = {}
    for area in ("landing", "archive", "standardised", "quarantine"):
        root = getattr(settings, area) / "operators"
        out[area] = sorted(p.name for p in root.glob("dt=*")) if root.is_dir() else []
    return out


def test_earliest_allowed_is_three_calendar_years_back():
    assert retention.earliest_allowed(date(2026, 11, 28)) == date(2023, 11, 28)
    assert retention.earliest_allowed(date(2028, 2, 29)) == date(2025, 2, 28)


def test_refuses_anything_younger_than_three_years(held):
    before = day_folders(held)
    with pytest.raises(retention.PurgeRefused, match=r"less than 3 years old .* latest date allowed is 2023-11-28"):
        retention.purge(held, date(2023, 11, 29), reason="tidy up", today=TODAY)
    assert day_folders(held) == before
    assert not held.purge_log.exists()


def test_a_purge_needs_a_reason(held):
    with pytest.raises(retention.PurgeRefused, match="needs a reason"):
        retention.purge(held, date(2023, 1, 1), reason="  ", today=TODAY)


def test_dry_run_lists_and_removes_nothing(held):
    before = day_folders(held)
    result = retention.purge(held, date(2023, 1, 1), reason=None, today=TODAY, dry_run=True)
    assert result.record_path is None
    assert {(d["dt"], d["file_name"]) for d in result.record["deliveries"]} == {
        ("2021-05-01", "operators.csv"),
        ("2022-12-31", "operators.csv"),
    }
    assert day_folders(held) == before


def test_purge_removes_every_place_an_old_delivery_lives_and_records_it(held):
    old_files = {
        p: hashlib.sha256(p.read_bytes()).hexdigest()
        for area in ("landing", "archive", "standardised", "quarantine")
        for p in (getattr(held, area) / "operators").glob("dt=202[12]-*/**/*")
        if p.is_file()
    }
    assert any("quarantine" in str(p) for p in old_files)  # the row set aside in 2021

    result = retention.purge(held, date(2023, 1, 1), reason="retention period over", who="auditor", today=TODAY)

    assert day_folders(held) == {
        "landing": ["dt=2026-03-01"],
        "archive": ["dt=2026-03-01"],
        "standardised": ["dt=2026-03-01"],
        "quarantine": [],
    }
    receipts = load_receipts(held)  # still readable, and only what is still held
    assert [str(d) for d in receipts["dt"].to_list()] == ["2026-03-01"]
    assert not list(held.home.rglob(f"{retention.TRASH_PREFIX}*"))

    record = json.loads(result.record_path.read_text())
    assert result.record_path.parent == held.home / "purge_log"
    assert (record["status"], record["before"], record["requested_by"], record["reason"]) == (
        "done",
        "2023-01-01",
        "auditor",
        "retention period over",
    )
    assert {(d["dt"], d["rows_in"], d["rows_loaded"], d["rows_quarantined"]) for d in record["deliveries"]} == {
        ("2021-05-01", 2, 1, 1),
        ("2022-12-31", 1, 1, 0),
    }
    assert record["kept"] == []
    assert record["totals"]["archive"]["operators"]["rows_in"] == 3
    assert record["totals"]["landing"]["operators"]["files"] == 2
    roots = {f["area"]: Path(f["root"]) for f in record["folders"]}
    recorded = {roots[f["area"]] / f["path"]: f["sha256"] for f in record["files"]}
    assert recorded == old_files

    # nothing brings the purged deliveries back: their landing copies went with them
    ingest_landing(held.landing, held)
    assert [str(d) for d in load_receipts(held)["dt"].to_list()] == ["2026-03-01"]


def test_purge_finishes_an_interrupted_one(held):
    # a purge killed after moving a day folder aside, before deleting it
    leftover = held.standardised / f"{retention.TRASH_PREFIX}20990101T000000000000Z" / "operators" / "dt=2020-01-01"
    leftover.mkdir(parents=True)
    (leftover / "x.parquet").write_bytes(b"PAR1")
    result = retention.purge(held, date(2021, 1, 1), reason="finish", today=TODAY)
    assert result.record["finished_interrupted"] == [str(leftover.parents[1])]
    assert not leftover.parents[1].exists()
    assert day_folders(held)["archive"] == ["dt=2021-05-01", "dt=2022-12-31", "dt=2026-03-01"]


def test_cli_purge_refuses_then_removes_with_a_record(held):
    runner = CliRunner()
    young = runner.invoke(main, ["purge", "--before", "2026-01-01", "--reason", "x"])
    assert young.exit_code == 1
    assert "refused" in young.output and "kept at least 3 years" in young.output

    # real today: 2021 is more than three years ago whenever this runs
    old = runner.invoke(main, ["purge", "--before", "2022-01-01", "--reason", "retention period over"])
    assert old.exit_code == 0, old.output
    assert "removed every delivery with dt before 2022-01-01" in old.output
    assert "record: " in old.output
    assert day_folders(held)["archive"] == ["dt=2022-12-31", "dt=2026-03-01"]


def test_an_old_snapshot_still_in_effect_is_kept(held):
    # op9 was delivered once, in 2020, and never since: that is still its state today
    deliver_operators(held, "2020-06-01", [9])
    ingest_landing(held.landing, held)
    result = retention.purge(held, date(2023, 1, 1), reason="retention period over", today=TODAY)
    assert result.record["kept"] == [
        {"source": "operators", "dt": "2020-06-01", "reason": "holds the snapshot in effect of 1 record(s)"}
    ]
    assert "kept operators/dt=2020-06-01: holds the snapshot in effect of 1 record(s)" in retention.summary(result)
    assert day_folders(held) == {
        "landing": ["dt=2020-06-01", "dt=2026-03-01"],
        "archive": ["dt=2020-06-01", "dt=2026-03-01"],
        "standardised": ["dt=2020-06-01", "dt=2026-03-01"],
        "quarantine": [],
    }
