"""Bad-input corpus: every fault of extracts.md ("Bad input", "Delivery"), each as a tiny
landing written byte for byte, with the outcome the ingest must give.

A case is one or more ingest runs (`rounds`), each delivering files; `expect` says, per
file, after the last run: accepted (`loaded`) or rejected with the reason, and for an
accepted file how many rows came in, how many were loaded and which lines were set aside
with which reason. Reasons are matched as substrings of the exact message (most are the
whole message). `problems` are landing problems the run must report (a folder or file it
cannot take), `check` holds extra assertions. The runner (tests/unit/test_bad_input_corpus.py)
also checks, for every file of every run: rows in = rows loaded + rows set aside, the
standardised and quarantine Parquet hold exactly those rows, and the original is in the
archive (nothing lost).

Unknown referenced keys are checked at evaluation time in dbt (not at ingest): see
tests/integration/test_unknown_references.py.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

DT = "2026-03-02"
NEXT_DT = "2026-03-03"

# --------------------------------------------------------------------------- rows as text
# Headers are the contract's column names; lines are written out as delivered.

REVIEWS = "review_id,order_id,rating,reviewed_at\n"
R1 = "r1,o1,5,2026-03-02 10:00:00\n"
R2 = "r2,o2,4,2026-03-02 11:00:00\n"
R3 = "r3,o3,3,2026-03-02 12:00:00\n"

OPERATORS = "operator_id,platform,operator_name,credit_code,license_verified,main_category,region_code\n"
OP_CN = "op1,douyin,杭州某某旗舰店,,true,food,330106\n"

SESSIONS = "session_id,platform,operator_id,streamer_id,started_at,ended_at,license_displayed,peak_viewers\n"
S1 = "s1,douyin,op1,st1,2026-03-02 20:00:00,2026-03-02 22:00:00,true,100\n"

CONVERSATIONS = "conversation_id,operator_id,order_id,buyer_id,first_message_at,first_reply_at,in_service_hours\n"
CV1 = "cv1,op1,o1,BUYER-0001,2026-03-02 10:00:00,2026-03-02 10:01:00,true\n"

COMPLAINTS = (
    "complaint_id,complainant_id,channel,operator_id,streamer_id,order_id,category,"
    "received_at,closed_at,resolved,satisfaction,complainant_phone\n"
)
C1 = "c1,PERSON-0001,12315,op1,,o1,quality,2026-03-02 09:00:00,2026-03-02 12:00:00,true,4,13900000001\n"

PRODUCTS = (
    "session_id,product_id,operator_id,category,title,announced_price,listed_price,spec,origin,"
    "manufacturer,certificate_required,certificate_no,after_sales_policy\n"
)
P1 = "s1,p1,op1,food,坚果礼盒,99.00,99.00,500g,云南,某厂,true,SC123,7天无理由\n"

ORDER_COLUMNS = (
    "order_id", "platform", "session_id", "operator_id", "streamer_id", "product_id", "buyer_id",
    "buyer_phone", "buyer_address", "quantity", "unit_price", "pay_amount", "paid_at",
    "promised_ship_by", "shipped_at", "delivered_at", "cancelled_at", "cancel_party",
)  # fmt: skip
ORDERS = ",".join(ORDER_COLUMNS) + "\n"
_ORDER = {
    "order_id": "o1", "platform": "douyin", "session_id": "s1", "operator_id": "op1",
    "streamer_id": "st1", "product_id": "p1", "buyer_id": "BUYER-0001", "buyer_phone": "13800000001",
    "buyer_address": "", "quantity": "1", "unit_price": "10.00", "pay_amount": "10.00",
    "paid_at": "2026-03-02 10:00:00", "promised_ship_by": "", "shipped_at": "", "delivered_at": "",
    "cancelled_at": "", "cancel_party": "",
}  # fmt: skip


def order(**changes: str) -> str:
    """One orders line: the good order o1 with `changes`."""
    values = {**_ORDER, **changes}
    return ",".join(values[c] for c in ORDER_COLUMNS) + "\n"


def text(*lines: str) -> bytes:
    return "".join(lines).encode("utf-8")


def parquet(columns: dict[str, pa.Array]) -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.table(columns), buf)
    return buf.getvalue()


def xlsx(*sheets: tuple[str, list[list[str]]]) -> bytes:
    """A workbook whose sheets hold these rows of text cells, in this order."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    for name, rows in sheets:
        ws = wb.add_worksheet(name)
        for i, values in enumerate(rows):
            ws.write_row(i, 0, values)
    wb.close()
    return buf.getvalue()


