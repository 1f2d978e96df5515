"""The streamed Parquet writers (core/io.copy_to_parquet, write_parquet_parts): the rows' order kept, the same bytes
whatever DuckDB's thread count, and a failed copy leaves the old file whole."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from live_commerce_quality.core.io import PARQUET_OPTIONS, copy_to_parquet, sha256_file, write_parquet_parts

# more rows than one row group, in an order no scan would give by itself
ROWS = PARQUET_OPTIONS["row_group_size"] * 2 + 12_345
QUERY = f"""
select (i * 7919) % {ROWS} as k, 'subject-' || (i % 977) as subject, i % 13 = 0 as flag
from range({ROWS}) as t(i)
order by subject desc, k
"""


def _copy(tmp_path, threads: int, name: str):
    con = duckdb.connect(config={"threads": str(threads)})
    try:
        rows = copy_to_parquet(con, QUERY, tmp_path / name)
    finally:
        con.close()
    return rows, tmp_path / name


def test_rows_in_the_query_order_and_one_set_of_bytes_for_any_thread_count(tmp_path):
    rows, one = _copy(tmp_path, 1, "one.parquet")
    _, four = _copy(tmp_path, 4, "four.parquet")
    assert rows == ROWS
    assert sha256_file(one)[0] == sha256_file(four)[0]
    frame = pl.read_parquet(one)
    assert frame.height == ROWS
    assert frame.equals(frame.sort(["subject", "k"], descending=[True, False]))


def test_a_failed_copy_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "mart.parquet"
    target.write_bytes(b"old")
    con = duckdb.connect()
    with pytest.raises(duckdb.Error):
        copy_to_parquet(con, "select 1 / 'x' as broken", target)
    con.close()
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["mart.parquet"]


def _parts(rows: int, size: int):
    for start in range(0, rows, size):
        n = min(size, rows - start)
        yield pl.DataFrame({"k": range(start, start + n), "subject": [f"s{i % 977}" for i in range(start, start + n)]})


@pytest.mark.parametrize("size", [7_001, 250_000])
def test_parts_give_the_bytes_of_one_frame_whatever_their_sizes(tmp_path, size):
    """write_parquet_parts: rows made a part at a time give the same bytes however they were
    cut and whatever the thread count, in the parts' order."""
    schema = {"k": pl.Int64, "subject": pl.String}
    whole = duckdb.connect(config={"threads": "1"})
    parted = duckdb.connect(config={"threads": "4"})
    try:
        assert write_parquet_parts(_parts(ROWS, ROWS), schema, tmp_path / "whole.parquet", whole) == ROWS
        assert write_parquet_parts(_parts(ROWS, size), schema, tmp_path / "parts.parquet", parted) == ROWS
        assert write_parquet_parts(iter(()), schema, tmp_path / "empty.parquet", parted) == 0
    finally:
        whole.close()
        parted.close()
    assert sha256_file(tmp_path / "whole.parquet")[0] == sha256_file(tmp_path / "parts.parquet")[0]
    assert pl.read_parquet(tmp_path / "parts.parquet").equals(pl.concat(list(_parts(ROWS, size))))
    assert pl.read_parquet(tmp_path / "empty.parquet").schema == pl.Schema(schema)
