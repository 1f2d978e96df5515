"""One in-process evaluation of the hand-built fixture, shared by the integration tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.conftest import LCQ_VARS

HAND = Path(__file__).resolve().parents[1] / "fixtures" / "hand"


def folder_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, its bytes by its path relative to the folder."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def build_hand_landing(dest: Path) -> Path:
    spec = importlib.util.spec_from_file_location("hand_fixture_build", HAND / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_landing(dest)


@pytest.fixture(scope="session")
def hand_evaluation(tmp_path_factory):
    """(evaluation folder, LCQ_HOME, landing) of the hand fixture, 2026-03 as of 2026-04-15."""
    tmp_path = tmp_path_factory.mktemp("hand")
    home = tmp_path / "home"
    landing = build_hand_landing(home / "landing")  # the installation's own landing, not a trial
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LCQ_HOME", str(home))
        for var in LCQ_VARS:
            mp.delenv(var, raising=False)
        from live_commerce_quality.run.steps import run_evaluation

        out = run_evaluation(landing=landing, period="2026-03", as_of="2026-04-15", out=tmp_path / "out")
    return Path(out), home, landing