def _first_non_ascii(data: bytes) -> int:
    return next(i for i, b in enumerate(data) if b >= 0x80)


# --------------------------------------------------------------------------- case shape


@dataclass(frozen=True)
class File:
    source: str
    name: str
    data: bytes
    dt: str = DT


@dataclass(frozen=True)
class Expect:
    """The outcome for one delivered file after the last run."""

    source: str
    name: str
    status: str  # 'loaded' | 'rejected'
    reason: str | None = None  # rejected: a substring of the reason (most are the whole reason)
    rows_in: int | None = None
    rows_loaded: int | None = None
    bad: dict[int, str] = field(default_factory=dict)  # line -> its reason (a substring of it)
    dt: str = DT
    encoding: str | None = None


@dataclass(frozen=True)
class Case:
    id: str
    fault: str  # what is wrong, in words
    rounds: tuple[tuple[File, ...], ...]  # the files delivered before each ingest run
    expect: tuple[Expect, ...]
    problems: tuple[str, ...] = ()  # substrings of landing problems the last run reports
    check: Callable | None = None  # check(settings, reports): further assertions

    def __str__(self) -> str:
        return self.id


CASES: list[Case] = []


def case(case_id: str, fault: str, *rounds: tuple[File, ...], expect: tuple[Expect, ...], **kw) -> None:
    assert case_id not in {c.id for c in CASES}, case_id
    CASES.append(Case(case_id, fault, rounds, expect, **kw))


Round = tuple[tuple[File, ...], tuple[Expect, ...]]  # files of one run, and what they must give


def rejected(f: File, reason: str) -> Round:
    """One file that must be rejected whole with `reason`."""
    return (f,), (Expect(f.source, f.name, "rejected", reason, dt=f.dt),)


def loaded(f: File, rows_in: int, rows_loaded: int, bad: dict[int, str] | None = None, **kw) -> Round:
    """One file that must be loaded: `rows_in` read, `rows_loaded` kept, `bad` set aside."""
    return (f,), (Expect(f.source, f.name, "loaded", None, rows_in, rows_loaded, bad or {}, dt=f.dt, **kw),)


def bad_file(case_id: str, fault: str, f: File, reason: str) -> None:
    files, expect = rejected(f, reason)
    case(case_id, fault, files, expect=expect)


def bad_rows(case_id: str, fault: str, f: File, rows_in: int, rows_loaded: int, bad: dict[int, str], **kw) -> None:
    files, expect = loaded(f, rows_in, rows_loaded, bad)
    case(case_id, fault, files, expect=expect, **kw)


def good_file(case_id: str, fault: str, f: File, rows: int, check=None, encoding: str | None = None) -> None:
    files, expect = loaded(f, rows, rows, encoding=encoding)
    case(case_id, fault, files, expect=expect, check=check)


# --------------------------------------------------------------------------- helpers for checks


def std(settings, source: str, name: str, dt: str = DT) -> pl.DataFrame:
    from live_commerce_quality.ingest.deliveries import safe_name

    return pl.read_parquet(settings.standardised / source / f"dt={dt}" / f"{safe_name(name)}.parquet")


def all_std(settings, source: str) -> pl.DataFrame:
    files = sorted((settings.standardised / source).glob("dt=*/*.parquet"))
    return pl.concat([pl.read_parquet(p) for p in files])


def column_is(source: str, name: str, column: str, values: list):
    def check(settings, reports):
        assert std(settings, source, name)[column].to_list() == values

    return check


# --------------------------------------------------------------------------- bad files
# Rejected whole with the reason; nothing of them is written past the archive; the run goes on.

