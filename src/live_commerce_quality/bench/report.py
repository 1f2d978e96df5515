"""The bench's results: ratios, targets, the table printed and the JSON written under
`Layout.bench_results` (`<UTC time>-<host>.json`, copied to `latest.json`)."""

from __future__ import annotations

import os
import platform
import shutil
import socket
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from live_commerce_quality.bench.scenarios import TRANSFORM
from live_commerce_quality.core.io import write_json
from live_commerce_quality.core.layout import PROJECT_ROOT

# (key, scale it applies at or None for any, what, limit, how the value compares)
TARGETS = (
    ("end_to_end_s", 1.0, "SF1 end to end <= 20 s", 20.0, "max"),
    ("end_to_end_s", 10.0, "SF10 end to end <= 150 s", 150.0, "max"),
    ("peak_rss_mb", 10.0, "SF10 peak RSS <= 4 GiB", 4096.0, "max"),
    ("peak_rss_mb", 50.0, "SF50 peak RSS <= 4 GiB", 4096.0, "max"),
    ("transform_over_floor", 10.0, "SF10 dbt step within 1.5x of the floor", 1.5, "max"),
    ("pandas_over_transform", 10.0, "SF10 dbt step >= 10x faster than pandas", 10.0, "min"),
    ("nightly_ratio", None, "nightly day 30 <= 1.3x day 1", 1.3, "max"),
)
HISTORY_LIMIT = 1.1  # 12 months of history <= 1.1x 1 month
# SF50 "roughly 5x SF10": linear in the data, read as within 10 % of 5x
SCALING = (10.0, 50.0, 5.5)


