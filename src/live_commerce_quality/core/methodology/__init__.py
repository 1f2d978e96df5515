"""Methodology as versioned configuration: loading, validation and content hash.

A methodology file (`<version>.yaml` in this folder, or any path) carries every number the
evaluation uses. Its content hash goes into every evidence pack, so a rating names exactly
the rules that produced it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from live_commerce_quality.core.io import sha256_bytes
from live_commerce_quality.core.layout import DEFAULT_METHODOLOGY as DEFAULT_VERSION

HERE = Path(__file__).resolve().parent
STAGES = ("pre", "in", "post")


class MethodologyError(ValueError):
    """A methodology file that cannot be used, with the reason."""


@dataclass(frozen=True)
class Indicator:
    id: str
    stage: str
    name_zh: str
    name_en: str
    direction: str
    full: float
    zero: float
    weight: float
    n_min: float
    smoothed: bool
    unit: str
    scale: float
    # subject kinds for which the indicator does not apply (methodology: IN-3 for streamers)
    not_for: tuple[str, ...] = ()
    # "linear" (full/zero map) or "percentile" (rank within the peer group)
    scoring: str = "linear"


@dataclass(frozen=True)
class Grade:
    grade: str
    min_score: float
    stars: str
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class Methodology:
    version: str
    title: str
    content_hash: str
    path: Path
    subject_kinds: tuple[str, ...]
    smoothing_k: float
    min_applicable_weight: float
    settlement_lag_days: int
    stage_weights: dict[str, float]
    stage_names: dict[str, tuple[str, str]]
    indicators: tuple[Indicator, ...]
    rules: dict
    grades: tuple[Grade, ...]
    veto_grade: str
    not_rated: Grade

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def grade_for(self, rounded_total: float) -> Grade:
        for g in self.grades:
            if rounded_total >= g.min_score:
                return g
        return self.grades[-1]

    @property
    def grade_order(self) -> tuple[str, ...]:
        """Every grade a rating can carry, best first, not-rated last (A … E, NR)."""
        return (*(g.grade for g in self.grades), self.not_rated.grade)

    def grade_named(self, name: str) -> Grade:
        for g in (*self.grades, self.not_rated):
            if g.grade == name:
                return g
        raise KeyError(name)

    def dbt_vars(self) -> dict:
        """What the dbt models need from the methodology."""
        return {
            "rules": self.rules,
            "indicator_scales": {i.id: i.scale for i in self.indicators},
        }


def resolve(version_or_path: str | Path | None = None, directory: Path | None = None) -> Path:
    """A methodology file from a version name ("1") or a path."""
    if version_or_path is None:
        version_or_path = DEFAULT_VERSION
    candidate = Path(version_or_path)
    if candidate.suffix in (".yaml", ".yml") and candidate.exists():
        return candidate.resolve()
    path = (directory or HERE) / f"v{version_or_path}.yaml"
    if not path.exists():
        known = sorted(p.stem[1:] for p in (directory or HERE).glob("v*.yaml"))
        raise MethodologyError(f"no methodology version {version_or_path!r}; known: {known}")
    return path


def load(version_or_path: str | Path | None = None, directory: Path | None = None) -> Methodology:
    path = resolve(version_or_path, directory)
    raw = path.read_bytes()
    try:
        doc = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise MethodologyError(f"{path}: not valid YAML: {exc}") from exc
    try:
        return _build(doc, path, sha256_bytes(raw))
    except (KeyError, TypeError, ValueError) as exc:
        raise MethodologyError(f"{path}: {exc}") from exc


def _build(doc: dict, path: Path, content_hash: str) -> Methodology:
    stages = doc["stages"]
    if set(stages) != set(STAGES):
        raise ValueError(f"stages must be {STAGES}, got {sorted(stages)}")
    indicators = []
    for ind_id, spec in doc["indicators"].items():
        if spec["stage"] not in STAGES:
            raise ValueError(f"{ind_id}: unknown stage {spec['stage']!r}")
        if spec["direction"] not in ("higher", "lower"):
            raise ValueError(f"{ind_id}: direction must be higher or lower")
        if spec.get("scoring", "linear") not in ("linear", "percentile"):
            raise ValueError(f"{ind_id}: scoring must be linear or percentile")
        if spec["full"] == spec["zero"]:
            raise ValueError(f"{ind_id}: full and zero must differ")
        indicators.append(
            Indicator(
                id=ind_id,
                stage=spec["stage"],
                name_zh=spec["name_zh"],
                name_en=spec["name_en"],
                direction=spec["direction"],
                full=float(spec["full"]),
                zero=float(spec["zero"]),
                weight=float(spec["weight"]),
                n_min=float(spec["n_min"]),
                smoothed=bool(spec["smoothed"]),
                unit=spec["unit"],
                scale=float(spec["scale"]),
                not_for=tuple(spec.get("not_for", ())),
                scoring=spec.get("scoring", "linear"),
            )
        )
    stage_weights = {s: float(stages[s]["weight"]) for s in STAGES}
    # The stage weights follow from the indicator table; a file where they disagree is a typo.
    for stage in STAGES:
        total = sum(i.weight for i in indicators if i.stage == stage)
        if abs(total - stage_weights[stage]) > 1e-9:
            raise ValueError(f"stage {stage}: weight {stage_weights[stage]} but its indicators sum to {total}")
    grades = tuple(
        Grade(g["grade"], float(g["min_score"]), g["stars"], g["label_zh"], g["label_en"])
        for g in sorted(doc["grades"], key=lambda g: -float(g["min_score"]))
    )
    nr = doc["not_rated"]
    return Methodology(
        version=str(doc["methodology_version"]),
        title=doc["title"],
        content_hash=content_hash,
        path=path,
        subject_kinds=tuple(doc["subject_kinds"]),
        smoothing_k=float(doc["smoothing_k"]),
        min_applicable_weight=float(doc["min_applicable_weight"]),
        settlement_lag_days=int(doc["settlement_lag_days"]),
        stage_weights=stage_weights,
        stage_names={s: (stages[s]["name_zh"], stages[s]["name_en"]) for s in STAGES},
        indicators=tuple(indicators),
        rules=dict(doc["rules"]),
        grades=grades,
        veto_grade=str(doc["veto_grade"]),
        not_rated=Grade(nr["grade"], float("nan"), nr["stars"], nr["label_zh"], nr["label_en"]),
    )
