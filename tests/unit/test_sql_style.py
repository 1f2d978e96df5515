"""The dbt SQL keeps one shape and one keyword case (sqlfluff, configured in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_dbt_models_pass_sqlfluff():
    sqlfluff = Path(sys.executable).parent / "sqlfluff"
    proc = subprocess.run(
        [str(sqlfluff), "lint", "dbt_project/models", "--nofail", "--format", "github-annotation-native"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    problems = [line for line in proc.stdout.splitlines() if line.startswith("::")]
    assert problems == [], "\n".join(problems[:30])
