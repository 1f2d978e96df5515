"""The standardised extracts: DuckDB measures every check over all rows, GX judges the measures.

Per source, the Parquet files with `dt` <= cutoff are
1. schema-checked from their footers (column names in contract order, types, no
   dropped personal column), per file;
2. scanned once by DuckDB, which counts the offending rows of every row-level check
   in a single aggregate (`count(*) FILTER (WHERE <violation>)`) grouped by file, plus one
   GROUP BY for key uniqueness within each file — exact, over every row, pushed down.
   A file measured by an earlier run and unchanged since is not read again: its share
   of each count is kept (quality/file_measures.py), so a run reads only new files;
3. the resulting profile (one row per check: measure, allowed minimum, allowed
   maximum) is validated by Great Expectations with real expectations;
4. for a failed check only, a deterministic sample of offending rows (ordered by
   delivery day, file name and line) is fetched for the message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from live_commerce_quality.core.contract import SOURCES
from live_commerce_quality.core.duck import sql_string
from live_commerce_quality.core.layout import files_as_of
from live_commerce_quality.quality import _gx
from live_commerce_quality.quality.file_measures import FileMeasures, MeasureCache
from live_commerce_quality.quality.model import Check, CheckResult, jsonable, message
from live_commerce_quality.quality.suites import (
    BEFORE_END_OF_DELIVERY_DAY,
    MATCH_PARTITION_DT,
    Suite,
    normalise_arrow_type,
)

REDACTED = "<personal data withheld>"

ROW_CHECKS = {
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_be_between",
    "expect_column_values_to_match_regex",
    "expect_column_pair_values_a_to_be_greater_than_b",
    BEFORE_END_OF_DELIVERY_DAY,
    MATCH_PARTITION_DT,
}
UNIQUE_CHECKS = {"expect_compound_columns_to_be_unique", "expect_column_values_to_be_unique"}
SCHEMA_CHECKS = {
    "expect_table_columns_to_match_ordered_list",
    "expect_column_values_to_be_of_type",
    "expect_column_to_not_exist",
}
TABLE_CHECKS = {"expect_table_row_count_to_be_between"}
# kwargs the pushed-down checks understand; anything else is refused, not ignored
KNOWN_KWARGS = {
    "column",
    "value_set",
    "min_value",
    "max_value",
    "strict_min",
    "strict_max",
    "regex",
    "column_A",
    "column_B",
    "or_equal",
    "ignore_row_if",
    "column_list",
    "type_",
}


@dataclass
class _Measure:
    """What was measured for one check, before GX judges it."""

    metric: int
    min_allowed: float | None
    max_allowed: float | None
    observed: Any
    unit: str  # rows | files | value
    examples: list[dict[str, Any]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # offending files of a row check, for examples


def validate(
    suite: Suite, standardised: Path, cutoff: date, config: dict | None = None, measured: Path | None = None
) -> list[CheckResult]:
    """Every check of the suite over the files with dt <= cutoff; `config`: DuckDB's bounds;
    `measured`: the file of measures kept between runs (quality/file_measures.py), if any."""
    for c in suite.checks:
        _refuse_unsupported(c)
    cache = MeasureCache(measured)
    con = duckdb.connect(config=config or {})
    try:
        measures: list[tuple[Check, _Measure]] = []
        for source in SOURCES:
            checks = [c for c in suite.checks if c.target == source]
            if checks:
                files = files_as_of(standardised / source, cutoff)
                measures += _measure_source(con, source, checks, files, standardised, cache)
        verdicts = _judge(measures)
        for (c, m), ok in zip(measures, verdicts, strict=True):
            if not ok and m.files:
                m.examples = _examples_of(con, c, m.files, suite.examples, standardised)
    finally:
        con.close()
    cache.save()
    results = []
    for (c, m), ok in zip(measures, verdicts, strict=True):
        examples = m.examples[: suite.examples]
        results.append(
            CheckResult(
                c.suite,
                c.target,
                c.column,
                c.expectation,
                ok,
                jsonable(m.observed),
                message(c, ok, m.observed, examples, m.unit),
                jsonable(examples),
            )
        )
    return results


def _refuse_unsupported(c: Check) -> None:
    known = ROW_CHECKS | UNIQUE_CHECKS | SCHEMA_CHECKS | TABLE_CHECKS
    if c.expectation not in known:
        raise ValueError(
            f"{c.suite}.{c.target}: {c.expectation} is not supported on standardised extracts "
            f"(supported: {', '.join(sorted(known))})"
        )
    extra = set(c.kwargs) - KNOWN_KWARGS
    if extra:
        raise ValueError(
            f"{c.suite}.{c.target}: {c.expectation} argument(s) {sorted(extra)} "
            "are not supported on standardised extracts"
        )
    if c.kwargs.get("ignore_row_if", "either_value_is_missing") != "either_value_is_missing":
        raise ValueError(f"{c.suite}.{c.target}: only ignore_row_if=either_value_is_missing is supported")


def _judge(measures: list[tuple[Check, _Measure]]) -> list[bool]:
    """GX validates the profile: every measure within its allowed bounds."""
    if not measures:
        return []
    import pandas as pd

    profile = pd.DataFrame(
        {
            "check": list(range(len(measures))),
            "metric": [float(m.metric) for _, m in measures],
            "min_allowed": [float("nan") if m.min_allowed is None else m.min_allowed for _, m in measures],
            "max_allowed": [float("nan") if m.max_allowed is None else m.max_allowed for _, m in measures],
        }
    )
    expectations = [
        _gx.expectation("expect_column_values_to_not_be_null", {"column": "metric"}, {"check": 0}),
        _gx.expectation(
            "expect_column_pair_values_a_to_be_greater_than_b",
            {
                "column_A": "metric",
                "column_B": "min_allowed",
                "or_equal": True,
                "ignore_row_if": "either_value_is_missing",
            },
            {"check": 1},
        ),
        _gx.expectation(
            "expect_column_pair_values_a_to_be_greater_than_b",
            {
                "column_A": "max_allowed",
                "column_B": "metric",
                "or_equal": True,
                "ignore_row_if": "either_value_is_missing",
            },
            {"check": 2},
        ),
    ]
    failed: set[int] = set()
    for r in _gx.validate(profile, expectations, index_columns=["check"]):
        error = _gx.exception_message(r)
        if error:
            raise RuntimeError(f"GX could not validate the standardised profile: {error}")
        failed |= {int(row["check"]) for row in r.result.get("unexpected_index_list") or []}
    return [i not in failed for i in range(len(measures))]


# -- measuring -----------------------------------------------------------------------


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return sql_string(value)


def _violation(c: Check) -> str:
    """SQL predicate true for a row that breaks a row-level check (GX semantics: nulls pass
    every check but not-null; a pair with a missing side is ignored)."""
    kw = c.kwargs
    col = _q(kw["column"]) if "column" in kw else None
    t = c.expectation
    if t == "expect_column_values_to_not_be_null":
        return f"{col} IS NULL"
    if t == "expect_column_values_to_be_in_set":
        return f"{col} NOT IN ({', '.join(_lit(v) for v in kw['value_set'])})"
    if t == "expect_column_values_to_be_between":
        parts = []
        if kw.get("min_value") is not None:
            parts.append(f"{col} {'<=' if kw.get('strict_min') else '<'} {_lit(kw['min_value'])}")
        if kw.get("max_value") is not None:
            parts.append(f"{col} {'>=' if kw.get('strict_max') else '>'} {_lit(kw['max_value'])}")
        return "(" + " OR ".join(parts) + ")" if parts else "FALSE"
    if t == "expect_column_values_to_match_regex":
        regex = kw["regex"]
        if regex.startswith("^") and regex.endswith("$") and not regex.endswith("\\$"):
            return f"NOT regexp_full_match({col}, {_lit(regex[1:-1])})"
        return f"NOT regexp_matches({col}, {_lit(regex)})"
    if t == "expect_column_pair_values_a_to_be_greater_than_b":
        op = "<" if kw.get("or_equal") else "<="
        return f"{_q(kw['column_A'])} {op} {_q(kw['column_B'])}"
    if t == BEFORE_END_OF_DELIVERY_DAY:
        return f'{col} >= CAST("_dt" AS TIMESTAMP) + INTERVAL 1 DAY'
    if t == MATCH_PARTITION_DT:
        return '"_dt" <> "dt"'
    raise AssertionError(t)


def _check_columns(c: Check) -> list[str]:
    kw = c.kwargs
    if "column_list" in kw:
        return list(kw["column_list"])
    if "column_A" in kw:
        return [kw["column_A"], kw["column_B"]]
    cols = [kw["column"]] if "column" in kw else []
    if c.expectation == BEFORE_END_OF_DELIVERY_DAY:
        cols.append("_dt")
    return cols


def _measure_source(
    con, source: str, checks: list[Check], files: list[tuple[date, Path]], root: Path, cache: MeasureCache
) -> list[tuple[Check, _Measure]]:
    """Each check of one source (at least one) over its files: each file's share from the
    cache or, for a file not measured before, from one scan of the new files; the sums judged."""
    paths = [f for _, f in files]
    per_file = cache.lookup(source, checks, paths)
    per_file.update(_measure_files(con, checks, [f for f in paths if f not in per_file]))
    cache.store(source, checks, per_file)
    out: list[tuple[Check, _Measure]] = []
    for i, c in enumerate(checks):
        if c.expectation in SCHEMA_CHECKS:
            offenders = [(f, per_file[f].offences[i]) for f in paths if i in per_file[f].offences]
            examples = [{"file": f.relative_to(root).as_posix(), "values": o} for f, o in offenders]
            out.append((c, _Measure(len(offenders), None, 0, len(offenders), "files", examples)))
        elif c.expectation in TABLE_CHECKS:
            n_rows = sum(per_file[f].rows for f in paths)
            lo, hi = c.kwargs.get("min_value"), c.kwargs.get("max_value")
            if lo is not None and c.kwargs.get("strict_min"):
                lo += 1
            if hi is not None and c.kwargs.get("strict_max"):
                hi -= 1
            out.append((c, _Measure(n_rows, lo, hi, n_rows, "value")))
        else:  # row and uniqueness checks: rows; examples come from the offending files alone
            offending = [f for f in paths if per_file[f].counts.get(i)]
            n = sum(per_file[f].counts[i] for f in offending)
            out.append((c, _Measure(n, None, 0, n, "rows", files=offending)))
    return out


def _relation(files: list[Path]) -> str:
    paths = ", ".join(_lit(f.as_posix()) for f in files)
    return f"read_parquet([{paths}], hive_partitioning = true, hive_types = {{'dt': DATE}}, filename = true)"


def _measure_files(con, checks: list[Check], files: list[Path]) -> dict[Path, FileMeasures]:
    """Each file's share of each check: schema from the footers (a file failing one is not
    scanned), every row-level check in one scan grouped by file, then uniqueness."""
    import pyarrow.parquet as pq

    out = {f: FileMeasures() for f in files}
    if not files:
        return out
    schemas = {f: pq.read_schema(f) for f in files}
    for i, c in enumerate(checks):
        if c.expectation in SCHEMA_CHECKS:
            for f in files:
                if (o := _schema_offence(c, schemas[f])) is not None:
                    out[f].offences[i] = o
    good = [f for f in files if not out[f].offences]
    if not good:
        return out
    by_name = {f.as_posix(): f for f in good}
    rel = _relation(good)
    row_checks = [(i, c) for i, c in enumerate(checks) if c.expectation in ROW_CHECKS]
    aggregates = ["filename", "count(*)"] + [f"count(*) FILTER (WHERE {_violation(c)})" for _, c in row_checks]
    for filename, n_rows, *values in con.execute(f"SELECT {', '.join(aggregates)} FROM {rel} GROUP BY 1").fetchall():
        m = out[by_name[filename]]
        m.rows = int(n_rows)
        m.counts.update({i: int(v) for (i, _), v in zip(row_checks, values, strict=True) if v})
    for i, c in enumerate(checks):
        if c.expectation in UNIQUE_CHECKS and (candidates := _repeated_keys(con, rel, c, i)) is not None:
            # the rows whose key repeats, counted by the file they are in
            key, _ = _key_sql(_check_columns(c))
            sql = (
                f"WITH candidates AS (SELECT filename, {key} FROM {rel} WHERE {candidates}), "
                f"repeated AS (SELECT {key} FROM candidates GROUP BY {key} HAVING count(*) > 1) "
                f"SELECT filename, count(*) FROM candidates SEMI JOIN repeated USING ({key}) GROUP BY 1"
            )
            for filename, n in con.execute(sql).fetchall():
                out[by_name[filename]].counts[i] = int(n)
    return out


def _repeated_keys(con, rel: str, c: Check, i: int) -> str | None:
    """A predicate narrowing `rel` to the rows whose key's 64-bit hash repeats (a third of the
    memory of grouping by the strings), or None when no hash repeats."""
    key, not_null = _key_sql(_check_columns(c))
    table = _q(f"_lcq_repeated_{c.target}_{i}")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT hash({key}) AS h FROM {rel} "
        f"WHERE {not_null} GROUP BY 1 HAVING count(*) > 1"
    )
    if not con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]:
        return None
    return f"{not_null} AND hash({key}) IN (SELECT h FROM {table})"


def _schema_offence(c: Check, schema) -> dict[str, Any] | None:
    """What is wrong with one file's schema for a schema check, or None."""
    actual = list(schema.names)
    if c.expectation == "expect_table_columns_to_match_ordered_list":
        want = list(c.kwargs["column_list"])
        if actual == want:
            return None
        return {
            "missing": [n for n in want if n not in actual],
            "unexpected": [n for n in actual if n not in want],
            "order": actual if set(actual) == set(want) else None,
        }
    col = c.kwargs["column"]
    if c.expectation == "expect_column_to_not_exist":
        return {"column": col} if col in actual else None
    if col in actual:  # expect_column_values_to_be_of_type; a missing column is the list check's
        typ = str(schema.field(col).type)
        if normalise_arrow_type(typ) != c.kwargs["type_"]:
            return {col: typ}
    return None


