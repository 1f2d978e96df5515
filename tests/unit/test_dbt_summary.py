"""What the transform step says about a dbt invocation, read from dbt's run_results.json."""

from __future__ import annotations

import json

from live_commerce_quality.transform.dbt import RUN_RESULTS, build_summary


def _result(node: str, status: str, seconds: float, message: str | None = None) -> dict:
    return {"unique_id": f"{node.split('_')[0]}.live_commerce_quality.{node}", "status": status,
            "execution_time": seconds, "message": message}  # fmt: skip


def test_summary_counts_names_the_failed_and_the_slowest(tmp_path):
    target = tmp_path / "dbt_target"
    target.mkdir()
    results = [
        _result("model_int_orders_current", "success", 12.04),
        _result("model_fct_subject_indicators", "error", 0.5, "Binder Error: column x not found\nLINE 3: ..."),
        _result("model_dim_subjects", "skipped", 0.0),
        _result("test_unique_dim_subjects", "fail", 0.1, "Got 2 results, configured to fail if != 0"),
        _result("model_stg_extracts__orders", "success", 3.26),
    ]
    (target / RUN_RESULTS).write_text(json.dumps({"results": results}))
    summary = build_summary(tmp_path, slowest=2)
    assert summary["nodes"] == {"error": 1, "fail": 1, "skipped": 1, "success": 2}
    assert summary["failed"] == [
        {
            "node": "model_fct_subject_indicators",
            "status": "error",
            "message": "Binder Error: column x not found LINE 3: ...",
        },
        {"node": "test_unique_dim_subjects", "status": "fail", "message": "Got 2 results, configured to fail if != 0"},
    ]
    assert summary["slowest_models"] == {"model_int_orders_current": 12.0, "model_stg_extracts__orders": 3.3}
