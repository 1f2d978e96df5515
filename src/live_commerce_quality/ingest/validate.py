"""Row rules of the contract ("Bad rows"), vectorised.

Two stages: boolean flags for every rule over all rows (cheap), then reason texts built
only for the rows that failed. A row keeps every reason that applies, joined with '; ',
in contract column order, then time orders, then the duplicate key. A problem the
reader found (empty record, too many fields, not JSON) is the row's only reason.

Reference checks (unknown operator, ...) are not made here: they need the good rows
of every delivery up to an evaluation's cutoff and run at evaluation time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import polars as pl

from live_commerce_quality.core.contract import BOOL, DATE, DEC, INT, SOURCES, TS, Column, Source
from live_commerce_quality.ingest.parse import DATE_ONLY_RE, raw_name
from live_commerce_quality.ingest.readers import LINE, READER_REASON, ROW

REASON = "reason"
RECORD_KEY = "record_key"
_GOT_MAX = 60  # characters of a bad value quoted in a reason


@dataclass
class Checked:
    good: pl.DataFrame  # typed contract columns + _line
    bad: pl.DataFrame  # _line, reason, record_key
    rows_in: int


@dataclass
class _Rule:
    flag: pl.Expr  # true when the row breaks the rule
    message: pl.Expr  # evaluated on failing rows only


def _lit(s: str) -> pl.Expr:
    return pl.lit(s, pl.String)


def _shown(df_cols: set[str], col: Column) -> pl.Expr:
    """The offending value as delivered (its text when read as text), quoted and cut."""
    if col.pseudonymise or col.drop:  # never quote personal data
        return _lit("(withheld)")
    rn = raw_name(col.name)
    if rn in df_cols:
        v = pl.col(rn)
    elif col.type == TS:
        v = pl.col(col.name).dt.to_string("%Y-%m-%d %H:%M:%S%.f")
    else:
        v = pl.col(col.name).cast(pl.String)
    cut = pl.when(v.str.len_chars() > _GOT_MAX).then(pl.concat_str(v.str.slice(0, _GOT_MAX), _lit("…"))).otherwise(v)
    return pl.concat_str(_lit("'"), cut, _lit("'"))


def _ts_text(name: str) -> pl.Expr:
    return pl.col(name).dt.to_string("%Y-%m-%d %H:%M:%S%.f")


def _column_rules(col: Column, cols: set[str], day_end: datetime, dt: date) -> list[_Rule]:
    name = col.name
    v = pl.col(name)
    rn = raw_name(name)
    has_raw = rn in cols
    rules: list[_Rule] = []
    got = _shown(cols, col)

    present = pl.col(rn).is_not_null() if has_raw else v.is_not_null()
    if col.required:
        rules.append(_Rule(~present, _lit(f"{name} is required but empty")))
    if has_raw:
        kind = {
            INT: "an integer",
            DEC: "an amount in yuan",
            BOOL: "a boolean (true/false, 1/0, 是/否, Y/N)",
            TS: "an ISO 8601 date and time",
            DATE: "a date (YYYY-MM-DD)",
        }[col.type]
        msg = pl.concat_str(_lit(f"{name} is not {kind} (got "), got, _lit(")"))
        if col.type == TS:
            date_only = pl.col(rn).str.contains(DATE_ONLY_RE)
            msg = (
                pl.when(date_only)
                .then(pl.concat_str(_lit(f"{name} is a date without a time (got "), got, _lit(")")))
                .otherwise(msg)
            )
        rules.append(_Rule(pl.col(rn).is_not_null() & v.is_null(), msg))
    if col.enum is not None:
        allowed = ", ".join(col.enum)
        rules.append(
            _Rule(
                v.is_not_null() & ~v.is_in(list(col.enum)),
                pl.concat_str(_lit(f"{name} must be one of {allowed} (got "), got, _lit(")")),
            )
        )
    if col.pattern is not None:
        regex, form = col.pattern
        rules.append(
            _Rule(
                v.is_not_null() & ~v.str.contains(regex),
                pl.concat_str(_lit(f"{name} must be {form} (got "), got, _lit(")")),
            )
        )
    if col.positive:
        rules.append(_Rule(v <= 0, pl.concat_str(_lit(f"{name} must be > 0 (got "), got, _lit(")"))))
    if col.non_negative:
        rules.append(_Rule(v < 0, pl.concat_str(_lit(f"{name} must be >= 0 (got "), got, _lit(")"))))
    if col.int_range is not None:
        lo, hi = col.int_range
        rules.append(
            _Rule(
                (v < lo) | (v > hi),
                pl.concat_str(_lit(f"{name} must be between {lo} and {hi} (got "), got, _lit(")")),
            )
        )
    if col.type == TS and col.event:
        rules.append(
            _Rule(
                v >= day_end,
                pl.concat_str(
                    _lit(f"{name} "),
                    _ts_text(name),
                    _lit(f" is at or after the end of the delivery day dt={dt.isoformat()} (CST)"),
                ),
            )
        )
    return rules


def _rules(source: Source, cols: frozenset[str], dt: date) -> tuple[_Rule, ...]:
    """Every row rule of the source's files of day `dt` with these columns."""
    day_end = datetime.combine(dt + timedelta(days=1), time())
    rules: list[_Rule] = []
    for col in source.columns:
        rules.extend(_column_rules(col, set(cols), day_end, dt))
    for earlier, later in source.time_order:
        rules.append(
            _Rule(
                pl.col(later) < pl.col(earlier),
                pl.concat_str(
                    _lit(f"{later} "),
                    _ts_text(later),
                    _lit(f" is before {earlier} "),
                    _ts_text(earlier),
                ),
            )
        )
    return tuple(rules)


