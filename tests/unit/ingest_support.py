"""Helpers for the ingest tests: small deliveries written under a temporary LCQ_HOME."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import polars as pl

from live_commerce_quality.core.settings import Settings
from live_commerce_quality.ingest import FileResult, IngestReport, ingest_landing
from live_commerce_quality.ingest.deliveries import safe_name

DT = "2026-03-02"
RAW_BUYER = "BUYER-RAW-0001"
RAW_PHONE = "13912345678"
RAW_ADDRESS = "北京市朝阳区某某路1号"

ORDER = {
    "order_id": "o1",
    "platform": "douyin",
    "session_id": "s1",
    "operator_id": "op1",
    "streamer_id": "st1",
    "product_id": "p1",
    "buyer_id": RAW_BUYER,
    "buyer_phone": RAW_PHONE,
    "buyer_address": RAW_ADDRESS,
    "quantity": "2",
    "unit_price": "10.00",
    "pay_amount": "20.00",
    "paid_at": "2026-03-02 10:00:00",
    "promised_ship_by": "2026-03-04 10:00:00",
    "shipped_at": "",
    "delivered_at": "",
    "cancelled_at": "",
    "cancel_party": "",
}

OPERATOR = {
    "operator_id": "op1",
    "platform": "douyin",
    "operator_name": "某某旗舰店",
    "credit_code": "91110000MA01ABCD1X",
    "license_verified": "true",
    "main_category": "food",
    "region_code": "110105",
}

REVIEW = {"review_id": "r1", "order_id": "o1", "rating": "5", "reviewed_at": "2026-03-02 11:00:00"}

COMPLAINT = {
    "complaint_id": "c1",
    "complainant_id": "COMPLAINANT-RAW-9",
    "channel": "12315",
    "operator_id": "op1",
    "streamer_id": "",
    "order_id": "o1",
    "category": "quality",
    "received_at": "2026-03-02 09:00:00",
    "closed_at": "",
    "resolved": "",
    "satisfaction": "",
    "complainant_phone": "13700001111",
}


def row(base: dict, **changes) -> dict:
    out = dict(base)
    out.update(changes)
    return out


def orders(n: int, **changes) -> list[dict]:
    return [row(ORDER, order_id=f"o{i + 1}", **changes) for i in range(n)]


def csv_text(rows: list[dict], columns: list[str] | None = None) -> str:
    columns = columns or list(rows[0])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([r.get(c, "") for c in columns])
    return buf.getvalue()


def deliver(settings: Settings, source: str, name: str, data: bytes | str, dt: str = DT) -> Path:
    if isinstance(data, str):
        data = data.encode("utf-8")
    path = settings.landing / source / f"dt={dt}" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def run(settings: Settings, up_to: date | None = None) -> IngestReport:
    return ingest_landing(settings.landing, settings, up_to=up_to)


def result(report: IngestReport, name: str) -> FileResult:
    (found,) = [f for f in report.files if f.file_name == name]
    return found


def std(settings: Settings, source: str, name: str, dt: str = DT) -> pl.DataFrame:
    return pl.read_parquet(settings.standardised / source / f"dt={dt}" / f"{safe_name(name)}.parquet")


def quarantine(settings: Settings, source: str, name: str, dt: str = DT) -> pl.DataFrame:
    path = settings.quarantine / source / f"dt={dt}" / f"{safe_name(name)}.parquet"
    if not path.exists():
        return pl.DataFrame()
    return pl.read_parquet(path)


def reasons(settings: Settings, source: str, name: str, dt: str = DT) -> dict[int, str]:
    q = quarantine(settings, source, name, dt)
    return dict(zip(q["line"].to_list(), q["reason"].to_list(), strict=True)) if q.height else {}


def all_bytes_under(*roots: Path) -> bytes:
    out = b""
    for root in roots:
        if root.exists():
            for p in sorted(root.rglob("*")):
                if p.is_file():
                    out += p.read_bytes()
    return out


def assert_accounted(r: FileResult) -> None:
    assert r.status == "loaded", r.reason
    assert r.rows_in == r.rows_loaded + r.rows_quarantined
