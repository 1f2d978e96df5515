"""What one evaluation is asked to do: a period, a cutoff, a methodology, a landing folder,
and where its folder goes. Everything a step needs to know about the run follows from it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cached_property
from pathlib import Path

from live_commerce_quality.core import methodology as methodology_mod
from live_commerce_quality.core.engines import check_engine
from live_commerce_quality.core.io import sha256_bytes
from live_commerce_quality.core.periods import Period, PeriodError, as_of_instant, parse_day
from live_commerce_quality.core.settings import Settings


class EvaluationError(RuntimeError):
    """A step that cannot go on, with the reason a person can act on."""


@dataclass(frozen=True)
class EvaluationRequest:
    landing: Path
    period: str  # YYYY-MM, YYYY-Qn or YYYY: CST calendar month, quarter or year
    as_of: date  # the cutoff C
    out: Path | None = None
    methodology: str = methodology_mod.DEFAULT_VERSION
    # publish under published/ (scheduled runs); `lcq evaluate` only writes its --out folder
    publish: bool = False
    # the publication version the ratings carry, when it is known beforehand (`lcq verify`
    # recomputing a restatement); otherwise 1, or the next version when publishing
    version: int | None = None
    # who asked for this run and why (`lcq publish --reason`, a manual trigger): kept with a
    # publication it makes (restatement.json, the index), never in the evaluation folder
    requested_by: str | None = None
    reason: str | None = None
    # the engine the dbt models run on (core/engines.py; None: the installation's); named in the
    # evaluation's manifest
    engine: str | None = None

    def __post_init__(self):
        try:
            Period.parse(self.period)
            object.__setattr__(self, "engine", check_engine(self.engine))
        except (PeriodError, ValueError) as exc:
            raise EvaluationError(str(exc)) from None
        if self.as_of < self.period_start:
            raise EvaluationError(f"cutoff {self.as_of} is before the period {self.period} starts")

    @cached_property
    def period_bounds(self) -> Period:
        return Period.parse(self.period)

    @property
    def period_start(self) -> date:
        return self.period_bounds.start

    @property
    def period_end(self) -> date:
        """First day after the period."""
        return self.period_bounds.end

    @property
    def as_of_instant(self) -> datetime:
        """T: the start of the day after the cutoff, CST."""
        return as_of_instant(self.as_of)

    def status(self, m: methodology_mod.Methodology) -> str:
        """Final once the settlement lag after the period has passed, else provisional."""
        return self.period_bounds.status(self.as_of, m.settlement_lag_days)

    @property
    def trial_name(self) -> str:
        """The workspace name of a landing that is not the installation's (stable per folder)."""
        digest = sha256_bytes(str(self.landing.resolve()).encode("utf-8"))[:12]
        return f"{self.landing.name or 'landing'}-{digest}"

    def is_trial(self, settings: Settings) -> bool:
        return self.landing.resolve() != settings.landing.resolve()

    def workspace(self, settings: Settings) -> Settings:
        """Where this request reads and writes. A landing folder other than the installation's
        is a trial: it gets an archive, layers, warehouse and work folders of its own under
        `trials/`, so nothing of it can reach the installation's archive or a publication."""
        if not self.is_trial(settings):
            return settings
        home = settings.trials / self.trial_name
        return replace(
            settings,
            home=home,
            landing=self.landing.resolve(),
            archive=home / "archive",
            standardised=home / "standardised",
            quarantine=home / "quarantine",
            warehouse=home / "warehouse.duckdb",
            evaluations=home / "evaluations",
        )

    def work_dir(self, settings: Settings) -> Path:
        return settings.work_dir(self.period, self.as_of, self.methodology)

    def output_dir(self, settings: Settings, m: methodology_mod.Methodology) -> Path:
        """The evaluation folder: `--out` where given, else the installation's evaluations folder."""
        if self.out is not None:
            return self.out
        return settings.evaluation_dir(self.period, self.status(m), self.as_of, self.methodology)

    def to_conf(self) -> dict:
        return {
            "landing": str(self.landing),
            "period": self.period,
            "as_of": self.as_of.isoformat(),
            "out": None if self.out is None else str(self.out),
            "methodology": self.methodology,
            "publish": self.publish,
            "version": self.version,
            "requested_by": self.requested_by,
            "reason": self.reason,
            "engine": self.engine,
        }

    @classmethod
    def from_conf(cls, conf: dict, settings: Settings) -> EvaluationRequest:
        as_of = conf.get("as_of")
        period = conf.get("period")
        if not period or not as_of:
            raise EvaluationError("an evaluation needs `period` (YYYY-MM, YYYY-Qn or YYYY) and `as_of` (YYYY-MM-DD)")
        try:
            cutoff = parse_day(as_of, "as_of")
        except PeriodError as exc:
            raise EvaluationError(str(exc)) from None
        return cls(
            landing=Path(conf.get("landing") or settings.landing),
            period=period,
            as_of=cutoff,
            out=Path(conf["out"]) if conf.get("out") else None,
            methodology=str(conf.get("methodology") or methodology_mod.DEFAULT_VERSION),
            publish=bool(conf.get("publish", False)),
            version=int(conf["version"]) if conf.get("version") else None,
            requested_by=conf.get("requested_by") or None,
            reason=(conf.get("reason") or "").strip() or None,
            engine=conf.get("engine") or None,
        )

    @property
    def request_note(self) -> dict | None:
        """Who asked for the run and why, when a person gave a reason."""
        return None if self.reason is None else {"requested_by": self.requested_by, "reason": self.reason}
