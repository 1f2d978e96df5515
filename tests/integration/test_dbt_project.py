"""The dbt project builds on empty extracts, its data tests pass, and its unit tests of the
formulas pass (they need the upstream relations to exist, hence the empty build first)."""

from __future__ import annotations

from datetime import date

import pytest

from live_commerce_quality.core import methodology
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.run.request import EvaluationRequest
from live_commerce_quality.transform.dbt import ensure_source_schemas, run_dbt

pytestmark = pytest.mark.integration


def test_build_on_empty_extracts_then_unit_tests(lcq_home, tmp_path):
    settings = Settings.from_env()
    req = EvaluationRequest(landing=tmp_path, period="2026-03", as_of=date(2026, 4, 15))
    ensure_source_schemas(settings)
    dbt_vars = {
        "period_start": "2026-03-01",
        "period_end": "2026-04-01",
        "cutoff": "2026-04-15",
        "as_of_instant": req.as_of_instant.strftime("%Y-%m-%d %H:%M:%S"),
        **methodology.load("1").dbt_vars(),
    }
    work = tmp_path / "work"
    run_dbt(["build", "--exclude-resource-type", "unit_test"], settings, work, dbt_vars)
    run_dbt(["test", "--select", "test_type:unit"], settings, work, dbt_vars)
