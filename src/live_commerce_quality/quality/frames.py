"""Tables of one row per subject (x indicator): indicator marts, graded outputs, every row
through Great Expectations.

GX validates the real rows with the suite file's expectations as written, and the offending
rows it reports (by the table's key) become the examples. GX's pandas frames cost about
100 bytes a cell, so a table of millions of rows (the indicators output at SF50: 7 M rows)
goes through GX in slices of at most `SLICE_ROWS` rows, read sorted by key and cut only
between two different keys, so that a repeated key always falls in one slice. A slice's
results add up to the table's when every check of the table is row by row (`SLICEABLE`);
a table with any other check goes through whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from live_commerce_quality.quality import _gx
from live_commerce_quality.quality.model import Check, CheckResult, jsonable, message
from live_commerce_quality.quality.suites import Suite

# A loader returns the table's rows sorted by its key (a pyarrow RecordBatchReader), or a
# string saying why it could not.
Loader = Callable[[str, str, list[str]], Any]

SLICE_ROWS = 500_000
# Checks whose result over a table is the sum of their results over its slices (offending
# rows), or the same on every slice (the columns).
SLICEABLE = {
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_null",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_be_between",
    "expect_column_values_to_match_regex",
    "expect_column_pair_values_a_to_be_greater_than_b",
    "expect_compound_columns_to_be_unique",
    "expect_column_values_to_be_unique",
    "expect_table_columns_to_match_set",
}


def validate(suite: Suite, load: Loader) -> list[CheckResult]:
    results: list[CheckResult] = []
    for table, location in suite.locations.items():
        checks = [c for c in suite.checks if c.target == table]
        key = suite.keys.get(table, [])
        rows = load(table, location, key)
        if isinstance(rows, str):
            missing = Check(suite.name, table, "expect_table_to_exist", {}, f"{location} exists")
            results.append(
                CheckResult(
                    suite.name,
                    table,
                    None,
                    missing.expectation,
                    False,
                    rows,
                    message(missing, False, rows, [], "value"),
                    [],
                )
            )
            continue
        sliceable = all(c.expectation in SLICEABLE for c in checks)
        frames = slices(rows, key, SLICE_ROWS if sliceable else None)
        results += _validate_table(checks, frames, key, suite.examples)
    return results


def slices(reader, key: list[str], rows: int | None) -> Iterator[Any]:
    """pandas frames of the reader's rows (sorted by `key`), each of `rows` rows or a few more
    (all of them when None), cut only where the key changes; an empty table gives one empty frame."""
    import pyarrow as pa

    held: list[Any] = []
    count, given = 0, False
    for batch in reader:
        held.append(batch)
        count += batch.num_rows
        if rows is None or count < rows:
            continue
        table = pa.Table.from_batches(held, reader.schema)
        cut = _last_key_start(table, key)
        if cut == 0:  # one key so far: keep reading
            continue
        yield table.slice(0, cut).to_pandas()
        given = True
        held, count = table.slice(cut).to_batches(), table.num_rows - cut
    if count or not given:
        yield pa.Table.from_batches(held, reader.schema).to_pandas()


def _last_key_start(table, key: list[str]) -> int:
    """The first row of the run of rows sharing the last row's key (every row but the last
    when there is no key)."""
    last = table.num_rows - 1
    if not key:
        return last
    keys = table.select(key)
    value = keys.slice(last, 1).to_pylist()[0]
    start = last
    while start > 0 and keys.slice(start - 1, 1).to_pylist()[0] == value:
        start -= 1
    return start


def _validate_table(checks: list[Check], frames: Iterator[Any], key: list[str], n_examples: int) -> list[CheckResult]:
    """Every check over every slice; a check's offending rows add up, its examples are the
    first slices' and any other result is the first failing slice's (else the first's)."""
    expectations = [_gx.expectation(c.expectation, c.kwargs, {"check": i}) for i, c in enumerate(checks)]
    totals: list[dict[str, Any] | None] = [None] * len(checks)
    for frame in frames:
        index = key if key and all(k in frame.columns for k in key) else None
        for i, (c, r) in enumerate(zip(checks, _gx.validate(frame, expectations, index), strict=True)):
            totals[i] = _add(totals[i], _one(c, r, index, n_examples), n_examples)
    out = []
    for c, t in zip(checks, totals, strict=True):
        observed, unit, success, examples = t["observed"], t["unit"], t["success"], t["examples"]
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


def _one(c: Check, r, index: list[str] | None, n_examples: int) -> dict[str, Any]:
    """One check's result over one slice: observed, unit, success, examples."""
    error = _gx.exception_message(r)
    res = r.result or {}
    examples: list[dict[str, Any]] = []
    if error:
        return {"observed": f"error: {error}", "unit": "value", "success": False, "examples": []}
    if "unexpected_count" in res:
        success = bool(r.success)
        examples = [] if success else _examples(c, res, index, n_examples)
        return {"observed": int(res["unexpected_count"]), "unit": "rows", "success": success, "examples": examples}
    success = bool(r.success)
    mismatched = (res.get("details") or {}).get("mismatched")
    if not success and mismatched:
        examples = [{"values": mismatched}]
    return {"observed": res.get("observed_value"), "unit": "value", "success": success, "examples": examples}


def _add(total: dict[str, Any] | None, part: dict[str, Any], n_examples: int) -> dict[str, Any]:
    if total is None:
        return part
    if total["unit"] == part["unit"] == "rows":
        examples = (total["examples"] + part["examples"])[:n_examples]
        observed = total["observed"] + part["observed"]
        return {
            "observed": observed,
            "unit": "rows",
            "success": total["success"] and part["success"],
            "examples": examples,
        }
    return total if not total["success"] or part["success"] else part


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