_undecodable = text(REVIEWS, R1).rstrip(b"\n") + b"\xff\xfe\n"
_bad_at = _undecodable.index(b"\xff")
bad_file(
    "undecodable-bytes",
    "bytes that no accepted encoding decodes (0xFF 0xFE)",
    File("reviews", "reviews.csv", _undecodable),
    f"undecodable: neither UTF-8 (invalid at byte offset {_bad_at}) nor GB18030",
)
bad_file(
    "truncated-csv-in-quotes",
    "CSV cut inside a quoted field",
    File("reviews", "reviews.csv", text(REVIEWS, R1, 'r2,o2,4,"2026-03-02 11:')),
    "unterminated quoted field (odd number of '\"'): the file is truncated or malformed",
)
bad_file(
    "truncated-csv-mid-record",
    "CSV cut in the middle of its last record",
    File("reviews", "reviews.csv", text(REVIEWS, R1, "r2,o2,4")),
    "truncated: the last record (line 3) ends before its last field (reviewed_at)",
)
bad_file(
    "truncated-gzip",
    "gzip stream cut before its end",
    File("reviews", "reviews.csv.gz", gzip.compress(text(REVIEWS, R1, R2), mtime=0)[:-10]),
    "truncated gzip stream",
)
bad_file(
    "not-gzip",
    "named .csv.gz but not gzip",
    File("reviews", "reviews.csv.gz", text(REVIEWS, R1)),
    "unreadable gzip file",
)
_reviews_parquet = parquet(
    {
        "review_id": pa.array(["r1", "r2"]),
        "order_id": pa.array(["o1", "o2"]),
        "rating": pa.array([5, 6]),
        "reviewed_at": pa.array([datetime(2026, 3, 2, 10), datetime(2026, 3, 2, 11)]),
    }
)
bad_file(
    "truncated-parquet",
    "Parquet file cut before its footer",
    File("reviews", "reviews.parquet", _reviews_parquet[:-40]),
    "unreadable Parquet, truncated or corrupt",
)
_j1 = json.dumps({"review_id": "r1", "order_id": "o1", "rating": 5, "reviewed_at": "2026-03-02 10:00:00"})
_j2 = json.dumps({"review_id": "r2", "order_id": "o2", "rating": 4, "reviewed_at": "2026-03-02 11:00:00"})
bad_file(
    "truncated-jsonl",
    "JSONL cut in the middle of its last line",
    File("reviews", "reviews.jsonl", text(_j1, "\n", _j2[:30])),
    "truncated: the last line (2) is incomplete",
)
_reviews_xlsx = xlsx(("reviews", [REVIEWS.strip().split(","), R1.strip().split(",")]))
bad_file(
    "truncated-xlsx",
    "XLSX (a zip) cut short",
    File("reviews", "reviews.xlsx", _reviews_xlsx[:300]),
    "unreadable XLSX",
)
_gbk = (OPERATORS + OP_CN).encode("gbk")
bad_file(
    "wrong-encoding-declared",
    "GBK content in a file whose name declares UTF-8",
    File("operators", "operators.utf-8.csv", _gbk),
    f"declared encoding utf-8 does not decode: invalid byte sequence at byte offset {_first_non_ascii(_gbk)}",
)
_not_gbk = text(OPERATORS, OP_CN).replace("杭".encode(), b"\x80\x80")
bad_file(
    "declared-gbk-not-gbk",
    "a file declared GBK with bytes GBK does not allow",
    File("operators", "operators.gbk.csv", _not_gbk),
    f"declared encoding gbk does not decode: invalid byte sequence at byte offset {_first_non_ascii(_not_gbk)}",
)
bad_file(
    "missing-required-column",
    "a required column (rating) is missing from the header",
    File("reviews", "reviews.csv", text("review_id,order_id,reviewed_at\n", "r1,o1,2026-03-02 10:00:00\n")),
    "missing required column(s): rating",
)
bad_file(
    "missing-required-column-parquet",
    "a required column missing from a Parquet file",
    File("reviews", "reviews.parquet", parquet({"review_id": pa.array(["r1"]), "rating": pa.array([5])})),
    "missing required column(s): order_id, reviewed_at",
)
bad_file("empty-0-bytes", "a 0-byte upload", File("reviews", "reviews.csv", b""), "empty file (0 bytes)")
bad_file(
    "empty-gzip",
    "a gzip file of nothing",
    File("reviews", "reviews.csv.gz", gzip.compress(b"", mtime=0)),
    "empty: decompresses to 0 bytes",
)
bad_file(
    "bom-only", "a CSV of only a byte-order mark", File("reviews", "reviews.csv", b"\xef\xbb\xbf"), "no header line"
)
bad_file(
    "jsonl-blank-only",
    "a JSONL file of blank lines",
    File("reviews", "reviews.jsonl", b"\n  \n"),
    "empty: no JSON records, only blank lines",
)
bad_file(
    "unknown-format",
    "a file in no accepted format",
    File("reviews", "reviews.txt", text(REVIEWS, R1)),
    "unknown format (expected a name ending in .csv.gz, .csv, .jsonl, .parquet, .xlsx)",
)
bad_file(
    "duplicate-header-column",
    "the same contract column twice in the header",
    File(
        "reviews",
        "reviews.csv",
        text("review_id,order_id,rating,reviewed_at,rating\n", "r1,o1,5,2026-03-02 10:00:00,4\n"),
    ),
    "column rating appears more than once in the header (positions 3 and 5)",
)
bad_file(
    "xlsx-first-sheet-empty",
    "Excel whose first sheet is empty (the data is on the second: only the first sheet is read)",
    File(
        "reviews", "reviews.xlsx", xlsx(("empty", []), ("reviews", [REVIEWS.strip().split(","), R1.strip().split(",")]))
    ),
    "no header row in the first sheet",
)


