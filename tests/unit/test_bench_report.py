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


def test_the_table_shows_where_the_transform_step_spends_its_time():
    step = {"seconds": 170.3, "process_seconds": 171.0, "peak_rss_mb": 3342}
    profiled = {**step, "slowest_models": {"int_orders_current": 41.5, "fct_x": 9}}
    monthly = {
        "period": "2026-09", "as_of": "2026-10-15", "ok": True, "total": step,
        "steps": {"grade": dict(step), "transform": profiled},
    }  # fmt: skip
    lines = report.table({"scales": {"10": {"monthly": monthly}}, "targets": []}).splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("transform"))
    assert lines[at + 1].strip() == "int_orders_current 41.5 s, fct_x 9 s"
    assert not any("s, " in line for line in lines[: at + 1])  # the grade step has no profile
