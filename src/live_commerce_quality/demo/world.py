"""The demo world: how big it is, who is in it and how good each of them is.

Every source family draws from these knobs. Operators belong to five latent quality tiers
(A best ... E worst) and draw every indicator from their tier's column of `TIER`, so that
the ratings the pipeline computes spread over the grades; the floors keep peer groups
populated at tiny scales. The words make names, titles and addresses look like real
extracts (Chinese text, which GBK files must carry too). These are demo-data knobs, not
methodology.

`Demo` is one generation run: its calendar, its named random streams and the ledger of
what was generated, which becomes the summary `generate()` returns.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

from live_commerce_quality.demo.timeline import Calendar

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

PLATFORM_WEIGHTS = (0.40, 0.25, 0.20, 0.15)

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
class Category:
    code: str
    weight: float
    price_yuan: float  # median listed price
    word: str  # in shop names
    certificate: str | None  # prefix of the certificate number, None when not needed
    nouns: tuple[str, ...]
    specs: tuple[str, ...]


CATEGORIES = (
    Category("apparel", 0.20, 129, "服饰", None,
              ("纯棉T恤", "羊毛大衣", "牛仔裤", "连衣裙", "运动卫衣", "羽绒服"),
              ("S", "M", "L", "XL", "均码")),
    Category("beauty", 0.16, 199, "美妆", "粤G妆网备字2024",
              ("保湿面霜", "精华液", "口红", "防晒霜", "洁面乳", "面膜"),
              ("30ml", "50ml", "100ml", "10片装", "3.5g")),
    Category("food", 0.14, 49, "食品", "SC1",
              ("坚果礼盒", "手工牛肉干", "五常大米", "螺蛳粉", "百花蜂蜜", "挂耳咖啡"),
              ("500g", "1kg", "250g×2袋", "12包/箱", "5kg")),
    Category("electronics", 0.10, 399, "数码", "CCC2023",
              ("蓝牙耳机", "充电宝", "智能手表", "机械键盘", "电动牙刷", "投影仪"),
              ("黑色", "白色", "128GB", "20000mAh", "标准版")),
    Category("home", 0.10, 89, "家居", None,
              ("四件套", "记忆棉枕", "收纳箱", "不粘锅", "香薰蜡烛", "纯棉毛巾"),
              ("1.8m床", "单只装", "3件套", "28cm", "大号")),
    Category("baby", 0.07, 129, "母婴", "SC1",
              ("婴儿奶粉", "纸尿裤", "儿童餐椅", "婴儿湿巾", "安抚玩具"),
              ("800g", "L码52片", "80抽×6包", "标准款")),
    Category("health", 0.07, 159, "健康", "国食健注G2021",
              ("复合维生素", "钙片", "益生菌", "鱼油软胶囊", "蛋白粉"),
              ("60粒", "90粒", "30袋", "1kg")),
    Category("jewelry", 0.06, 599, "珠宝", None,
              ("足金手链", "银项链", "珍珠耳钉", "和田玉吊坠"),
              ("约2g", "45cm", "8mm", "附证书")),
    Category("sports", 0.06, 199, "运动", None,
              ("瑜伽垫", "跑步鞋", "哑铃", "骑行头盔"),
              ("6mm", "42码", "5kg×2", "M码")),
    Category("books", 0.04, 39, "图书", None,
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

# ---------------------------------------------------------------------------------------
# One run
# ---------------------------------------------------------------------------------------


@dataclass
class Demo:
    cal: Calendar
    scale: float
    seed: int
    records: dict[str, int] = field(default_factory=dict)  # records generated, by source
    planted: dict[str, object] = field(default_factory=dict)  # what the pipeline should find

    @property
    def n_months(self) -> int:
        return len(self.cal.months)

    def rng(self, name: str) -> np.random.Generator:
        """A random stream of its own per name: what one family draws never shifts another."""
        return np.random.default_rng([self.seed, zlib.crc32(name.encode())])

    def count(self, kind: str) -> int:
        return max(MIN_SUBJECTS[kind], round(SF1[kind] * self.scale))
