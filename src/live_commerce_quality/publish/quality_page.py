"""`data_quality.html`: the data-quality results of an evaluation for people, an equivalent of
Great Expectations' Data Docs. The three gates (extracts, marts, outputs) check by check with
pass/fail, observed value and message; the rejected input files; the rows set aside, by source
and reason. Everything is read from the evaluation folder's `evidence/`, so the page, the
report's summary and the workbook's sheet say the same."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import polars as pl

from live_commerce_quality.core.io import json_inline, read_json
from live_commerce_quality.publish.html import template_env
from live_commerce_quality.publish.labels import GRADE_COLOURS, status

GATES = {
    "extracts": ("标准化数据", "standardised extracts"),
    "marts": ("指标数据集", "indicator marts"),
    "outputs": ("输出表", "published outputs"),
}
SET_ASIDE_AT = {"ingest": ("接收时", "at ingest"), "evaluation": ("评价时", "at evaluation")}
PAGE = "data_quality.html"

# Values inside a reason (timestamps, quoted values, line numbers) vary row by row; the kind
# of problem does not. Rows are counted by the reason with its values masked.
_MASKS = (
    (re.compile(r"'[^']*'"), "'…'"),
    (re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?"), "‹time›"),
    (re.compile(r"lines [\d, ]+"), "lines …"),
)


def reason_kind(reason: str | None) -> str:
    text = reason or "—"
    for pattern, mask in _MASKS:
        text = pattern.sub(mask, text)
    return text


def gate_results(data_quality: dict) -> list[dict]:
    gates = []
    for name in sorted(data_quality, key=lambda g: (list(GATES).index(g) if g in GATES else 99, g)):
        payload = data_quality[name]
        results = payload.get("results", [])
        checks = [
            {
                "target": r.get("target") or "",
                "column": r.get("column") or "",
                "expectation": r.get("expectation") or "",
                "success": bool(r.get("success")),
                "observed": json_inline(r.get("observed")),
                "message": r.get("message") or "",
                "examples": json_inline(r.get("examples")) if r.get("examples") else "",
            }
            for r in results
        ]
        checks.sort(key=lambda c: c["success"])  # failures first, otherwise in the gate's order
        zh, en = GATES.get(name, (name, name))
        gates.append(
            {
                "name": name,
                "label": f"{zh} {en}",
                "passed": bool(payload.get("passed")),
                "checks": payload.get("checks", len(results)),
                "failed": payload.get("failed", sum(1 for c in checks if not c["success"])),
                "results": checks,
            }
        )
    return gates


def _set_aside(rows: pl.DataFrame) -> list[dict]:
    """Rows set aside counted by source, stage and reason kind, with an example of each."""
    groups: dict[tuple, dict] = {}
    for row in rows.sort("source", "dt", "file_name", "line", nulls_last=True).iter_rows(named=True):
        key = (row["source"], row["set_aside_at"], reason_kind(row["reason"]))
        if key not in groups:
            where = f"{row['source']}/dt={row['dt']}/{row['file_name']}"
            groups[key] = {"rows": 0, "example": f"{where} line {row['line']}: {row['reason']}"}
        groups[key]["rows"] += 1
    out = []
    for (source, at, kind), g in sorted(groups.items(), key=lambda kv: (kv[0][0], -kv[1]["rows"], kv[0][2])):
        zh, en = SET_ASIDE_AT.get(at, (at, at))
        out.append({"source": source, "at": f"{zh} {en}", "reason": kind, **g})
    return out


def quality_summary(folder: Path) -> dict:
    """What the data-quality page, the report and the workbook say about an evaluation folder."""
    evidence = folder / "evidence"
    manifest = read_json(evidence / "manifest.json")
    data_quality = read_json(evidence / "data_quality.json") if (evidence / "data_quality.json").exists() else {}
    aside_file = evidence / "rows_set_aside.parquet"
    aside = pl.read_parquet(aside_file) if aside_file.exists() else pl.DataFrame()
    quarantine = (
        read_json(evidence / "quarantine_summary.json") if (evidence / "quarantine_summary.json").exists() else {}
    )
    inputs = sorted(manifest.get("inputs", []), key=lambda i: (i["source"], i["dt"], i["file_name"]))
    rejected = [i for i in inputs if i.get("status") == "rejected"]
    by_source: dict[str, dict] = defaultdict(lambda: {"files": 0, "rejected": 0, "rows_in": 0, "loaded": 0})
    for i in inputs:
        s = by_source[i["source"]]
        s["files"] += 1
        s["rejected"] += i.get("status") == "rejected"
        s["rows_in"] += i.get("rows_in") or 0
        s["loaded"] += i.get("rows_loaded") or 0
    at_ingest = quarantine.get("set_aside_at_ingest", {})
    at_evaluation = quarantine.get("set_aside_at_evaluation", {})
    sources = [
        {
            "source": name,
            **by_source[name],
            "aside_ingest": at_ingest.get(name, 0),
            "aside_evaluation": at_evaluation.get(name, 0),
        }
        for name in sorted(set(by_source) | set(at_ingest) | set(at_evaluation))
    ]
    return {
        "period": manifest.get("period"),
        "as_of": manifest.get("cutoff"),
        "status": manifest.get("status"),
        "gates": gate_results(data_quality),
        "inputs": inputs,
        "rejected": rejected,
        "sources": sources,
        "set_aside": _set_aside(aside) if aside.height else [],
        "rows_set_aside": sum(at_ingest.values()) + sum(at_evaluation.values()),
        "passed": all(g["passed"] for g in gate_results(data_quality)) if data_quality else None,
    }


def write_data_quality_page(folder: Path) -> Path:
    """Write `data_quality.html` into the evaluation folder (before its checksums)."""
    summary = quality_summary(folder)
    html = template_env().get_template("data_quality.html.j2").render(q=summary, status=status, colours=GRADE_COLOURS)
    path = folder / PAGE
    path.write_text(html, encoding="utf-8")
    return path
