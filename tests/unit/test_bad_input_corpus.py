"""Runs the bad-input corpus (tests/corpus/cases.py): every fault of extracts.md, each a tiny
landing written byte for byte, ingested, and held to its expected outcome.

For every file of every run, whatever the case: rows in = rows loaded + rows set aside, the
standardised and quarantine Parquet hold exactly those rows, every set-aside row is named by
file, line and reason in the quarantine and in the file's issues, a rejected file has its
reason in the run summary and nothing written past the archive, and every delivered file is
either in the archive (byte for byte) or reported as a landing problem: nothing is lost.
"""

from __future__ import annotations

import hashlib

import polars as pl
import pytest

from live_commerce_quality.core.settings import Settings
from live_commerce_quality.ingest import FileResult, IngestReport, ingest_landing, read_archived
from live_commerce_quality.ingest.core import ISSUES_KEPT
from live_commerce_quality.ingest.deliveries import display_name, printable

from ..corpus.cases import CASES, Case, Expect, File


def _deliver(settings: Settings, f: File) -> None:
    folder = settings.landing / f.source / f"dt={f.dt}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f.name).write_bytes(f.data)


def _quarantine(settings: Settings, r: FileResult) -> pl.DataFrame:
    if r.quarantine_path is None:
        return pl.DataFrame(schema={"line": pl.Int64, "reason": pl.String})
    return pl.read_parquet(settings.quarantine / r.quarantine_path)


def _check_accounting(settings: Settings, report: IngestReport) -> None:
    """What every file of a run must satisfy, right after that run."""
    summary = report.summary()
    for r in report.files:
        if r.status == "rejected":
            assert r.reason, r.label
            assert (r.rows_in, r.rows_loaded, r.rows_quarantined, r.standardised_path) == (None,) * 4
            assert f"REJECTED {r.label}: {r.reason}" in summary
            for p in settings.standardised.rglob("*.parquet"):  # nothing of it past the archive
                assert r.file_sha256 not in pl.read_parquet(p, columns=["_file_sha256"])["_file_sha256"].to_list()
            continue
        assert r.status == "loaded"
        assert r.rows_in == r.rows_loaded + r.rows_quarantined, r.label
        if r.action != "processed":
            continue
        std = pl.read_parquet(settings.standardised / r.standardised_path)
        assert std.height == r.rows_loaded
        assert set(std["_file_sha256"]) <= {r.file_sha256}
        assert set(std["_file_name"]) <= {r.file_name}
        q = _quarantine(settings, r)
        assert q.height == r.rows_quarantined
        if q.height:
            assert set(q["file_name"]) == {r.file_name} and set(q["file_sha256"]) == {r.file_sha256}
            assert set(q["source"]) == {r.source} and set(q["dt"]) == {r.dt}
        # lines are unique: a row is either loaded or set aside, never both
        assert not set(std["_line"]) & set(q["line"])
        assert len(set(std["_line"]) | set(q["line"])) == r.rows_in
        first = q.select("line", "reason").head(ISSUES_KEPT).rows()
        assert list(r.issues) == [f"{r.label} line {n}: {why}" for n, why in first]


def _result(report: IngestReport, e: Expect) -> FileResult:
    found = [f for f in report.files if (f.source, f.dt.isoformat(), f.file_name) == (e.source, e.dt, e.name)]
    assert len(found) == 1, (e, [f.label for f in report.files])
    return found[0]


def _check_expectation(settings: Settings, report: IngestReport, e: Expect) -> None:
    r = _result(report, e)
    assert r.status == e.status, (r.label, r.reason)
    if e.status == "rejected":
        assert e.reason in r.reason, r.reason
        return
    assert (r.rows_in, r.rows_loaded) == (e.rows_in, e.rows_loaded)
    if e.encoding is not None:
        assert r.encoding == e.encoding
    got = dict(_quarantine(settings, r).select("line", "reason").rows())
    assert sorted(got) == sorted(e.bad), got
    for line, reason in e.bad.items():
        assert reason in got[line], (line, got[line])


def _check_nothing_lost(settings: Settings, case: Case, reports: list[IngestReport]) -> None:
    """Every delivered file is in the archive, byte for byte, or named in a landing problem."""
    for files, report in zip(case.rounds, reports, strict=True):
        for f in files:
            name = display_name(f.name)
            if any((r.source, r.dt.isoformat(), r.file_name) == (f.source, f.dt, name) for r in report.files):
                sha = hashlib.sha256(f.data).hexdigest()
                assert read_archived(settings, f.source, f.dt, sha, name) == f.data
            else:
                places = (f.source, f"{f.source}/dt={f.dt}", f"{f.source}/dt={f.dt}/{printable(name)}")
                assert any(p.split(": ")[0] in places for p in report.problems), (f, report.problems)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_bad_input(settings, case: Case):
    reports = []
    for files in case.rounds:
        for f in files:
            _deliver(settings, f)
        report = ingest_landing(settings.landing, settings)
        _check_accounting(settings, report)
        reports.append(report)
    last = reports[-1]
    assert len(last.files) == len(case.expect), [f.label for f in last.files]
    for e in case.expect:
        _check_expectation(settings, last, e)
    for problem in case.problems:
        assert any(problem in p for p in last.problems), last.problems
    if not case.problems:
        assert last.problems == []
    _check_nothing_lost(settings, case, reports)
    if case.check is not None:
        case.check(settings, reports)


def test_the_corpus_covers_every_fault_of_the_contract():
    ids = {c.id for c in CASES}
    assert len(ids) == len(CASES) >= 30
    for fault in (
        "undecodable-bytes", "truncated-csv-mid-record", "truncated-gzip", "truncated-parquet", "truncated-jsonl",
        "wrong-encoding-declared", "gbk-detected", "utf8-bom", "missing-required-column", "extra-unknown-columns",
        "empty-0-bytes", "header-only", "duplicate-key-within-file", "duplicate-key-across-files", "null-key",
        "unparsable-number", "unparsable-timestamp", "date-only-timestamp", "negative-quantity", "quantity-zero",
        "negative-price", "rating-6", "satisfaction-0", "shipped-before-paid", "ended-before-started",
        "reply-before-message", "future-timestamp", "mixed-time-zones", "xlsx-several-sheets",
        "name-path-characters", "enum-outside-list", "bad-boolean", "same-file-again", "replacement-same-name",
        "unknown-source-folder", "malformed-dt-folder", "jsonl-non-object-line",
    ):  # fmt: skip
        assert fault in ids, fault
