"""`lcq explain` shows every indicator down to numerator and denominator, the definitions
written once in the dbt docs blocks, and how the total and grade follow."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from live_commerce_quality.cli import main

pytestmark = pytest.mark.integration


def test_explain_an_operator(hand_evaluation):
    out, _, _ = hand_evaluation
    result = CliRunner().invoke(
        main, ["explain", "--period", "2026-03", "--subject", "operator:OP_B", "--evaluation", str(out)]
    )
    assert result.exit_code == 0, result.output
    text = result.output
    for ind in ("PRE-1", "PRE-2", "PRE-3", "IN-1", "IN-2", "IN-3", "POST-1", "POST-7"):
        assert ind in text
    assert "按时发货率" in text and "numerator" in text and "denominator" in text
    # definition from dbt_project/docs/indicators.md
    assert "Deadline D = promised ship-by" in text
    assert "total = (20×" in text and "= 80 (rounded half-up)" in text
    assert "grade B" in text


def test_explain_names_veto_and_not_rated(hand_evaluation):
    out, _, _ = hand_evaluation
    run = CliRunner().invoke
    veto = run(main, ["explain", "--period", "2026-03", "--subject", "operator:OP_C", "--evaluation", str(out)])
    assert "veto → grade E: FND-C-02" in veto.output
    nr = run(main, ["explain", "--period", "2026-03", "--subject", "operator:OP_D", "--evaluation", str(out)])
    assert "not rated (NR): applicable weight 35 below 60" in nr.output
    missing = run(main, ["explain", "--period", "2026-03", "--subject", "operator:NOPE", "--evaluation", str(out)])
    assert missing.exit_code != 0 and "was not evaluated" in missing.output
