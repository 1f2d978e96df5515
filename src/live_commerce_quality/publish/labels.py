"""Bilingual text for people (中文 first, English beside): subject kinds, status, grades and
stages from the methodology, platforms from core/platforms.yaml, and the reasons the grading
writes (in English, for systems) read in both languages.

The report, the data-quality page and the workbook all take their labels from here."""

from __future__ import annotations

import re

from live_commerce_quality.core.methodology import Methodology
from live_commerce_quality.core.platforms import label as platform_label

GRADE_COLOURS = {"A": "#1a9850", "B": "#91cf60", "C": "#fee08b", "D": "#fc8d59", "E": "#d73027", "NR": "#bdbdbd"}
KIND_NAMES = {
    "operator": ("直播间运营者", "live room operators"),
    "streamer": ("直播营销人员", "streamers"),
    "agency": ("直播营销服务机构", "agencies"),
    "platform": ("平台", "platforms"),
}
STATUS_NAMES = {"provisional": ("临时", "provisional"), "final": ("正式", "final")}
SEVERITY_NAMES = {"minor": "轻微", "major": "较重", "critical": "严重"}
FINDING_TYPE_NAMES = {
    "false_advertising": "虚假宣传",
    "prohibited_claim": "违禁用语",
    "price_fraud": "价格欺诈",
    "missing_license": "未亮照",
    "prohibited_goods": "违禁商品",
    "counterfeit": "假冒商品",
    "fake_transaction": "虚假交易",
    "privacy_violation": "侵犯个人信息",
    "vulgar_content": "低俗内容",
    "other": "其他",
}
DIRECTION_NAMES = {"higher": ("越高越好", "higher is better"), "lower": ("越低越好", "lower is better")}
UNIT_NAMES = {
    "share": ("比例", "share"),
    "per_100": ("每百场", "per 100 sessions"),
    "per_1000": ("每千单", "per 1,000 orders"),
    "hours": ("小时", "hours"),
}


def both(zh: str, en: str) -> str:
    return f"{zh} {en}"


def kind(code: str) -> str:
    zh, en = KIND_NAMES.get(code, (code, code))
    return both(zh, en)


def status(code: str) -> str:
    zh, en = STATUS_NAMES.get(code, (code, code))
    return both(zh, en)


def platform(code: str | None) -> str:
    return platform_label(code)


def grade(m: Methodology, code: str | None) -> str:
    """`优秀 excellent` for A, from the methodology's grade table."""
    if code is None:
        return "—"
    try:
        g = m.grade_named(code)
    except KeyError:
        return code
    return both(g.label_zh, g.label_en)


def stage(m: Methodology, code: str) -> str:
    zh, en = m.stage_names[code]
    return both(zh, en)


def grade_rule(m: Methodology) -> list[tuple[str, str, str, str]]:
    """(grade, stars, label, rule) for each grade, from the methodology's thresholds."""
    rows = []
    above = None
    for g in m.grades:
        if above is None:
            rule = f"总分 ≥ {g.min_score:g} total ≥ {g.min_score:g}"
        elif g.grade == m.grades[-1].grade:
            rule = f"总分 < {above:g} total < {above:g}"
        else:
            rule = f"{g.min_score:g} ≤ 总分 total < {above:g}"
        if g.grade == m.veto_grade:
            rule += "；或有否决项 or a veto"
        rows.append((g.grade, g.stars, both(g.label_zh, g.label_en), rule))
        above = g.min_score
    nr = m.not_rated
    rows.append(
        (
            nr.grade,
            nr.stars,
            both(nr.label_zh, nr.label_en),
            f"适用权重 < {m.min_applicable_weight:g} applicable weight < {m.min_applicable_weight:g}",
        )
    )
    return rows


_NOT_RATED = re.compile(r"applicable weight (\S+) below (\S+) \(not applicable: (.*)\)")
_BELOW_N_MIN = re.compile(r"denominator (\S+) below n_min (\S+)")
_NOT_FOR = re.compile(r"does not apply to (\w+?)s")
_FINDING = re.compile(r"(\S+) \((\w+) (\w+)\)")


def not_rated_reason(text: str | None) -> str | None:
    """`适用权重 35 低于 60（不适用：IN-2, …） / applicable weight 35 below 60 (not applicable: IN-2, …)`."""
    if not text:
        return None
    found = _NOT_RATED.fullmatch(text)
    if not found:
        return text
    weight, minimum, missing = found.groups()
    return f"适用权重 {weight} 低于 {minimum}（不适用：{missing}） / {text}"


def not_applicable_reason(text: str | None) -> str | None:
    if not text:
        return None
    found = _BELOW_N_MIN.fullmatch(text)
    if found:
        return f"分母 {found[1]} 低于最小样本 {found[2]} / {text}"
    found = _NOT_FOR.fullmatch(text)
    if found:
        zh, en = KIND_NAMES.get(found[1], (found[1], found[1]))
        return f"不适用于{zh} / does not apply to {en}"
    return text


def short_not_applicable(text: str | None) -> str | None:
    """The one-line form for a table cell: `样本不足 n 4 < 10` (small sample)."""
    if not text:
        return None
    found = _BELOW_N_MIN.fullmatch(text)
    if found:
        return f"样本不足 n {found[1]} < {found[2]}"
    if _NOT_FOR.fullmatch(text):
        return "不适用 not for kind"
    return text


def veto_reasons(text: str | None) -> str | None:
    """`FND-1（严重 虚假宣传） / FND-1 (critical false_advertising)`, finding by finding."""
    if not text:
        return None
    parts = []
    for item in text.split("; "):
        found = _FINDING.fullmatch(item)
        if found:
            fid, severity, ftype = found.groups()
            zh = f"{SEVERITY_NAMES.get(severity, severity)} {FINDING_TYPE_NAMES.get(ftype, ftype)}"
            parts.append(f"{fid}（{zh}） / {item}")
        else:
            parts.append(item)
    return "；".join(parts)


def warning(text: str) -> str:
    """A manifest warning in both languages (rejected inputs are the ones the product writes)."""
    if text.startswith("rejected input "):
        return f"拒收的输入文件 {text}"
    return f"警告 {text}"


def reason(row: dict) -> str:
    """Why a subject is vetoed or not rated, both languages."""
    return veto_reasons(row.get("veto_reasons")) or not_rated_reason(row.get("not_rated_reason")) or ""
