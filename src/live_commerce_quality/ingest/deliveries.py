"""Where deliveries are found and what their names say.

A delivery is `<landing>/<source>/dt=YYYY-MM-DD/<name>`. The name carries the format
(contract.FORMATS, matched case-insensitively on the ending) and, for CSV, an optional
declared encoding as the last dotted part of the stem: `orders.gbk.csv`, `orders.utf-8.csv.gz`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from live_commerce_quality.core.contract import FORMATS, SOURCES
from live_commerce_quality.core.io import sha256_bytes
from live_commerce_quality.core.layout import DT_FOLDER

# Declared encodings a CSV name may carry -> the codec used to decode it. Only the
# encodings the contract allows; any other dotted part is just part of the name.
DECLARED_ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "utf8-sig": "utf-8-sig",
    "gbk": "gbk",
    "cp936": "gbk",
    "gb2312": "gbk",  # GBK is a superset of GB2312: same bytes, same characters
    "gb18030": "gb18030",
}

# Format label (as recorded in receipts) for each accepted ending.
FORMAT_LABELS = {suffix: suffix.lstrip(".") for suffix in FORMATS}


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def display_name(fs_name: str) -> str:
    """A file name as text. A name that is not valid UTF-8 (the file system allows any
    bytes) keeps its undecodable bytes as `\\xNN` escapes, so receipts, messages and
    Parquet can hold it."""
    try:
        fs_name.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(fs_name).decode("utf-8", "backslashreplace")
    return fs_name


def printable(name: str) -> str:
    """A name for messages: control characters (a newline in a file name) as `\\xNN`."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", name)


def label(source: str, dt: date, name: str) -> str:
    """`orders/dt=2026-03-02/orders.csv`: how messages name a delivered file."""
    return f"{source}/dt={dt.isoformat()}/{printable(name)}"


@dataclass(frozen=True)
class Delivery:
    """One delivered file, as found in the landing folder. `name` is the delivered name
    as text (see display_name); `path` is the file itself."""

    source: str
    dt: date
    name: str
    path: Path

    @property
    def label(self) -> str:
        return label(self.source, self.dt, self.name)

    @property
    def order_key(self) -> tuple:
        # delivery order: dt, then file name in byte order (source only breaks ties)
        return (self.dt, os.fsencode(self.path.name), self.source)

    @property
    def text_path(self) -> bool:
        """Whether the path can be handed to libraries that take text paths."""
        try:
            str(self.path).encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True


@dataclass
class Discovery:
    deliveries: list[Delivery]
    problems: list[str]
    skipped: int  # files with dt after up_to


def file_format(name: str) -> str | None:
    """The format label of a file name ('csv', 'csv.gz', ...) or None if unknown."""
    lower = name.lower()
    for suffix in FORMATS:  # `.csv.gz` is listed before `.csv`
        if lower.endswith(suffix) and len(lower) > len(suffix):
            return FORMAT_LABELS[suffix]
    return None


def declared_encoding(name: str, fmt: str | None) -> str | None:
    """The encoding declared in a CSV name (`orders.gbk.csv`), normalised, or None."""
    if fmt not in ("csv", "csv.gz"):
        return None
    stem = name[: len(name) - len(fmt) - 1]
    if "." not in stem:
        return None
    token = stem.rsplit(".", 1)[1].lower().replace("_", "-")
    return DECLARED_ENCODINGS.get(token)


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")
# Longest safe name in UTF-8 bytes: outputs append `.parquet`, `.json` or `.enc` and must
# stay under the usual 255-byte limit of a file name.
SAFE_NAME_MAX_BYTES = 180


def safe_name(name: str) -> str:
    """A file-system-safe name derived from the delivered name, stable per name.

    Path and control characters become `_`, a leading dot is neutralised and a very long
    name is cut; when anything had to change, a short hash of the original name keeps two
    different names from colliding.
    """
    safe = _UNSAFE.sub("_", name)
    if safe.startswith("."):
        safe = "_" + safe[1:]
    encoded = safe.encode("utf-8", "surrogateescape")
    if safe != name or len(encoded) > SAFE_NAME_MAX_BYTES:
        digest = sha256_bytes(name.encode("utf-8", "surrogateescape"))[:8]
        if len(encoded) > SAFE_NAME_MAX_BYTES - 9:
            safe = encoded[: SAFE_NAME_MAX_BYTES - 9].decode("utf-8", "ignore")
        safe = f"{safe}-{digest}"
    return safe


def discover(landing: Path, up_to: date | None = None, sources: tuple[str, ...] | None = None) -> Discovery:
    """Every file under `<landing>/<source>/dt=YYYY-MM-DD/`, in delivery order (only the
    folders of `sources`, if given).

    Anything else found (an unknown source folder, a malformed dt folder, a stray
    file or sub-folder) is reported as a problem, never fatal.
    """
    deliveries: list[Delivery] = []
    problems: list[str] = []
    skipped = 0
    if not landing.is_dir():
        return Discovery([], [f"landing folder {landing} does not exist"], 0)
    for source_dir in sorted(landing.iterdir()):
        rel = printable(display_name(source_dir.name))
        if source_dir.name.startswith(".") or (sources is not None and source_dir.name not in sources):
            continue
        if not source_dir.is_dir():
            problems.append(f"{rel}: not a source folder (a file at the landing root); ignored")
            continue
        if source_dir.name not in SOURCES:
            problems.append(f"{rel}: unknown source folder (expected one of {', '.join(SOURCES)}); ignored")
            continue
        for dt_dir in sorted(source_dir.iterdir()):
            rel_dt = f"{rel}/{printable(display_name(dt_dir.name))}"
            if dt_dir.name.startswith("."):
                continue
            m = DT_FOLDER.match(dt_dir.name)
            if not dt_dir.is_dir() or m is None:
                problems.append(f"{rel_dt}: malformed dt folder (expected dt=YYYY-MM-DD); ignored")
                continue
            try:
                dt = date.fromisoformat(m.group(1))
            except ValueError:
                problems.append(f"{rel_dt}: malformed dt folder (not a calendar date); ignored")
                continue
            for f in sorted(dt_dir.iterdir()):
                rel_f = f"{rel_dt}/{printable(display_name(f.name))}"
                if f.name.startswith("."):
                    problems.append(f"{rel_f}: hidden file ignored")
                    continue
                if not f.is_file():
                    problems.append(f"{rel_f}: not a regular file (sub-folder?); ignored")
                    continue
                if up_to is not None and dt > up_to:
                    skipped += 1
                    continue
                deliveries.append(Delivery(source_dir.name, dt, display_name(f.name), f))
    deliveries.sort(key=lambda d: d.order_key)
    return Discovery(deliveries, problems, skipped)
