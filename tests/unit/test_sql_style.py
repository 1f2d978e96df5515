"""The dbt SQL keeps one shape and one keyword case (sqlfluff, configured in pyproject.toml)."""

from __future__ import annotations

import re
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


# What only DuckDB spells this way (Spark, or the standard, has another spelling): allowed only in a
# `duckdb__` macro, dispatched by adapter.dispatch, so one project builds on either engine.
DUCKDB_ONLY = re.compile(
    r"read_parquet|read_csv|epoch_us|epoch_ms|regexp_full_match|quantile_cont|quantile_disc|list_\w+\(|"
    r"struct_pack|hugeint|::\s*\w|\bexclude\s*\(|\bqualify\b|strftime|strptime|date_diff\(|\bvarchar\b",
    re.IGNORECASE,
)
DUCKDB_MACRO = re.compile(r"{%-?\s*macro\s+duckdb__.*?{%-?\s*endmacro\s*-?%}", re.DOTALL)


def _outside_duckdb_macros(text: str) -> str:
    return DUCKDB_MACRO.sub("", text)


def test_duckdb_spellings_only_in_dispatched_macros():
    project = ROOT / "dbt_project"
    files = [
        *sorted((project / "models").rglob("*.sql")),
        *sorted((project / "models").rglob("*.yml")),
        *sorted((project / "macros").rglob("*.sql")),
        project / "dbt_project.yml",
    ]
    found = [
        f"{path.relative_to(project)}:{n}: {line.strip()}"
        for path in files
        for n, line in enumerate(_outside_duckdb_macros(path.read_text(encoding="utf-8")).splitlines(), 1)
        if DUCKDB_ONLY.search(line) and not line.lstrip().startswith(("--", "#"))
    ]
    assert found == [], "\n".join(found)


def test_the_check_finds_a_duckdb_spelling():
    """The control: the same check sees read_parquet outside a macro, and lets it be inside one."""
    inside = "{% macro duckdb__x() -%} read_parquet('a') {%- endmacro %}"
    assert not DUCKDB_ONLY.search(_outside_duckdb_macros(inside))
    assert DUCKDB_ONLY.search(_outside_duckdb_macros(inside + "\nselect * from read_parquet('b')"))
