"""The output contract (core/outputs.py) is the one list of published columns: grading's
tables, the GX output suite and the people's headers all derive from it, and none drifts."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import polars as pl

from live_commerce_quality.core import methodology
from live_commerce_quality.core.outputs import INDICATORS, KIND_SHEETS, RATINGS
from live_commerce_quality.core.settings import PROJECT_ROOT
from live_commerce_quality.grading.tables import EvaluationContext, grade_all
from live_commerce_quality.publish.tables import write_csvs, write_workbook
from live_commerce_quality.quality.suites import load_frames_suite

from .test_grading import _tables

M = methodology.load("1")
SPEC = (PROJECT_ROOT.parent / "shared" / "spec" / "outputs.md").read_text(encoding="utf-8")


def _graded():
    return grade_all(*_tables(), M, EvaluationContext("2026-03", date(2026, 4, 15), "final"))


def test_grading_writes_exactly_the_contract_schema():
    ratings, indicators = _graded()
    assert ratings.schema == pl.Schema(RATINGS.schema())
    assert indicators.schema == pl.Schema(INDICATORS.schema())


def test_documented_columns_are_those_outputs_md_names():
    for table, heading in ((RATINGS, "`ratings.parquet` columns:"), (INDICATORS, "`indicators.parquet` columns:")):
        paragraph = SPEC.split(heading, 1)[1].split("\n\n", 1)[0]
        named = re.findall(r"`([a-z_]+)`", paragraph)
        assert list(table.documented) == list(dict.fromkeys(named)), table.name


def test_gx_output_suite_takes_columns_and_keys_from_the_contract():
    suite = load_frames_suite(PROJECT_ROOT / "expectations" / "outputs.yml")
    for table in (RATINGS, INDICATORS):
        checks = [c for c in suite.checks if c.target == table.name]
        column_sets = [c.kwargs["column_set"] for c in checks if c.expectation == "expect_table_columns_to_match_set"]
        assert column_sets == [list(table.documented)]
        assert suite.keys[table.name] == list(table.key)
        not_null = {c.kwargs["column"] for c in checks if c.expectation == "expect_column_values_to_not_be_null"}
        assert set(table.required) <= not_null
        named = {c.kwargs.get("column") for c in checks} - {None}
        assert named <= set(table.names), f"{table.name}: the suite checks columns the contract lacks"


def test_csv_and_workbook_headers_are_the_contract_labels(tmp_path: Path):
    ratings, _ = _graded()
    for path in write_csvs(ratings, tmp_path):
        header = next(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
        assert header == [RATINGS.column(c).header for c in RATINGS.names]
    write_workbook(ratings, M, {}, tmp_path / "ratings.xlsx")
    import openpyxl

    book = openpyxl.load_workbook(tmp_path / "ratings.xlsx", read_only=True)
    sheet = book[KIND_SHEETS["operator"][:31]]
    first = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True))
    assert list(first) == [RATINGS.column(c).header for c in RATINGS.names]


def test_every_subject_kind_has_a_sheet_and_every_label_is_bilingual():
    assert set(KIND_SHEETS) == set(M.subject_kinds)
    for table in (RATINGS, INDICATORS):
        for column in table.columns:
            assert column.label_zh and column.label_en and column.label_zh != column.label_en
