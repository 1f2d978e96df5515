"""Where things live. One place for paths, each overridable from the environment.

`LCQ_HOME` moves everything at once (tests point it at a temporary folder); the
individual variables move one piece. Nothing here touches the disk at import.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_ROOT = Path(__file__).resolve().parent

# The key used when none is supplied. It is public and for demo data only.
DEMO_PSEUDONYM_KEY = "lcq-DEMO-KEY-not-for-production"


def _path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).resolve() if value else default


@dataclass(frozen=True)
class Settings:
    home: Path
    landing: Path
    archive: Path
    standardised: Path
    quarantine: Path
    warehouse: Path
    evaluations: Path
    airflow_home: Path
    dbt_project: Path
    expectations: Path
    methodology_dir: Path

    @classmethod
    def from_env(cls) -> Settings:
        home = _path("LCQ_HOME", PROJECT_ROOT / "data")
        return cls(
            home=home,
            landing=_path("LCQ_LANDING", home / "landing"),
            archive=_path("LCQ_ARCHIVE", home / "archive"),
            standardised=_path("LCQ_STANDARDISED", home / "standardised"),
            quarantine=_path("LCQ_QUARANTINE", home / "quarantine"),
            warehouse=_path("LCQ_WAREHOUSE", home / "warehouse.duckdb"),
            evaluations=_path("LCQ_EVALUATIONS", home / "evaluations"),
            airflow_home=_path("AIRFLOW_HOME", home / "airflow"),
            dbt_project=_path("LCQ_DBT_PROJECT", PROJECT_ROOT / "dbt_project"),
            expectations=_path("LCQ_EXPECTATIONS", PROJECT_ROOT / "expectations"),
            methodology_dir=_path("LCQ_METHODOLOGY_DIR", PACKAGE_ROOT / "methodology"),
        )


def pseudonym_key() -> tuple[bytes, bool]:
    """The keyed-hash key and whether it is the public demo key.

    Taken from `LCQ_PSEUDONYM_KEY`; under Airflow the DAG passes the Variable of the
    same name through this environment variable.
    """
    value = os.environ.get("LCQ_PSEUDONYM_KEY")
    if value:
        return value.encode("utf-8"), False
    return DEMO_PSEUDONYM_KEY.encode("utf-8"), True
