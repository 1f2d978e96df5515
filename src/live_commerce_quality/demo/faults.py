"""Bad rows and bad files, planted so that the pipeline has something to set aside.

With `bad_share` > 0 about that share of each delivery becomes extra rows spoiled in one
way the contract forbids (a required value missing, an unknown enum, a number out of
range, events out of order, an unknown reference, an event after its extraction, a key
delivered twice, or, where values are text, one that does not parse), and four files
are planted that cannot be read as delivered. Bad rows carry keys of their own (or
duplicate a version that is not the last), so the clean data, and every rating computed
from it, is the same as with `bad_share=0`. Each row's spoiling is tagged in `_bad`
(`kind:column`) until it is written.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import polars as pl

from live_commerce_quality.core.contract import BOOL, DEC, INT, SOURCES, TS, Source
from live_commerce_quality.demo.formats import as_text, as_typed, gzip_bytes
from live_commerce_quality.demo.frames import ID_FORMATS
from live_commerce_quality.demo.timeline import DAY, HOUR, day_str

# Bad files planted when bad_share > 0: (source, how)
BAD_FILES = (
    ("orders", "truncated_parquet"),
    ("products", "undecodable_csv"),
    ("complaints", "missing_required_column"),
    ("reviews", "truncated_gzip"),
)
DUPLICATE_SOURCES = ("orders", "after_sales", "complaints", "findings")
# Bad rows get keys from the top of the id space ("9..."), unknown references "8...".
FRESH_KEY_DIGIT, UNKNOWN_REF_DIGIT = "9", "8"

TEXT_KINDS = ("number", "timestamp", "date_only", "boolean")
# Text values that do not parse, by kind (and column type for numbers).
BAD_TEXT = {
    ("number", INT): "两",
    ("number", DEC): "12.3.4",
    ("timestamp", None): "2025-02-30 25:61:00",
    ("boolean", None): "maybe",
}


def bad_kinds(src: Source) -> tuple[dict[str, list], dict[str, list]]:
    """Ways to spoil a row of `src`, from the contract: typed ones (any format) and text
    ones (only where values are written as text)."""
    key = set(src.key)
    typed: dict[str, list] = {}
    text: dict[str, list] = {}
    for c in src.columns:
        if c.required and c.name not in key:
            typed.setdefault("null", []).append(c.name)
        if c.enum:
            typed.setdefault("enum", []).append(c.name)
        if c.int_range:
            typed.setdefault("range", []).append(c.name)
        if c.positive:
            typed.setdefault("zero", []).append(c.name)
        elif c.non_negative:
            typed.setdefault("negative", []).append(c.name)
        if c.type in (INT, DEC):
            text.setdefault("number", []).append(c.name)
        elif c.type == TS:
            text.setdefault("timestamp", []).append(c.name)
            if c.required:  # cut to its date, a null would stay null (and valid)
                text.setdefault("date_only", []).append(c.name)
        elif c.type == BOOL:
            text.setdefault("boolean", []).append(c.name)
    for a, b in src.time_order:
        if src.column(a).required:
            typed.setdefault("time_order", []).append(f"{a}>{b}")
    if src.references:
        typed["unknown_reference"] = list(src.references)
    if src.time_column:
        typed["future_event"] = [src.time_column]
    if src.name in DUPLICATE_SOURCES:
        typed["duplicate_key"] = [None]
    return typed, text


def spoil_text(src: Source, df: pl.DataFrame) -> pl.DataFrame:
    """Apply the text-only bad values the `_bad` tags of a text frame ask for; drop the tags."""
    for tag in df["_bad"].drop_nulls().unique().sort().to_list():
        kind, col = tag.split(":", 1)
        if kind not in TEXT_KINDS:
            continue
        ctype = src.column(col).type
        if kind == "date_only":
            value = pl.col(col).str.slice(0, 10)
        else:
            value = pl.lit(BAD_TEXT[(kind, ctype if kind == "number" else None)])
        df = df.with_columns(pl.when(pl.col("_bad") == tag).then(value).otherwise(pl.col(col)).alias(col))
    return df.drop("_bad")


class Faults:
    """What is planted in one landing, and the counts the summary reports."""

    def __init__(self, seed: int, bad_share: float, file_format: Callable[[str, int], str]):
        self.seed, self.bad_share, self.file_format = seed, bad_share, file_format
        self.bad_rows: dict[str, int] = {}
        self.bad_files: list[dict] = []
        self._fresh: dict[str, int] = {}
        self._kinds = {name: bad_kinds(src) for name, src in SOURCES.items()}
        self._pending_bad_files = dict(BAD_FILES) if bad_share > 0 else {}

    # -- bad rows -------------------------------------------------------------------------

    def plant(self, src: Source, df: pl.DataFrame, call: int) -> pl.DataFrame:
        """`df` with bad rows added (`call` counts the deliveries of this source)."""
        rng = np.random.default_rng([self.seed, 77, list(SOURCES).index(src.name), call])
        n = int(rng.binomial(len(df), self.bad_share))
        if call == 1:
            n = max(n, 1)  # every source gets at least one
        n = min(n, len(df))
        if n == 0:
            return df
        idx = np.sort(rng.choice(len(df), n, replace=False))
        t = df[idx]
        kinds = self._choose(src, df, idx, t["_dt"].to_numpy(), rng)
        t = t.with_columns(_kind=pl.Series([k for k, _ in kinds]), _i=pl.int_range(pl.len()))
        col_of = [c for _, c in kinds]
        out = []
        for kind in sorted({k for k, _ in kinds}):
            sub = t.filter(pl.col("_kind") == kind)
            cols = [col_of[i] for i in sub["_i"].to_list()]
            if kind == "duplicate_key":
                out.append(sub.with_columns(_bad=pl.lit("duplicate_key:")))
                # the original row in the file is bad too: every copy of the key is
                self.bad_rows[src.name] = self.bad_rows.get(src.name, 0) + len(sub)
                continue
            sub = self._rekey(src, sub)
            for col in sorted(set(cols)):
                mask = pl.Series([c == col for c in cols])
                sub = sub.with_columns(self._spoil(src, kind, col, sub, mask, rng))
            out.append(sub)
        bad = pl.concat(out).drop("_kind", "_i")
        self.bad_rows[src.name] = self.bad_rows.get(src.name, 0) + len(bad)
        return pl.concat([df, bad])

    def _choose(self, src: Source, df: pl.DataFrame, idx: np.ndarray, days: np.ndarray, rng) -> list[tuple]:
        """(kind, column) for each chosen row: only kinds its file's format can carry."""
        typed, text = self._kinds[src.name]
        fmts = [self.file_format(src.name, int(d)) for d in days]
        not_last = None
        if "duplicate_key" in typed:
            not_last = df.select(pl.col("_dt") < pl.col("_dt").max().over(src.key)).to_series().gather(idx).to_numpy()
        kinds = []
        for i, f in enumerate(fmts):
            options = list(typed)
            if f.startswith("csv"):
                options += list(text)
            elif f == "jsonl":  # JSON keeps its numbers and booleans typed: only strings spoil
                options += [k for k in ("timestamp", "date_only") if k in text]
                if any(src.column(c).type == DEC for c in text.get("number", [])):
                    options.append("number")
            if not_last is not None and not not_last[i]:
                options.remove("duplicate_key")
            kind = options[rng.integers(len(options))]
            cols = typed.get(kind) or text.get(kind)
            if f == "jsonl" and kind == "number":
                cols = [c for c in cols if src.column(c).type == DEC]
            kinds.append((kind, cols[rng.integers(len(cols))]))
        return kinds

    def _spoil(self, src, kind, col, sub, mask, rng) -> list[pl.Expr]:
        """Expressions spoiling `col` of the rows in `mask` (kept for the others)."""
        m = pl.lit(mask)

        def where(name: str, value: pl.Expr) -> pl.Expr:
            return pl.when(m).then(value).otherwise(pl.col(name)).alias(name)

        tag = where("_bad", pl.lit(f"{kind}:{col}"))
        if kind in TEXT_KINDS:
            return [tag]  # applied when written as text
        if kind == "null":
            return [where(col, pl.lit(None)), tag]
        if kind == "enum":
            v = pl.col(col)
            bad = (
                pl.when(v == "12315")
                .then(pl.lit("12345"))
                .otherwise(pl.coalesce(v.str.to_titlecase(), pl.lit("Unknown")))
            )
            return [where(col, bad), tag]
        if kind == "range":
            lo, hi = src.column(col).int_range
            return [where(col, pl.lit(hi + 1) if rng.random() < 0.7 else pl.lit(lo - 1)), tag]
        if kind == "zero":
            return [where(col, pl.lit(0)), tag]
        if kind == "negative":
            return [where(col, -pl.col(col).fill_null(100).abs() - 100), tag]
        if kind == "time_order":
            a, b = col.split(">")
            return [where(b, pl.col(a) - HOUR), tag]
        if kind == "unknown_reference":
            ref = src.references[col]
            ids = self._fresh_ids(ref, len(sub), UNKNOWN_REF_DIGIT)
            return [where(col, pl.lit(ids)), tag]
        if kind == "future_event":
            later = (pl.col("_dt").cast(pl.Int64) + 1) * DAY + HOUR
            return [where(col, later), tag]
        raise AssertionError(kind)

    def _fresh_ids(self, kind: str, n: int, digit: str) -> pl.Series:
        prefix, width = ID_FORMATS[kind]
        start = self._fresh.get(kind + digit, 0)
        self._fresh[kind + digit] = start + n
        nums = np.arange(start + 1, start + n + 1)
        return pl.Series([f"{prefix}{digit}{i:0{width - 1}d}" for i in nums], dtype=pl.String)

    def _rekey(self, src: Source, t: pl.DataFrame) -> pl.DataFrame:
        """Give copies keys of their own so they never touch the good records."""
        col = src.key[-1]  # products: keep the session, change the product
        kind = "products" if col == "product_id" else src.name
        return t.with_columns(self._fresh_ids(kind, len(t), FRESH_KEY_DIGIT).alias(col))

    # -- bad files ------------------------------------------------------------------------

    def bad_file(self, src: Source, df: pl.DataFrame) -> tuple[int, str, bytes] | None:
        """(day, file name, bytes) of the bad file planted with the first delivery of a
        source that gets one: 30 rows of a mid-period day, resent unreadable."""
        how = self._pending_bad_files.pop(src.name, None)
        if how is None:
            return None
        days = df["_dt"].unique().sort()
        day = int(days[len(days) // 2])
        rows = df.filter(pl.col("_dt") == day)
        part = rows["_part"].min()
        rows = self._rekey(src, rows.filter(pl.col("_part") == part).head(30))
        typed = as_typed(src, rows)
        text = spoil_text(src, as_text(src, rows, "csv", 0)).write_csv().encode("utf-8")
        if how == "truncated_parquet":
            buf = io.BytesIO()
            typed.write_parquet(buf, compression="zstd", compression_level=3)
            data, ext, reason = buf.getvalue(), "parquet", "truncated file"
            data = data[: len(data) * 3 // 5]
        elif how == "undecodable_csv":
            lines = text.split(b"\n")
            lines[1:-1] = [ln + b"\xff\xfe" for ln in lines[1:-1]]  # bytes no encoding allows
            data, ext, reason = b"\n".join(lines), "csv", "undecodable (not UTF-8, GBK or GB18030)"
        elif how == "missing_required_column":
            col = src.time_column or src.required[-1]
            data = spoil_text(src, as_text(src, rows, "csv", 0)).drop(col).write_csv().encode("utf-8")
            ext, reason = "csv", f"required column {col} missing"
        else:  # truncated_gzip
            data = gzip_bytes(text)
            data, ext, reason = data[: len(data) // 2], "csv.gz", "truncated gzip stream"
        name = f"{part}-resend.{ext}"
        self.bad_files.append({"path": f"{src.name}/dt={day_str(day)}/{name}", "reason": reason, "rows": len(rows)})
        return day, name, data
