"""Demo landing data: monitoring extracts as platforms and monitors would deliver them.

`generate()` writes `<out>/<source>/dt=YYYY-MM-DD/<part>.<ext>` for every source of the
extract contract, for the CST calendar months asked, at a scale factor (SF1 is about
1 M orders a month). Everything is drawn from one seed with vectorised numpy/polars and
written with fixed writer settings, so the same arguments give byte-identical files.

What it plants, so that the pipeline has something to find:

- operators of five latent quality tiers (A best ... E worst) that drive every indicator,
  heavy-tailed sizes (some too small to be rated) and a few veto findings;
- day-by-day delivery: each record in the `dt` it was extracted, with updates as later
  versions of the same key (orders shipped, delivered, cancelled; sessions ended; cases
  and complaints closed; findings confirmed), late records, a correction file, edited
  reviews, and cumulative snapshots (full on the first day and each month's first day,
  weekly deltas in between) with attribute changes;
- with `bad_share` > 0, bad rows and a few bad files. Bad rows are extra rows with keys
  of their own (or duplicates of a non-final version), so the clean data, and hence every
  rating computed from it, is the same as with `bad_share=0`.

The tier parameters below are demo-data knobs, not methodology.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter

from live_commerce_quality.contract import BOOL, DEC, INT, PLATFORMS, SOURCES, TS, Source

DAY = 86_400
HOUR = 3_600
EPOCH = date(1970, 1, 1)

FORMATS = ("parquet", "csv", "csv.gz", "jsonl", "xlsx", "mixed")
# `mixed` cycles through these per source and day.
MIXED_CYCLE = ("parquet", "csv", "jsonl", "csv.gz", "xlsx", "csv-gbk", "csv-bom")
EXTENSIONS = {
    "parquet": "parquet",
    "csv": "csv",
    "csv-gbk": "csv",
    "csv-bom": "csv",
    "csv.gz": "csv.gz",
    "jsonl": "jsonl",
    "xlsx": "xlsx",
}
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, header excluded
MIXED_XLSX_MAX_ROWS = 20_000  # xlsx is slow to write: big folders fall back to Parquet
PARQUET_ROW_GROUP = 1_000_000
WRITE_CHUNK_ROWS = 2_000_000  # rows materialised at once (memory bound at SF10)

# ---------------------------------------------------------------------------------------
# Volumes (per month at scale factor 1) and shapes
# ---------------------------------------------------------------------------------------

SF1 = {
    "operators": 2_000,
    "streamers": 3_000,
    "agencies": 100,
    "sessions": 60_000,
    "orders": 1_000_000,
}
# Floors so that tiny scales still have peer groups with members and grades that spread.
MIN_SUBJECTS = {"operators": 40, "streamers": 60, "agencies": 6}
MIN_SESSIONS_PER_OPERATOR = 10
MIN_ORDERS_PER_OPERATOR = 100
PRODUCTS_PER_SESSION = 8
NO_SESSION_SHARE = 0.03
CONVERSATIONS_PER_ORDER = 0.15
PRESALE_CONVERSATION_SHARE = 0.30  # conversations without an order
OTHER_AFTER_SALES = 0.05  # cases for no reason / late delivery / other, per shipped order
REVIEWS_PER_ORDER = 0.30
COMPLAINTS_WITHOUT_ORDER = 0.25  # relative to complaints about an order
COMPLAINT_SECOND_CHANNEL = 0.10  # order complaints repeated by the same person elsewhere
REVIEW_EDIT_SHARE = 0.05  # negative reviews later raised to 5 stars (first version counts)
FINDINGS_WITHOUT_SESSION = 0.08
VETO_OPERATOR_SHARE = 0.02  # active operators per month given a veto finding
UNCONFIRMED_VETO_TYPE_PER_SESSION = 0.001  # AI alarms of veto types never confirmed
LATE_JOINER_SHARE = 0.12
LEAVER_SHARE = 0.05
DELIVERY_TAIL_DAYS = 20  # deliveries continue this long after the last month
SNAPSHOT_EVERY_DAYS = 7

# Extraction delays: most records are extracted the day they happen.
NEXT_DAY_SHARE = 0.09
LATE_SHARE = 0.03  # extracted days later, log-normal
LATE_MEDIAN_DAYS = 3.0
REGULATOR_LAG_MEDIAN_DAYS = 4.0  # 12315 complaints reach the feed later

PLATFORM_WEIGHTS = (0.40, 0.25, 0.20, 0.15)
# Evening peak for broadcasts; orders follow their session.
SESSION_HOURS = np.array(
    [1.0, 0.5, 0.3, 0.2, 0.1, 0.1, 0.3, 0.6, 1.2, 2.0, 2.5, 2.5,
     2.3, 2.3, 2.5, 2.6, 2.8, 3.2, 4.2, 5.8, 6.8, 6.4, 4.8, 2.6]
)  # fmt: skip
ACTIVITY_HOURS = np.array(
    [1.2, 0.6, 0.3, 0.2, 0.2, 0.3, 0.6, 1.2, 2.2, 3.0, 3.4, 3.4,
     3.2, 3.2, 3.3, 3.3, 3.4, 3.6, 4.0, 4.8, 5.4, 5.4, 4.4, 2.6]
)  # fmt: skip
WEEKDAY_WEIGHTS = np.array([1.0, 1.0, 1.0, 1.0, 1.08, 1.2, 1.15])  # Monday first

# ---------------------------------------------------------------------------------------
# Latent quality tiers: each operator draws every indicator from its tier's column.
# ---------------------------------------------------------------------------------------

TIERS = ("A", "B", "C", "D", "E")
TIER_SHARE = np.array([0.22, 0.30, 0.24, 0.14, 0.10])
TIER = {
    "verified_ok": (1.00, 0.97, 0.90, 0.85, 0.70),  # licence verified and valid credit code
    "licence_display": (0.995, 0.97, 0.95, 0.93, 0.89),
    "offer_complete": (0.99, 0.95, 0.91, 0.88, 0.82),
    "findings_per_session": (0.0025, 0.006, 0.013, 0.04, 0.08),
    "major_share": (0.20, 0.25, 0.33, 0.40, 0.50),
    "price_inconsistent": (0.001, 0.01, 0.018, 0.025, 0.035),  # announced offers charged more
    "reply_on_time": (0.97, 0.92, 0.86, 0.82, 0.72),  # within 180 s
    "no_reply": (0.005, 0.01, 0.02, 0.03, 0.05),
    "ship_late": (0.004, 0.02, 0.035, 0.05, 0.08),
    "merchant_cancel": (0.001, 0.003, 0.006, 0.01, 0.015),
    "delivery_hours": (36.0, 48.0, 58.0, 66.0, 80.0),  # median shipped -> delivered
    "quality_return": (0.004, 0.01, 0.016, 0.022, 0.032),
    "case_on_time": (0.97, 0.92, 0.86, 0.84, 0.72),  # resolved within 48 h
    "complaints_per_1000": (1.0, 3.0, 4.0, 5.5, 8.0),
    "complaint_on_time": (0.97, 0.90, 0.86, 0.82, 0.70),  # resolved within 7 days
    "positive_review": (0.99, 0.96, 0.94, 0.92, 0.88),
}
TIER = {k: np.array(v) for k, v in TIER.items()}
STREAMER_FINDING_FACTOR = np.array([0.5, 0.8, 1.0, 1.4, 2.0])  # by streamer tier

# ---------------------------------------------------------------------------------------
# Words
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Category:
    code: str
    weight: float
    price_yuan: float  # median listed price
    word: str  # in shop names
    certificate: str | None  # prefix of the certificate number, None when not needed
    nouns: tuple[str, ...]
    specs: tuple[str, ...]


CATEGORIES = (
    _Category("apparel", 0.20, 129, "服饰", None,
              ("纯棉T恤", "羊毛大衣", "牛仔裤", "连衣裙", "运动卫衣", "羽绒服"),
              ("S", "M", "L", "XL", "均码")),
    _Category("beauty", 0.16, 199, "美妆", "粤G妆网备字2024",
              ("保湿面霜", "精华液", "口红", "防晒霜", "洁面乳", "面膜"),
              ("30ml", "50ml", "100ml", "10片装", "3.5g")),
    _Category("food", 0.14, 49, "食品", "SC1",
              ("坚果礼盒", "手工牛肉干", "五常大米", "螺蛳粉", "百花蜂蜜", "挂耳咖啡"),
              ("500g", "1kg", "250g×2袋", "12包/箱", "5kg")),
    _Category("electronics", 0.10, 399, "数码", "CCC2023",
              ("蓝牙耳机", "充电宝", "智能手表", "机械键盘", "电动牙刷", "投影仪"),
              ("黑色", "白色", "128GB", "20000mAh", "标准版")),
    _Category("home", 0.10, 89, "家居", None,
              ("四件套", "记忆棉枕", "收纳箱", "不粘锅", "香薰蜡烛", "纯棉毛巾"),
              ("1.8m床", "单只装", "3件套", "28cm", "大号")),
    _Category("baby", 0.07, 129, "母婴", "SC1",
              ("婴儿奶粉", "纸尿裤", "儿童餐椅", "婴儿湿巾", "安抚玩具"),
              ("800g", "L码52片", "80抽×6包", "标准款")),
    _Category("health", 0.07, 159, "健康", "国食健注G2021",
              ("复合维生素", "钙片", "益生菌", "鱼油软胶囊", "蛋白粉"),
              ("60粒", "90粒", "30袋", "1kg")),
    _Category("jewelry", 0.06, 599, "珠宝", None,
              ("足金手链", "银项链", "珍珠耳钉", "和田玉吊坠"),
              ("约2g", "45cm", "8mm", "附证书")),
    _Category("sports", 0.06, 199, "运动", None,
              ("瑜伽垫", "跑步鞋", "哑铃", "骑行头盔"),
              ("6mm", "42码", "5kg×2", "M码")),
    _Category("books", 0.04, 39, "图书", None,
              ("童书绘本", "考研真题", "历史小说", "英语词典"),
              ("全10册", "2025版", "平装", "精装")),
)  # fmt: skip
CATEGORY_CODES = tuple(c.code for c in CATEGORIES)

CITIES = ("杭州", "广州", "深圳", "上海", "北京", "成都", "武汉", "南京", "西安", "青岛",
          "厦门", "郑州", "长沙", "重庆", "义乌", "佛山", "泉州", "苏州")  # fmt: skip
REGION_CODES = ("330106", "440106", "440305", "310115", "110105", "510107", "420111", "320106",
                "610113", "370202", "350203", "410105", "430104", "500103", "330782", "440604",
                "350503", "320505")  # fmt: skip
BRANDS = ("悦颜", "朴野", "禾木", "知味", "云朵", "森屿", "初见", "良品", "小鹿", "晨光", "山海",
          "青柠", "暖阳", "星河", "拾光", "原野", "南风", "北岸", "安心", "臻选")  # fmt: skip
SHOP_SUFFIXES = ("旗舰店", "官方直播间", "专营店", "贸易有限公司", "工厂店")
NICK_HEADS = ("小", "阿", "大", "甜甜", "老", "可可", "橙子", "一只", "晴天", "木木")
NICK_BODIES = ("美", "琳", "杰", "豆豆", "可乐", "晨晨", "七七", "阿福", "糖糖", "默默", "米粒")
NICK_TAILS = ("的好物分享", "严选", "在播", "家", "工作室", "优选", "的小店", "说好物")
AGENCY_WORDS = ("星辰", "云海", "青禾", "锦程", "乐活", "新潮", "光年", "蓝鲸", "启航", "万象")
AGENCY_SUFFIXES = ("文化传媒有限公司", "网络科技有限公司", "电子商务有限公司")
ADJECTIVES = ("新款", "爆款", "限量", "加厚", "轻薄", "家用", "经典", "升级版")
ORIGINS = ("浙江杭州", "广东深圳", "福建泉州", "山东青岛", "云南昆明", "新疆阿克苏", "江苏苏州",
           "四川成都", "日本", "法国", "澳大利亚", "黑龙江五常")  # fmt: skip
POLICIES = ("7天无理由退货", "7天无理由退货，赠运费险", "15天无理由退换", "质量问题包退换",
            "定制商品不支持7天无理由退货")  # fmt: skip
ADDRESSES = ("北京市朝阳区", "上海市浦东新区", "广东省广州市天河区", "广东省深圳市南山区",
             "浙江省杭州市西湖区", "江苏省南京市鼓楼区", "四川省成都市武侯区", "湖北省武汉市洪山区",
             "陕西省西安市雁塔区", "山东省青岛市市南区", "福建省厦门市思明区", "河南省郑州市金水区",
             "湖南省长沙市岳麓区", "重庆市渝中区", "天津市和平区", "辽宁省沈阳市和平区",
             "安徽省合肥市蜀山区", "云南省昆明市五华区")  # fmt: skip
ROADS = ("人民路", "建设路", "中山路", "解放路", "和平路", "长江路", "文化路", "新华路",
         "光明街", "朝阳路", "学府路", "滨江大道")  # fmt: skip

# Enumerations, in the contract's order (codes are indices into these).
CANCEL_PARTIES = SOURCES["orders"].column("cancel_party").enum
CASE_TYPES = SOURCES["after_sales"].column("case_type").enum
CASE_REASONS = SOURCES["after_sales"].column("reason").enum
CASE_OUTCOMES = SOURCES["after_sales"].column("outcome").enum
CHANNELS = SOURCES["complaints"].column("channel").enum
COMPLAINT_CATEGORIES = SOURCES["complaints"].column("category").enum
FINDING_TYPES = SOURCES["findings"].column("finding_type").enum
SEVERITIES = SOURCES["findings"].column("severity").enum
FINDING_SOURCES = SOURCES["findings"].column("source").enum
VETO_TYPES = ("prohibited_goods", "counterfeit", "fake_transaction", "privacy_violation")

# Id formats: prefix and zero-padded width per kind of record.
ID_FORMATS = {
    "operators": ("OP", 7),
    "streamers": ("ST", 7),
    "agencies": ("AG", 5),
    "live_sessions": ("LS", 10),
    "products": ("PD", 9),
    "orders": ("OD", 12),
    "cs_conversations": ("CS", 11),
    "after_sales": ("AS", 10),
    "complaints": ("CP", 10),
    "reviews": ("RV", 11),
    "findings": ("FD", 9),
}
# Bad rows get keys from the top of the id space ("9..."), unknown references "8...".
FRESH_KEY_DIGIT, UNKNOWN_REF_DIGIT = "9", "8"

# GB 32100-2015 unified social credit code.
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code check


def credit_code_check(body17: str) -> str:
    """The GB 32100-2015 check character of the first 17 characters of a credit code."""
    total = sum(CREDIT_CHARS.index(ch) * w for ch, w in zip(body17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARS[(31 - total % 31) % 31]


def credit_code_valid(code: str | None) -> bool:
    """18 characters of the GB 32100-2015 set with the right check character."""
    return (
        code is not None
        and len(code) == 18
        and all(ch in CREDIT_CHARS for ch in code)
        and credit_code_check(code[:17]) == code[17]
    )


# ---------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------


def generate(
    out: Path,
    months: list[str],
    scale: float = 1.0,
    seed: int = 0,
    fmt: str = "parquet",
    bad_share: float = 0.002,
) -> dict:
    """Write a landing folder of demo extracts under `out` and return a summary.

    `months` are CST calendar months `YYYY-MM`; activity (sessions, orders) happens in
    them, deliveries continue `DELIVERY_TAIL_DAYS` days after the last one. `scale` 1 is
    about 1 M orders, 60,000 sessions and 2,000 operators a month. `fmt` is a contract
    format or `mixed`. `bad_share` is the share of bad rows planted (0 gives a clean
    landing; above 0 a few bad files are planted too).
    """
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    if not scale > 0:
        raise ValueError("scale must be > 0")
    if not 0 <= bad_share < 0.5:
        raise ValueError("bad_share must be in [0, 0.5)")
    out = Path(out)
    gen = _Generator(months, scale, seed)
    writer = _Writer(out, fmt, bad_share, seed, gen.cal)
    gen.run(writer)
    return gen.summary(writer, fmt, bad_share)


# ---------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------


def _day_str(day: int) -> str:
    return (EPOCH + timedelta(days=int(day))).isoformat()


def _lognormal(rng: np.random.Generator, median, sigma: float, n: int) -> np.ndarray:
    return np.asarray(median, dtype=np.float64) * np.exp(sigma * rng.standard_normal(n))


def _spread(rng: np.random.Generator, n: int, weights) -> np.ndarray:
    """Labels 0..k-1 in exact proportions (each at least once when n allows), shuffled."""
    w = np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    counts = np.floor(n * w).astype(np.int64)
    if n >= len(w):
        counts = np.maximum(counts, 1)
    while counts.sum() > n:
        counts[np.argmax(counts)] -= 1
    rest = n - counts.sum()
    if rest > 0:
        counts[np.argsort(-(n * w - counts), kind="stable")[:rest]] += 1
    return rng.permutation(np.repeat(np.arange(len(w)), counts))


def _lag(rng: np.random.Generator, n: int, late_median: float = LATE_MEDIAN_DAYS) -> np.ndarray:
    """Days between an event and its extraction: mostly 0, sometimes 1, rarely several."""
    u = rng.random(n)
    lag = (u < NEXT_DAY_SHARE).astype(np.int64)
    late = u > 1 - LATE_SHARE
    lag[late] = np.ceil(_lognormal(rng, late_median, 0.7, int(late.sum()))).astype(np.int64)
    return lag


def _delivery_day(rng, ts: np.ndarray, floor: np.ndarray | int | None = None, **kw):
    """Extraction day of an event (ts < 0 means none: -1), never before `floor`."""
    dd = ts // DAY + _lag(rng, len(ts), **kw)
    if floor is not None:
        dd = np.maximum(dd, floor)
    return np.where(ts >= 0, dd, -1)


def _deadline_delay(rng, on_time: np.ndarray, deadline, median_on, median_late, sigma=0.8):
    """Delays in seconds: before `deadline` where `on_time`, after it elsewhere."""
    n = len(on_time)
    deadline = np.broadcast_to(np.asarray(deadline, dtype=np.float64), (n,))
    d_on = _lognormal(rng, median_on, sigma, n)
    over = d_on >= deadline
    d_on = np.where(over, deadline * rng.uniform(0.05, 0.95, n), d_on)
    d_late = deadline + 1 + _lognormal(rng, median_late, sigma, n)
    return np.where(on_time, np.floor(d_on), np.ceil(d_late)).astype(np.int64)


def _seconds_in_day(rng, n: int, hour_weights: np.ndarray) -> np.ndarray:
    hours = rng.choice(24, size=n, p=hour_weights / hour_weights.sum())
    return hours * HOUR + rng.integers(0, HOUR, n)


def _pick(values, idx: pl.Expr) -> pl.Expr:
    """values[idx] for an integer expression (null stays null)."""
    return idx.replace_strict(dict(enumerate(values)), default=None, return_dtype=pl.String)


def _id(col: str, kind: str) -> pl.Expr:
    prefix, width = ID_FORMATS[kind]
    return pl.lit(prefix) + pl.col(col).cast(pl.String).str.zfill(width)


def _platform(col: str = "plat") -> pl.Expr:
    return _pick(PLATFORMS, pl.col(col))


def _buyer_id(col: str) -> pl.Expr:
    # multiplying by a number coprime to 10 permutes 10-digit numbers: ids look random
    return pl.lit("U") + ((pl.col(col) * 7_777_777_777 + 1_234_567) % 10**10).cast(pl.String).str.zfill(10)


def _phone(col: str) -> pl.Expr:
    b = pl.col(col)
    return (
        pl.lit("1") + _pick(("3", "5", "7", "8", "9"), b % 5) + ((b * 48_271 + 11) % 10**9).cast(pl.String).str.zfill(9)
    )


def _address(col: str) -> pl.Expr:
    b = pl.col(col)
    return pl.concat_str(
        _pick(ADDRESSES, b % len(ADDRESSES)),
        _pick(ROADS, (b // len(ADDRESSES)) % len(ROADS)),
        (b % 397 + 1).cast(pl.String),
        pl.lit("号"),
        (b % 23 + 1).cast(pl.String),
        pl.lit("栋"),
        (b % 6 + 1).cast(pl.String),
        pl.lit("0"),
        (b % 4 + 1).cast(pl.String),
        pl.lit("室"),
    )


def _frame(nullable: tuple[str, ...] = (), **cols) -> pl.DataFrame:
    """A frame from numpy arrays; in `nullable` columns a negative value means null."""
    df = pl.DataFrame(cols)
    if nullable:
        df = df.with_columns(pl.when(pl.col(c) >= 0).then(pl.col(c)).alias(c) for c in nullable)
    return df


def _versions(
    base: pl.DataFrame,
    created: str,
    events: list[tuple[str, tuple[str, ...]]],
    last_day: int,
    hidden: dict[str, object] | None = None,
) -> pl.DataFrame:
    """One row per record and distinct delivery day, as the platform would extract it.

    `created` names the delivery-day column of the record's first extraction; each event
    is (delivery-day column, columns it reveals). A version shows an event's columns only
    from that event's delivery day on (before: null, or the value in `hidden`). Delivery
    days after `last_day` are not delivered. The delivery-day columns are dropped and
    `_dt` added.
    """
    hidden = hidden or {}
    dd_cols = [created] + [dd for dd, _ in events]
    days = (
        pl.concat(
            [
                base.select(
                    pl.int_range(pl.len(), dtype=pl.UInt32).alias("_r"),
                    pl.col(c).cast(pl.Int32).alias("_dt"),
                )
                for c in dd_cols
            ]
        )
        .drop_nulls()
        .filter(pl.col("_dt") <= last_day)
        .unique()
        .sort("_r", "_dt")
    )
    out = base[days["_r"]].with_columns(days["_dt"])
    reveal = []
    for dd, cols in events:
        for c in cols:
            shown = pl.col(dd).is_not_null() & (pl.col(dd) <= pl.col("_dt"))
            reveal.append(pl.when(shown).then(pl.col(c)).otherwise(pl.lit(hidden.get(c))).alias(c))
    return out.with_columns(reveal).drop(dd_cols)


def _dt_chunks(df: pl.DataFrame, max_rows: int = WRITE_CHUNK_ROWS):
    """Slices of `df` (sorted by `_dt`) that never split a day, about `max_rows` each."""
    df = df.sort("_dt", maintain_order=True)
    counts = df.group_by("_dt", maintain_order=True).len()
    start = rows = 0
    for n in counts["len"].to_list():
        if rows and rows + n > max_rows:
            yield df.slice(start, rows)
            start, rows = start + rows, 0
        rows += n
    if rows:
        yield df.slice(start, rows)


# ---------------------------------------------------------------------------------------
# Calendar
# ---------------------------------------------------------------------------------------


@dataclass
class _Calendar:
    months: list[str]
    month_starts: np.ndarray  # first day of each month (days since 1970-01-01, CST)
    month_ends: np.ndarray  # first day after each month
    days: np.ndarray  # activity days, sorted
    cum_weight: np.ndarray  # cumulative day weights, len(days) + 1
    first: int
    last_activity: int
    last: int  # last delivery day
    snapshot_days: np.ndarray
    full_snapshot: np.ndarray  # bool per snapshot day: full rather than delta

    @classmethod
    def of(cls, months: list[str]) -> _Calendar:
        if not months:
            raise ValueError("at least one month is needed")
        parsed = set()
        for m in months:
            if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", m):
                raise ValueError(f"month {m!r} is not YYYY-MM")
            parsed.add((int(m[:4]), int(m[5:])))
        ym = sorted(parsed)
        starts, ends = [], []
        for y, m in ym:
            nxt = date(y + (m == 12), m % 12 + 1, 1)
            starts.append((date(y, m, 1) - EPOCH).days)
            ends.append((nxt - EPOCH).days)
        days = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends, strict=True)])
        weights = WEEKDAY_WEIGHTS[(days + 3) % 7]  # 1970-01-01 was a Thursday
        first, last_activity = int(days[0]), int(days[-1])
        last = last_activity + DELIVERY_TAIL_DAYS
        # weekly snapshots plus a full one on the first day and on each month's first day
        firsts = set()
        d = EPOCH + timedelta(days=first)
        while (dd := (date(d.year, d.month, 1) - EPOCH).days) <= last:
            if dd >= first:
                firsts.add(dd)
            d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        snaps = sorted(set(range(first, last + 1, SNAPSHOT_EVERY_DAYS)) | firsts)
        return cls(
            months=[f"{y:04d}-{m:02d}" for y, m in ym],
            month_starts=np.array(starts),
            month_ends=np.array(ends),
            days=days,
            cum_weight=np.concatenate([[0.0], np.cumsum(weights)]),
            first=first,
            last_activity=last_activity,
            last=last,
            snapshot_days=np.array(snaps),
            full_snapshot=np.array([s == first or s in firsts for s in snaps]),
        )

    def sample_days(self, rng, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """A weighted activity day index in [a, b) for each pair."""
        lo, hi = self.cum_weight[a], self.cum_weight[b]
        idx = np.searchsorted(self.cum_weight, lo + rng.random(len(a)) * (hi - lo), "right") - 1
        return np.clip(idx, a, b - 1)

    def month_of(self, day: np.ndarray) -> np.ndarray:
        """Index of the month a day belongs to (-1 outside every month)."""
        i = np.searchsorted(self.month_starts, day, "right") - 1
        inside = (i >= 0) & (day < self.month_ends[np.maximum(i, 0)])
        return np.where(inside, i, -1)


# ---------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------


class _Generator:
    def __init__(self, months: list[str], scale: float, seed: int):
        self.cal = _Calendar.of(months)
        self.scale = scale
        self.seed = seed
        self.n_months = len(self.cal.months)
        self.planted: dict[str, object] = {}

    def rng(self, name: str) -> np.random.Generator:
        return np.random.default_rng([self.seed, zlib.crc32(name.encode())])

    def count(self, kind: str) -> int:
        return max(MIN_SUBJECTS[kind], round(SF1[kind] * self.scale))

    # -- run ------------------------------------------------------------------------------

    def run(self, w: _Writer) -> None:
        self._operators()
        self._streamers()
        self._agencies()
        self._snapshots(w)
        self._sessions(w)
        self._offers(w)
        self._orders(w)
        self._conversations(w)
        self._after_sales(w)
        self._complaints(w)
        self._reviews(w)
        self._findings(w)

    def summary(self, w: _Writer, fmt: str, bad_share: float) -> dict:
        return {
            "months": self.cal.months,
            "scale": self.scale,
            "seed": self.seed,
            "format": fmt,
            "bad_share": bad_share,
            "first_dt": _day_str(self.cal.first),
            "last_dt": _day_str(self.cal.last),
            "subjects": {
                "operators": len(self.op_tier),
                "streamers": len(self.st_tier),
                "agencies": len(self.ag_names),
                "platforms": len(PLATFORMS),
                "operators_by_tier": {t: int((self.op_tier == i).sum()) for i, t in enumerate(TIERS)},
            },
            "records": dict(self.records),
            "rows": {s: w.rows.get(s, 0) for s in SOURCES},
            "files": {s: w.files.get(s, 0) for s in SOURCES},
            "files_written": sum(w.files.values()),
            "bad_rows": {s: w.bad_rows.get(s, 0) for s in SOURCES},
            "bad_files": w.bad_files,
            **self.planted,
        }

    # -- subjects -------------------------------------------------------------------------

    def _operators(self) -> None:
        rng, cal = self.rng("operators"), self.cal
        n = self.count("operators")
        n_cat = int(np.clip(n // 20, 2, len(CATEGORIES)))  # peer groups keep several members
        cat_w = np.array([c.weight for c in CATEGORIES[:n_cat]])
        self.op_plat = _spread(rng, n, PLATFORM_WEIGHTS)
        self.op_cat = _spread(rng, n, cat_w)
        self.op_tier = _spread(rng, n, TIER_SHARE)
        self.op_size = rng.lognormal(0.0, 1.3, n)  # heavy tail of broadcast volume
        self.op_conv = rng.lognormal(0.0, 0.8, n)  # orders per broadcast
        self.op_24h = rng.random(n) < 0.2  # declared round-the-clock customer service
        n_days = len(cal.days)
        # late joiners register in a snapshot and are active from then on
        joins = cal.snapshot_days[(cal.snapshot_days > cal.first) & (cal.snapshot_days <= cal.last_activity)]
        join = np.full(n, cal.first)
        late = (rng.random(n) < LATE_JOINER_SHARE) & (len(joins) > 0)
        if len(joins):
            join[late] = rng.choice(joins, int(late.sum()))
        self.op_join = join
        a = np.searchsorted(cal.days, join)
        leave = rng.random(n) < LEAVER_SHARE
        b = np.where(leave, a + 1 + np.floor(rng.random(n) * (n_days - a)).astype(int), n_days)
        self.op_a, self.op_b = a, np.clip(b, a, n_days)

        # qualification: verified licence and a valid credit code, by tier
        ok = rng.random(n) < TIER["verified_ok"][self.op_tier]
        mode = rng.integers(0, 4, n)  # how a not-ok operator fails
        self.op_verified = ok | (mode == 0)
        code_ok = ok | (mode == 2)
        self.op_verify_day = np.where(
            ok & (rng.random(n) < 0.15),
            rng.integers(cal.first + 1, cal.last_activity + 2, n),
            cal.first,
        )
        region = rng.integers(0, len(REGION_CODES), n)
        codes = _credit_codes(rng, region, rng.random(n) < 0.9)
        codes = [
            c if good else _spoil_code(c, k) for c, good, k in zip(codes, code_ok, rng.integers(0, 5, n), strict=True)
        ]
        codes = [None if (m == 3 and not good) else c for c, m, good in zip(codes, mode, code_ok, strict=True)]
        self.op_codes = codes
        self.op_region = [None if r < 0.03 else REGION_CODES[i] for r, i in zip(rng.random(n), region, strict=True)]
        # a few operators change their main category
        self.op_cat2 = np.where(rng.random(n) < 0.015, (self.op_cat + rng.integers(1, n_cat, n)) % n_cat, self.op_cat)
        self.op_cat_day = rng.integers(cal.first + 1, cal.last + 1, n)
        city = rng.integers(0, len(CITIES), n)
        brand = rng.integers(0, len(BRANDS), n)
        suffix = rng.integers(0, len(SHOP_SUFFIXES), n)
        self.op_names = [
            f"{CITIES[c]}{BRANDS[b]}{CATEGORIES[k].word}{SHOP_SUFFIXES[s]}"
            for c, b, k, s in zip(city, brand, self.op_cat, suffix, strict=True)
        ]

    def _streamers(self) -> None:
        rng, cal = self.rng("streamers"), self.cal
        n = self.count("streamers")
        n_ag = self.count("agencies")
        self.st_plat = _spread(rng, n, PLATFORM_WEIGHTS)
        self.st_tier = _spread(rng, n, TIER_SHARE)
        ok = rng.random(n) < TIER["verified_ok"][self.st_tier]
        self.st_verified = ok
        self.st_verify_day = np.where(
            ok & (rng.random(n) < 0.10), rng.integers(cal.first + 1, cal.last + 1, n), cal.first
        )
        self.st_agency = np.where(rng.random(n) < 0.7, rng.integers(0, n_ag, n), -1)
        switch = rng.random(n) < 0.04  # joins or changes agency
        self.st_agency2 = np.where(switch, rng.integers(0, n_ag, n), self.st_agency)
        self.st_switch_day = rng.integers(cal.first + 1, cal.last + 1, n)
        h, b, t = (rng.integers(0, len(x), n) for x in (NICK_HEADS, NICK_BODIES, NICK_TAILS))
        self.st_names = [f"{NICK_HEADS[i]}{NICK_BODIES[j]}{NICK_TAILS[k]}" for i, j, k in zip(h, b, t, strict=True)]
        # streamers by platform, for drawing the hosts of an operator's sessions
        order = np.argsort(self.st_plat, kind="stable")
        self.st_by_plat = order
        counts = np.bincount(self.st_plat, minlength=len(PLATFORMS))
        self.st_plat_start = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.st_plat_count = counts

    def _agencies(self) -> None:
        rng, cal = self.rng("agencies"), self.cal
        n = self.count("agencies")
        region = rng.integers(0, len(REGION_CODES), n)
        valid = rng.random(n) < 0.92
        codes = _credit_codes(rng, region, np.ones(n, dtype=bool))
        self.ag_codes = [
            c if v else _spoil_code(c, k) for c, v, k in zip(codes, valid, rng.integers(0, 5, n), strict=True)
        ]
        self.ag_code_day = np.where(rng.random(n) < 0.05, rng.integers(cal.first + 1, cal.last + 1, n), cal.first)
        self.ag_region = [REGION_CODES[i] for i in region]
        c, w, s = (rng.integers(0, len(x), n) for x in (CITIES, AGENCY_WORDS, AGENCY_SUFFIXES))
        self.ag_names = [f"{CITIES[i]}{AGENCY_WORDS[j]}{AGENCY_SUFFIXES[k]}" for i, j, k in zip(c, w, s, strict=True)]

    def _snapshots(self, w: _Writer) -> None:
        """Cumulative snapshots: full on the first day and each month's first day, deltas
        (new and changed records) weekly in between; each as of its delivery day."""
        cal = self.cal
        ops = pl.DataFrame(
            {
                "operator_id": [f"OP{i:07d}" for i in range(1, len(self.op_tier) + 1)],
                "platform": [PLATFORMS[p] for p in self.op_plat],
                "operator_name": self.op_names,
                "credit_code": pl.Series(self.op_codes, dtype=pl.String),
                "region_code": pl.Series(self.op_region, dtype=pl.String),
            }
        )
        sts = pl.DataFrame(
            {
                "streamer_id": [f"ST{i:07d}" for i in range(1, len(self.st_tier) + 1)],
                "platform": [PLATFORMS[p] for p in self.st_plat],
                "display_name": self.st_names,
            }
        )
        ags = pl.DataFrame(
            {
                "agency_id": [f"AG{i:05d}" for i in range(1, len(self.ag_names) + 1)],
                "agency_name": self.ag_names,
                "region_code": self.ag_region,
            }
        )
        agency_ids = np.array([f"AG{i:05d}" for i in range(1, len(self.ag_names) + 1)] + [None])
        cat_codes = np.array(CATEGORY_CODES)
        parts: dict[str, list[pl.DataFrame]] = {"operators": [], "streamers": [], "agencies": []}
        prev = cal.first - 1
        for s, full in zip(cal.snapshot_days, cal.full_snapshot, strict=True):
            s = int(s)

            def changed(day: np.ndarray, s=s, prev=prev) -> np.ndarray:
                return (day > prev) & (day <= s)

            # operators
            sel = self.op_join <= s
            if not full:
                sel &= (
                    changed(self.op_join)
                    | changed(self.op_verify_day)
                    | (changed(self.op_cat_day) & (self.op_cat2 != self.op_cat))
                )
            idx = np.flatnonzero(sel)
            cat = np.where(self.op_cat_day[idx] <= s, self.op_cat2[idx], self.op_cat[idx])
            parts["operators"].append(
                ops[idx].with_columns(
                    license_verified=pl.Series(self.op_verified[idx] & (self.op_verify_day[idx] <= s)),
                    main_category=pl.Series(cat_codes[cat]),
                    _dt=pl.lit(s, pl.Int32),
                )
            )
            # streamers
            sel = np.full(len(self.st_tier), full)
            if not full:
                sel = changed(self.st_verify_day) | (changed(self.st_switch_day) & (self.st_agency2 != self.st_agency))
            idx = np.flatnonzero(sel)
            agency = np.where(self.st_switch_day[idx] <= s, self.st_agency2[idx], self.st_agency[idx])
            parts["streamers"].append(
                sts[idx].with_columns(
                    real_name_verified=pl.Series(self.st_verified[idx] & (self.st_verify_day[idx] <= s)),
                    agency_id=pl.Series(agency_ids[agency].tolist(), dtype=pl.String),
                    _dt=pl.lit(s, pl.Int32),
                )
            )
            # agencies: a few register their credit code late
            sel = np.full(len(self.ag_names), full) if full else changed(self.ag_code_day)
            idx = np.flatnonzero(sel)
            codes = [self.ag_codes[i] if self.ag_code_day[i] <= s else None for i in idx]
            parts["agencies"].append(
                ags[idx].with_columns(credit_code=pl.Series(codes, dtype=pl.String), _dt=pl.lit(s, pl.Int32))
            )
            prev = s
        self.records = {
            "operators": len(self.op_tier),
            "streamers": len(self.st_tier),
            "agencies": len(self.ag_names),
        }
        for source, frames in parts.items():
            df = pl.concat(frames, how="diagonal")
            part = pl.col("platform") if source != "agencies" else pl.lit("agencies")
            w.write(source, df.with_columns(_part=part))

    # -- sessions and products ------------------------------------------------------------

    def _sessions(self, w: _Writer) -> None:
        rng, cal = self.rng("sessions"), self.cal
        n_op = len(self.op_tier)
        span = cal.cum_weight[self.op_b] - cal.cum_weight[self.op_a]
        per_month = max(SF1["sessions"] * self.scale, MIN_SESSIONS_PER_OPERATOR * n_op)
        total = per_month * self.n_months
        lam = total * self.op_size * span / max((self.op_size * span).sum(), 1e-9)
        op = np.repeat(np.arange(n_op), rng.poisson(lam))
        day = cal.days[cal.sample_days(rng, self.op_a[op], self.op_b[op])]
        start = day * DAY + _seconds_in_day(rng, len(op), SESSION_HOURS)
        order = np.lexsort((op, start))
        op, start = op[order], start[order]
        n = len(op)
        dur = np.clip(_lognormal(rng, 2.5 * HOUR, 0.5, n), 600, 10 * HOUR).astype(np.int64)
        # each operator works with a few hosts of its platform
        pool = np.clip(1 + rng.poisson(np.log1p(lam)), 1, 12)
        pool_off = rng.integers(0, 1 << 30, n_op)
        plat = self.op_plat[op]
        j = (pool_off[op] + rng.integers(0, 1 << 30, n) % pool[op]) % self.st_plat_count[plat]
        streamer = self.st_by_plat[self.st_plat_start[plat] + j]
        weight = self.op_conv[op] * rng.lognormal(0.0, 0.6, n)  # orders drawn per session
        shown = rng.random(n) < TIER["licence_display"][self.op_tier[op]]
        viewers = (20 + weight * 300 * rng.lognormal(0.0, 0.5, n)).astype(np.int64)
        dd0 = _delivery_day(rng, start)
        end = start + dur
        dd_end = _delivery_day(rng, end, dd0)

        self.s_op, self.s_start, self.s_end, self.s_streamer = op, start, end, streamer
        self.s_weight, self.s_dd0, self.s_plat = weight, dd0, plat
        self.s_month = cal.month_of(start // DAY)
        self.s_lam = lam
        self.records["live_sessions"] = n

        base = _frame(
            session_n=np.arange(1, n + 1),
            plat=plat,
            op=op + 1,
            streamer=streamer + 1,
            started_at=start,
            ended_at=end,
            license_displayed=shown,
            peak_viewers=viewers,
            dd0=dd0,
            dd_end=dd_end,
        )
        v = _versions(base, "dd0", [("dd_end", ("ended_at",))], cal.last)
        v = v.select(
            session_id=_id("session_n", "live_sessions"),
            platform=_platform(),
            operator_id=_id("op", "operators"),
            streamer_id=_id("streamer", "streamers"),
            started_at="started_at",
            ended_at="ended_at",
            license_displayed="license_displayed",
            peak_viewers="peak_viewers",
            _dt="_dt",
            _part=_platform(),
        )
        v = self._correction(v, w)
        w.write("live_sessions", v)

    def _correction(self, v: pl.DataFrame, w: _Writer) -> pl.DataFrame:
        """Plant one correction: sessions first delivered with `license_displayed` wrongly
        false, re-delivered three days later in a `<platform>-correction` file."""
        cal = self.cal
        single = v.filter(pl.len().over("session_id") == 1)
        target_day = cal.first + (cal.last_activity - cal.first) // 3
        cands = (
            single.filter(pl.col("license_displayed") & (pl.col("_dt") + 3 <= cal.last))
            .group_by("_dt", "_part")
            .len()
            .with_columns(dist=(pl.col("_dt") - target_day).abs())
            .sort("dist", "_part")
        )
        if cands.is_empty():
            return v
        dt, part = cands.row(0)[:2]
        rows = single.filter((pl.col("_dt") == dt) & (pl.col("_part") == part) & pl.col("license_displayed"))
        rng = self.rng("correction")
        k = int(np.clip(round(0.25 * len(rows)), 1, 200))
        keys = rows["session_id"].gather(np.sort(rng.choice(len(rows), k, replace=False)))
        wrong = v.with_columns(
            license_displayed=pl.when(pl.col("session_id").is_in(keys.implode()))
            .then(False)
            .otherwise(pl.col("license_displayed"))
        )
        fixed = rows.filter(pl.col("session_id").is_in(keys.implode())).with_columns(
            _dt=pl.lit(dt + 3, pl.Int32), _part=pl.lit(f"{part}-correction")
        )
        self.planted["corrections"] = [
            {
                "source": "live_sessions",
                "wrong_dt": _day_str(dt),
                "file": f"live_sessions/dt={_day_str(dt + 3)}/{part}-correction."
                + EXTENSIONS[w.file_format("live_sessions", dt + 3, len(fixed))],
                "rows": k,
                "what": "license_displayed first delivered false, corrected to true",
            }
        ]
        return pl.concat([wrong, fixed])

    def _offers(self, w: _Writer) -> None:
        """Each operator has a catalogue; a session offers a run of it (distinct products)."""
        rng = self.rng("products")
        n_op = len(self.op_tier)
        cat_size = np.clip(5 + rng.poisson(2 + 3 * np.log1p(self.s_lam)), 5, 300)
        cat_start = np.concatenate([[0], np.cumsum(cat_size)[:-1]])
        n_prod = int(cat_size.sum())
        p_op = np.repeat(np.arange(n_op), cat_size)
        n_cat = int(self.op_cat.max()) + 1
        p_cat = np.where(rng.random(n_prod) < 0.85, self.op_cat[p_op], rng.integers(0, n_cat, n_prod))
        med = np.array([c.price_yuan for c in CATEGORIES])[p_cat]
        cents = np.maximum(np.round(_lognormal(rng, med, 0.7, n_prod)), 1).astype(np.int64) * 100
        cents -= rng.choice(np.array([0, 10, 1]), n_prod, p=[0.5, 0.3, 0.2])  # .00, .90, .99
        self.p_price, self.p_op, self.p_cat = cents, p_op, p_cat
        self.op_cat_start, self.op_cat_size = cat_start, cat_size

        s_op = self.s_op
        n_sess = len(s_op)
        k = np.minimum(1 + rng.poisson(PRODUCTS_PER_SESSION - 1, n_sess), cat_size[s_op])
        off_start = np.concatenate([[0], np.cumsum(k)[:-1]])
        n = int(k.sum())
        sess = np.repeat(np.arange(n_sess), k)
        j = np.arange(n) - off_start[sess]
        first = rng.integers(0, 1 << 30, n_sess) % cat_size[s_op]
        prod = cat_start[s_op[sess]] + (first[sess] + j) % cat_size[s_op[sess]]
        op = s_op[sess]
        tier = self.op_tier[op]
        announced = rng.random(n) < 0.7
        # inconsistent offers: the card (and so the charge) is above the announced price
        inconsistent = announced & (rng.random(n) < TIER["price_inconsistent"][tier])
        listed = cents[prod]
        ann = np.where(announced, listed, -1)
        ann = np.where(inconsistent, np.round(listed * rng.uniform(0.7, 0.95, n)), ann)
        self.o_session_start, self.o_count = off_start, k
        self.o_prod, self.o_listed = prod, listed
        self.o_inconsistent = inconsistent
        self.records["products"] = n

        cat = p_cat[prod]
        needs_cert = np.array([c.certificate is not None for c in CATEGORIES])[cat]
        # incomplete offers lack one element of the information the standard asks for
        complete = rng.random(n) < TIER["offer_complete"][tier]
        gap = np.where(complete, -1, rng.integers(0, 5, n))
        gap = np.where((gap == 3) & ~needs_cert, 0, gap)
        blank = rng.random(n) < 0.3  # a missing text is sometimes "" or " " instead of null
        # words of all categories in one list each; a product's word is fixed
        nouns = [x for c in CATEGORIES for x in c.nouns]
        specs = [x for c in CATEGORIES for x in c.specs]
        cat_nouns = np.array([len(c.nouns) for c in CATEGORIES])
        cat_specs = np.array([len(c.specs) for c in CATEGORIES])
        noun_of = np.concatenate([[0], np.cumsum(cat_nouns)[:-1]])[p_cat] + (np.arange(n_prod) * 7) % cat_nouns[p_cat]
        spec_of = np.concatenate([[0], np.cumsum(cat_specs)[:-1]])[p_cat] + (np.arange(n_prod) * 3) % cat_specs[p_cat]
        base = _frame(
            session_n=sess + 1,
            prod=prod + 1,
            op=op + 1,
            cat=cat,
            noun=noun_of[prod],
            adj=prod % len(ADJECTIVES),
            spec=spec_of[prod],
            origin=prod % len(ORIGINS),
            brand=prod % len(BRANDS),
            city=(prod // 7) % len(CITIES),
            policy=(prod // 3) % len(POLICIES),
            announced=ann.astype(np.int64),
            listed=listed,
            needs_cert=needs_cert,
            gap=gap,
            blank=blank,
            plat=self.s_plat[sess],
            _dt=self.s_dd0[sess].astype(np.int32),
        )
        cert_prefix = [c.certificate or "" for c in CATEGORIES]
        gap_is = {name: pl.col("gap") == i for i, name in enumerate(("spec", "origin", "policy", "cert", "title"))}

        def missing(expr: pl.Expr, when: pl.Expr) -> pl.Expr:
            blank = pl.when(pl.col("prod") % 2 == 0).then(pl.lit("")).otherwise(pl.lit(" "))
            return pl.when(~when).then(expr).when(pl.col("blank")).then(blank)

        df = base.with_columns(announced=pl.when(pl.col("announced") >= 0).then("announced"))
        df = df.select(
            session_id=_id("session_n", "live_sessions"),
            product_id=_id("prod", "products"),
            operator_id=_id("op", "operators"),
            category=_pick(CATEGORY_CODES, pl.col("cat")),
            title=pl.when(gap_is["title"])
            .then(pl.lit(" "))
            .otherwise(
                _pick(BRANDS, pl.col("brand")) + _pick(ADJECTIVES, pl.col("adj")) + _pick(nouns, pl.col("noun"))
            ),
            announced_price="announced",
            listed_price="listed",
            spec=missing(_pick(specs, pl.col("spec")), gap_is["spec"]),
            origin=missing(_pick(ORIGINS, pl.col("origin")), gap_is["origin"]),
            manufacturer=missing(
                _pick(CITIES, pl.col("city")) + _pick(BRANDS, pl.col("brand")) + "实业有限公司",
                gap_is["origin"],
            ),
            certificate_required="needs_cert",
            certificate_no=pl.when(pl.col("needs_cert") & ~gap_is["cert"]).then(
                _pick(cert_prefix, pl.col("cat")) + (pl.col("prod") * 7919 % 10**9).cast(pl.String).str.zfill(10)
            ),
            after_sales_policy=missing(_pick(POLICIES, pl.col("policy")), gap_is["policy"]),
            _dt="_dt",
            _part=_platform(),
        )
        for chunk in _dt_chunks(df.filter(pl.col("_dt") <= self.cal.last)):
            w.write("products", chunk)

    # -- orders ---------------------------------------------------------------------------

    def _orders(self, w: _Writer) -> None:
        base = self._order_table()  # its temporaries are freed before writing
        events = [
            ("dd_ship", ("shipped",)),
            ("dd_deliv", ("delivered",)),
            ("dd_cancel", ("cancelled", "party")),
        ]
        for p in range(len(PLATFORMS)):  # one platform at a time bounds memory
            v = _versions(base.filter(pl.col("plat") == p), "dd0", events, self.cal.last)
            for chunk in _dt_chunks(v):
                w.write(
                    "orders",
                    chunk.select(
                        order_id=_id("order_n", "orders"),
                        platform=_platform(),
                        session_id=_id("session_n", "live_sessions"),
                        operator_id=_id("op", "operators"),
                        streamer_id=_id("streamer", "streamers"),
                        product_id=_id("prod", "products"),
                        buyer_id=_buyer_id("buyer"),
                        buyer_phone=pl.when(pl.col("buyer") % 10 != 0).then(_phone("buyer")),
                        buyer_address=pl.when(pl.col("buyer") % 20 != 0).then(_address("buyer")),
                        quantity="qty",
                        unit_price="unit",
                        pay_amount="pay",
                        paid_at="paid",
                        promised_ship_by="promised",
                        shipped_at="shipped",
                        delivered_at="delivered",
                        cancelled_at="cancelled",
                        cancel_party=_pick(CANCEL_PARTIES, pl.col("party")),
                        _dt="_dt",
                        _part=_platform(),
                    ),
                )
            del v

    def _order_table(self) -> pl.DataFrame:
        """Orders with their lifecycle, one row each; keeps what later sources need."""
        rng, cal = self.rng("orders"), self.cal
        n_op = len(self.op_tier)
        per_month = max(SF1["orders"] * self.scale, MIN_ORDERS_PER_OPERATOR * n_op)
        total = per_month * self.n_months
        # orders placed in sessions
        sw = self.s_weight
        per_sess = rng.poisson(total * (1 - NO_SESSION_SHARE) * sw / sw.sum())
        sess = np.repeat(np.arange(len(sw)), per_sess)
        n1 = len(sess)
        start, end = self.s_start[sess], self.s_end[sess]
        after = rng.random(n1) < 0.08  # some pay after the broadcast ends
        paid1 = np.where(
            after,
            end + rng.exponential(30 * 60, n1).astype(np.int64),
            start + (rng.random(n1) * (end - start)).astype(np.int64),
        )
        offer = self.o_session_start[sess] + (rng.random(n1) * self.o_count[sess]).astype(np.int64)
        prod1 = self.o_prod[offer]
        coupon = np.where(rng.random(n1) < 0.2, rng.uniform(0.03, 0.1, n1), 0.0)
        unit1 = np.where(
            self.o_inconsistent[offer],
            self.o_listed[offer],
            np.floor(self.o_listed[offer] * (1 - coupon)),
        ).astype(np.int64)
        # orders outside sessions: out of scope, still delivered
        n2 = int(rng.poisson(total * NO_SESSION_SHARE))
        span = self.cal.cum_weight[self.op_b] - self.cal.cum_weight[self.op_a]
        ow = self.op_size * self.op_conv * span
        op2 = rng.choice(n_op, n2, p=ow / ow.sum())
        day2 = cal.days[cal.sample_days(rng, self.op_a[op2], self.op_b[op2])]
        paid2 = day2 * DAY + _seconds_in_day(rng, n2, ACTIVITY_HOURS)
        prod2 = self.op_cat_start[op2] + rng.integers(0, 1 << 30, n2) % self.op_cat_size[op2]
        unit2 = self.p_price[prod2]

        op = np.concatenate([self.s_op[sess], op2])
        session = np.concatenate([sess, np.full(n2, -1)])
        paid = np.concatenate([paid1, paid2])
        prod = np.concatenate([prod1, prod2])
        unit = np.concatenate([unit1, unit2])
        order = np.lexsort((session, op, paid))
        op, session, paid, prod, unit = (x[order] for x in (op, session, paid, prod, unit))
        n = len(op)
        in_session = session >= 0
        sess0 = np.maximum(session, 0)
        streamer = np.where(in_session, self.s_streamer[sess0], -1)
        tier = self.op_tier[op]
        plat = self.op_plat[op]
        qty = np.minimum(rng.geometric(0.75, n), 10)
        buyers = max(1_000, int(0.45 * n))
        buyer = np.floor(buyers * rng.random(n) ** 1.6).astype(np.int64) + 1  # repeat buyers

        # promise: 48 h, presale 7 days; some platforms often leave it out
        presale = rng.random(n) < 0.05
        promise = np.where(presale, 7 * DAY, 48 * HOUR)
        no_promise = rng.random(n) < np.where(plat == PLATFORMS.index("wechat_channels"), 0.4, 0.02)
        promised = np.where(no_promise, -1, paid + promise)
        # cancellations happen before shipping
        u = rng.random(n)
        p_merchant = TIER["merchant_cancel"][tier]
        cuts = np.cumsum(np.stack([np.full(n, 0.04), p_merchant, np.full(n, 0.003), np.full(n, 0.005)]), axis=0)
        party = np.where(u < cuts[-1], (u[None, :] >= cuts).sum(axis=0), -1)
        cancelled = party >= 0
        cancel_delay = np.select(
            [party == 0, party == 1, party == 2],
            [
                _lognormal(rng, 1.5 * HOUR, 1.2, n),
                _lognormal(rng, 30 * HOUR, 0.6, n),
                _lognormal(rng, 4 * HOUR, 1.0, n),
            ],
            _lognormal(rng, 50 * HOUR, 0.3, n),
        ).astype(np.int64)
        cancelled_at = np.where(cancelled, paid + cancel_delay, -1)
        party = np.where(cancelled & (rng.random(n) < 0.03), -1, party)  # party unknown
        late = rng.random(n) < TIER["ship_late"][tier]
        ship_delay = _deadline_delay(rng, ~late, promise, promise / 3, 14 * HOUR, 0.8)
        shipped = np.where(cancelled, -1, paid + ship_delay)
        transit = _lognormal(rng, TIER["delivery_hours"][tier] * HOUR, 0.45, n).astype(np.int64)
        delivered = np.where((shipped >= 0) & (rng.random(n) > 0.01), shipped + transit, -1)

        floor = np.where(in_session, self.s_dd0[sess0], 0)  # never before its session
        dd0 = _delivery_day(rng, paid, floor)
        dd_ship = _delivery_day(rng, shipped, dd0)
        dd_deliv = _delivery_day(rng, delivered, np.maximum(dd_ship, dd0))
        dd_cancel = _delivery_day(rng, cancelled_at, dd0)

        # kept for the sources that follow orders
        self.od_op, self.od_plat, self.od_tier, self.od_session = op, plat, tier, session
        self.od_streamer, self.od_buyer, self.od_paid = streamer, buyer, paid
        self.od_shipped, self.od_delivered, self.od_dd0 = shipped, delivered, dd0
        self.od_buyers = buyers
        self.records["orders"] = n

        return _frame(
            (
                "session_n",
                "streamer",
                "promised",
                "shipped",
                "delivered",
                "cancelled",
                "party",
                "dd_ship",
                "dd_deliv",
                "dd_cancel",
            ),
            order_n=np.arange(1, n + 1),
            plat=plat,
            session_n=np.where(in_session, session + 1, -1),
            op=op + 1,
            streamer=np.where(streamer >= 0, streamer + 1, -1),
            prod=prod + 1,
            buyer=buyer,
            qty=qty,
            unit=unit,
            pay=unit * qty,
            paid=paid,
            promised=promised,
            shipped=shipped,
            delivered=delivered,
            cancelled=cancelled_at,
            party=party,
            dd0=dd0,
            dd_ship=dd_ship,
            dd_deliv=dd_deliv,
            dd_cancel=dd_cancel,
        )

    # -- after the order ------------------------------------------------------------------

    def _conversations(self, w: _Writer) -> None:
        rng, cal = self.rng("cs_conversations"), self.cal
        n_orders = len(self.od_op)
        n = int(rng.poisson(CONVERSATIONS_PER_ORDER * n_orders))
        o = rng.integers(0, n_orders, n)
        presale = (rng.random(n) < PRESALE_CONVERSATION_SHARE) & (self.od_session[o] >= 0)
        sess = np.maximum(self.od_session[o], 0)
        in_sess = self.s_start[sess] + (rng.random(n) * (self.s_end[sess] - self.s_start[sess]))
        after_paid = self.od_paid[o] + _lognormal(rng, 20 * HOUR, 1.3, n)
        msg = np.where(presale, in_sess, after_paid).astype(np.int64)
        op = self.od_op[o]
        tier = self.op_tier[op]
        buyer = np.where(presale, rng.integers(1, self.od_buyers + 1, n), self.od_buyer[o])
        in_hours = self.op_24h[op] | ((msg % DAY) >= 8 * HOUR)
        on_time = rng.random(n) < TIER["reply_on_time"][tier]
        delay = _deadline_delay(rng, on_time, 180, 40, 600, 1.0)
        # outside service hours: a bot answers at once, or a person the next morning
        next_morning = (msg // DAY) * DAY + np.where(msg % DAY >= 8 * HOUR, DAY, 0) + 8 * HOUR
        bot = rng.random(n) < 0.4
        off_reply = np.where(
            bot, msg + _lognormal(rng, 20, 0.5, n), next_morning + _lognormal(rng, 1200, 1.0, n)
        ).astype(np.int64)
        reply = np.where(in_hours, msg + delay, off_reply)
        reply = np.where(rng.random(n) < TIER["no_reply"][tier], -1, reply)
        order = np.lexsort((op, msg))
        msg, reply, op, buyer, in_hours, o, presale = (x[order] for x in (msg, reply, op, buyer, in_hours, o, presale))
        dd0 = _delivery_day(rng, msg, self.op_join[op])
        dd_reply = _delivery_day(rng, reply, dd0)
        self.records["cs_conversations"] = n
        base = _frame(
            ("order_n", "reply", "dd_reply"),
            conv_n=np.arange(1, n + 1),
            op=op + 1,
            order_n=np.where(presale, -1, o + 1),
            buyer=buyer,
            msg=msg,
            reply=reply,
            in_hours=in_hours,
            plat=self.op_plat[op],
            dd0=dd0,
            dd_reply=dd_reply,
        )
        v = _versions(base, "dd0", [("dd_reply", ("reply",))], cal.last)
        for chunk in _dt_chunks(v):
            w.write(
                "cs_conversations",
                chunk.select(
                    conversation_id=_id("conv_n", "cs_conversations"),
                    operator_id=_id("op", "operators"),
                    order_id=_id("order_n", "orders"),
                    buyer_id=_buyer_id("buyer"),
                    first_message_at="msg",
                    first_reply_at="reply",
                    in_service_hours="in_hours",
                    _dt="_dt",
                    _part=_platform(),
                ),
            )

    def _after_sales(self, w: _Writer) -> None:
        rng, cal = self.rng("after_sales"), self.cal
        shipped = np.flatnonzero(self.od_shipped >= 0)
        tier = self.od_tier[shipped]
        q = shipped[rng.random(len(shipped)) < TIER["quality_return"][tier]]
        other = shipped[rng.random(len(shipped)) < OTHER_AFTER_SALES]
        o = np.concatenate([q, other])
        n = len(o)
        quality = np.arange(n) < len(q)
        reason = np.where(
            quality,
            rng.choice(4, n, p=[0.45, 0.25, 0.15, 0.15]),  # quality .. damaged
            rng.choice([4, 5, 6], n, p=[0.15, 0.65, 0.20]),  # late, no reason, other
        )
        case_type = np.select(
            [reason == 4, reason == 5],
            [np.zeros(n, int), rng.choice([0, 1], n, p=[0.15, 0.85])],
            rng.choice(4, n, p=[0.15, 0.55, 0.2, 0.1]),
        )
        delivered = self.od_delivered[o]
        requested = np.where(
            delivered >= 0,
            delivered + _lognormal(rng, 36 * HOUR, 1.3, n),
            self.od_shipped[o] + _lognormal(rng, 4 * DAY, 0.6, n),
        ).astype(np.int64)
        t = self.od_tier[o]
        on_time = rng.random(n) < TIER["case_on_time"][t]
        resolved = requested + _deadline_delay(rng, on_time, 48 * HOUR, 12 * HOUR, 30 * HOUR)
        open_ = rng.random(n) < 0.03
        resolved = np.where(open_, -1, resolved)
        outcome = np.where(open_, -1, rng.choice(4, n, p=[0.75, 0.12, 0.08, 0.05]))
        u = rng.random(n)
        blame = np.where(
            reason < 4,
            np.where(u < 0.85, 1, np.where(u < 0.95, 0, -1)),
            np.where(reason == 4, np.where(u < 0.7, 1, 0), np.where(u < 0.8, 0, -1)),
        )
        blame = np.where(open_, -1, blame)
        order = np.lexsort((o, requested))
        o, reason, case_type, requested, resolved, outcome, blame = (
            x[order] for x in (o, reason, case_type, requested, resolved, outcome, blame)
        )
        dd0 = _delivery_day(rng, requested, self.od_dd0[o])
        dd_res = _delivery_day(rng, resolved, dd0)
        self.records["after_sales"] = n
        base = _frame(
            ("resolved", "outcome", "blame", "dd_res"),
            case_n=np.arange(1, n + 1),
            order_n=o + 1,
            case_type=case_type,
            reason=reason,
            blame=blame,
            requested=requested,
            resolved=resolved,
            outcome=outcome,
            plat=self.od_plat[o],
            dd0=dd0,
            dd_res=dd_res,
        )
        v = _versions(base, "dd0", [("dd_res", ("resolved", "outcome", "blame"))], cal.last)
        w.write(
            "after_sales",
            v.select(
                case_id=_id("case_n", "after_sales"),
                order_id=_id("order_n", "orders"),
                case_type=_pick(CASE_TYPES, pl.col("case_type")),
                reason=_pick(CASE_REASONS, pl.col("reason")),
                merchant_responsible=pl.col("blame").cast(pl.Boolean),
                requested_at="requested",
                resolved_at="resolved",
                outcome=_pick(CASE_OUTCOMES, pl.col("outcome")),
                _dt="_dt",
                _part=_platform(),
            ),
        )

    def _complaints(self, w: _Writer) -> None:
        rng, cal = self.rng("complaints"), self.cal
        n_orders = len(self.od_op)
        linked = np.flatnonzero(rng.random(n_orders) < TIER["complaints_per_1000"][self.od_tier] / 1000)
        again = linked[rng.random(len(linked)) < COMPLAINT_SECOND_CHANNEL]
        o = np.concatenate([linked, again])
        n1 = len(o)
        received1 = self.od_paid[o] + _lognormal(rng, 5 * DAY, 1.0, n1).astype(np.int64)
        received1[len(linked) :] = received1[: len(linked)][np.searchsorted(linked, again)] + _lognormal(
            rng, DAY, 1.0, len(again)
        ).astype(np.int64)
        ch1 = rng.choice(4, n1, p=[0.6, 0.2, 0.15, 0.05])
        first_ch = ch1[: len(linked)][np.searchsorted(linked, again)]
        ch1[len(linked) :] = (first_ch + rng.integers(1, 4, len(again))) % 4  # another channel
        cat1 = rng.choice(7, n1, p=[0.3, 0.12, 0.08, 0.2, 0.15, 0.1, 0.05])
        anonymous = rng.random(n1) < 0.05
        anonymous[len(linked) :] = anonymous[: len(linked)][np.searchsorted(linked, again)]
        # complaints about an operator rather than an order
        orders_per_op = np.bincount(self.od_op, minlength=len(self.op_tier))
        lam = COMPLAINTS_WITHOUT_ORDER * orders_per_op * TIER["complaints_per_1000"][self.op_tier] / 1000
        op2 = np.repeat(np.arange(len(self.op_tier)), rng.poisson(lam))
        n2 = len(op2)
        day2 = cal.days[cal.sample_days(rng, self.op_a[op2], self.op_b[op2])]
        received2 = day2 * DAY + _seconds_in_day(rng, n2, ACTIVITY_HOURS)

        op = np.concatenate([self.od_op[o], op2])
        order_n = np.concatenate([o + 1, np.full(n2, -1)])
        streamer = np.concatenate([self.od_streamer[o], np.full(n2, -1)])
        person = np.concatenate(
            [
                np.where(anonymous, -1, self.od_buyer[o]),
                np.where(rng.random(n2) < 0.1, -1, rng.integers(1, self.od_buyers + 1, n2)),
            ]
        )
        received = np.concatenate([received1, received2])
        channel = np.concatenate([ch1, rng.choice(4, n2, p=[0.5, 0.3, 0.15, 0.05])])
        category = np.concatenate([cat1, rng.choice([1, 2, 5, 6], n2, p=[0.35, 0.15, 0.3, 0.2])])
        n = len(op)
        tier = self.op_tier[op]
        on_time = rng.random(n) < TIER["complaint_on_time"][tier]
        close_delay = _deadline_delay(rng, on_time, 7 * DAY, 2 * DAY, 4 * DAY, 0.7)
        resolved = on_time | (rng.random(n) < 0.5)
        closed = np.where(rng.random(n) < 0.04, -1, received + close_delay)
        sat = np.where(
            resolved, rng.choice([3, 4, 5], n, p=[0.1, 0.4, 0.5]), rng.choice([1, 2, 3], n, p=[0.5, 0.3, 0.2])
        )
        sat = np.where((closed < 0) | (rng.random(n) < 0.3), -1, sat)
        resolved_code = np.where(closed < 0, -1, resolved.astype(int))
        phone = np.where((channel != 0) | (rng.random(n) < 0.3), person, -1)
        order = np.lexsort((op, received))
        cols = (op, order_n, streamer, person, received, channel, category, closed, sat, resolved_code, phone)
        op, order_n, streamer, person, received, channel, category, closed, sat, res, phone = (x[order] for x in cols)
        plat = self.op_plat[op]
        # the 12315 feed arrives days later
        reg = channel == CHANNELS.index("12315")
        dd0 = np.where(
            reg,
            _delivery_day(rng, received, self.op_join[op], late_median=REGULATOR_LAG_MEDIAN_DAYS)
            + np.ceil(_lognormal(rng, REGULATOR_LAG_MEDIAN_DAYS, 0.6, n)).astype(np.int64),
            _delivery_day(rng, received, self.op_join[op]),
        )
        dd_close = _delivery_day(rng, closed, dd0)
        self.records["complaints"] = n
        base = _frame(
            ("order_n", "streamer", "person", "closed", "sat", "res", "phone", "dd_close"),
            complaint_n=np.arange(1, n + 1),
            op=op + 1,
            order_n=order_n,
            streamer=np.where(streamer >= 0, streamer + 1, -1),
            person=person,
            received=received,
            channel=channel,
            category=category,
            closed=closed,
            sat=sat,
            res=res,
            phone=phone,
            plat=plat,
            dd0=dd0,
            dd_close=dd_close,
        )
        v = _versions(base, "dd0", [("dd_close", ("closed", "res", "sat"))], cal.last)
        w.write(
            "complaints",
            v.select(
                complaint_id=_id("complaint_n", "complaints"),
                complainant_id=_buyer_id("person"),
                channel=_pick(CHANNELS, pl.col("channel")),
                operator_id=_id("op", "operators"),
                streamer_id=_id("streamer", "streamers"),
                order_id=_id("order_n", "orders"),
                category=_pick(COMPLAINT_CATEGORIES, pl.col("category")),
                received_at="received",
                closed_at="closed",
                resolved=pl.col("res").cast(pl.Boolean),
                satisfaction="sat",
                complainant_phone=_phone("phone"),
                _dt="_dt",
                # the platform delivers its own channel; other channels come from their feeds
                _part=pl.when(pl.col("channel") == 0).then(_platform()).otherwise(_pick(CHANNELS, pl.col("channel"))),
            ),
        )

    def _reviews(self, w: _Writer) -> None:
        rng, cal = self.rng("reviews"), self.cal
        delivered = np.flatnonzero(self.od_delivered >= 0)
        share = min(1.0, REVIEWS_PER_ORDER * len(self.od_op) / max(len(delivered), 1))
        o = delivered[rng.random(len(delivered)) < share]
        n = len(o)
        at = self.od_delivered[o] + _lognormal(rng, 40 * HOUR, 1.0, n).astype(np.int64)
        positive = rng.random(n) < TIER["positive_review"][self.od_tier[o]]
        rating = np.where(
            positive, rng.choice([4, 5], n, p=[0.18, 0.82]), rng.choice([1, 2, 3], n, p=[0.4, 0.25, 0.35])
        )
        order = np.lexsort((o, at))
        o, at, rating = o[order], at[order], rating[order]
        dd0 = _delivery_day(rng, at, self.od_dd0[o])
        # some low ratings are edited to 5 later: delivered again, archived, not scored
        edit = (rating <= 3) & (rng.random(n) < REVIEW_EDIT_SHARE)
        dd_edit = np.where(edit, dd0 + 2 + np.ceil(_lognormal(rng, 5, 0.7, n)).astype(int), -1)
        self.records["reviews"] = n
        base = _frame(
            review_n=np.arange(1, n + 1),
            order_n=o + 1,
            rating=rating,
            at=at,
            plat=self.od_plat[o],
            _dt=dd0.astype(np.int32),
        )
        edits = base.filter(pl.Series(edit & (dd_edit <= cal.last))).with_columns(
            rating=pl.lit(5, pl.Int64), _dt=pl.Series(dd_edit[edit & (dd_edit <= cal.last)], dtype=pl.Int32)
        )
        self.planted["review_edits"] = len(edits)
        df = pl.concat([base, edits]).filter(pl.col("_dt") <= cal.last)
        for chunk in _dt_chunks(df):
            w.write(
                "reviews",
                chunk.select(
                    review_id=_id("review_n", "reviews"),
                    order_id=_id("order_n", "orders"),
                    rating="rating",
                    reviewed_at="at",
                    _dt="_dt",
                    _part=_platform(),
                ),
            )

    def _findings(self, w: _Writer) -> None:
        rng, cal = self.rng("findings"), self.cal
        n_sess = len(self.s_op)
        s_tier = self.op_tier[self.s_op]
        rate = TIER["findings_per_session"][s_tier] * STREAMER_FINDING_FACTOR[self.st_tier[self.s_streamer]]
        sess = np.repeat(np.arange(n_sess), rng.poisson(rate))
        n1 = len(sess)
        src = rng.choice(3, n1, p=[0.6, 0.25, 0.15])  # ai, inspection, report
        start, end = self.s_start[sess], self.s_end[sess]
        detected = np.select(
            [src == 0, src == 1],
            [start + rng.random(n1) * (end - start), end + _lognormal(rng, 2 * DAY, 0.7, n1)],
            start + _lognormal(rng, 10 * HOUR, 1.0, n1),
        ).astype(np.int64)
        ordinary = [
            FINDING_TYPES.index(t)
            for t in (
                "false_advertising",
                "prohibited_claim",
                "price_fraud",
                "missing_license",
                "vulgar_content",
                "other",
            )
        ]
        ftype = rng.choice(ordinary, n1, p=[0.32, 0.2, 0.1, 0.12, 0.14, 0.12])
        major = rng.random(n1) < TIER["major_share"][self.op_tier[self.s_op[sess]]]
        severity = major.astype(int)
        confirmed = rng.random(n1) < np.array([0.6, 0.95, 0.5])[src]
        # findings about an operator, not a session
        n2 = int(rng.poisson(FINDINGS_WITHOUT_SESSION * n1))
        ops_w = np.bincount(self.s_op[sess], minlength=len(self.op_tier)) + 0.1
        op2 = rng.choice(len(self.op_tier), n2, p=ops_w / ops_w.sum())
        day2 = cal.days[cal.sample_days(rng, self.op_a[op2], self.op_b[op2])]
        det2 = day2 * DAY + _seconds_in_day(rng, n2, ACTIVITY_HOURS)
        # AI alarms of veto types that review does not confirm
        noise = np.flatnonzero(rng.random(n_sess) < UNCONFIRMED_VETO_TYPE_PER_SESSION)
        # vetoes: a few operators a month, mostly poor ones, plus one tiny operator
        veto_sess = self._veto_sessions(rng)
        nv = len(veto_sess)

        session = np.concatenate([sess, np.full(n2, -1), noise, veto_sess])
        op = np.concatenate([self.s_op[sess], op2, self.s_op[noise], self.s_op[veto_sess]])
        detected = np.concatenate(
            [
                detected,
                det2,
                self.s_start[noise]
                + (rng.random(len(noise)) * (self.s_end[noise] - self.s_start[noise])).astype(np.int64),
                # reported live, so the veto falls in the session's month
                self.s_start[veto_sess]
                + (rng.random(nv) * (self.s_end[veto_sess] - self.s_start[veto_sess])).astype(np.int64),
            ]
        )
        veto_kind = rng.random(nv) < 0.5  # a veto type, else a critical ordinary finding
        ftype = np.concatenate(
            [
                ftype,
                rng.choice(ordinary, n2),
                rng.choice([FINDING_TYPES.index(t) for t in VETO_TYPES], len(noise)),
                np.where(
                    veto_kind,
                    rng.choice([FINDING_TYPES.index(t) for t in VETO_TYPES], nv),
                    rng.choice(ordinary, nv),
                ),
            ]
        )
        severity = np.concatenate(
            [
                severity,
                (rng.random(n2) < 0.3).astype(int),
                np.ones(len(noise), int),
                np.where(veto_kind, rng.integers(1, 3, nv), 2),
            ]
        )
        src = np.concatenate([src, rng.choice([1, 2], n2), np.zeros(len(noise), int), rng.choice([1, 2], nv)])
        confirmed = np.concatenate([confirmed, rng.random(n2) < 0.8, np.zeros(len(noise), bool), np.ones(nv, bool)])
        has_session = session >= 0
        streamer = np.where(has_session, self.s_streamer[np.maximum(session, 0)], -1)
        streamer = np.where(rng.random(len(op)) < 0.1, -1, streamer)  # not always named
        order = np.lexsort((op, detected))
        session, op, detected, ftype, severity, src, confirmed, streamer = (
            x[order] for x in (session, op, detected, ftype, severity, src, confirmed, streamer)
        )
        n = len(op)
        floor = np.where(has_session[order], self.s_dd0[np.maximum(session, 0)], self.op_join[op])
        dd0 = _delivery_day(rng, detected, floor)
        # AI and report findings are delivered unconfirmed first, confirmed after review
        review = confirmed & (src != 1)
        dd_conf = np.where(review, dd0 + 1 + np.ceil(_lognormal(rng, 2, 0.6, n)).astype(int), dd0)
        self.records["findings"] = n
        self.planted["veto_findings"] = nv
        self.planted["veto_operators"] = len(np.unique(self.s_op[veto_sess]))
        base = _frame(
            ("session_n", "streamer"),
            finding_n=np.arange(1, n + 1),
            session_n=np.where(session >= 0, session + 1, -1),
            op=op + 1,
            streamer=np.where(streamer >= 0, streamer + 1, -1),
            detected=detected,
            ftype=ftype,
            severity=severity,
            src=src,
            confirmed=confirmed,
            dd0=dd0,
            dd_conf=dd_conf,
        )
        v = _versions(base, "dd0", [("dd_conf", ("confirmed",))], cal.last, hidden={"confirmed": False})
        w.write(
            "findings",
            v.select(
                finding_id=_id("finding_n", "findings"),
                session_id=_id("session_n", "live_sessions"),
                operator_id=_id("op", "operators"),
                streamer_id=_id("streamer", "streamers"),
                detected_at="detected",
                finding_type=_pick(FINDING_TYPES, pl.col("ftype")),
                severity=_pick(SEVERITIES, pl.col("severity")),
                source=_pick(FINDING_SOURCES, pl.col("src")),
                confirmed="confirmed",
                _dt="_dt",
                _part=_pick(FINDING_SOURCES, pl.col("src")),
            ),
        )

    def _veto_sessions(self, rng) -> np.ndarray:
        """One session per vetoed operator and month; the finding is about that session."""
        picks = []
        weights = np.array([0.0, 0.2, 0.5, 2.0, 6.0])
        orders_per = np.bincount(
            self.od_op * self.n_months + np.maximum(self.cal.month_of(self.od_paid // DAY), 0),
            minlength=len(self.op_tier) * self.n_months,
        ).reshape(len(self.op_tier), self.n_months)
        for m in range(self.n_months):
            in_m = np.flatnonzero(self.s_month == m)
            if len(in_m) == 0:
                continue
            sess_per = np.bincount(self.s_op[in_m], minlength=len(self.op_tier))
            active = np.flatnonzero(sess_per > 0)
            k = max(1, round(VETO_OPERATOR_SHARE * len(active)))
            p = weights[self.op_tier[active]] + 1e-6
            chosen = list(rng.choice(active, min(k, len(active)), replace=False, p=p / p.sum()))
            tiny = active[(sess_per[active] <= 2) & (orders_per[active, m] <= 15)]
            tiny = np.setdiff1d(tiny, chosen)
            if len(tiny):  # a veto on an operator too small to rate: still E
                chosen.append(rng.choice(tiny))
            for op in chosen:
                mine = in_m[self.s_op[in_m] == op]
                picks.append(mine[rng.integers(0, len(mine))])
        return np.array(sorted(picks), dtype=np.int64)


# ---------------------------------------------------------------------------------------
# Credit codes
# ---------------------------------------------------------------------------------------


def _credit_codes(rng, region: np.ndarray, enterprise: np.ndarray) -> list[str]:
    """Valid GB 32100-2015 codes: authority 9 (market regulation), type 1 (enterprise) or
    2 (individual business), region, a GB 11714 organisation code, the check character."""
    n = len(region)
    org = rng.integers(0, 10, (n, 8))
    org_check = (11 - (org * np.array(ORG_WEIGHTS)).sum(axis=1) % 11) % 11
    codes = []
    for i in range(n):
        org_code = "".join(map(str, org[i])) + ("X" if org_check[i] == 10 else str(org_check[i]))
        body = "9" + ("1" if enterprise[i] else "2") + REGION_CODES[region[i]] + org_code
        codes.append(body + credit_code_check(body))
    return codes


def _spoil_code(code: str, how: int) -> str:
    """An invalid credit code, as poorly kept registers have them."""
    if how == 0:  # wrong check character
        i = CREDIT_CHARS.index(code[-1])
        return code[:-1] + CREDIT_CHARS[(i + 7) % 31]
    if how == 1:  # a character short
        return code[:-1]
    if how == 2:  # a letter outside the character set
        return code[:9] + "O" + code[10:]
    if how == 3:  # two digits swapped
        return code[:10] + code[11] + code[10] + code[12:] if code[10] != code[11] else code[:-2] + "IO"
    return code[:2] + "I" + code[3:]


# ---------------------------------------------------------------------------------------
# Writer: bad rows, formats, files
# ---------------------------------------------------------------------------------------

# Bad files planted when bad_share > 0: (source, how)
BAD_FILES = (
    ("orders", "truncated_parquet"),
    ("products", "undecodable_csv"),
    ("complaints", "missing_required_column"),
    ("reviews", "truncated_gzip"),
)
DUPLICATE_SOURCES = ("orders", "after_sales", "complaints", "findings")


def _bad_kinds(src: Source) -> tuple[dict[str, list], dict[str, list]]:
    """Ways to spoil a row of `src`, from the contract: typed ones (any format) and text
    ones (only where values are written as text)."""
    key = set(src.key)
    typed: dict[str, list] = {}
    text: dict[str, list] = {}
    for c in src.columns:
        if c.required and c.name not in key:
            typed.setdefault("null", []).append(c.name)
        if c.enum:
            typed.setdefault("enum", []).append(c.name)
        if c.int_range:
            typed.setdefault("range", []).append(c.name)
        if c.positive:
            typed.setdefault("zero", []).append(c.name)
        elif c.non_negative:
            typed.setdefault("negative", []).append(c.name)
        if c.type in (INT, DEC):
            text.setdefault("number", []).append(c.name)
        elif c.type == TS:
            text.setdefault("timestamp", []).append(c.name)
            if c.required:  # cut to its date, a null would stay null (and valid)
                text.setdefault("date_only", []).append(c.name)
        elif c.type == BOOL:
            text.setdefault("boolean", []).append(c.name)
    for a, b in src.time_order:
        if src.column(a).required:
            typed.setdefault("time_order", []).append(f"{a}>{b}")
    if src.references:
        typed["unknown_reference"] = list(src.references)
    if src.time_column:
        typed["future_event"] = [src.time_column]
    if src.name in DUPLICATE_SOURCES:
        typed["duplicate_key"] = [None]
    return typed, text


TEXT_KINDS = ("number", "timestamp", "date_only", "boolean")
# Text values that do not parse, by kind (and column type for numbers).
BAD_TEXT = {
    ("number", INT): "两",
    ("number", DEC): "12.3.4",
    ("timestamp", None): "2025-02-30 25:61:00",
    ("boolean", None): "maybe",
}


class _Writer:
    def __init__(self, out: Path, fmt: str, bad_share: float, seed: int, cal: _Calendar):
        self.out, self.fmt, self.bad_share, self.seed, self.cal = out, fmt, bad_share, seed, cal
        self.rows: dict[str, int] = {}
        self.files: dict[str, int] = {}
        self.bad_rows: dict[str, int] = {}
        self.bad_files: list[dict] = []
        self._calls: dict[str, int] = {}
        self._fresh: dict[str, int] = {}
        self._kinds = {name: _bad_kinds(src) for name, src in SOURCES.items()}
        self._pending_bad_files = dict(BAD_FILES) if bad_share > 0 else {}

    def _h(self, *parts) -> int:
        """A stable per-file hash for format and style choices."""
        return zlib.crc32("|".join(map(str, (self.seed, *parts))).encode())

    def file_format(self, source: str, day: int, rows: int | None = None) -> str:
        if self.fmt != "mixed":
            if self.fmt == "xlsx" and rows is not None and rows > XLSX_MAX_ROWS:
                return "parquet"
            return self.fmt
        i = (list(SOURCES).index(source) + day - self.cal.first) % len(MIXED_CYCLE)
        f = MIXED_CYCLE[i]
        if f == "xlsx" and rows is not None and rows > MIXED_XLSX_MAX_ROWS:
            return "parquet"
        return f

    # -- entry ----------------------------------------------------------------------------

    def write(self, source: str, df: pl.DataFrame) -> None:
        src = SOURCES[source]
        assert set(df.columns) == {*src.column_names, "_dt", "_part"}, (source, df.columns)
        call = self._calls[source] = self._calls.get(source, 0) + 1
        if df.is_empty():
            return
        df = df.with_columns(pl.col("_dt").cast(pl.Int32), _bad=pl.lit(None, pl.String))
        if self.bad_share > 0:
            if source in self._pending_bad_files:
                self._bad_file(src, df, self._pending_bad_files.pop(source))
            df = self._plant(src, df, call)
        self.rows[source] = self.rows.get(source, 0) + len(df)
        df = df.sort(["_dt", "_part", *src.key, "_bad"], nulls_last=False, maintain_order=True)
        for (day, part), g in df.partition_by(["_dt", "_part"], as_dict=True, maintain_order=True).items():
            fmt = self.file_format(source, day, len(g))
            name = f"{part}.{EXTENSIONS[fmt]}"
            self._write_file(src, int(day), name, fmt, g)

    def _path(self, source: str, day: int, name: str) -> Path:
        folder = self.out / source / f"dt={_day_str(day)}"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name

    def _write_file(self, src: Source, day: int, name: str, fmt: str, g: pl.DataFrame) -> None:
        h = self._h(src.name, day, name)
        data = self._serialise(src, g, fmt, h)
        self._path(src.name, day, name).write_bytes(data)
        self.files[src.name] = self.files.get(src.name, 0) + 1

    # -- formats --------------------------------------------------------------------------

    def _serialise(self, src: Source, g: pl.DataFrame, fmt: str, h: int) -> bytes:
        typed = fmt in ("parquet", "xlsx")
        df = self._typed(src, g) if typed else self._text(src, g, fmt, h)
        if self.fmt == "mixed" and h % 10 == 0:
            # column order is free and unknown columns must be tolerated
            df = df.select(reversed(df.columns)).with_columns(remark=pl.lit("导出批次"))
        buf = io.BytesIO()
        if fmt == "parquet":
            df.write_parquet(
                buf,
                compression="zstd",
                compression_level=3,
                statistics=True,
                row_group_size=PARQUET_ROW_GROUP,
            )
            return buf.getvalue()
        if fmt == "xlsx":
            wb = xlsxwriter.Workbook(buf, {"in_memory": True})
            wb.set_properties({"created": datetime(2000, 1, 1)})  # no wall clock in the file
            df.write_excel(wb, "data", dtype_formats={pl.Datetime: "yyyy-mm-dd hh:mm:ss"}, autofilter=False)
            wb.close()
            return buf.getvalue()
        if fmt == "jsonl":
            df.write_ndjson(buf)
            return buf.getvalue()
        text = df.write_csv()
        if fmt == "csv-gbk":
            return text.encode("gbk")
        data = text.encode("utf-8")
        if fmt == "csv-bom":
            return b"\xef\xbb\xbf" + data
        if fmt == "csv.gz":
            return gzip.compress(data, compresslevel=6, mtime=0)
        return data

    def _typed(self, src: Source, g: pl.DataFrame) -> pl.DataFrame:
        exprs = []
        for c in src.columns:
            e = pl.col(c.name)
            if c.type == TS:
                e = pl.from_epoch(e, time_unit="s")
            elif c.type == DEC:
                e = (e.cast(pl.Decimal(18, 0)) * pl.lit(Decimal("0.01"))).cast(pl.Decimal(12, 2))
            elif c.type == INT:
                e = e.cast(pl.Int64)
            exprs.append(e.alias(c.name))
        return g.select(exprs)

    def _text(self, src: Source, g: pl.DataFrame, fmt: str, h: int) -> pl.DataFrame:
        csv = fmt != "jsonl"
        style = h % 100
        sep, suffix = ("T", "") if style < 85 else (" ", "") if style < 95 else ("T", "+08:00")
        bools = ("true", "false")
        if csv:
            b = (h // 100) % 100
            bools = ("true", "false") if b < 84 else ("1", "0") if b < 92 else ("是", "否") if b < 97 else ("Y", "N")
        exprs = []
        for c in src.columns:
            e = pl.col(c.name)
            if c.type == TS:
                e = pl.from_epoch(e, time_unit="s").dt.strftime(f"%Y-%m-%d{sep}%H:%M:%S") + suffix
            elif c.type == DEC:
                a = e.abs()
                e = (
                    pl.when(e < 0).then(pl.lit("-")).otherwise(pl.lit(""))
                    + (a // 100).cast(pl.String)
                    + "."
                    + (a % 100).cast(pl.String).str.zfill(2)
                )
            elif c.type == BOOL and csv:
                e = pl.when(e).then(pl.lit(bools[0])).when(~e).then(pl.lit(bools[1]))
            elif c.type == INT and csv:
                e = e.cast(pl.String)
            exprs.append(e.alias(c.name))
        df = g.select(*exprs, "_bad")
        # text-only bad values
        for tag in df["_bad"].drop_nulls().unique().sort().to_list():
            kind, col = tag.split(":", 1)
            if kind not in TEXT_KINDS:
                continue
            ctype = src.column(col).type
            if kind == "date_only":
                value = pl.col(col).str.slice(0, 10)
            else:
                value = pl.lit(BAD_TEXT[(kind, ctype if kind == "number" else None)])
            df = df.with_columns(pl.when(pl.col("_bad") == tag).then(value).otherwise(pl.col(col)).alias(col))
        return df.drop("_bad")

    # -- bad rows -------------------------------------------------------------------------

    def _fresh_ids(self, kind: str, n: int, digit: str) -> pl.Series:
        prefix, width = ID_FORMATS[kind]
        start = self._fresh.get(kind + digit, 0)
        self._fresh[kind + digit] = start + n
        nums = np.arange(start + 1, start + n + 1)
        return pl.Series([f"{prefix}{digit}{i:0{width - 1}d}" for i in nums], dtype=pl.String)

    def _rekey(self, src: Source, t: pl.DataFrame) -> pl.DataFrame:
        """Give copies keys of their own so they never touch the good records."""
        col = src.key[-1]  # products: keep the session, change the product
        kind = "products" if col == "product_id" else src.name
        return t.with_columns(self._fresh_ids(kind, len(t), FRESH_KEY_DIGIT).alias(col))

    def _plant(self, src: Source, df: pl.DataFrame, call: int) -> pl.DataFrame:
        rng = np.random.default_rng([self.seed, 77, list(SOURCES).index(src.name), call])
        n = int(rng.binomial(len(df), self.bad_share))
        if call == 1:
            n = max(n, 1)  # every source gets at least one
        n = min(n, len(df))
        if n == 0:
            return df
        typed, text = self._kinds[src.name]
        idx = np.sort(rng.choice(len(df), n, replace=False))
        t = df[idx]
        days = t["_dt"].to_numpy()
        fmts = [self.file_format(src.name, int(d)) for d in days]
        not_last = None
        if "duplicate_key" in typed:
            not_last = df.select(pl.col("_dt") < pl.col("_dt").max().over(src.key)).to_series().gather(idx).to_numpy()
        kinds = []
        for i, f in enumerate(fmts):
            options = list(typed)
            if f.startswith("csv"):
                options += list(text)
            elif f == "jsonl":  # JSON keeps its numbers and booleans typed: only strings spoil
                options += [k for k in ("timestamp", "date_only") if k in text]
                if any(src.column(c).type == DEC for c in text.get("number", [])):
                    options.append("number")
            if not_last is not None and not not_last[i]:
                options.remove("duplicate_key")
            kind = options[rng.integers(len(options))]
            cols = typed.get(kind) or text.get(kind)
            if f == "jsonl" and kind == "number":
                cols = [c for c in cols if src.column(c).type == DEC]
            kinds.append((kind, cols[rng.integers(len(cols))]))
        t = t.with_columns(_kind=pl.Series([k for k, _ in kinds]), _i=pl.int_range(pl.len()))
        col_of = [c for _, c in kinds]
        out = []
        for kind in sorted({k for k, _ in kinds}):
            sub = t.filter(pl.col("_kind") == kind)
            cols = [col_of[i] for i in sub["_i"].to_list()]
            if kind == "duplicate_key":
                out.append(sub.with_columns(_bad=pl.lit("duplicate_key:")))
                # the original row in the file is bad too: every copy of the key is
                self.bad_rows[src.name] = self.bad_rows.get(src.name, 0) + len(sub)
                continue
            sub = self._rekey(src, sub)
            for col in sorted(set(cols)):
                mask = pl.Series([c == col for c in cols])
                sub = sub.with_columns(self._spoil(src, kind, col, sub, mask, rng))
            out.append(sub)
        bad = pl.concat(out).drop("_kind", "_i")
        self.bad_rows[src.name] = self.bad_rows.get(src.name, 0) + len(bad)
        return pl.concat([df, bad])

    def _spoil(self, src, kind, col, sub, mask, rng) -> list[pl.Expr]:
        """Expressions spoiling `col` of the rows in `mask` (kept for the others)."""
        m = pl.lit(mask)

        def where(name: str, value: pl.Expr) -> pl.Expr:
            return pl.when(m).then(value).otherwise(pl.col(name)).alias(name)

        tag = where("_bad", pl.lit(f"{kind}:{col}"))
        if kind in TEXT_KINDS:
            return [tag]  # applied when written as text
        if kind == "null":
            return [where(col, pl.lit(None)), tag]
        if kind == "enum":
            v = pl.col(col)
            bad = (
                pl.when(v == "12315")
                .then(pl.lit("12345"))
                .otherwise(pl.coalesce(v.str.to_titlecase(), pl.lit("Unknown")))
            )
            return [where(col, bad), tag]
        if kind == "range":
            lo, hi = src.column(col).int_range
            return [where(col, pl.lit(hi + 1) if rng.random() < 0.7 else pl.lit(lo - 1)), tag]
        if kind == "zero":
            return [where(col, pl.lit(0)), tag]
        if kind == "negative":
            return [where(col, -pl.col(col).fill_null(100).abs() - 100), tag]
        if kind == "time_order":
            a, b = col.split(">")
            return [where(b, pl.col(a) - HOUR), tag]
        if kind == "unknown_reference":
            ref = src.references[col]
            ids = self._fresh_ids(ref, len(sub), UNKNOWN_REF_DIGIT)
            return [where(col, pl.lit(ids)), tag]
        if kind == "future_event":
            later = (pl.col("_dt").cast(pl.Int64) + 1) * DAY + HOUR
            return [where(col, later), tag]
        raise AssertionError(kind)

    # -- bad files ------------------------------------------------------------------------

    def _bad_file(self, src: Source, df: pl.DataFrame, how: str) -> None:
        days = df["_dt"].unique().sort()
        day = int(days[len(days) // 2])
        rows = df.filter(pl.col("_dt") == day)
        part = rows["_part"].min()
        rows = self._rekey(src, rows.filter(pl.col("_part") == part).head(30))
        typed = self._typed(src, rows)
        text = self._text(src, rows, "csv", 0).write_csv().encode("utf-8")
        if how == "truncated_parquet":
            buf = io.BytesIO()
            typed.write_parquet(buf, compression="zstd", compression_level=3)
            data, ext, reason = buf.getvalue(), "parquet", "truncated file"
            data = data[: len(data) * 3 // 5]
        elif how == "undecodable_csv":
            lines = text.split(b"\n")
            lines[1:-1] = [ln + b"\xff\xfe" for ln in lines[1:-1]]  # bytes no encoding allows
            data, ext, reason = b"\n".join(lines), "csv", "undecodable (not UTF-8, GBK or GB18030)"
        elif how == "missing_required_column":
            col = src.time_column or src.required[-1]
            data = self._text(src, rows, "csv", 0).drop(col).write_csv().encode("utf-8")
            ext, reason = "csv", f"required column {col} missing"
        else:  # truncated_gzip
            data = gzip.compress(text, compresslevel=6, mtime=0)
            data, ext, reason = data[: len(data) // 2], "csv.gz", "truncated gzip stream"
        name = f"{part}-resend.{ext}"
        self._path(src.name, day, name).write_bytes(data)
        self.files[src.name] = self.files.get(src.name, 0) + 1
        self.bad_files.append(
            {
                "path": f"{src.name}/dt={_day_str(day)}/{name}",
                "reason": reason,
                "rows": len(rows),
            }
        )
