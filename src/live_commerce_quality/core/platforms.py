"""Platform display names from configuration (`platforms.yaml` beside this module).

`display_names()` maps a platform code to its (中文, English) names; `label(code)` gives
`中文 English` for people, or the code itself when the file does not list it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

PLATFORMS_FILE = Path(__file__).resolve().parent / "platforms.yaml"


@cache
def display_names(path: Path = PLATFORMS_FILE) -> dict[str, tuple[str, str]]:
    """Platform code -> (name_zh, name_en), as configured."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(code): (str(v["name_zh"]), str(v["name_en"])) for code, v in doc.items()}


def label(code: str | None) -> str:
    """`抖音 Douyin` for a configured code, the code itself otherwise; `—` for none (agencies)."""
    if code is None:
        return "—"
    names = display_names().get(code)
    return f"{names[0]} {names[1]}" if names else code