# --------------------------------------------------------------------------- accepted variants

good_file(
    "gbk-detected",
    "GBK bytes, no encoding declared: detected as GB18030 (a superset of GBK), never guessed wrong",
    File("operators", "operators.csv", _gbk),
    1,
    check=column_is("operators", "operators.csv", "operator_name", ["杭州某某旗舰店"]),
    encoding="gb18030",
)
good_file(
    "gbk-declared",
    "GBK declared in the file name",
    File("operators", "operators.gbk.csv", _gbk),
    1,
    check=column_is("operators", "operators.gbk.csv", "operator_name", ["杭州某某旗舰店"]),
    encoding="gbk",
)
good_file(
    "utf8-bom",
    "UTF-8 with a byte-order mark (not part of the first column name)",
    File("reviews", "reviews.csv", b"\xef\xbb\xbf" + text(REVIEWS, R1)),
    1,
    check=column_is("reviews", "reviews.csv", "review_id", ["r1"]),
    encoding="utf-8-sig",
)


def _check_extra_columns(settings, reports):
    from live_commerce_quality.core.contract import standardised_schema
    from live_commerce_quality.ingest import read_archived

    assert dict(std(settings, "reviews", "reviews.csv").schema) == standardised_schema("reviews")  # ignored
    (r,) = reports[-1].files
    assert b"moderator_note" in read_archived(settings, "reviews", DT, r.file_sha256, "reviews.csv")  # kept


good_file(
    "extra-unknown-columns",
    "unknown extra columns, columns in another order: accepted, ignored downstream, kept in the archive",
    File(
        "reviews",
        "reviews.csv",
        text("moderator_note,rating,review_id,reviewed_at,order_id,x\n", "ok,5,r1,2026-03-02 10:00:00,o1,y\n"),
    ),
    1,
    check=_check_extra_columns,
)
good_file("header-only", "a header and no record: accepted, 0 rows", File("reviews", "reviews.csv", text(REVIEWS)), 0)
good_file(
    "csv-cr-line-ends",
    "lines ending in CR alone (old Mac spreadsheets): read, no row lost",
    File("reviews", "reviews.csv", text(REVIEWS, R1, R2).replace(b"\n", b"\r")),
    2,
    check=column_is("reviews", "reviews.csv", "review_id", ["r1", "r2"]),
)
good_file(
    "mixed-time-zones",
    "mixed time zones in one file (+08:00, Z, none, -05:00, +0900): all converted to CST, none set aside",
    File(
        "reviews",
        "reviews.csv",
        text(
            REVIEWS,
            "r1,o1,5,2026-03-02T10:00:00+08:00\n",
            "r2,o2,5,2026-03-02T02:00:00Z\n",
            "r3,o3,5,2026-03-02 10:00:00\n",
            "r4,o4,5,2026-03-02T10:00:00\n",
            "r5,o5,5,2026-03-01T21:00:00-05:00\n",
            "r6,o6,5,2026-03-02 11:00:00+0900\n",
        ),
    ),
    6,
    check=column_is("reviews", "reviews.csv", "reviewed_at", [datetime(2026, 3, 2, 10, 0)] * 6),
)


# --------------------------------------------------------------------------- bad rows
# Set aside with file, line and reason; the file's good rows are kept.

