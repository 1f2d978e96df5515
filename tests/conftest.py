"""Shared test set-up: every test writes under its own LCQ_HOME, never under data/."""

from __future__ import annotations

import pytest

from live_commerce_quality.core.layout import MOVED_BY_ENVIRONMENT
from live_commerce_quality.core.settings import Settings

# Every variable that moves a piece of the installation or supplies a secret: a test starts with none.
LCQ_VARS = (
    *MOVED_BY_ENVIRONMENT,
    "LCQ_PSEUDONYM_KEY",
    "LCQ_ARCHIVE_KEY",
    "LCQ_SIGNING_KEY",
)


@pytest.fixture
def lcq_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("LCQ_HOME", str(home))
    for var in LCQ_VARS:
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def settings(lcq_home) -> Settings:
    """The installation of a test: its own LCQ_HOME, no operator keys."""
    return Settings.from_env()
