"""Late data: what arrived after an evaluation's cutoff that belongs to its period.

An evaluation of P as of C uses the deliveries with dt <= C. Records of P keep arriving
after C (extracts.md: a complaint about a March order delivered in May is normal), and the
models already place each in its cohort when P is evaluated again as of a later cutoff.
`late_records` lists them beforehand, per source and delivered file, so that a person can
see what a re-evaluation will move and what a restatement is about.

A record is of P (methodology.md, "Periods, attribution"):

    orders                         paid_at in P
    after_sales, reviews           their order is of P (as delivered by then)
    live_sessions                  started_at in P
    products                       their session started in P
    cs_conversations               first_message_at in P
    complaints                     received_at in P
    findings                       detected_at in P
    operators, streamers, agencies every row: a later snapshot's attributes apply to P
                                   when it is evaluated as of a later cutoff

Each late row is classed against the version of its key in effect at C: `new` (no earlier
version), `update` (an earlier version, also of P), `moved in` / `moved out` (the update
changes the period it belongs to), and `not scored` for a later version of a review (the
first delivered rating is the one that counts). Rows set aside at ingest never reach the
standardised layer; files rejected whole are listed apart, since their rows' period is
unknown.

Reads only the standardised layer and the receipts: what the archive has received. A
nightly run ingests each day's deliveries, so this is current to the last run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from live_commerce_quality.core.contract import SOURCES
from live_commerce_quality.core.io import json_text
from live_commerce_quality.core.layout import DT_FOLDER
from live_commerce_quality.core.periods import Period
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.core.text import text_table

# How a record is placed in a period: its own timestamp, or its parent's (source, column
# linking to the parent, the parent's timestamp).
OWN_TIME = {
    "orders": "paid_at",
    "live_sessions": "started_at",
    "cs_conversations": "first_message_at",
    "complaints": "received_at",
    "findings": "detected_at",
}
VIA_PARENT = {
    "after_sales": ("orders", ("order_id",), "paid_at"),
    "reviews": ("orders", ("order_id",), "paid_at"),
    "products": ("live_sessions", ("session_id",), "started_at"),
}
CHANGES = ("new", "update", "moved in", "moved out", "not scored")

RECORD_SCHEMA = {
    "source": pl.String(),
    "delivered_dt": pl.Date(),
    "file_name": pl.String(),
    "file_sha256": pl.String(),
    "file_line": pl.Int64(),
    "record_key": pl.String(),
    "change": pl.String(),
}


@dataclass(frozen=True)
class Window:
    period: str  # YYYY-MM, YYYY-Qn or YYYY
    since: date  # the cutoff C of the evaluation compared against
    until: date | None  # the last delivery day looked at; None: all received

    @property
    def start(self) -> date:
        return Period.parse(self.period).start

    @property
    def end(self) -> date:
        return Period.parse(self.period).end


def _files(settings: Settings, source: str, until: date | None) -> list[tuple[date, Path]]:
    folder = settings.standardised / source
    out = []
    if folder.is_dir():
        for day in sorted(folder.iterdir()):
            m = DT_FOLDER.match(day.name)
            if m is None:
                continue
            dt = date.fromisoformat(m.group(1))
            if until is None or dt <= until:
                out += [(dt, f) for f in sorted(day.glob("*.parquet"))]
    return out


def _versions(files: list[tuple[date, Path]], columns: list[str]) -> pl.LazyFrame | None:
    if not files:
        return None
    return pl.scan_parquet([f for _, f in files]).select(*columns, "_dt", "_file_name", "_file_sha256", "_line")


def in_effect(frame: pl.LazyFrame, key: list[str], first_wins: bool = False) -> pl.LazyFrame:
    """The version of each key that counts (extracts.md: latest dt, then file name, then
    line; reviews: the first)."""
    order = ["_dt", "_file_name", "_line"]
    ranked = frame.sort(order, descending=not first_wins)
    return ranked.unique(subset=key, keep="first", maintain_order=True)


def _key_expr(key: tuple[str, ...]) -> pl.Expr:
    return pl.concat_str([pl.col(k) for k in key], separator="|") if len(key) > 1 else pl.col(key[0])


def _in_period(column: str, w: Window) -> pl.Expr:
    start = pl.lit(w.start).cast(pl.Datetime("us"))
    end = pl.lit(w.end).cast(pl.Datetime("us"))
    return pl.col(column).is_not_null() & (pl.col(column) >= start) & (pl.col(column) < end)


@dataclass(frozen=True)
class _Placement:
    """How the rows of a source are placed in a period."""

    time_column: str | None = None  # None: snapshot rows apply to every period
    link: tuple[str, ...] = ()  # the columns naming the parent whose time places the row
    parents: pl.LazyFrame | None = None  # parent versions in effect: link columns + time


def _placement(settings: Settings, name: str, until: date | None) -> _Placement:
    if SOURCES[name].snapshot:
        return _Placement()
    if name in OWN_TIME:
        return _Placement(OWN_TIME[name])
    parent, link, time_column = VIA_PARENT[name]
    versions = _versions(_files(settings, parent, until), [*link, time_column])
    parents = None if versions is None else in_effect(versions, list(SOURCES[parent].key)).select(*link, time_column)
    return _Placement(time_column, link, parents)


def late_records(settings: Settings, window: Window) -> pl.DataFrame:
    """One row per late record of the period: source, delivered file, line, key, change."""
    frames = []
    for name in SOURCES:
        files = _files(settings, name, window.until)
        if any(dt > window.since for dt, _ in files):
            frames.append(_classify(name, files, window, _placement(settings, name, window.until)))
    if not frames:
        return pl.DataFrame(schema=RECORD_SCHEMA)
    return pl.concat(frames).sort("source", "delivered_dt", "file_name", "file_line")


def _classify(name: str, files: list[tuple[date, Path]], window: Window, placed: _Placement) -> pl.DataFrame:
    source = SOURCES[name]
    key = list(source.key)
    own_time = [placed.time_column] if placed.time_column and not placed.link else []
    columns = list(dict.fromkeys([*key, *placed.link, *own_time]))

    def of_period(frame: pl.LazyFrame, flag: str) -> pl.LazyFrame:
        if placed.time_column is None:
            return frame.with_columns(pl.lit(True).alias(flag))
        if placed.link:
            if placed.parents is None:  # no parent delivered at all: of no period
                return frame.with_columns(pl.lit(False).alias(flag))
            frame = frame.join(placed.parents, on=list(placed.link), how="left")
        in_p = _in_period(placed.time_column, window).fill_null(False)
        return frame.with_columns(in_p.alias(flag)).drop(placed.time_column)

    late = of_period(_versions([f for f in files if f[0] > window.since], columns), "in_p")
    earlier = _versions([f for f in files if f[0] <= window.since], columns)
    if earlier is None:
        rows = late.with_columns(seen=pl.lit(False), was_in_p=pl.lit(False))
    else:
        # the version each key had in the evaluation as of the cutoff
        before = of_period(in_effect(earlier, key, source.first_version_wins), "was_in_p")
        rows = late.join(before.select(*key, "was_in_p", seen=pl.lit(True)), on=key, how="left").with_columns(
            pl.col("seen").fill_null(False), pl.col("was_in_p").fill_null(False)
        )
    seen, was, now = pl.col("seen"), pl.col("was_in_p"), pl.col("in_p")
    change = (
        pl.when(~seen)
        .then(pl.lit("new"))
        .when(pl.lit(source.first_version_wins))
        .then(pl.lit("not scored"))
        .when(now & was)
        .then(pl.lit("update"))
        .when(now)
        .then(pl.lit("moved in"))
        .otherwise(pl.lit("moved out"))
    )
    return (
        rows.filter(now | was)
        .select(
            source=pl.lit(name),
            delivered_dt=pl.col("_dt"),
            file_name=pl.col("_file_name"),
            file_sha256=pl.col("_file_sha256"),
            file_line=pl.col("_line"),
            record_key=_key_expr(source.key).cast(pl.String),
            change=change,
        )
        .collect()
        .cast(RECORD_SCHEMA)
    )


def by_file(records: pl.DataFrame) -> pl.DataFrame:
    """Per delivered file: how many late records of each change."""
    if records.height == 0:
        return pl.DataFrame(
            schema={**{k: RECORD_SCHEMA[k] for k in ("source", "delivered_dt", "file_name", "file_sha256")}}
            | {c: pl.UInt32() for c in CHANGES}
        )
    counts = records.pivot(
        on="change",
        index=["source", "delivered_dt", "file_name", "file_sha256"],
        values="record_key",
        aggregate_function="len",
    )
    for c in CHANGES:
        if c not in counts.columns:
            counts = counts.with_columns(pl.lit(0, pl.UInt32).alias(c))
    return (
        counts.select("source", "delivered_dt", "file_name", "file_sha256", *CHANGES)
        .fill_null(0)
        .sort("source", "delivered_dt", "file_name")
    )


def rejected_files(settings: Settings, window: Window) -> pl.DataFrame:
    """Files delivered after the cutoff and rejected whole: their rows' period is unknown."""
    from live_commerce_quality.ingest import load_receipts

    receipts = load_receipts(settings)
    keep = (pl.col("status") == "rejected") & (pl.col("dt") > window.since)
    if window.until is not None:
        keep &= pl.col("dt") <= window.until
    return receipts.filter(keep).select("source", "dt", "file_name", "file_sha256", "reason")


