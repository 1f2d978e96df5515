"""Compare the product's ratings/indicators with the independent reference.

Usage: python tests/independent/compare.py PRODUCT_DIR LANDING PERIOD AS_OF
Prints every discrepancy; exit status 1 if there is any.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import polars as pl

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from reference import evaluate  # type: ignore[import-not-found]
else:
    from .reference import evaluate

REL = 1e-9


def _close(a: float | None, b: float | None, rel: float = REL) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


KINDS = ("operator", "streamer", "agency", "platform")


def compare(
    product_dir: Path | str, ref_ratings: pl.DataFrame, ref_indicators: pl.DataFrame, kinds: tuple[str, ...] = KINDS
) -> tuple[list[str], dict]:
    """Every disagreement between the product's output folder and the reference, and row counts."""
    product_dir = Path(product_dir)
    pr = pl.read_parquet(product_dir / "ratings.parquet").filter(pl.col("subject_kind").is_in(kinds))
    pi = pl.read_parquet(product_dir / "indicators.parquet").filter(pl.col("subject_kind").is_in(kinds))
    rr = ref_ratings.filter(pl.col("subject_kind").is_in(kinds))
    ri = ref_indicators.filter(pl.col("subject_kind").is_in(kinds))
    issues: list[str] = []
    stats = {"ratings": {}, "indicator_rows": {}}

    # subjects
    pkeys = set(zip(pr["subject_kind"], pr["subject_id"], strict=True))
    rkeys = set(zip(rr["subject_kind"], rr["subject_id"], strict=True))
    for k in sorted(pkeys - rkeys):
        issues.append(f"{k}: rated by the product only")
    for k in sorted(rkeys - pkeys):
        issues.append(f"{k}: rated by the reference only")

    j = rr.join(pr, on=["subject_kind", "subject_id"], how="inner", suffix="_p")
    for kind in kinds:
        stats["ratings"][kind] = j.filter(pl.col("subject_kind") == kind).height
    for r in j.iter_rows(named=True):
        who = f"{r['subject_kind']} {r['subject_id']}"
        if r["grade"] != r["grade_p"]:
            issues.append(f"{who}: grade ref {r['grade']} vs product {r['grade_p']} (ref total {r['total_unrounded']})")
        if r["total_score"] != r["total_score_p"]:
            issues.append(f"{who}: total ref {r['total_score']} vs product {r['total_score_p']}")
        if r["rank"] != r["rank_p"] or not _close(r["peer_percentile"], r["peer_percentile_p"]):
            issues.append(
                f"{who}: rank/percentile ref {r['rank']}/{r['peer_percentile']}"
                f" vs product {r['rank_p']}/{r['peer_percentile_p']}"
            )
        for c in ("score_pre", "score_in", "score_post", "applicable_weight"):
            if not _close(r[c], r[f"{c}_p"]):
                issues.append(f"{who}: {c} ref {r[c]} vs product {r[c + '_p']}")
        if r["subject_kind"] != "agency" and r["platform"] != r["platform_p"]:
            issues.append(f"{who}: platform ref {r['platform']} vs product {r['platform_p']}")
        if bool(r["veto"]) != bool(r["veto_p"]):
            issues.append(f"{who}: veto ref {r['veto']} vs product {r['veto_p']}")
        if r["veto"]:
            ids = set((r["veto_reasons_p"] or "").replace(";", ",").replace(" ", ",").split(","))
            missing = set(r["veto_reasons"].split(",")) - ids
            if missing:
                issues.append(f"{who}: veto reasons lack {sorted(missing)}: {r['veto_reasons_p']!r}")
        elif r["veto_reasons_p"]:
            issues.append(f"{who}: not vetoed but product veto reasons {r['veto_reasons_p']!r}")
        if r["subject_kind"] in ("agency", "platform"):
            for c in ("vetoed_members", "members_evaluated"):
                a, b = r[c], r.get("members_vetoed" if c == "vetoed_members" else "members_evaluated_p")
                if (a or 0) != (b or 0):
                    issues.append(f"{who}: {c} ref {a} vs product {b}")
        rated_weight = r["applicable_weight"] >= 60
        if rated_weight and r["not_rated_reason"] is not None:
            issues.append(f"{who}: weight {r['applicable_weight']} but not-rated reason {r['not_rated_reason']!r}")
        if not rated_weight and not r["veto"] and r["not_rated_reason"] is None:
            issues.append(f"{who}: weight {r['applicable_weight']} below 60 but no not-rated reason")

    ji = ri.join(pi, on=["subject_kind", "subject_id", "indicator_id"], how="full", suffix="_p", coalesce=True)
    for kind in kinds:
        stats["indicator_rows"][kind] = ji.filter(pl.col("subject_kind") == kind).height
    for r in ji.iter_rows(named=True):
        who = f"{r['subject_kind']} {r['subject_id']} {r['indicator_id']}"
        if r["applicable"] is None or r["applicable_p"] is None:
            issues.append(f"{who}: row only in {'product' if r['applicable'] is None else 'reference'}")
            continue
        if r["applicable"] != r["applicable_p"]:
            issues.append(f"{who}: applicable ref {r['applicable']} vs product {r['applicable_p']}")
        inapplicable_kind = r["indicator_id"] == "IN-3" and r["subject_kind"] in ("streamer", "agency")
        if not inapplicable_kind:
            for c in ("numerator", "denominator"):
                a, b = r[c], r[f"{c}_p"]
                if r["indicator_id"] == "POST-2" and c == "numerator":
                    continue
                if a != b:
                    issues.append(f"{who}: {c} ref {a} vs product {b}")
            if not _close(r["raw_value"], r["raw_value_p"]):
                issues.append(f"{who}: raw ref {r['raw_value']} vs product {r['raw_value_p']}")
        if r["weight"] != r["weight_p"]:
            issues.append(f"{who}: weight ref {r['weight']} vs product {r['weight_p']}")
        if r["applicable"]:
            if not _close(r["adjusted_value"], r["adjusted_value_p"]):
                issues.append(f"{who}: adjusted ref {r['adjusted_value']} vs product {r['adjusted_value_p']}")
            if r["peer_rate"] is not None and not _close(r["peer_rate"], r["peer_rate_p"]):
                issues.append(f"{who}: peer_rate ref {r['peer_rate']} vs product {r['peer_rate_p']}")
            if not _close(r["score"], r["score_p"]):
                issues.append(f"{who}: score ref {r['score']} vs product {r['score_p']}")
        elif r["score_p"] is not None:
            issues.append(f"{who}: not applicable but product score {r['score_p']}")
    return issues, stats


def main(argv: list[str]) -> int:
    product_dir, landing, period, as_of = argv
    ratings, indicators = evaluate(landing, period, as_of)
    issues, stats = compare(product_dir, ratings, indicators)
    print(stats)
    for line in issues:
        print(line)
    print(f"{len(issues)} discrepancies")
    return 1 if issues else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
