"""The monitoring extract contract, version 1 (shared/spec/extracts.md), as data.

Everything that reads, writes, generates or checks extracts takes its column names,
types, required flags, enumerations, keys, time-order rules and references from here,
so the contract is written once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CONTRACT_VERSION = "1"

# Column types of the contract.
STR, INT, DEC, BOOL, TS, DATE = "str", "int", "dec", "bool", "ts", "date"

# Platform codes are open (extracts.md): lower-case ASCII letters, digits and `_`, starting with
# a letter, at most 32 characters. Any other form is a bad value.
PLATFORM_CODE = r"^[a-z][a-z0-9_]{0,31}$"
PLATFORM_CODE_FORM = "a code of a-z, 0-9 and _, a letter first, at most 32 characters"
# The platforms the demo generator invents; the contract accepts any code of the form above.
PLATFORMS = ("douyin", "kuaishou", "taobao", "wechat_channels")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    enum: tuple[str, ...] | None = None
    # (regular expression the whole value must match, the form it describes in words)
    pattern: tuple[str, str] | None = None
    # personal identifier: replaced by a keyed hash at ingest
    pseudonymise: bool = False
    # personal information: dropped at ingest, never written past it
    drop: bool = False
    # integer range (inclusive) for ratings
    int_range: tuple[int, int] | None = None
    # numbers that must be > 0 (quantity) or >= 0 (money)
    positive: bool = False
    non_negative: bool = False
    # events must happen before the end of the delivery day; promises are exempt
    event: bool = True


@dataclass(frozen=True)
class Source:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    snapshot: bool = False
    # first delivered version wins (reviews), instead of the latest
    first_version_wins: bool = False
    # (earlier, later): `later` must not be before `earlier` when both are present
    time_order: tuple[tuple[str, str], ...] = ()
    # column -> referenced source; checked at evaluation against good rows up to the cutoff
    references: dict[str, str] = field(default_factory=dict)
    # the timestamp that places a record in time (None for snapshots)
    time_column: str | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


def _c(name: str, type_: str, req: bool = False, **kw) -> Column:
    return Column(name, type_, req, **kw)


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            "operators",
            (
                _c("operator_id", STR, True),
                _c("platform", STR, True, pattern=(PLATFORM_CODE, PLATFORM_CODE_FORM)),
                _c("operator_name", STR, True),
                _c("credit_code", STR),
                _c("license_verified", BOOL, True),
                _c("main_category", STR, True),
                _c("region_code", STR),
            ),
            key=("operator_id",),
            snapshot=True,
        ),
        Source(
            "streamers",
            (
                _c("streamer_id", STR, True),
                _c("platform", STR, True, pattern=(PLATFORM_CODE, PLATFORM_CODE_FORM)),
                _c("display_name", STR, True),
                _c("real_name_verified", BOOL, True),
                _c("agency_id", STR),
            ),
            key=("streamer_id",),
            snapshot=True,
        ),
        Source(
            "agencies",
            (
                _c("agency_id", STR, True),
                _c("agency_name", STR, True),
                _c("credit_code", STR),
                _c("region_code", STR),
            ),
            key=("agency_id",),
            snapshot=True,
        ),
        Source(
            "live_sessions",
            (
                _c("session_id", STR, True),
                _c("platform", STR, True, pattern=(PLATFORM_CODE, PLATFORM_CODE_FORM)),
                _c("operator_id", STR, True),
                _c("streamer_id", STR, True),
                _c("started_at", TS, True),
                _c("ended_at", TS),
                _c("license_displayed", BOOL, True),
                _c("peak_viewers", INT, non_negative=True),
            ),
            key=("session_id",),
            time_order=(("started_at", "ended_at"),),
            references={"operator_id": "operators", "streamer_id": "streamers"},
            time_column="started_at",
        ),
        Source(
            "products",
            (
                _c("session_id", STR, True),
                _c("product_id", STR, True),
                _c("operator_id", STR, True),
                _c("category", STR, True),
                _c("title", STR, True),
                _c("announced_price", DEC, non_negative=True),
                _c("listed_price", DEC, True, non_negative=True),
                _c("spec", STR),
                _c("origin", STR),
                _c("manufacturer", STR),
                _c("certificate_required", BOOL, True),
                _c("certificate_no", STR),
                _c("after_sales_policy", STR),
            ),
            key=("session_id", "product_id"),
            references={"session_id": "live_sessions", "operator_id": "operators"},
        ),
        Source(
            "orders",
            (
                _c("order_id", STR, True),
                _c("platform", STR, True, pattern=(PLATFORM_CODE, PLATFORM_CODE_FORM)),
                _c("session_id", STR),
                _c("operator_id", STR, True),
                _c("streamer_id", STR),
                _c("product_id", STR, True),
                _c("buyer_id", STR, True, pseudonymise=True),
                _c("buyer_phone", STR, drop=True),
                _c("buyer_address", STR, drop=True),
                _c("quantity", INT, True, positive=True),
                _c("unit_price", DEC, True, non_negative=True),
                _c("pay_amount", DEC, True, non_negative=True),
                _c("paid_at", TS, True),
                _c("promised_ship_by", TS, event=False),
                _c("shipped_at", TS),
                _c("delivered_at", TS),
                _c("cancelled_at", TS),
                _c("cancel_party", STR, enum=("buyer", "merchant", "platform", "system")),
            ),
            key=("order_id",),
            time_order=(
                ("paid_at", "shipped_at"),
                ("paid_at", "delivered_at"),
                ("shipped_at", "delivered_at"),
            ),
            references={
                "session_id": "live_sessions",
                "operator_id": "operators",
                "streamer_id": "streamers",
            },
            time_column="paid_at",
        ),
        Source(
            "cs_conversations",
            (
                _c("conversation_id", STR, True),
                _c("operator_id", STR, True),
                _c("order_id", STR),
                _c("buyer_id", STR, True, pseudonymise=True),
                _c("first_message_at", TS, True),
                _c("first_reply_at", TS),
                _c("in_service_hours", BOOL, True),
            ),
            key=("conversation_id",),
            time_order=(("first_message_at", "first_reply_at"),),
            references={"operator_id": "operators"},
            time_column="first_message_at",
        ),
        Source(
            "after_sales",
            (
                _c("case_id", STR, True),
                _c("order_id", STR, True),
                _c(
                    "case_type",
                    STR,
                    True,
                    enum=("refund_only", "return_refund", "exchange", "repair"),
                ),
                _c(
                    "reason",
                    STR,
                    True,
                    enum=(
                        "quality",
                        "not_as_described",
                        "wrong_item",
                        "damaged",
                        "late_delivery",
                        "no_reason",
                        "other",
                    ),
                ),
                _c("merchant_responsible", BOOL),
                _c("requested_at", TS, True),
                _c("resolved_at", TS),
                _c("outcome", STR, enum=("approved", "rejected", "withdrawn", "escalated")),
            ),
            key=("case_id",),
            time_order=(("requested_at", "resolved_at"),),
            references={"order_id": "orders"},
            time_column="requested_at",
        ),
        Source(
            "complaints",
            (
                _c("complaint_id", STR, True),
                _c("complainant_id", STR, pseudonymise=True),
                _c("channel", STR, True, enum=("platform", "12315", "hotline", "other")),
                _c("operator_id", STR, True),
                _c("streamer_id", STR),
                _c("order_id", STR),
                _c(
                    "category",
                    STR,
                    True,
                    enum=(
                        "quality",
                        "false_advertising",
                        "price",
                        "logistics",
                        "after_sales",
                        "service",
                        "other",
                    ),
                ),
                _c("received_at", TS, True),
                _c("closed_at", TS),
                _c("resolved", BOOL),
                _c("satisfaction", INT, int_range=(1, 5)),
                _c("complainant_phone", STR, drop=True),
            ),
            key=("complaint_id",),
            time_order=(("received_at", "closed_at"),),
            references={"operator_id": "operators", "streamer_id": "streamers"},
            time_column="received_at",
        ),
        Source(
            "reviews",
            (
                _c("review_id", STR, True),
                _c("order_id", STR, True),
                _c("rating", INT, True, int_range=(1, 5)),
                _c("reviewed_at", TS, True),
            ),
            key=("review_id",),
            first_version_wins=True,
            references={"order_id": "orders"},
            time_column="reviewed_at",
        ),
        Source(
            "findings",
            (
                _c("finding_id", STR, True),
                _c("session_id", STR),
                _c("operator_id", STR, True),
                _c("streamer_id", STR),
                _c("detected_at", TS, True),
                _c(
                    "finding_type",
                    STR,
                    True,
                    enum=(
                        "false_advertising",
                        "prohibited_claim",
                        "price_fraud",
                        "missing_license",
                        "prohibited_goods",
                        "counterfeit",
                        "fake_transaction",
                        "privacy_violation",
                        "vulgar_content",
                        "other",
                    ),
                ),
                _c("severity", STR, True, enum=("minor", "major", "critical")),
                _c("source", STR, True, enum=("ai", "inspection", "report")),
                _c("confirmed", BOOL, True),
            ),
            key=("finding_id",),
            references={
                "session_id": "live_sessions",
                "operator_id": "operators",
                "streamer_id": "streamers",
            },
            time_column="detected_at",
        ),
    )
}

# Order in which references resolve: a source only refers to sources before it.
REFERENCE_ORDER = (
    "operators",
    "streamers",
    "agencies",
    "live_sessions",
    "products",
    "orders",
    "cs_conversations",
    "after_sales",
    "complaints",
    "reviews",
    "findings",
)

# Accepted boolean spellings (Latin letters in any case), spec "Delivery".
TRUE_WORDS = frozenset({"true", "1", "是", "y"})
FALSE_WORDS = frozenset({"false", "0", "否", "n"})

# File formats accepted, by how the file name ends.
FORMATS = (".csv.gz", ".csv", ".jsonl", ".parquet", ".xlsx")

# Lineage columns that the standardised Parquet adds to every contract row.
LINEAGE_COLUMNS = ("_dt", "_file_name", "_file_sha256", "_line")


def standardised_schema(source: str) -> dict:
    """Polars schema of a source's standardised Parquet: contract columns (personal fields
    dropped) with their parsed types, then the lineage columns."""
    import polars as pl

    types = {
        STR: pl.String,
        INT: pl.Int64,
        DEC: pl.Decimal(18, 2),
        BOOL: pl.Boolean,
        TS: pl.Datetime("us"),
        DATE: pl.Date,
    }
    schema = {c.name: types[c.type] for c in SOURCES[source].columns if not c.drop}
    schema.update(_dt=pl.Date, _file_name=pl.String, _file_sha256=pl.String, _line=pl.Int64)
    return schema
