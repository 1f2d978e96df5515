"""What people receive, checked as they would receive it: report.html rendered in headless
Chromium with the network blocked (no request, every subject, the charts; a screenshot and a
PDF kept under tests/artifacts/), ratings.xlsx read back through LibreOffice (the values of
ratings.parquet; a few printed pages per hundred subjects), data_quality.html beside them."""

from __future__ import annotations

import csv
import math
import re
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

from live_commerce_quality.core import methodology
from live_commerce_quality.core.outputs import KIND_SHEETS, RATINGS
from live_commerce_quality.publish.report import DETAILED_MAX_SUBJECTS, write_report
from live_commerce_quality.publish.workbook import write_workbook
from tests.integration.chromium import Chromium, chromium_binary
from tests.integration.synthetic import synthetic_frames

pytestmark = pytest.mark.integration
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
M = methodology.load()


def _artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def _need(tool: str | None, name: str) -> None:
    if tool is None:
        pytest.skip(f"{name} is not installed (.ci/run installs it)")


def _pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M)[1])


def _soffice(args: list[str], cwd: Path) -> None:
    profile = cwd / "lo-profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=180,
    )


def test_report_renders_offline_with_every_subject_and_charts(hand_evaluation):
    _need(chromium_binary(), "chromium")
    folder = hand_evaluation[0]
    report = folder / "report.html"
    ratings = pl.read_parquet(folder / "ratings.parquet")
    html = report.read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html, re.I), "an external URL"
    with Chromium() as browser:
        page = browser.open(report)
        assert page.requests == [report.resolve().as_uri()], page.requests
        ids = browser.evaluate("Array.from(document.querySelectorAll('[id]')).map(e => e.id)")
        text = browser.evaluate("document.body.textContent")  # blocks off screen are not laid out yet
        svgs = browser.evaluate("document.querySelectorAll('svg.chart').length")
        browser.screenshot(_artifacts() / "report.png")
        browser.pdf(_artifacts() / "report.pdf")
        quality = browser.open(folder / "data_quality.html")
        assert quality.requests == [(folder / "data_quality.html").resolve().as_uri()]
        browser.screenshot(_artifacts() / "data_quality.png")
    for row in ratings.iter_rows(named=True):
        assert f"s-{row['subject_kind']}-{row['subject_id']}" in ids
        assert row["subject_id"] in text
    kinds = ratings["subject_kind"].n_unique()
    assert svgs >= 2 * kinds, svgs  # a grade-distribution chart and a histogram per kind at least
    assert "优秀 excellent" in text and "抖音 Douyin" in text and "交易前 before the transaction" in text
    assert "**" not in text
    assert 'href="data_quality.html"' in html
    assert _pages(_artifacts() / "report.pdf") >= 2


def test_data_quality_page_lists_gates_and_is_in_the_checksums(hand_evaluation):
    folder = hand_evaluation[0]
    page = (folder / "data_quality.html").read_text(encoding="utf-8")
    for gate in ("standardised extracts", "indicator marts", "published outputs"):
        assert gate in page
    assert "拒收文件 Rejected input files" in page and "剔除行 Rows set aside" in page
    assert "data_quality.html" in (folder / "SHA256SUMS").read_text()


def _same(cell: str, value) -> bool:
    if value is None:
        return cell == ""
    if isinstance(value, bool):
        return cell == ("TRUE" if value else "FALSE")
    if isinstance(value, int | float):
        return math.isclose(float(cell), float(value), rel_tol=1e-12, abs_tol=1e-12)
    return cell == str(value)


def test_workbook_read_by_libreoffice_gives_the_parquet_values(hand_evaluation, tmp_path):
    _need(shutil.which("soffice"), "LibreOffice")
    folder = hand_evaluation[0]
    shutil.copy(folder / "ratings.xlsx", tmp_path / "ratings.xlsx")
    # every sheet to CSV, UTF-8, raw values (not as shown): LibreOffice's filter options
    _soffice(["--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
              "ratings.xlsx"], tmp_path)  # fmt: skip
    ratings = pl.read_parquet(folder / "ratings.parquet")
    for kind, sheet in KIND_SHEETS.items():
        expected = ratings.filter(pl.col("subject_kind") == kind)
        if expected.height == 0:
            continue
        with open(tmp_path / f"ratings-{sheet[:31]}.csv", encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        assert rows[0] == [RATINGS.column(c).header for c in expected.columns]
        assert len(rows) - 1 == expected.height
        for cells, row in zip(rows[1:], expected.iter_rows(named=True), strict=True):
            for cell, column in zip(cells, expected.columns, strict=True):
                assert _same(cell, row[column]), (kind, row["subject_id"], column, cell, row[column])
    quality = (tmp_path / "ratings-数据质量 data quality.csv").read_text(encoding="utf-8")
    assert "拒收文件 rejected input files" in quality and "rows set aside" in quality
    methodology_sheet = (tmp_path / "ratings-评价方法 methodology.csv").read_text(encoding="utf-8")
    for needle in ("优秀 excellent", "交易前 before the transaction", "否决项 veto rules", "(x + k·p) / (n + k)"):
        assert needle in methodology_sheet


def test_workbook_prints_a_few_pages_per_hundred_subjects(tmp_path):
    _need(shutil.which("soffice"), "LibreOffice")
    _need(shutil.which("pdfinfo"), "poppler-utils")
    counts = {}
    for n in (100, 600):
        ratings, _, _ = synthetic_frames(M, n)
        folder = tmp_path / str(n)
        folder.mkdir()
        write_workbook(ratings, M, {}, folder / "ratings.xlsx")
        _soffice(["--convert-to", "pdf", "ratings.xlsx"], folder)
        counts[n] = _pages(folder / "ratings.pdf")
    per_hundred = (counts[600] - counts[100]) / 5
    print(f"xlsx PDF pages: {counts}; {per_hundred:.1f} per hundred subjects")
    assert per_hundred <= 3, counts
    assert counts[100] <= 8, counts


def test_workbook_is_deterministic(tmp_path):
    ratings, _, _ = synthetic_frames(M, 50)
    write_workbook(ratings, M, {}, tmp_path / "a.xlsx")
    write_workbook(ratings, M, {}, tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


@pytest.mark.slow
def test_report_at_twenty_thousand_subjects_opens_quickly(tmp_path):
    _need(chromium_binary(), "chromium")
    ratings, indicators, manifest = synthetic_frames(M, 20_000)
    assert ratings.height > DETAILED_MAX_SUBJECTS
    report = tmp_path / "report.html"
    write_report(ratings, indicators, M, manifest, report)
    size_mb = report.stat().st_size / 1e6
    with Chromium() as browser:
        page = browser.open(report)
        rows = browser.evaluate("document.querySelectorAll('tr[data-q]').length")
        browser.screenshot(_artifacts() / "report_20000.png")
    print(f"report at 20,000 subjects: {size_mb:.1f} MB, Chromium load {page.load_seconds:.2f} s")
    assert rows == 20_000
    assert page.requests == [report.resolve().as_uri()]
    assert size_mb < 25, size_mb
    assert page.load_seconds < 10, page.load_seconds