def machine() -> dict:
    model = next(
        (line.split(":", 1)[1].strip() for line in _lines("/proc/cpuinfo") if line.startswith("model name")), None
    )
    mem_kb = next((int(line.split()[1]) for line in _lines("/proc/meminfo") if line.startswith("MemTotal:")), 0)
    return {
        "hostname": socket.gethostname(),
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "versions": _versions(),
    }


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("duckdb", "dbt-core", "dbt-duckdb", "polars", "pandas", "pyarrow"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def git() -> dict:
    def run(*args: str) -> str:
        proc = subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
        return proc.stdout.strip()

    dirty = bool(run("status", "--porcelain", "--", "src", "dbt_project"))
    return {"commit": run("rev-parse", "HEAD") or None, "dirty": dirty}


def ratios(scale: dict) -> dict:
    """dbt step / floor, pandas / floor, pandas / dbt step. A pandas run stopped by the memory
    cap gives lower bounds (`pandas_at_least`): the time it ran before it was stopped."""
    transform = scale.get("monthly", {}).get("steps", {}).get(TRANSFORM, {}).get("seconds")
    floor = scale.get("floor", {}).get("seconds") if scale.get("floor", {}).get("ok") else None
    pd = scale.get("pandas", {})
    pandas, at_least = (pd.get("seconds"), False) if pd.get("ok") else (pd.get("process_seconds"), True)
    if pd.get("out_of_memory_gb") is None and not pd.get("ok"):
        pandas = None

    def div(a, b):
        return round(a / b, 2) if a is not None and b else None

    out = {
        "transform_over_floor": div(transform, floor),
        "pandas_over_floor": div(pandas, floor),
        "pandas_over_transform": div(pandas, transform),
    }
    if pandas is not None and at_least:
        out["pandas_at_least"] = True
    return out


def targets(scale_factor: float, scale: dict) -> list[dict]:
    values = {
        "end_to_end_s": scale.get("monthly", {}).get("total", {}).get("seconds"),
        "peak_rss_mb": scale.get("monthly", {}).get("total", {}).get("peak_rss_mb"),
        "nightly_ratio": scale.get("nightly", {}).get("ratio"),
        **scale.get("ratios", {}),
    }
    if scale.get("monthly") and not scale["monthly"].get("ok"):
        values["end_to_end_s"] = values["peak_rss_mb"] = None
    out = []
    for key, at, what, limit, how in TARGETS:
        if at is not None and at != scale_factor:
            continue
        value = values.get(key)
        if key == "nightly_ratio" and "nightly" not in scale:
            continue
        met = None if value is None else (value <= limit if how == "max" else value >= limit)
        row = {"target": what, "value": value, "limit": limit, "met": met}
        if key == "pandas_over_transform" and scale.get("ratios", {}).get("pandas_at_least"):
            # pandas ran out of memory: the ratio is a lower bound, enough only when it already passes
            row.update(met=True if met else None, note=scale["pandas"].get("error"))
        out.append(row)
    return out


def scaling_target(scales: dict) -> dict | None:
    """SF50's end to end against SF10's, when both ran (None otherwise)."""
    small, large, limit = SCALING
    totals = [scales.get(f"{sf:g}", {}).get("monthly", {}) for sf in (small, large)]
    if not all(totals):
        return None
    value = None
    if all(m.get("ok") for m in totals):
        value = round(totals[1]["total"]["seconds"] / totals[0]["total"]["seconds"], 2)
    what = f"SF{large:g} end to end <= {limit:g}x SF{small:g} (roughly {large / small:g}x)"
    return {"target": what, "value": value, "limit": limit, "met": None if value is None else value <= limit}


def history_target(result: dict) -> dict:
    what, limit = f"{len(result['months'])} months of history <= 1.1x 1 month", HISTORY_LIMIT
    value = result.get("ratio")
    return {"target": what, "value": value, "limit": limit, "met": None if value is None else value <= limit}


def write(document: dict, results_dir: Path) -> Path:
    """`<UTC time>-<host>.json` and a copy as `latest.json`; returns the first."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = results_dir / f"{stamp}-{socket.gethostname()}.json"
    write_json(path, document)
    shutil.copyfile(path, results_dir / "latest.json")
    return path


def table(document: dict) -> str:
    """The results for people: per scale, each step, the floor and pandas, ratios, then targets."""
    lines = []
    head = f"  {'':<22}{'seconds':>10}{'process s':>11}{'peak RSS':>11}"
    for sf, scale in document["scales"].items():
        monthly = scale.get("monthly")
        if monthly:
            lines += ["", f"SF{sf} {monthly['period']} as of {monthly['as_of']}", head]
            for name, s in monthly["steps"].items():
                lines.append(_row(name, s))
                if s.get("slowest_models"):
                    lines.append("      " + ", ".join(f"{m} {t:g} s" for m, t in s["slowest_models"].items()))
            lines.append(_row("end to end", monthly["total"]))
            if not monthly["ok"]:
                lines.append(f"  FAILED: {monthly.get('error')}")
        for which in ("floor", "pandas"):
            if which in scale:
                r = scale[which]
                lines.append(_row(f"{which} (operators)", r) + "  " + _agreement(r))
        r = scale.get("ratios", {})
        if r:
            mark = ">= " if r.get("pandas_at_least") else ""
            lines.append(
                f"  ratios: dbt step / floor {_x(r['transform_over_floor'])}, pandas / floor {mark}"
                f"{_x(r['pandas_over_floor'])}, pandas / dbt step {mark}{_x(r['pandas_over_transform'])}"
            )
        if "spark" in scale:
            sp = scale["spark"]
            agreed = {True: "marts equal to DuckDB's", False: "marts DIFFER from DuckDB's", None: sp.get("error")}
            lines.append(_row("transform on Spark", sp) + "  " + str(agreed[sp.get("agree")]))
            if sp.get("ok") and sp["duckdb"].get("seconds"):
                lines.append(
                    f"  Spark / DuckDB transform: {_x(round(sp['seconds'] / sp['duckdb']['seconds'], 2))} time, "
                    f"{_x(round(sp['peak_rss_mb'] / sp['duckdb']['peak_rss_mb'], 2))} peak memory"
                )
        if "nightly" in scale:
            n = scale["nightly"]
            d1, d2 = (n[f"day_{d}"]["total"] for d in n["days"])
            lines.append(
                f"  nightly: day 1 {d1['seconds']:.1f} s ({d1['peak_rss_mb']:.0f} MB), day {n['days'][1]}"
                f" {d2['seconds']:.1f} s ({d2['peak_rss_mb']:.0f} MB): {_x(n['ratio'])}"
            )
    h = document.get("history")
    if h:
        one, many = h["one_month"]["total"], h["all_months"]["total"]
        lines += ["", f"history (SF{h['scale']:g}, {h['month']} as of {h['as_of']}): 1 month {one['seconds']:.1f} s"
                  f" ({one['peak_rss_mb']:.0f} MB), {len(h['months'])} months {many['seconds']:.1f} s"
                  f" ({many['peak_rss_mb']:.0f} MB): {_x(h['ratio'])}"]  # fmt: skip
    lines += ["", "targets:"]
    for t in document["targets"]:
        met = {True: "met", False: "NOT MET", None: "not measured"}[t["met"]]
        value = "-" if t["value"] is None else f"{t['value']:g}"
        lines.append(f"  {t['target']:<44} {value:>10}  {met}" + (f" ({t['note']})" if t.get("note") else ""))
    return "\n".join(lines)


def _row(name: str, r: dict) -> str:
    secs = "-" if r.get("seconds") is None else f"{r['seconds']:.1f}"
    proc = "" if r.get("process_seconds") is None else f"{r['process_seconds']:.1f}"
    return f"  {name:<22}{secs:>10}{proc:>11}{r.get('peak_rss_mb', 0):>8.0f} MB"


def _agreement(r: dict) -> str:
    a = r.get("agreement")
    if a is None:
        return f"FAILED: {r.get('error')}"
    text = f"agree: {a['mismatching_cells']} mismatching cell(s) of {a['cells_compared']}"
    return text + "".join(f"\n      {m}" for m in a["first_mismatches"])


def _x(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"
