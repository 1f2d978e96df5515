"""Rating and indicator frames of any size, of the output contract's schema, without running
the pipeline: for measuring the report and the workbook at the size of a province."""

from __future__ import annotations

import random
from datetime import date

import polars as pl

from live_commerce_quality.core.methodology import Methodology
from live_commerce_quality.core.outputs import INDICATORS, RATINGS

PLATFORMS = ("douyin", "kuaishou", "taobao", "wechat_channels", "jd", "xiaohongshu_new")


def _grade(m: Methodology, total: float) -> str:
    return m.grade_for(round(total, 2)).grade


def synthetic_frames(m: Methodology, n: int, seed: int = 1) -> tuple[pl.DataFrame, pl.DataFrame, dict]:
    """(ratings, indicators, manifest) of `n` subjects: 80 % operators, 20 % streamers."""
    rng = random.Random(seed)
    ratings, indicators = [], []
    for i in range(n):
        kind = "operator" if i % 5 else "streamer"
        sid = f"{'OP' if kind == 'operator' else 'ST'}{i:07d}"
        platform = PLATFORMS[i % len(PLATFORMS)]
        scores = {ind.id: min(100.0, max(0.0, rng.gauss(78, 15))) for ind in m.indicators}
        stage = {s: sum(scores[d.id] * d.weight for d in m.indicators if d.stage == s) / m.stage_weights[s]
                 for s in ("pre", "in", "post")}  # fmt: skip
        total = round(sum(stage[s] * m.stage_weights[s] for s in stage) / 100, 2)
        veto = rng.random() < 0.01
        grade = m.veto_grade if veto else _grade(m, total)
        previous = rng.choice([None, "A", "B", "C", "D", "E"])
        change = None if previous is None else round(rng.gauss(0, 6), 2)
        ratings.append(
            {"subject_kind": kind, "subject_id": sid, "subject_name": f"测试直播间{i}号店", "platform": platform,
             "period": "2026-09", "as_of": date(2026, 10, 15), "status": "final", "version": 1,
             "methodology_version": m.version, "total_score": total, "grade": grade,
             "stars": m.grade_named(grade).stars, "score_pre": stage["pre"], "score_in": stage["in"],
             "score_post": stage["post"], "applicable_weight": 100.0, "veto": veto,
             "veto_reasons": f"FND{i:07d} (critical counterfeit)" if veto else None, "not_rated_reason": None,
             "rank": 1 + i % 500, "peer_percentile": 100.0 * rng.random(), "previous_grade": previous,
             "score_change": change, "members_evaluated": None, "members_vetoed": None}
        )  # fmt: skip
        for ind in m.indicators:
            den = float(rng.randint(20, 5000))
            num = float(rng.randint(0, int(den)))
            indicators.append(
                {"subject_kind": kind, "subject_id": sid, "platform": platform, "period": "2026-09",
                 "as_of": date(2026, 10, 15), "methodology_version": m.version, "indicator_id": ind.id,
                 "stage": ind.stage, "numerator": num, "denominator": den, "raw_value": num / den,
                 "peer_rate": 0.9, "adjusted_value": num / den, "score": scores[ind.id], "weight": ind.weight,
                 "applicable": True, "not_applicable_reason": None}
            )  # fmt: skip
    manifest = {"period": "2026-09", "cutoff": "2026-10-15", "status": "final", "version": 1, "warnings": []}
    return (
        pl.DataFrame(ratings, schema=RATINGS.schema()),
        pl.DataFrame(indicators, schema=INDICATORS.schema()),
        manifest,
    )
