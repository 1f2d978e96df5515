"""Keyed pseudonyms: HMAC-SHA256(key, value as UTF-8), lower-case hex.

Computed once per distinct value, in DuckDB (vectorised SHA-256), from the HMAC
definition (RFC 2104): H((K ^ opad) || H((K ^ ipad) || m)) with K padded to the
64-byte block. The same value always gets the same pseudonym under the same key, so
pseudonymised ids still join across sources (orders.buyer_id = cs_conversations.buyer_id).
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

import duckdb
import polars as pl

_BLOCK = 64


def _pads(key: bytes) -> tuple[bytes, bytes]:
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def pseudonym(value: str, key: bytes) -> str:
    """The pseudonym of one value (reference implementation, for tests and look-ups)."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def pseudonymise(values: pl.Series, key: bytes, config: dict | None = None) -> pl.Series:
    """HMAC-SHA256 hex of every value, in order; nulls stay null. Each distinct value is
    hashed once, in one DuckDB pass (`config`: DuckDB's bounds, core/duck.py)."""
    name = values.name
    if values.len() == 0 or values.null_count() == values.len():
        return pl.Series(name, [None] * values.len(), dtype=pl.String)
    ipad, opad = _pads(key)
    distinct = values.drop_nulls().unique().rename("v")
    con = _database(tuple(sorted((config or {}).items()))).cursor()
    try:
        con.register("pseudonym_input", distinct.to_frame().to_arrow())
        mapped = con.sql(
            "SELECT sha256($opad::BLOB || unhex(sha256($ipad::BLOB || encode(v)))) AS h FROM pseudonym_input",
            params={"ipad": ipad, "opad": opad},
        ).to_arrow_table()
    finally:
        con.close()
    hashed = pl.from_arrow(mapped["h"])
    assert isinstance(hashed, pl.Series) and hashed.len() == distinct.len()
    out = values.replace_strict(distinct, hashed.cast(pl.String), default=None, return_dtype=pl.String)
    return out.rename(name)


@cache
def _database(config: tuple[tuple[str, str], ...]) -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per process and bounds; each call takes a cursor of its own (opening
    a database costs about 15 ms, as much as hashing ten thousand values, and a nightly run
    ingests thousands of files)."""
    con = duckdb.connect(config=dict(config))
    con.execute("SET enable_progress_bar = false")
    con.execute("SET preserve_insertion_order = true")
    return con
