"""Vectorised parsing of contract types (no per-row Python).

Every typed column is parsed from its text (an empty text is null) or, for
Parquet, taken from the file's own type when that type is the contract's. A value that
does not parse becomes null here; `validate` turns "text present, value null" into the
row's reason. Fast paths cover the common spellings; the rare others are parsed on
the subset of rows that need it.

Surrounding white space is tolerated in typed values (not in `str` values, which are
kept exactly); a value of only white space does not parse.

- int: `[+-]digits`, optionally `.0…` (spreadsheets write 3 as 3.0) -> Int64.
- dec: yuan, `[+-]digits[.digits]`, rounded half-up to the cent from the decimal text
  (never through a float) -> Decimal(18, 2).
- bool: contract.TRUE_WORDS / FALSE_WORDS, Latin letters in any case.
- ts: `YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][Z|±HH[:MM]]`; no offset means CST (UTC+08:00);
  stored as naive CST wall-clock, microseconds (extra fraction digits are truncated).
  A date alone is not a timestamp.
- date: `YYYY-MM-DD`.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from live_commerce_quality.core.contract import BOOL, DATE, DEC, FALSE_WORDS, INT, STR, TRUE_WORDS, TS, Source
from live_commerce_quality.core.periods import CST_OFFSET
from live_commerce_quality.ingest.readers import FileRejected

CST_MINUTES = int(CST_OFFSET.total_seconds() // 60)
DEC_TYPE = pl.Decimal(18, 2)
TS_TYPE = pl.Datetime("us")
POLARS_TYPE = {
    STR: pl.String,
    INT: pl.Int64,
    DEC: DEC_TYPE,
    BOOL: pl.Boolean,
    TS: TS_TYPE,
    DATE: pl.Date,
}

RAW_PREFIX = "__raw__"  # the text of a typed column as delivered, kept for messages

_INT_RE = r"^[+-]?[0-9]+(?:\.0*)?$"
_DEC_FAST_RE = r"^[0-9]{1,16}(?:\.[0-9]{0,2})?$"
_DEC_RE = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$"
_TS_FAST_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}$"
_TS_RE = (
    r"^([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]([0-9]{2}:[0-9]{2})(:[0-9]{2})?"
    r"(?:[.,]([0-9]{1,9}))?(Z|z|[+-][0-9]{2}(?::?[0-9]{2})?)?$"
)
DATE_ONLY_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def raw_name(col: str) -> str:
    return RAW_PREFIX + col


def _is_text(dtype: pl.DataType) -> bool:
    return dtype in (pl.String, pl.Categorical) or isinstance(dtype, (pl.Categorical, pl.Enum))


def _as_text(name: str, dtype: pl.DataType, label: str) -> pl.Expr:
    """The column as text: strings stay, other simple types are cast to their text."""
    c = pl.col(name)
    if _is_text(dtype):
        return c.cast(pl.String)
    if dtype.is_nested() or dtype == pl.Binary or dtype == pl.Object:
        raise FileRejected(f"column {name} has an unsupported {label} type {dtype}")
    return c.cast(pl.String)


# --------------------------------------------------------------------------- fast paths
# Run on every row; exact spellings only. Anything they leave null goes to the general
# parsers below, on the subset of rows that need it.


def _int_fast(raw: pl.Expr) -> pl.Expr:
    return raw.cast(pl.Int64, strict=False)


def _dec_fast(raw: pl.Expr) -> pl.Expr:
    ok = raw.str.contains(_DEC_FAST_RE)
    return pl.when(ok).then(raw).str.to_decimal(scale=2).cast(DEC_TYPE)


def _bool_expr(raw: pl.Expr) -> pl.Expr:
    low = raw.str.to_lowercase()
    return (
        pl.when(low.is_in(sorted(TRUE_WORDS)))
        .then(pl.lit(True))
        .when(low.is_in(sorted(FALSE_WORDS)))
        .then(pl.lit(False))
        .otherwise(pl.lit(None, pl.Boolean))
    )


def _ts_fast(raw: pl.Expr, sep: str) -> pl.Expr:
    """`YYYY-MM-DD<sep>HH:MM:SS` exactly (the regex guards chrono's leniency)."""
    pattern = _TS_FAST_RE.replace("[T ]", sep)
    return (
        pl.when(raw.str.contains(pattern))
        .then(raw)
        .str.to_datetime(f"%Y-%m-%d{sep}%H:%M:%S", time_unit="us", strict=False, cache=False)
    )


def _date_expr(raw: pl.Expr) -> pl.Expr:
    ok = raw.str.contains(DATE_ONLY_RE)
    return pl.when(ok).then(raw).str.to_date("%Y-%m-%d", strict=False)


def _ts_separator(s: pl.Series) -> str:
    """The date/time separator most of the first values use ('T' or ' ')."""
    sample = s.head(1000).drop_nulls()
    if sample.len() == 0:
        return " "
    t = (sample.str.slice(10, 1) == "T").sum()
    return "T" if t * 2 > sample.len() else " "


# --------------------------------------------------------------------------- general parsers


def parse_ts_general(s: pl.Series) -> pl.Series:
    """Any accepted ISO 8601 spelling -> naive CST datetime[us]; null if not parseable."""
    g = pl.col("s").str.strip_chars().str.extract_groups(_TS_RE)
    f = g.struct.field
    base = pl.concat_str(
        f("1"),
        pl.lit(" "),
        f("2"),
        f("3").fill_null(":00"),
        pl.lit("."),
        f("4").fill_null("0").str.slice(0, 6).str.pad_end(6, "0"),
    ).str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us", strict=False)
    off = f("5")
    digits = off.str.replace(":", "", literal=True)
    hours = digits.str.slice(1, 2).cast(pl.Int32, strict=False)
    minutes = digits.str.slice(3, 2).cast(pl.Int32, strict=False).fill_null(0)
    sign = pl.when(off.str.starts_with("-")).then(-1).otherwise(1)
    offset = (
        pl.when(off.is_null())
        .then(pl.lit(CST_MINUTES))
        .when(off.str.to_uppercase() == "Z")
        .then(pl.lit(0))
        .when((hours <= 18) & (minutes <= 59))
        .then(sign * (hours * 60 + minutes))
        .otherwise(pl.lit(None, pl.Int32))
    )
    out = s.to_frame("s").select((base - pl.duration(minutes=offset - CST_MINUTES)).cast(TS_TYPE).alias(s.name))
    return out.to_series()


def parse_dec_general(s: pl.Series) -> pl.Series:
    """`[+-]digits[.digits]` -> Decimal(18,2), half-up (away from zero) from the text."""
    e = pl.col("s").str.strip_chars()
    valid = e.str.contains(_DEC_RE)
    neg = e.str.starts_with("-")
    parts = e.str.strip_chars_start("+-").str.split_exact(".", 1)
    ip = parts.struct.field("field_0").str.strip_chars_start("0")
    ip = pl.when(ip == "").then(pl.lit("0")).otherwise(ip)
    fr = parts.struct.field("field_1").fill_null("")
    ok = valid & (ip.str.len_bytes() <= 16)
    ipi = pl.when(ok).then(ip).cast(pl.Int64, strict=False)
    f3 = pl.when(ok).then(fr.str.slice(0, 3).str.pad_end(3, "0")).cast(pl.Int64, strict=False)
    cents = ipi * 100 + f3 // 10 + (f3 % 10 >= 5).cast(pl.Int64)
    cents = pl.when(neg).then(-cents).otherwise(cents)
    out = s.to_frame("s").select((cents.cast(pl.Decimal(18, 0)) * pl.lit(Decimal("0.01"))).cast(DEC_TYPE).alias(s.name))
    return out.to_series()


def _parse_general(kind: str, s: pl.Series) -> pl.Series:
    if kind == TS:
        return parse_ts_general(s)
    if kind == DEC:
        return parse_dec_general(s)
    e = pl.col("s").str.strip_chars()
    if kind == INT:
        expr = pl.when(e.str.contains(_INT_RE)).then(e).str.replace(r"\.0*$", "").cast(pl.Int64, strict=False)
    elif kind == BOOL:
        expr = _bool_expr(e)
    else:
        expr = _date_expr(e)
    return s.to_frame("s").select(expr.alias(s.name)).to_series()


# --------------------------------------------------------------------------- frame


def parse_frame(df: pl.DataFrame, source: Source, text: bool) -> pl.DataFrame:
    """Parse every contract column present in `df` to its contract type.

    Returns `df` with each contract column replaced by its typed value (missing columns
    added as typed nulls) and, for typed columns read as text, `__raw__<col>`: the text
    as delivered (null when empty), for the reasons of rows that fail.
    """
    raw_exprs: list[pl.Expr] = []
    value_exprs: list[pl.Expr] = []
    general: list[tuple[str, str]] = []  # (column, type) parsed again where the fast path failed
    for col in source.columns:
        name = col.name
        target = POLARS_TYPE[col.type]
        if name not in df.columns:
            value_exprs.append(pl.lit(None, target).alias(name))
            continue
        dtype = df.schema[name]
        if col.type == STR:
            if _is_text(dtype):
                c = pl.col(name).cast(pl.String)
                value_exprs.append((pl.when(c == "").then(None).otherwise(c) if text else c).alias(name))
            elif dtype == pl.Null:
                value_exprs.append(pl.lit(None, pl.String).alias(name))
            else:
                value_exprs.append(_as_text(name, dtype, "Parquet").alias(name))
            continue
        # typed column: native Parquet type when it is the contract's own
        if dtype == pl.Null:
            value_exprs.append(pl.lit(None, target).alias(name))
            continue
        if col.type == INT and dtype.is_integer():
            value_exprs.append(pl.col(name).cast(pl.Int64, strict=False).alias(name))
            if dtype == pl.UInt64:  # may overflow: keep the text for the message
                raw_exprs.append(pl.col(name).cast(pl.String).alias(raw_name(name)))
            continue
        if col.type == BOOL and dtype == pl.Boolean:
            value_exprs.append(pl.col(name).alias(name))
            continue
        if col.type == DATE and dtype == pl.Date:
            value_exprs.append(pl.col(name).alias(name))
            continue
        if col.type == TS and isinstance(dtype, pl.Datetime):
            c = pl.col(name)
            if dtype.time_zone is not None:
                c = c.dt.convert_time_zone("UTC").dt.replace_time_zone(None) + pl.duration(minutes=CST_MINUTES)
            value_exprs.append(c.dt.cast_time_unit("us").alias(name))
            continue
        # everything else through its text
        raw_expr = _as_text(name, dtype, "Parquet")
        if not (text and _is_text(dtype)):
            raw_expr = pl.when(raw_expr == "").then(None).otherwise(raw_expr)
        raw_exprs.append(raw_expr.alias(raw_name(name)))
        raw = pl.col(raw_name(name))
        if col.type == INT:
            value = _int_fast(raw)
        elif col.type == DEC:
            value = _dec_fast(raw)
        elif col.type == BOOL:
            value = _bool_expr(raw)
        elif col.type == TS:
            value = _ts_fast(raw, _ts_separator(df[name].head(1000).cast(pl.String)))
        else:
            value = _date_expr(raw)
        value_exprs.append(value.alias(name))
        general.append((name, col.type))

    # raw texts first (values refer to them), then values; each step runs in parallel
    out = df.with_columns(raw_exprs).with_columns(value_exprs)

    need_exprs = [(pl.col(raw_name(n)).is_not_null() & pl.col(n).is_null()).any().alias(n) for n, _ in general]
    needs = out.select(need_exprs).row(0, named=True) if need_exprs else {}
    for name, kind in general:
        if not needs[name]:
            continue
        need = out[raw_name(name)].is_not_null() & out[name].is_null()
        idx = need.arg_true()
        fixed = _parse_general(kind, out[raw_name(name)].gather(idx))
        out = out.with_columns(out[name].scatter(idx, fixed.rename(name)))
    return out
