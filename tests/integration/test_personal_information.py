"""Personal information never leaves ingest in plain text (standard.md clause 5 storage,
extracts.md: buyer_id / complainant_id pseudonymised, buyer_phone / buyer_address /
complainant_phone dropped).

The whole pipeline runs on the hand fixture and on a small generated demo landing (every
format: CSV UTF-8 and GBK, CSV.GZ, JSONL, XLSX, Parquet, with bad rows and bad files). Every
raw personal value of the landing (at least 6 characters, to keep false matches out) is then
looked for in every byte of every file the product wrote under LCQ_HOME (archive, standardised,
quarantine, warehouse.duckdb, runs/, evaluations, the run's log), as UTF-8 and as GB18030, and
inside what is compressed: each member of a zip (xlsx) or gzip file, the string columns of every
Parquet file, and the string columns of every table of the warehouse. None may be found. The
archive still holds every original, encrypted, and gives it back byte for byte.

The planted truncated orders file cannot be read for its values; its rows are copies of good
rows (keys changed), so their personal values are among those collected.
"""

from __future__ import annotations

import contextlib
import gzip
import importlib.util
import io
import json
import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pytest

from live_commerce_quality.core.contract import SOURCES
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.ingest import load_receipts, read_archived
from live_commerce_quality.ingest.deliveries import declared_encoding, file_format
from live_commerce_quality.ingest.readers import FileRejected, read_delivery

pytestmark = pytest.mark.integration

HAND = Path(__file__).resolve().parents[1] / "fixtures" / "hand" / "build.py"
LCQ_VARS = ("LCQ_LANDING", "LCQ_ARCHIVE", "LCQ_STANDARDISED", "LCQ_QUARANTINE", "LCQ_WAREHOUSE",
            "LCQ_EVALUATIONS", "LCQ_PSEUDONYM_KEY", "LCQ_ARCHIVE_KEY")  # fmt: skip

# The personal fields of the contract: pseudonymised or dropped at ingest.
PERSONAL = {
    source: tuple(c.name for c in src.columns if c.pseudonymise or c.drop)
    for source, src in SOURCES.items()
    if any(c.pseudonymise or c.drop for c in src.columns)
}
MIN_LENGTH = 6


@dataclass
class Run:
    name: str
    home: Path
    landing: Path
    evaluation: Path
    as_of: str
    values: dict[str, set[str]]  # personal column -> raw values of the landing


def _build_hand(landing: Path) -> tuple[str, str]:
    spec = importlib.util.spec_from_file_location("hand_fixture_build_pii", HAND)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build_landing(landing)
    return "2026-03", "2026-04-15"


def _build_demo(landing: Path) -> tuple[str, str]:
    from live_commerce_quality.demo import generate

    generate(landing, ["2026-09"], scale=0.01, seed=5, fmt="mixed", bad_share=0.01)
    return "2026-09", "2026-10-15"


def personal_values(landing: Path) -> dict[str, set[str]]:
    """Every raw personal value of the landing, by column, read with the product's readers."""
    values: dict[str, set[str]] = {c: set() for cols in PERSONAL.values() for c in cols}
    for source, cols in PERSONAL.items():
        for path in sorted((landing / source).glob("dt=*/*")):
            fmt = file_format(path.name)
            try:
                raw = read_delivery(path, fmt, SOURCES[source], declared_encoding(path.name, fmt))
            except FileRejected:
                continue
            for c in cols:
                if c in raw.df.columns:
                    found = raw.df[c].drop_nulls().cast(pl.String)
                    values[c].update(v for v in found.to_list() if len(v) >= MIN_LENGTH)
    return values


