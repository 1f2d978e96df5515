"""The installation's settings: its layout on disk (`core/layout.py`) and the secrets and knobs
read from the environment. Nothing here touches the disk at import."""

from __future__ import annotations

import os
from dataclasses import dataclass

from live_commerce_quality.core.layout import PROJECT_ROOT, Layout

__all__ = ["DEMO_PSEUDONYM_KEY", "PROJECT_ROOT", "Settings", "pseudonym_key"]

# The key used when none is supplied. It is public and for demo data only.
DEMO_PSEUDONYM_KEY = "lcq-DEMO-KEY-not-for-production"


@dataclass(frozen=True)
class Settings(Layout):
    """Everything a step needs to know about the installation; today its layout on disk."""


def pseudonym_key() -> tuple[bytes, bool]:
    """The keyed-hash key and whether it is the public demo key.

    Taken from `LCQ_PSEUDONYM_KEY`; under Airflow the DAG passes the Variable of the
    same name through this environment variable.
    """
    value = os.environ.get("LCQ_PSEUDONYM_KEY")
    if value:
        return value.encode("utf-8"), False
    return DEMO_PSEUDONYM_KEY.encode("utf-8"), True
