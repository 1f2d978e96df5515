"""Suites: the readable files in `expectations/`, and the checks derived from the contract.

A suite file lists expectations in Great Expectations vocabulary, one mapping per
expectation: `- expect_column_values_to_not_be_null: {column: order_id}`. The standardised
suite adds, for every source, the checks that follow from `contract.py` (required
columns, enumerations, ranges, pseudonyms, dropped columns, keys, time orders, column
names and types), so no column list is typed twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from live_commerce_quality.core.contract import SOURCES, Source, standardised_schema
from live_commerce_quality.core.outputs import TABLES as OUTPUT_TABLES
from live_commerce_quality.core.outputs import OutputTable
from live_commerce_quality.quality.model import DEFAULT_EXAMPLES, Check

# Check names in GX style for the two rules GX has no expectation for.
BEFORE_END_OF_DELIVERY_DAY = "expect_column_values_to_be_before_end_of_delivery_day"
MATCH_PARTITION_DT = "expect_column_values_to_match_partition_dt"


@dataclass
class Suite:
    name: str
    checks: list[Check]
    examples: int = DEFAULT_EXAMPLES
    # per target: the columns that identify a row in examples (frames suites)
    keys: dict[str, list[str]] = field(default_factory=dict)
    # per target: where to read it (mart schema.table, output file name)
    locations: dict[str, str] = field(default_factory=dict)


def load_yaml(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    if not isinstance(data, dict) or "suite" not in data:
        raise ValueError(f"{path}: not a quality suite (no `suite:` key)")
    return data


def parse_expectations(suite: str, target: str, items: list[Any] | None, where: str) -> list[Check]:
    """`[{expect_x: {kwargs}}, ...]` -> checks, with a description for each."""
    checks = []
    for item in items or []:
        if not (isinstance(item, dict) and len(item) == 1):
            raise ValueError(f"{where}: each expectation is a one-key mapping, got {item!r}")
        ((type_, kwargs),) = item.items()
        kwargs = dict(kwargs or {})
        description = kwargs.pop("description", None) or describe(type_, kwargs)
        checks.append(Check(suite, target, type_, kwargs, description))
    return checks


def output_contract_checks(suite: str, table: OutputTable) -> list[Check]:
    """What the output contract (core/outputs.py) says of a published table: its documented
    columns (more are allowed), its key unique, its required columns never null."""
    items: list[dict] = [
        {
            "expect_table_columns_to_match_set": {
                "description": "has its documented columns (more are allowed)",
                "column_set": list(table.documented),
                "exact_match": False,
            }
        },
        {"expect_compound_columns_to_be_unique": {"column_list": list(table.key)}},
        *({"expect_column_values_to_not_be_null": {"column": c}} for c in table.required),
    ]
    return parse_expectations(suite, table.name, items, f"output contract: {table.name}")


def load_frames_suite(path: Path) -> Suite:
    """A suite over small tables (marts, outputs): `tables: {name: {key, location, expectations}}`;
    a table with `contract: <name>` takes its key and first checks from the output contract."""
    data = load_yaml(path)
    name = data["suite"]
    checks: list[Check] = []
    keys: dict[str, list[str]] = {}
    locations: dict[str, str] = {}
    for table, spec in (data.get("tables") or {}).items():
        contract = OUTPUT_TABLES.get(spec.get("contract")) if spec.get("contract") else None
        if spec.get("contract") and contract is None:
            raise ValueError(f"{path}: {table}: no output contract named {spec['contract']!r}")
        keys[table] = list(contract.key if contract else spec.get("key") or [])
        locations[table] = spec.get("location", contract.file if contract else table)
        if contract is not None:
            checks += output_contract_checks(name, contract)
        checks += parse_expectations(name, table, spec.get("expectations"), f"{path}: {table}")
    return Suite(name, checks, int(data.get("examples", DEFAULT_EXAMPLES)), keys, locations)


def load_standardised_suite(path: Path) -> Suite:
    """Contract-derived checks for every source, then the file's own checks."""
    data = load_yaml(path)
    name = data["suite"]
    policy = data.get("contract") or {}
    extra = data.get("sources") or {}
    unknown = sorted(set(extra) - set(SOURCES))
    if unknown:
        raise ValueError(f"{path}: unknown sources {unknown}")
    checks: list[Check] = []
    for source in SOURCES.values():
        checks += contract_checks(name, source, policy)
        checks += parse_expectations(name, source.name, data.get("all_sources"), f"{path}: all_sources")
        checks += parse_expectations(name, source.name, extra.get(source.name), f"{path}: {source.name}")
    return Suite(name, checks, int(data.get("examples", DEFAULT_EXAMPLES)))


def standardised_columns(source: Source) -> list[tuple[str, str]]:
    """(name, Arrow type) of the standardised Parquet, from `contract.standardised_schema`:
    contract order without the dropped columns, then the lineage columns. String types are
    reported as `string` (Parquet writers differ in string, large_string, string_view)."""
    import polars as pl

    return [
        (name, normalise_arrow_type(str(pl.Series(name, [], dtype).to_arrow().type)))
        for name, dtype in standardised_schema(source.name).items()
    ]


def normalise_arrow_type(arrow_type: str) -> str:
    return "string" if arrow_type in ("string", "large_string", "string_view", "utf8", "large_utf8") else arrow_type