@pytest.fixture(scope="module", params=["hand", "demo"])
def run(request, tmp_path_factory) -> Run:
    """The whole pipeline on one landing, its log written under LCQ_HOME/logs."""
    tmp = tmp_path_factory.mktemp(f"pii-{request.param}")
    home = tmp / "home"
    landing = home / "landing"  # the installation's own landing: its archive is the one checked
    period, as_of = (_build_hand if request.param == "hand" else _build_demo)(landing)
    (home / "logs").mkdir(parents=True)
    handler = logging.FileHandler(home / "logs" / "pipeline.log", encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("LCQ_HOME", str(home))
            for var in LCQ_VARS:
                mp.delenv(var, raising=False)
            from live_commerce_quality.run.steps import run_evaluation

            evaluation = run_evaluation(landing=landing, period=period, as_of=as_of)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()
    return Run(request.param, home, landing, Path(evaluation), as_of, personal_values(landing))


# --------------------------------------------------------------------------- the scanner


class Scanner:
    """Finds any of a set of strings (as UTF-8 and GB18030 bytes) in bytes, and in text;
    Polars' Aho-Corasick matcher does the search, over many items at once (building the
    matcher is the costly part). Returns the values found, by item."""

    def __init__(self, values: set[str]):
        self.value_of: dict[str, str] = {}  # byte pattern (each byte as one character) -> value
        for v in values:
            for codec in ("utf-8", "gb18030"):  # GB18030 encodes every character
                self.value_of[v.encode(codec).decode("latin-1")] = v
        self.byte_patterns = sorted(self.value_of)
        self.text_patterns = sorted(values)

    @staticmethod
    def _search(labels: list[str], texts: list[str], patterns: list[str]) -> dict[str, list[str]]:
        if not texts:
            return {}
        hits = pl.DataFrame({"label": labels, "hit": pl.Series(texts, dtype=pl.String)}).with_columns(
            pl.col("hit").str.extract_many(patterns, overlapping=False)
        )
        hits = hits.explode("hit").drop_nulls("hit").unique().sort("label", "hit")
        return {label: group["hit"].to_list() for (label,), group in hits.group_by("label", maintain_order=True)}

    def in_bytes(self, items: dict[str, bytes]) -> dict[str, list[str]]:
        labels = list(items)
        found = self._search(labels, [items[k].decode("latin-1") for k in labels], self.byte_patterns)
        return {k: sorted({self.value_of[h] for h in v}) for k, v in found.items()}

    def in_text(self, items: dict[str, pl.Series]) -> dict[str, list[str]]:
        labels, texts = [], []
        for label, column in items.items():
            values = column.drop_nulls().cast(pl.String).to_list()
            labels += [label] * len(values)
            texts += values
        return self._search(labels, texts, self.text_patterns)


def _written(root: Path, skip: Path | None) -> list[Path]:
    """Every file under root but the delivered ones (`skip`: the landing folder, which holds them)."""
    return sorted(p for p in root.rglob("*") if p.is_file() and not (skip and p.is_relative_to(skip)))


def scan_files(root: Path, scanner: Scanner, skip: Path | None = None) -> dict[str, list[str]]:
    """Every file under root, its bytes and, for zip and gzip files, their members'."""
    items: dict[str, bytes] = {}
    for path in _written(root, skip):
        data = path.read_bytes()
        where = path.relative_to(root).as_posix()
        items[where] = data
        if data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                items.update((f"{where}!{m}", z.read(m)) for m in z.namelist())
        elif data[:2] == b"\x1f\x8b":
            with contextlib.suppress(EOFError, OSError):  # a truncated delivery in the landing
                items[f"{where}!(gunzipped)"] = gzip.decompress(data)
    return scanner.in_bytes(items)


def _text_columns(df: pl.DataFrame) -> list[str]:
    return [c for c, t in df.schema.items() if t == pl.String or isinstance(t, pl.Categorical | pl.Enum)]


def scan_parquet(root: Path, scanner: Scanner, skip: Path | None = None) -> dict[str, list[str]]:
    """The text columns of every Parquet file under root, decompressed."""
    items: dict[str, pl.Series] = {}
    for path in (p for p in _written(root, skip) if p.suffix == ".parquet"):
        try:
            df = pl.read_parquet(path)
        except Exception:  # a truncated delivery in the landing
            continue
        items.update((f"{path.relative_to(root).as_posix()}:{c}", df[c]) for c in _text_columns(df))
    return scanner.in_text(items)


def scan_duckdb(path: Path, scanner: Scanner) -> dict[str, list[str]]:
    """The text columns of every table of a DuckDB database."""
    items: dict[str, pl.Series] = {}
    con = duckdb.connect(str(path), read_only=True)
    try:
        columns = con.sql(
            """
            select c.table_schema, c.table_name, c.column_name
            from information_schema.columns as c
            inner join information_schema.tables as t
                on c.table_schema = t.table_schema and c.table_name = t.table_name
            where t.table_type = 'BASE TABLE' and c.data_type = 'VARCHAR'
            order by 1, 2, 3
            """
        ).fetchall()
        for schema, table, column in columns:
            query = f'select distinct "{column}" from "{schema}"."{table}"'
            items[f"{schema}.{table}.{column}"] = con.sql(query).pl().to_series()
    finally:
        con.close()
    assert items, f"{path}: no text column found"
    return scanner.in_text(items)


# --------------------------------------------------------------------------- tests


def _scanner(run: Run) -> Scanner:
    return Scanner(set().union(*run.values.values()))


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_the_scan_finds_the_values_where_they_are(run):
    """Positive control: the scan finds the raw values in the landing, in every orders CSV,
    as GB18030 bytes in GBK files, inside xlsx and gzip files, and in Parquet content."""
    columns = {c for c, v in run.values.items() if v}
    expected = {"buyer_id", "buyer_phone", "complainant_phone"}
    if run.name == "demo":
        expected |= {"buyer_address", "complainant_id"}
    assert expected <= columns, {c: len(v) for c, v in run.values.items()}
    scanner = _scanner(run)
    orders = run.landing / "orders"
    csvs = sorted(orders.rglob("*.csv"))
    assert csvs
    found = scan_files(orders, scanner)
    for path in csvs:
        assert found.get(path.relative_to(orders).as_posix()), path
    if run.name == "demo":
        gbk = [p.relative_to(orders).as_posix() for p in csvs if not _utf8(p.read_bytes())]
        assert gbk
        for path in gbk:  # addresses found as their GB18030 bytes
            assert any(not v.isascii() for v in found[path]), path
        assert any(k.endswith(".xlsx!xl/sharedStrings.xml") for k in found)
        assert any(k.endswith(".csv.gz!(gunzipped)") for k in found)
        assert any(k.endswith(":buyer_phone") for k in scan_parquet(orders, scanner))


def test_no_personal_value_in_any_file_written(run):
    scanner = _scanner(run)
    assert (run.home / "logs" / "pipeline.log").stat().st_size > 0
    assert run.evaluation.is_relative_to(run.home)
    found = scan_files(run.home, scanner, skip=run.landing)
    assert found == {}, dict(list(found.items())[:20])


def test_no_personal_value_inside_parquet_or_the_warehouse(run):
    scanner = _scanner(run)
    found = scan_parquet(run.home, scanner, skip=run.landing)
    assert found == {}, found
    warehouses = sorted(run.home.rglob("*.duckdb"))
    assert warehouses
    for path in warehouses:
        found = scan_duckdb(path, scanner)
        assert found == {}, (path, found)


def test_the_archive_keeps_every_original_encrypted(run, monkeypatch):
    monkeypatch.setenv("LCQ_HOME", str(run.home))
    for var in LCQ_VARS:
        monkeypatch.delenv(var, raising=False)
    settings = Settings.from_env()
    receipts = load_receipts(settings)
    delivered = [p for p in run.landing.glob("*/dt=*/*") if p.parent.name[3:] <= run.as_of]
    assert receipts.height == len(delivered) > 0  # every delivery up to the cutoff
    for r in receipts.iter_rows(named=True):
        original = (run.landing / r["source"] / f"dt={r['dt']}" / r["file_name"]).read_bytes()
        assert read_archived(settings, r["source"], r["dt"], r["file_sha256"], r["file_name"]) == original


def test_every_row_is_accounted_for(run):
    """rows in = rows loaded + rows set aside, for every input file of the evaluation."""
    manifest = json.loads((run.evaluation / "evidence" / "manifest.json").read_text())
    loaded = [f for f in manifest["inputs"] if f["status"] == "loaded"]
    assert loaded
    for f in loaded:
        assert f["rows_in"] == f["rows_loaded"] + f["rows_set_aside"], f
        assert f["rows_set_aside"] == f["rows_set_aside_at_ingest"] + f["rows_set_aside_at_evaluation"], f
    if run.name == "demo":  # the planted bad files are rejected, and named in the evidence
        assert {f["file"] for f in manifest["rejected_files"]}
        assert any(f["rows_set_aside_at_ingest"] for f in loaded)
