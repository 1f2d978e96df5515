"""Shared test set-up: every test writes under its own LCQ_HOME, never under data/."""

from __future__ import annotations

import pytest


@pytest.fixture
def lcq_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("LCQ_HOME", str(home))
    for var in (
        "LCQ_LANDING",
        "LCQ_ARCHIVE",
        "LCQ_STANDARDISED",
        "LCQ_QUARANTINE",
        "LCQ_WAREHOUSE",
        "LCQ_EVALUATIONS",
        "LCQ_PSEUDONYM_KEY",
    ):
        monkeypatch.delenv(var, raising=False)
    return home
