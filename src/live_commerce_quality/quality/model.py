"""What a check is, what it found, and how a failure reads.

Everything here is plain data: results go into the evidence pack, which must be
byte-identical on re-run, so nothing carries a timestamp, a run id or a float that
depends on evaluation order.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

# How many offending rows a failed check quotes.
DEFAULT_EXAMPLES = 5


class QualityGateFailed(Exception):
    """Raised by `enforce`; str(e) lists every failed check."""

    def __init__(self, result: GateResult):
        self.result = result
        failures = result.failures()
        lines = [f"data-quality gate failed: {len(failures)} of {len(result.results)} checks"]
        lines += [f"- {r.message}" for r in failures]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Check:
    """One expectation on one table, in Great Expectations vocabulary.

    `expectation` is a GX expectation type (or, for the few checks GX has no name for,
    a name in the same style); `kwargs` are its GX arguments.
    """

    suite: str
    target: str
    expectation: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    @property
    def column(self) -> str | None:
        kw = self.kwargs
        if "column" in kw:
            return kw["column"]
        if "column_A" in kw:
            return f"{kw['column_A']}, {kw['column_B']}"
        if "column_list" in kw:
            return ", ".join(kw["column_list"])
        return None


@dataclass
class CheckResult:
    suite: str
    target: str
    column: str | None
    expectation: str
    success: bool
    observed: Any
    message: str
    examples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class GateResult:
    passed: bool
    results: list[CheckResult]

    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success]

    def to_json(self) -> dict:
        return {
            "passed": self.passed,
            "checks": len(self.results),
            "failed": len(self.failures()),
            "results": [jsonable(asdict(r)) for r in self.results],
        }

    @classmethod
    def of(cls, results: list[CheckResult]) -> GateResult:
        return cls(passed=all(r.success for r in results), results=results)

    def __add__(self, other: GateResult) -> GateResult:
        return GateResult.of(self.results + other.results)


def enforce(result: GateResult) -> None:
    """Raise QualityGateFailed, naming every failed check, unless the gate passed."""
    if not result.passed:
        raise QualityGateFailed(result)


def jsonable(value: Any) -> Any:
    """A JSON-safe, deterministic copy: numpy scalars unwrapped, NaN as None, dates as ISO."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if _is_na(value):  # pandas NA / NaT
        return None
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        try:
            return jsonable(item())
        except (TypeError, ValueError):
            pass
    isoformat = getattr(value, "isoformat", None)  # pandas Timestamp
    if callable(isoformat):
        return isoformat()
    return str(value)


def _is_na(value: Any) -> bool:
    if type(value).__name__ in ("NAType", "NaTType"):
        return True
    try:
        return bool(value != value)  # NaN
    except (TypeError, ValueError):
        return False


def render_value(value: Any) -> str:
    value = jsonable(value)
    return "null" if value is None else str(value)


def render_examples(examples: list[dict[str, Any]]) -> str:
    """`dt=2025-03-01/orders.csv line 17: quantity=0; ...` or `key=...: col=...`."""
    parts = []
    for ex in examples:
        values = ", ".join(f"{k}={render_value(v)}" for k, v in ex.get("values", {}).items())
        if "file" in ex:
            where = ex["file"] if ex.get("line") is None else f"{ex['file']} line {render_value(ex['line'])}"
        elif "row" in ex:
            where = ", ".join(f"{k}={render_value(v)}" for k, v in ex["row"].items())
        else:
            where = ""
        parts.append(f"{where}: {values}" if where and values else where or values)
    return "; ".join(parts)


def message(check: Check, success: bool, observed: Any, examples: list[dict], unit: str) -> str:
    """`standardised.orders: quantity > 0 [expect_column_values_to_be_between] failed — 3 rows (...)`."""
    head = f"{check.suite}.{check.target}: {check.description} [{check.expectation}]"
    if success:
        return f"{head} passed"
    if unit in ("rows", "files"):
        what = f"{observed} {unit[:-1] if observed == 1 else unit}"
    else:
        what = f"observed {render_value(observed)}"
    tail = f" ({render_examples(examples)})" if examples else ""
    return f"{head} failed — {what}{tail}"
