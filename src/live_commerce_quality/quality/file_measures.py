"""What the extracts gate measured of each standardised file, kept between runs.

Every check on the standardised extracts adds up over files: a schema check counts the files
that fail it, a row check the rows, the row-count check the rows scanned, and uniqueness is
within one delivered file (its key holds `_dt` and `_file_name`, and a standardised file is
one delivered file). So a file measured once need not be read again while it is the same
file: a nightly run reads the day's new files, not the month's, and an installation's history
costs nothing after its first gate. A file is the same while its size, times and inode are
(a file written again has new times); the measures are those of one suite, by its
fingerprint: any change to the checks measures every file again.

A cache, not a record: deleting the file only costs a full read. One writer, the gate; it is
replaced whole (written beside it, then renamed), so a reader never sees half of it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from live_commerce_quality.core.io import write_json
from live_commerce_quality.quality.model import Check

FORMAT = 1  # of the file and of what is measured: a change measures every file again


@dataclass
class FileMeasures:
    """One file's share of each check of its source, by the check's position in the suite."""

    rows: int = 0  # rows scanned (0 for a file failing a schema check: it is not scanned)
    counts: dict[int, int] = field(default_factory=dict)  # offending rows, where not 0
    offences: dict[int, Any] = field(default_factory=dict)  # schema checks the file fails

    def as_json(self, stat: list[int]) -> dict:
        return {
            "stat": stat,
            "rows": self.rows,
            "counts": {str(i): n for i, n in sorted(self.counts.items())},
            "offences": {str(i): o for i, o in sorted(self.offences.items())},
        }

    @classmethod
    def of_json(cls, d: dict) -> FileMeasures:
        counts = {int(i): int(n) for i, n in d["counts"].items()}
        return cls(int(d["rows"]), counts, {int(i): o for i, o in d["offences"].items()})


def cacheable(checks: list[Check]) -> bool:
    """Whether every check of a source adds up over files (see the module's docstring)."""
    return all(
        {"_dt", "_file_name"} <= set(c.kwargs.get("column_list", ()))
        for c in checks
        if c.expectation in {"expect_compound_columns_to_be_unique", "expect_column_values_to_be_unique"}
    )


def fingerprint(source: str, checks: list[Check]) -> str:
    text = json.dumps(
        [FORMAT, source, [(c.expectation, c.column, c.kwargs) for c in checks]], sort_keys=True, default=str
    )
    return hashlib.sha256(text.encode()).hexdigest()


class MeasureCache:
    """The measures of every source's files, as last written (empty when there is none)."""

    def __init__(self, path: Path | None):
        self.path = path
        self._sources: dict[str, dict] = {}
        if path is not None and path.is_file():
            try:
                self._sources = json.loads(path.read_text(encoding="utf-8"))["sources"]
            except (ValueError, KeyError, TypeError):
                self._sources = {}  # unreadable: measured again and rewritten

    def lookup(self, source: str, checks: list[Check], files: list[Path]) -> dict[Path, FileMeasures]:
        """The measures still valid for these files of `source` under these checks."""
        entry = self._sources.get(source)
        if entry is None or entry.get("fingerprint") != fingerprint(source, checks) or not cacheable(checks):
            return {}
        kept = entry["files"]
        out = {}
        for f in files:
            d = kept.get(f.as_posix())
            if d is not None and d["stat"] == _stat(f):
                out[f] = FileMeasures.of_json(d)
        return out

    def store(self, source: str, checks: list[Check], measures: dict[Path, FileMeasures]) -> None:
        """The measures of the files the gate has now seen of `source` (the others are dropped)."""
        if not cacheable(checks):
            self._sources.pop(source, None)
            return
        files = {f.as_posix(): m.as_json(_stat(f)) for f, m in sorted(measures.items())}
        self._sources[source] = {"fingerprint": fingerprint(source, checks), "files": files}

    def save(self) -> None:
        if self.path is not None:
            write_json(self.path, {"format": FORMAT, "sources": self._sources})


def _stat(f: Path) -> list[int]:
    st = os.stat(f)
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