@lru_cache(maxsize=512)
def _contract_rules(source_name: str, cols: frozenset[str], dt: date) -> tuple[_Rule, ...]:
    """The rules of a contract source, built once per day and set of columns and shared (Polars
    expressions are immutable): building them costs about 3 ms, a tenth of a small file's ingest."""
    return _rules(SOURCES[source_name], cols, dt)


def check_rows(df: pl.DataFrame, source: Source, dt: date) -> Checked:
    """Split parsed rows into good rows and set-aside rows with their reasons."""
    cols = set(df.columns)
    if SOURCES.get(source.name) is source:
        rules = _contract_rules(source.name, frozenset(cols), dt)
    else:  # a source made by a test or a tool: built each time
        rules = _rules(source, frozenset(cols), dt)
    reader_bad = pl.col(READER_REASON).is_not_null()

    # duplicate key within the file: every copy is set aside (a record the reader could
    # not take apart still counts as a copy of its key)
    key = list(source.key)
    has_key = pl.all_horizontal([pl.col(k).is_not_null() for k in key])
    dup_flag = has_key & (pl.len().over(key) > 1)

    flags = [r.flag.fill_null(False).alias(f"__f{i}") for i, r in enumerate(rules)]
    flags.append(dup_flag.alias("__fdup"))
    flagged = df.with_columns(flags)
    flag_names = [f"__f{i}" for i in range(len(rules))] + ["__fdup"]
    any_bad = pl.any_horizontal(flag_names) | reader_bad
    flagged = flagged.with_columns(any_bad.alias("__bad"))

    record_key = pl.concat_str([pl.col(k).cast(pl.String) for k in key], separator="|")
    keep = [*source.column_names, LINE, *([ROW] if ROW in cols else [])]
    if flagged["__bad"].any():
        good = flagged.filter(~pl.col("__bad")).select(keep)
        bad = flagged.filter(pl.col("__bad"))
    else:  # the common case: no copy of the frame
        good = flagged.select(keep)
        bad = flagged.clear()

    if bad.height:
        dups = bad.filter(pl.col("__fdup"))
        if dups.height:
            lines = dups.group_by(key).agg(
                pl.concat_str(
                    _lit("duplicate key within the file (lines "),
                    pl.col(LINE).sort().head(10).cast(pl.String).str.join(", "),
                    pl.when(pl.len() > 10).then(_lit(", …")).otherwise(_lit("")),
                    _lit(")"),
                ).alias("__dupmsg")
            )
            bad = bad.join(lines, on=key, how="left", nulls_equal=False, maintain_order="left")
        else:
            bad = bad.with_columns(pl.lit(None, pl.String).alias("__dupmsg"))
        parts = [
            pl.when(pl.col(f"__f{i}")).then(r.message).otherwise(pl.lit(None, pl.String)) for i, r in enumerate(rules)
        ]
        parts.append(pl.when(pl.col("__fdup")).then(pl.col("__dupmsg")))
        joined = pl.concat_str(parts, separator="; ", ignore_nulls=True)
        reason = pl.when(reader_bad).then(pl.col(READER_REASON)).otherwise(joined)
        bad = bad.select(LINE, reason.alias(REASON), record_key.alias(RECORD_KEY)).sort(LINE)
    else:
        bad = pl.DataFrame(schema={LINE: pl.Int64, REASON: pl.String, RECORD_KEY: pl.String})
    if good.height + bad.height != df.height:
        raise RuntimeError(f"rows lost in validation: {df.height} != {good.height} + {bad.height}")
    return Checked(good, bad, df.height)
