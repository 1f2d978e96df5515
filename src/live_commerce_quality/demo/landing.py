"""The landing folder: `<out>/<source>/dt=YYYY-MM-DD/<part>.<ext>`, one file per day and
part (platform, feed or monitor), as extracts.md lays it out.

Families hand over whole frames with `_dt` (delivery day) and `_part`; the landing plants
bad rows and files in them, sorts them so that files do not depend on how a family
happened to chunk its rows, and writes every file in its format. It keeps the counts
the summary reports.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import polars as pl

from live_commerce_quality.core.contract import SOURCES, Source
from live_commerce_quality.demo.faults import Faults, spoil_text
from live_commerce_quality.demo.formats import EXTENSIONS, as_text, as_typed, encode, file_format
from live_commerce_quality.demo.timeline import Calendar, day_str


class Landing:
    def __init__(self, out: Path, fmt: str, bad_share: float, seed: int, cal: Calendar):
        self.out, self.fmt, self.seed, self.cal = out, fmt, seed, cal
        self.rows: dict[str, int] = {}
        self.files: dict[str, int] = {}
        self._calls: dict[str, int] = {}
        self.faults = Faults(seed, bad_share, self.file_format)

    def file_format(self, source: str, day: int, rows: int | None = None) -> str:
        return file_format(self.fmt, source, day - self.cal.first, rows)

    def write(self, source: str, df: pl.DataFrame) -> None:
        """Deliver the rows of `df`: columns of the contract plus `_dt` and `_part`."""
        src = SOURCES[source]
        assert set(df.columns) == {*src.column_names, "_dt", "_part"}, (source, df.columns)
        call = self._calls[source] = self._calls.get(source, 0) + 1
        if df.is_empty():
            return
        df = df.with_columns(pl.col("_dt").cast(pl.Int32), _bad=pl.lit(None, pl.String))
        if self.faults.bad_share > 0:
            if (bad := self.faults.bad_file(src, df)) is not None:
                self._write_bytes(source, *bad)
            df = self.faults.plant(src, df, call)
        self.rows[source] = self.rows.get(source, 0) + len(df)
        df = df.sort(["_dt", "_part", *src.key, "_bad"], nulls_last=False, maintain_order=True)
        for (day, part), g in df.partition_by(["_dt", "_part"], as_dict=True, maintain_order=True).items():
            fmt = self.file_format(source, day, len(g))
            name = f"{part}.{EXTENSIONS[fmt]}"
            h = self._h(source, int(day), name)
            self._write_bytes(source, int(day), name, self._serialise(src, g, fmt, h))

    def _h(self, *parts) -> int:
        """A stable per-file hash for format and style choices."""
        return zlib.crc32("|".join(map(str, (self.seed, *parts))).encode())

    def _serialise(self, src: Source, g: pl.DataFrame, fmt: str, h: int) -> bytes:
        typed = fmt in ("parquet", "xlsx")
        df = as_typed(src, g) if typed else spoil_text(src, as_text(src, g, fmt, h))
        if self.fmt == "mixed" and h % 10 == 0:
            # column order is free and unknown columns must be tolerated
            df = df.select(reversed(df.columns)).with_columns(remark=pl.lit("导出批次"))
        return encode(df, fmt)

    def _write_bytes(self, source: str, day: int, name: str, data: bytes) -> None:
        folder = self.out / source / f"dt={day_str(day)}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
        self.files[source] = self.files.get(source, 0) + 1