def format_text(window: Window, records: pl.DataFrame, rejected: pl.DataFrame) -> str:
    files = by_file(records)
    upto = f" up to dt {window.until}" if window.until else ""
    lines = [
        f"{window.period} as evaluated as of {window.since}: {records.height} record(s) of the period "
        f"in {files.height} file(s) delivered later{upto}"
    ]
    if files.height:
        rows = [
            (r["source"], r["delivered_dt"], r["file_name"], r["file_sha256"], *(r[c] for c in CHANGES))
            for r in files.iter_rows(named=True)
        ]
        lines += text_table(("source", "dt", "file", "sha256", *CHANGES), rows, right=range(4, 4 + len(CHANGES)))
    for r in rejected.iter_rows(named=True):
        lines.append(
            f"rejected: {r['source']}/dt={r['dt']}/{r['file_name']} ({r['file_sha256']}): {r['reason']}; "
            "its rows' period is unknown"
        )
    return "\n".join(lines)


def format_json(window: Window, records: pl.DataFrame, rejected: pl.DataFrame) -> str:
    files = by_file(records)
    payload = {
        "period": window.period,
        "since": window.since.isoformat(),
        "until": None if window.until is None else window.until.isoformat(),
        "files": [dict(r, delivered_dt=str(r["delivered_dt"])) for r in files.iter_rows(named=True)],
        "records": [dict(r, delivered_dt=str(r["delivered_dt"])) for r in records.iter_rows(named=True)],
        "rejected": [dict(r, dt=str(r["dt"])) for r in rejected.iter_rows(named=True)],
    }
    return json_text(payload).rstrip("\n")


def check_window(period: str, since: str, until: str | None) -> Window:
    """The window of the command line's options, or ValueError saying what is wrong."""
    try:
        Period.parse(period)
        window = Window(period, date.fromisoformat(since), date.fromisoformat(until) if until else None)
    except ValueError as exc:
        raise ValueError(f"period must be YYYY-MM, YYYY-Qn or YYYY and dates YYYY-MM-DD: {exc}") from None
    if window.until is not None and window.until <= window.since:
        raise ValueError(f"--until {window.until} must be after --since {window.since}")
    return window
