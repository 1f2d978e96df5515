"""Small tables (indicator marts, graded outputs): every row through Great Expectations.

These tables hold one row per subject (x indicator): thousands of rows, not millions,
so GX validates the real rows with the suite file's expectations as written, and the
offending rows it reports (by the table's key) become the examples.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from live_commerce_quality.quality import _gx
from live_commerce_quality.quality.model import Check, CheckResult, jsonable, message
from live_commerce_quality.quality.suites import Suite

# A loader returns the table as a DataFrame, or a string saying why it could not.
Loader = Callable[[str, str, list[str]], Any]


def validate(suite: Suite, load: Loader) -> list[CheckResult]:
    results: list[CheckResult] = []
    for table, location in suite.locations.items():
        checks = [c for c in suite.checks if c.target == table]
        key = suite.keys.get(table, [])
        frame = load(table, location, key)
        if isinstance(frame, str):
            missing = Check(suite.name, table, "expect_table_to_exist", {}, f"{location} exists")
            results.append(
                CheckResult(
                    suite.name,
                    table,
                    None,
                    missing.expectation,
                    False,
                    frame,
                    message(missing, False, frame, [], "value"),
                    [],
                )
            )
            continue
        results += _validate_table(checks, frame, key, suite.examples)
    return results


def _validate_table(checks: list[Check], frame, key: list[str], n_examples: int) -> list[CheckResult]:
    index = key if key and all(k in frame.columns for k in key) else None
    expectations = [_gx.expectation(c.expectation, c.kwargs, {"check": i}) for i, c in enumerate(checks)]
    out = []
    for c, r in zip(checks, _gx.validate(frame, expectations, index), strict=True):
        error = _gx.exception_message(r)
        res = r.result or {}
        examples: list[dict[str, Any]] = []
        if error:
            observed, unit, success = f"error: {error}", "value", False
        elif "unexpected_count" in res:
            observed, unit, success = int(res["unexpected_count"]), "rows", bool(r.success)
            if not success:
                examples = _examples(c, res, index, n_examples)
        else:
            observed, unit, success = res.get("observed_value"), "value", bool(r.success)
            mismatched = (res.get("details") or {}).get("mismatched")
            if not success and mismatched:
                examples = [{"values": mismatched}]
        out.append(
            CheckResult(
                c.suite,
                c.target,
                c.column,
                c.expectation,
                success,
                jsonable(observed),
                message(c, success, observed, examples, unit),
                jsonable(examples),
            )
        )
    return out


def _examples(c: Check, res: dict[str, Any], index: list[str] | None, n: int) -> list[dict[str, Any]]:
    kw = c.kwargs
    cols = list(kw.get("column_list") or []) or [kw[k] for k in ("column", "column_A", "column_B") if k in kw]
    out = []
    for item in (res.get("unexpected_index_list") or [])[:n]:
        if isinstance(item, dict):
            row = {k: item.get(k) for k in index or []}
            values = {k: item.get(k) for k in cols if k not in row}
        else:
            row, values = {"row": item}, {}
        out.append({"row": row, "values": values})
    return out