def contract_checks(suite: str, source: Source, policy: dict[str, Any]) -> list[Check]:
    s = source.name

    def check(expectation: str, description: str | None = None, **kwargs: Any) -> Check:
        return Check(suite, s, expectation, kwargs, description or describe(expectation, kwargs))

    cols = standardised_columns(source)
    out = [
        check(
            "expect_table_columns_to_match_ordered_list",
            "columns as the contract, in order",
            column_list=[n for n, _ in cols],
        )
    ]
    out += [
        check("expect_column_to_not_exist", f"personal column {c.name} absent", column=c.name)
        for c in source.columns
        if c.drop
    ]
    out += [check("expect_column_values_to_be_of_type", f"{n} is {t}", column=n, type_=t) for n, t in cols]
    for c in source.columns:
        if c.drop:
            continue
        if c.required:
            out.append(check("expect_column_values_to_not_be_null", column=c.name))
        if c.enum:
            out.append(check("expect_column_values_to_be_in_set", column=c.name, value_set=list(c.enum)))
        if c.pattern:
            out.append(check("expect_column_values_to_match_regex", column=c.name, regex=c.pattern[0]))
        if c.int_range:
            lo, hi = c.int_range
            out.append(check("expect_column_values_to_be_between", column=c.name, min_value=lo, max_value=hi))
        if c.positive:
            out.append(check("expect_column_values_to_be_between", column=c.name, min_value=0, strict_min=True))
        if c.non_negative:
            out.append(check("expect_column_values_to_be_between", column=c.name, min_value=0))
        if c.pseudonymise:
            out.append(
                check(
                    "expect_column_values_to_match_regex",
                    f"{c.name} is a pseudonym (matches {policy.get('pseudonym_regex')})",
                    column=c.name,
                    regex=policy["pseudonym_regex"],
                )
            )
    for earlier, later in source.time_order:
        out.append(
            check(
                "expect_column_pair_values_a_to_be_greater_than_b",
                column_A=later,
                column_B=earlier,
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            )
        )
    for c in source.columns:
        if c.type == "ts" and c.event and not c.drop:
            out.append(
                check(
                    BEFORE_END_OF_DELIVERY_DAY,
                    f"{c.name} before the end of its delivery day (_dt)",
                    column=c.name,
                )
            )
    out.append(check(MATCH_PARTITION_DT, "_dt equals the file's dt= folder", column="_dt"))
    out.append(
        check(
            "expect_compound_columns_to_be_unique",
            f"({', '.join(source.key)}) unique within each file",
            column_list=["_dt", "_file_name", *source.key],
        )
    )
    return out


def describe(type_: str, kw: dict[str, Any]) -> str:
    """A short human reading of an expectation: `quantity > 0`, `platform in {...}`."""
    col = kw.get("column")
    if type_ == "expect_column_values_to_not_be_null":
        text = f"{col} not null"
    elif type_ == "expect_column_values_to_be_null":
        text = f"{col} is null"
    elif type_ == "expect_column_values_to_be_in_set":
        text = f"{col} in {{{', '.join(map(str, kw['value_set']))}}}"
    elif type_ in ("expect_column_values_to_be_between", "expect_table_row_count_to_be_between"):
        subject = col if col else "row count"
        lo, hi = kw.get("min_value"), kw.get("max_value")
        lo_op = ">" if kw.get("strict_min") else ">="
        hi_op = "<" if kw.get("strict_max") else "<="
        if lo is not None and hi is not None:
            text = (
                f"{subject} {lo_op} {lo} and {hi_op} {hi}"
                if kw.get("strict_min") or kw.get("strict_max")
                else f"{subject} between {lo} and {hi}"
            )
        elif lo is not None:
            text = f"{subject} {lo_op} {lo}"
        else:
            text = f"{subject} {hi_op} {hi}"
    elif type_ == "expect_column_values_to_match_regex":
        text = f"{col} matches {kw['regex']}"
    elif type_ == "expect_column_pair_values_a_to_be_greater_than_b":
        text = f"{kw['column_A']} {'>=' if kw.get('or_equal') else '>'} {kw['column_B']}"
    elif type_ in (
        "expect_compound_columns_to_be_unique",
        "expect_select_column_values_to_be_unique_within_record",
    ):
        text = f"({', '.join(kw['column_list'])}) unique"
    elif type_ == "expect_column_values_to_be_unique":
        text = f"{col} unique"
    elif type_ == "expect_table_columns_to_match_set":
        text = (
            f"columns include {', '.join(kw['column_set'])}"
            if not kw.get("exact_match", True)
            else f"columns are {', '.join(kw['column_set'])}"
        )
    elif type_ == "expect_column_to_exist":
        text = f"column {col} exists"
    else:
        args = ", ".join(f"{k}={v}" for k, v in kw.items() if k != "row_condition")
        text = f"{type_.removeprefix('expect_')}({args})"
    if kw.get("row_condition") is not None:
        text += f" where {describe_condition(kw['row_condition'])}"
    return text


def describe_condition(cond: Any) -> str:
    """GX row_condition (dict form) as text: `indicator_id NOT_IN (IN-1, POST-2)`."""
    if isinstance(cond, str):
        return cond
    kind = cond.get("type")
    if kind == "comparison":
        param = cond["parameter"]
        if isinstance(param, (list, tuple)):
            param = "(" + ", ".join(map(str, param)) + ")"
        return f"{cond['column']['name']} {cond['operator']} {param}"
    if kind == "nullity":
        return f"{cond['column']['name']} IS {'NULL' if cond['is_null'] else 'NOT NULL'}"
    if kind in ("and", "or"):
        return "(" + f" {kind.upper()} ".join(describe_condition(c) for c in cond["conditions"]) + ")"
    return repr(cond)