bad_rows(
    "ragged-and-empty-records",
    "a record with more fields than the header, and an empty record",
    File("reviews", "reviews.csv", text(REVIEWS, R1, "r2,o2,4,2026-03-02 11:00:00,surplus\n", ",,,\n", R3)),
    4,
    2,
    {3: "record has more fields than the header (4)", 4: "empty record (no values)"},
)
bad_rows(
    "xlsx-several-sheets",
    "Excel with several sheets: only the first is read (a bad row on it is set aside)",
    File(
        "reviews",
        "reviews.xlsx",
        xlsx(
            ("reviews", [REVIEWS.strip().split(","), R1.strip().split(","), ["r2", "o2", "6", "2026-03-02 11:00:00"]]),
            ("notes", [REVIEWS.strip().split(","), ["r9", "o9", "1", "2026-03-02 11:00:00"]]),
        ),
    ),
    2,
    1,
    {3: "rating must be between 1 and 5 (got '6')"},
    check=column_is("reviews", "reviews.xlsx", "review_id", ["r1"]),
)
bad_rows(
    "parquet-typed-bad-value",
    "Parquet with a typed bad value (its line is the row number)",
    File("reviews", "reviews.parquet", _reviews_parquet),
    2,
    1,
    {2: "rating must be between 1 and 5 (got '6')"},
)
bad_rows(
    "jsonl-non-object-line",
    "JSONL with a line that is not an object and a line that is not JSON",
    File("reviews", "reviews.jsonl", text(_j1, "\n[1, 2]\n{oops\n", _j2, "\n")),
    4,
    2,
    {2: "not a JSON object (got list)", 3: "not valid JSON"},
)
_nested_r2 = {"review_id": {"id": "r2"}, "order_id": "o2", "rating": 4, "reviewed_at": "2026-03-02 11:00:00"}
_nested_r3 = {"review_id": "r3", "order_id": "[o3]", "rating": [3], "reviewed_at": "2026-03-02 11:00:00"}
bad_rows(
    "jsonl-nested-value",
    "JSONL with an object or an array where a value belongs (a string that looks like one is fine)",
    File("reviews", "reviews.jsonl", text(_j1, "\n", json.dumps(_nested_r2), "\n", json.dumps(_nested_r3), "\n")),
    3,
    1,
    {2: "review_id is an object in JSON, not a single value", 3: "rating is an array in JSON, not a single value"},
)
bad_rows(
    "duplicate-key-within-file",
    "the same key twice in one file: every copy is set aside (the file contradicts itself)",
    File("reviews", "reviews.csv", text(REVIEWS, R1, R2, "r1,o3,3,2026-03-02 12:00:00\n", R3)),
    4,
    2,
    {2: "duplicate key within the file (lines 2, 4)", 4: "duplicate key within the file (lines 2, 4)"},
)
bad_rows(
    "null-key",
    "a null key",
    File("reviews", "reviews.csv", text(REVIEWS, R1, ",o2,4,2026-03-02 11:00:00\n")),
    2,
    1,
    {3: "review_id is required but empty"},
)
bad_rows(
    "null-key-composite",
    "a null in one column of a two-column key",
    File("products", "products.csv", text(PRODUCTS, P1, P1.replace("s1,p1,", "s1,,"))),
    2,
    1,
    {3: "product_id is required but empty"},
)
bad_rows(
    "unparsable-number",
    "numbers that do not parse",
    File(
        "orders",
        "orders.csv",
        text(ORDERS, order(), order(order_id="o2", quantity="两"), order(order_id="o3", unit_price="12.3.4")),
    ),
    3,
    1,
    {3: "quantity is not an integer (got '两')", 4: "unit_price is not an amount in yuan (got '12.3.4')"},
)
bad_rows(
    "unparsable-timestamp",
    "timestamps that do not parse",
    File("reviews", "reviews.csv", text(REVIEWS, R1, "r2,o2,4,2025-02-30 25:61:00\n", "r3,o3,3,yesterday\n")),
    3,
    1,
    {
        3: "reviewed_at is not an ISO 8601 date and time (got '2025-02-30 25:61:00')",
        4: "reviewed_at is not an ISO 8601 date and time (got 'yesterday')",
    },
)
bad_rows(
    "date-only-timestamp",
    "a date alone where a timestamp belongs",
    File("reviews", "reviews.csv", text(REVIEWS, R1, "r2,o2,4,2026-03-02\n")),
    2,
    1,
    {3: "reviewed_at is a date without a time (got '2026-03-02')"},
)
bad_rows(
    "negative-quantity",
    "a negative quantity",
    File("orders", "orders.csv", text(ORDERS, order(), order(order_id="o2", quantity="-1"))),
    2,
    1,
    {3: "quantity must be > 0 (got '-1')"},
)
bad_rows(
    "quantity-zero",
    "quantity 0",
    File("orders", "orders.csv", text(ORDERS, order(), order(order_id="o2", quantity="0"))),
    2,
    1,
    {3: "quantity must be > 0 (got '0')"},
)
bad_rows(
    "negative-price",
    "a negative price and amount",
    File("orders", "orders.csv", text(ORDERS, order(), order(order_id="o2", unit_price="-0.01", pay_amount="-5"))),
    2,
    1,
    {3: "unit_price must be >= 0 (got '-0.01'); pay_amount must be >= 0 (got '-5')"},
)
bad_rows(
    "rating-6",
    "rating 6 (and 0)",
    File("reviews", "reviews.csv", text(REVIEWS, R1, "r2,o2,6,2026-03-02 11:00:00\n", "r3,o3,0,2026-03-02 11:00:00\n")),
    3,
    1,
    {3: "rating must be between 1 and 5 (got '6')", 4: "rating must be between 1 and 5 (got '0')"},
)
bad_rows(
    "satisfaction-0",
    "satisfaction 0",
    File(
        "complaints", "complaints.csv", text(COMPLAINTS, C1, C1.replace("c1,", "c2,").replace(",true,4,", ",true,0,"))
    ),
    2,
    1,
    {3: "satisfaction must be between 1 and 5 (got '0')"},
)
bad_rows(
    "shipped-before-paid",
    "impossible order of times: shipped before paid, delivered before shipped",
    File(
        "orders",
        "orders.csv",
        text(
            ORDERS,
            order(),
            order(order_id="o2", shipped_at="2026-03-02 09:00:00"),
            order(order_id="o3", shipped_at="2026-03-02 12:00:00", delivered_at="2026-03-02 11:00:00"),
        ),
    ),
    3,
    1,
    {
        3: "shipped_at 2026-03-02 09:00:00 is before paid_at 2026-03-02 10:00:00",
        4: "delivered_at 2026-03-02 11:00:00 is before shipped_at 2026-03-02 12:00:00",
    },
)
bad_rows(
    "ended-before-started",
    "a session that ended before it started",
    File(
        "live_sessions",
        "sessions.csv",
        text(SESSIONS, S1, "s2,douyin,op1,st1,2026-03-02 20:00:00,2026-03-02 19:00:00,true,100\n"),
    ),
    2,
    1,
    {3: "ended_at 2026-03-02 19:00:00 is before started_at 2026-03-02 20:00:00"},
)
bad_rows(
    "reply-before-message",
    "a reply before the message it answers",
    File(
        "cs_conversations",
        "conversations.csv",
        text(CONVERSATIONS, CV1, "cv2,op1,o1,BUYER-0001,2026-03-02 10:00:00,2026-03-02 09:59:00,true\n"),
    ),
    2,
    1,
    {3: "first_reply_at 2026-03-02 09:59:00 is before first_message_at 2026-03-02 10:00:00"},
)
bad_rows(
    "future-timestamp",
    "events at or after the end of the delivery day (one only once its UTC offset is applied); 23:59:59 is fine",
    File(
        "reviews",
        "reviews.csv",
        text(
            REVIEWS,
            R1,
            "r2,o2,4,2026-03-03 00:00:00\n",
            "r3,o3,3,2026-03-02T16:30:00Z\n",
            "r4,o4,3,2026-03-02 23:59:59\n",
        ),
    ),
    4,
    2,
    {
        3: "reviewed_at 2026-03-03 00:00:00 is at or after the end of the delivery day dt=2026-03-02 (CST)",
        4: "reviewed_at 2026-03-03 00:30:00 is at or after the end of the delivery day dt=2026-03-02 (CST)",
    },
)
bad_rows(
    "enum-outside-list",
    "enumerated values outside their lists (values are lower-case)",
    File(
        "orders",
        "orders.csv",
        text(ORDERS, order(), order(order_id="o2", platform="Douyin"), order(order_id="o3", cancel_party="seller")),
    ),
    3,
    1,
    {
        3: "platform must be a code of a-z, 0-9 and _, a letter first, at most 32 characters (got 'Douyin')",
        4: "cancel_party must be one of buyer, merchant, platform, system (got 'seller')",
    },
)
bad_rows(
    "bad-boolean",
    "a boolean in none of the accepted forms",
    File("live_sessions", "sessions.csv", text(SESSIONS, S1, S1.replace("s1,", "s2,").replace(",true,", ",maybe,"))),
    2,
    1,
    {3: "license_displayed is not a boolean (true/false, 1/0, 是/否, Y/N) (got 'maybe')"},
)
bad_rows(
    "null-buyer-id",
    "a required personal identifier missing: set aside, and no value of the row is quoted",
    File("orders", "orders.csv", text(ORDERS, order(buyer_id="", buyer_phone="13811112222"))),
    1,
    0,
    {2: "buyer_id is required but empty"},
)


