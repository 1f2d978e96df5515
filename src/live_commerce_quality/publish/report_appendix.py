"""The methodology as people read it, from the methodology file alone: grades and their
thresholds, stage weights, every indicator's scale, weight, sample minimum and smoothing, the
veto rules and the smoothing formula. The report's appendix and the workbook's methodology
sheet both print this."""

from __future__ import annotations

from live_commerce_quality.core.methodology import STAGES, Methodology
from live_commerce_quality.publish import labels


def scale_value(value: float, unit: str) -> str:
    if unit == "share":
        return f"{100 * value:g}%"
    return f"{value:g}"


def indicator_rows(m: Methodology, definitions: dict[str, str] | None = None) -> list[dict]:
    rows = []
    for ind in m.indicators:
        unit_zh, unit_en = labels.UNIT_NAMES.get(ind.unit, (ind.unit, ind.unit))
        dir_zh, dir_en = labels.DIRECTION_NAMES[ind.direction]
        rows.append(
            {
                "id": ind.id,
                "stage": ind.stage,
                "stage_label": labels.stage(m, ind.stage),
                "name_zh": ind.name_zh,
                "name_en": ind.name_en,
                "direction": f"{dir_zh} {dir_en}",
                "unit": f"{unit_zh} {unit_en}",
                "full": scale_value(ind.full, ind.unit),
                "zero": scale_value(ind.zero, ind.unit),
                "full_value": ind.full,
                "zero_value": ind.zero,
                "is_share": ind.unit == "share",
                "weight": ind.weight,
                "n_min": ind.n_min,
                "smoothed": ind.smoothed,
                "smoothed_label": "是 yes" if ind.smoothed else "否 no",
                "scoring": "线性 linear" if ind.scoring == "linear" else "百分位 percentile",
                "not_for": "、".join(labels.kind(k) for k in ind.not_for),
                "definition": (definitions or {}).get(ind.id, ""),
            }
        )
    return rows


def veto_rules(m: Methodology) -> list[str]:
    rules = m.rules
    severities = [f"{labels.SEVERITY_NAMES.get(s, s)} {s}" for s in rules.get("veto_severities", [])]
    types = [f"{labels.FINDING_TYPE_NAMES.get(t, t)} {t}" for t in rules.get("veto_finding_types", [])]
    veto = labels.grade(m, m.veto_grade)
    out = []
    if severities:
        out.append(
            f"任何已确认的严重程度为 {'、'.join(severities)} 的违规发现 — any confirmed finding of that severity"
        )
    if types:
        out.append(f"任何已确认的以下类型的违规发现 — any confirmed finding of type: {'、'.join(types)}")
    out.append(
        f"否决即定为 {m.veto_grade}（{veto}），不论得分；原因列出违规发现编号。 "
        f"A veto sets grade {m.veto_grade} whatever the score, with the finding ids as the reason; "
        "agencies and platforms are not vetoed, they report how many members were."
    )
    return out


def methodology_appendix(m: Methodology, definitions: dict[str, str] | None = None) -> dict:
    smoothed = [i.id for i in m.indicators if i.smoothed]
    return {
        "version": m.version,
        "title": m.title,
        "hash": m.content_hash,
        "grades": labels.grade_rule(m),
        "stages": [
            {
                "code": s,
                "label": labels.stage(m, s),
                "weight": m.stage_weights[s],
                "indicators": ", ".join(i.id for i in m.indicators if i.stage == s),
            }
            for s in STAGES
        ],
        "indicators": indicator_rows(m, definitions),
        "veto": veto_rules(m),
        "k": m.smoothing_k,
        "smoothed": ", ".join(smoothed),
        "raw": ", ".join(i.id for i in m.indicators if not i.smoothed),
        "min_weight": m.min_applicable_weight,
        "smoothing": f"x̃ = (x + k·p) / (n + k), k = {m.smoothing_k:g}",
        "linear": "s = 100 · (v − zero) / (full − zero), 截断至 clamped to [0, 100]",
        "stage_formula": "环节得分 stage score = Σ wᵢsᵢ / Σ wᵢ；总分 total = Σ W·S / Σ W",
        "rules": {k: v for k, v in m.rules.items() if not k.startswith("veto_")},
    }
