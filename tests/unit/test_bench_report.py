"""The bench's targets: which apply at which scale, and SF50's scaling against SF10."""

from __future__ import annotations

from live_commerce_quality.bench import report


def _monthly(seconds: float, rss_mb: float, ok: bool = True) -> dict:
    return {"monthly": {"ok": ok, "total": {"seconds": seconds, "peak_rss_mb": rss_mb}}}


def test_sf50_has_the_memory_bound_and_no_sf10_targets():
    rows = report.targets(50.0, _monthly(1400.0, 3900.0))
    assert [(r["target"], r["met"]) for r in rows] == [("SF50 peak RSS <= 4 GiB", True)]


def test_scaling_is_sf50_over_sf10_end_to_end():
    row = report.scaling_target({"10": _monthly(300.0, 3000.0), "50": _monthly(1800.0, 3900.0)})
    assert (row["value"], row["limit"], row["met"]) == (6.0, 5.5, False)
    row = report.scaling_target({"10": _monthly(300.0, 3000.0), "50": _monthly(1500.0, 3900.0)})
    assert (row["value"], row["met"]) == (5.0, True)


def test_scaling_needs_both_scales_and_counts_a_failed_run_as_unknown():
    assert report.scaling_target({"10": _monthly(300.0, 3000.0)}) is None
    row = report.scaling_target({"10": _monthly(300.0, 3000.0), "50": _monthly(90.0, 3900.0, ok=False)})
    assert (row["value"], row["met"]) == (None, None)