# --------------------------------------------------------------------------- file names


def _archived_as_delivered(name: str, source: str = "reviews"):
    def check(settings, reports):
        from live_commerce_quality.ingest.deliveries import safe_name

        (r,) = reports[-1].files
        assert r.file_name == name
        out = settings.standardised / r.standardised_path
        assert out.name == f"{safe_name(name)}.parquet" and out.parent == settings.standardised / source / f"dt={DT}"
        assert len(out.name.encode()) <= 255
        assert [p.name for p in settings.home.parent.iterdir()] == ["home"]  # nothing written outside

    return check


for _id, _fault, _name in (
    (
        "name-path-characters",
        "a file name with path characters (backslashes, colon, wildcards)",
        "reviews\\..\\..\\etc:passwd*?.csv",
    ),
    ("name-unicode-spaces", "a file name with spaces and Chinese characters: kept as it is", "评价 三月 (第1批).csv"),
    ("name-newline", "a file name with a newline in it", "reviews\nmarch.csv"),
    ("name-very-long", "a file name of 251 bytes: outputs named after it still fit", "评" * 80 + "x" * 7 + ".csv"),
):
    good_file(
        _id,
        _fault + ": safe output name, archived as delivered",
        File("reviews", _name, text(REVIEWS, R1)),
        1,
        check=_archived_as_delivered(_name),
    )


