"""Indicator definitions, written once as dbt docs blocks (`dbt_project/docs/indicators.md`) and
read from there by dbt docs, `lcq explain` and the report."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from live_commerce_quality.core.layout import Layout

DOCS_BLOCK = re.compile(r"{%\s*docs\s+indicator_(\S+)\s*%}(.*?){%\s*enddocs\s*%}", re.S)


@cache
def indicator_definitions(docs_file: Path | None = None) -> dict[str, str]:
    """Indicator id -> its definition (markdown), from the dbt docs blocks."""
    path = docs_file or Layout.from_env().dbt_project / "docs" / "indicators.md"
    found = {}
    for name, body in DOCS_BLOCK.findall(path.read_text(encoding="utf-8")):
        if name == "id":
            continue
        found[name.replace("_", "-")] = " ".join(body.split())
    return found
