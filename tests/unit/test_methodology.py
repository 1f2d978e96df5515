"""The methodology file is the only source of numbers, and a broken one is refused clearly."""

from __future__ import annotations

import pytest

from live_commerce_quality.core import methodology


def test_v1_matches_the_spec_table():
    m = methodology.load("1")
    assert m.stage_weights == {"pre": 20, "in": 35, "post": 45}
    assert sum(i.weight for i in m.indicators) == 100
    assert [i.id for i in m.indicators if i.smoothed] == ["IN-2", "IN-3", "POST-1", "POST-3", "POST-5", "POST-7"]
    assert m.smoothing_k == 20 and m.min_applicable_weight == 60
    assert [g.grade for g in m.grades] == ["A", "B", "C", "D", "E"]
    assert len(m.content_hash) == 64


def test_inconsistent_stage_weight_is_refused(tmp_path):
    text = methodology.resolve("1").read_text().replace("pre:  {weight: 20", "pre:  {weight: 25")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(methodology.MethodologyError, match=r"stage pre: weight 25\.0 but its indicators sum to 20"):
        methodology.load(bad)


def test_unknown_version_names_the_known_ones():
    with pytest.raises(methodology.MethodologyError, match="known: \\['1'"):
        methodology.load("99")