def _key_sql(cols: list[str]) -> tuple[str, str]:
    return ", ".join(_q(k) for k in cols), " AND ".join(f"{_q(k)} IS NOT NULL" for k in cols)


def _examples_of(con, c: Check, files: list[Path], n: int, root: Path) -> list[dict[str, Any]]:
    """The first offending rows of a failed row or uniqueness check, read from its offending files."""
    rel = _relation(files)
    if c.expectation in UNIQUE_CHECKS:
        predicate = _repeated_keys(con, rel, c, -1)
        return [] if predicate is None else _examples(con, rel, c, predicate, n, root)
    return _examples(con, rel, c, _violation(c), n, root)


def _examples(con, rel: str, c: Check, predicate: str, n: int, root: Path) -> list[dict[str, Any]]:
    cols = _check_columns(c)
    shown = ", ".join(_q(k) for k in cols)
    order = 'ORDER BY "dt", "_file_name", "_line", "filename"'
    select = f'SELECT "dt", "_file_name", "_line", "filename", {shown} FROM {rel}'
    if c.expectation in UNIQUE_CHECKS:
        # `predicate` narrows to rows whose key hash repeats; the key itself must repeat
        key, _ = _key_sql(cols)
        sql = (
            f"WITH candidates AS (SELECT * FROM {rel} WHERE {predicate}), "
            f"repeated AS (SELECT {key} FROM candidates GROUP BY {key} HAVING count(*) > 1) "
            f'SELECT "dt", "_file_name", "_line", "filename", {shown} FROM candidates '
            f"SEMI JOIN repeated USING ({key}) {order} LIMIT {n}"
        )
    else:
        sql = f"{select} WHERE {predicate} {order} LIMIT {n}"
    # personal data stays out of messages and evidence, even when a check finds it
    src = SOURCES[c.target]
    personal = {col.name for col in src.columns if col.pseudonymise or col.drop}
    out = []
    for dt, file_name, line, filename, *values in con.execute(sql).fetchall():
        if file_name and "/" not in file_name:
            where = f"dt={dt}/{file_name}"
        else:
            where = file_name or Path(filename).relative_to(root).as_posix()
        out.append(
            {
                "file": where,
                "line": line,
                "values": {
                    k: REDACTED if k in personal and v is not None else v
                    for k, v in zip(cols, values, strict=True)
                    if k not in ("_file_sha256", "_file_name")  # already named by `file`
                },
            }
        )
    return out