def _check_bad_utf8_name(settings, reports):
    (r,) = reports[-1].files
    assert r.file_name == "reviews-\\xff.csv"


case(
    "name-not-utf8",
    "a file name that is not valid UTF-8: read, and named with \\xNN escapes in receipts and messages",
    (File("reviews", b"reviews-\xff.csv".decode("utf-8", "surrogateescape"), text(REVIEWS, R1)),),
    expect=(Expect("reviews", "reviews-\\xff.csv", "loaded", None, 1, 1),),
    check=_check_bad_utf8_name,
)
case(
    "name-leading-dots",
    "a name starting with dots (..%2F..%2Fetc.csv) is a hidden file (upload tools' temporary files): "
    "reported, not read",
    (File("reviews", "..%2F..%2Fetc.csv", text(REVIEWS, R1)), File("reviews", "reviews.csv", text(REVIEWS, R2))),
    expect=(Expect("reviews", "reviews.csv", "loaded", None, 1, 1),),
    problems=("reviews/dt=2026-03-02/..%2F..%2Fetc.csv: hidden file ignored",),
)


# --------------------------------------------------------------------------- landing layout

case(
    "unknown-source-folder",
    "a folder that is no source of the contract: reported, the rest is read",
    (File("refunds", "refunds.csv", text("refund_id\n", "x1\n")), File("reviews", "reviews.csv", text(REVIEWS, R1))),
    expect=(Expect("reviews", "reviews.csv", "loaded", None, 1, 1),),
    problems=("refunds: unknown source folder",),
)
case(
    "malformed-dt-folder",
    "dt folders that are not dt=YYYY-MM-DD, or not a calendar date: reported, the rest is read",
    (
        File("reviews", "a.csv", text(REVIEWS, R1), dt="2026-3-2"),
        File("reviews", "b.csv", text(REVIEWS, R1), dt="2026-02-30"),
        File("reviews", "reviews.csv", text(REVIEWS, R1)),
    ),
    expect=(Expect("reviews", "reviews.csv", "loaded", None, 1, 1),),
    problems=(
        "reviews/dt=2026-3-2: malformed dt folder (expected dt=YYYY-MM-DD)",
        "reviews/dt=2026-02-30: malformed dt folder (not a calendar date)",
    ),
)


# --------------------------------------------------------------------------- re-deliveries


def _check_same_again(settings, reports):
    first, second = reports
    assert [f.action for f in first.files] == ["processed"]
    assert [f.action for f in second.files] == ["unchanged"]
    assert second.files[0].file_sha256 == first.files[0].file_sha256
    assert "1 unchanged" in second.summary()


