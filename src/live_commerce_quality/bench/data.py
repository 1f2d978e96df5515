"""The bench's inputs and installations, under `Layout.bench_work` (LCQ_BENCH_DIR, default
/tmp/lcq-bench):

    landing-sf<scale>-<first month>-<n>m-s<seed>-b<bad share>/   demo landings, made once
                                                                   (`.complete` when whole)
    landing-…-only-<month>/   the dt folders of one month's evaluation, hard links into a landing
    homes/<scenario>/         an installation (LCQ_HOME) per measured scenario
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from live_commerce_quality.bench import measure
from live_commerce_quality.core.layout import DT_FOLDER, MOVED_BY_ENVIRONMENT
from live_commerce_quality.core.periods import Period
from live_commerce_quality.core.settings import Settings

COMPLETE = ".complete"
# Variables that would move a piece of a bench installation out of its LCQ_HOME.
PATH_VARIABLES = (
    *MOVED_BY_ENVIRONMENT,
    "AIRFLOW_HOME",
    # an installed product's processes read and write Python's bytecode caches; without them
    # every process compiles what it imports (great_expectations alone: about 10 s)
    "PYTHONDONTWRITEBYTECODE",
)


@dataclass(frozen=True)
class LandingSpec:
    scale: float
    months: tuple[str, ...]
    seed: int
    bad_share: float

    @property
    def name(self) -> str:
        return f"landing-sf{self.scale:g}-{self.months[0]}-{len(self.months)}m-s{self.seed}-b{self.bad_share:g}"


def months_ending(month: str, count: int) -> tuple[str, ...]:
    """`count` consecutive months ending with `month`."""
    start = Period.parse(month).start
    out = []
    for _ in range(count):
        out.append(start.strftime("%Y-%m"))
        start = (start - timedelta(days=1)).replace(day=1)
    return tuple(reversed(out))


def generate_landing(out: str, months: list[str], scale: float, seed: int, bad_share: float) -> dict:
    """The child's side of `landing`: the demo generator, then the marker."""
    from live_commerce_quality.demo import generate

    summary = generate(Path(out), months, scale, seed, "parquet", bad_share)
    info = {"orders": summary["records"]["orders"], "files": summary["files_written"], "rows": summary["rows"]}
    (Path(out) / COMPLETE).write_text(json.dumps(info, sort_keys=True) + "\n")
    return info


def landing(settings: Settings, spec: LandingSpec, logs: Path) -> tuple[Path, dict]:
    """The demo landing of `spec`, generated (in a child process) unless already made whole."""
    path = settings.bench_work / spec.name
    marker = path / COMPLETE
    if marker.exists():
        return path, {"path": str(path), "cached": True, **json.loads(marker.read_text())}
    shutil.rmtree(path, ignore_errors=True)
    print(f"generating {spec.name} ...", flush=True)
    kwargs = {"out": str(path), "months": list(spec.months), "scale": spec.scale, "seed": spec.seed}
    kwargs["bad_share"] = spec.bad_share
    m = measure.run(f"{__name__}:generate_landing", kwargs, log_path=logs / "generate.log")
    if not m.ok:
        raise RuntimeError(f"generating {spec.name} failed: {m.error}")
    return path, {"path": str(path), "cached": False, "generated": m.summary(), **m.result}


def one_month_landing(full: Path, month: str, cutoff: date) -> Path:
    """The deliveries an installation holding only `month` has: the dt folders from the month's
    first day to the cutoff, hard-linked from the full landing (made once)."""
    out = full.parent / f"{full.name}-only-{month}"
    if (out / COMPLETE).exists():
        return out
    shutil.rmtree(out, ignore_errors=True)
    first = Period.parse(month).start
    for source in sorted(p for p in full.iterdir() if p.is_dir()):
        for day in sorted(source.iterdir()):
            m = DT_FOLDER.match(day.name)
            if m is None or not first <= date.fromisoformat(m.group(1)) <= cutoff:
                continue
            target = out / source.name / day.name
            target.mkdir(parents=True)
            for f in day.iterdir():
                os.link(f, target / f.name)
    (out / COMPLETE).write_text("hard links\n")
    return out


def fresh_home(settings: Settings, name: str) -> Path:
    """An empty installation folder for one scenario."""
    home = settings.bench_work / "homes" / name
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    return home


def child_env(home: Path, landing_dir: Path) -> dict[str, str]:
    """The environment of a bench installation's processes: its own home and landing, Python's
    bytecode caches on; the secrets and code locations as given."""
    env = {k: v for k, v in os.environ.items() if k not in PATH_VARIABLES}
    env.update(LCQ_HOME=str(home), LCQ_LANDING=str(landing_dir))
    return env