_same = File("reviews", "reviews.csv", text(REVIEWS, R1, R2))
case(
    "same-file-again",
    "the same file delivered again: a no-op",
    (_same,),
    (_same,),
    expect=(Expect("reviews", "reviews.csv", "loaded", None, 2, 2),),
    check=_check_same_again,
)

_v1 = text(ORDERS, order(), order(order_id="o2"), order(order_id="o3", quantity="0"))
_v2 = text(ORDERS, order(quantity="3", pay_amount="30.00"))


def _check_replacement(settings, reports):
    from live_commerce_quality.ingest import load_receipts, read_archived

    v1, v2 = reports[0].files[0], reports[1].files[0]
    assert (v1.action, v2.action) == ("processed", "processed") and v1.file_sha256 != v2.file_sha256
    df = std(settings, "orders", "orders.csv")
    assert df["order_id"].to_list() == ["o1"] and df["quantity"].to_list() == [3]
    assert df["_file_sha256"].unique().to_list() == [v2.file_sha256]
    assert not (settings.quarantine / "orders" / f"dt={DT}" / "orders.csv.parquet").exists()  # v1's bad row is gone
    assert load_receipts(settings)["file_sha256"].to_list() == [v2.file_sha256]
    # both versions stay in the archive
    assert read_archived(settings, "orders", DT, v1.file_sha256, "orders.csv") == _v1
    assert read_archived(settings, "orders", DT, v2.file_sha256, "orders.csv") == _v2


case(
    "replacement-same-name",
    "a file delivered again under the same source, dt and name with other content: it replaces the earlier "
    "version, both are archived",
    (File("orders", "orders.csv", _v1),),
    (File("orders", "orders.csv", _v2),),
    expect=(Expect("orders", "orders.csv", "loaded", None, 1, 1),),
    check=_check_replacement,
)


def _check_bad_replacement(settings, reports):
    good = reports[0].files[0]
    # the good version's rows stay until a good file replaces the bad one
    assert std(settings, "reviews", "reviews.csv")["_file_sha256"].unique().to_list() == [good.file_sha256]


case(
    "truncated-replacement",
    "a truncated file delivered in place of a good one: rejected, the good version's rows kept, both archived",
    (File("reviews", "reviews.csv", text(REVIEWS, R1)),),
    (File("reviews", "reviews.csv", text(REVIEWS, R1, "r2,o2")),),
    expect=(
        Expect("reviews", "reviews.csv", "rejected", "truncated: the last record (line 3) ends before its last field"),
    ),
    check=_check_bad_replacement,
)


def _check_across_files(settings, reports):
    """Both versions of a key are loaded with their lineage; dbt's int_*_current keeps the
    latest (dt, then file name) for orders and the first for reviews."""
    orders = all_std(settings, "orders").sort("_dt", "_file_name")
    assert orders["order_id"].to_list() == ["o1", "o1"]
    latest = orders.row(-1, named=True)
    assert (str(latest["_dt"]), latest["_file_name"], latest["quantity"]) == (NEXT_DT, "a.csv", 3)
    reviews = all_std(settings, "reviews").sort("_dt", "_file_name")
    first = reviews.row(0, named=True)
    assert reviews.height == 2 and (str(first["_dt"]), first["_file_name"], first["rating"]) == (DT, "b.csv", 1)


case(
    "duplicate-key-across-files",
    "the same key in two deliveries is not a bad row: the later delivery (dt, then name) updates the earlier "
    "(orders), except reviews, where the first delivered rating counts",
    (
        File("orders", "b.csv", text(ORDERS, order())),
        File("orders", "a.csv", text(ORDERS, order(quantity="3", pay_amount="30.00")), dt=NEXT_DT),
        File("reviews", "b.csv", text(REVIEWS, "r1,o1,1,2026-03-02 10:00:00\n")),
        File("reviews", "a.csv", text(REVIEWS, "r1,o1,5,2026-03-02 10:00:00\n"), dt=NEXT_DT),
    ),
    expect=(
        Expect("orders", "b.csv", "loaded", None, 1, 1),
        Expect("orders", "a.csv", "loaded", None, 1, 1, dt=NEXT_DT),
        Expect("reviews", "b.csv", "loaded", None, 1, 1),
        Expect("reviews", "a.csv", "loaded", None, 1, 1, dt=NEXT_DT),
    ),
    check=_check_across_files,
)
