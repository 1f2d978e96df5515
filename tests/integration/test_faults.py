"""Faults: a run killed in the middle of any step leaves the warehouse and the last
evaluation and publication usable, and the re-run writes byte-identical outputs; two runs
at once never both write the warehouse (one waits, or refuses with a message).

The killed runs are real processes ended by SIGKILL at a point inside a step (see
fault_runner.py); the re-runs happen in this process, as `run_evaluation`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from live_commerce_quality.core import signing
from live_commerce_quality.core.locking import exclusive
from live_commerce_quality.core.settings import Settings

from .conftest import LCQ_VARS, build_hand_landing

pytestmark = pytest.mark.integration

RUNNER = Path(__file__).with_name("fault_runner.py")
ROOT = Path(__file__).resolve().parents[2]
PERIOD, AS_OF = "2026-03", "2026-04-15"
# The evidence records the code version (git commit, `-dirty`), which can change while the
# suite runs when someone commits or edits; byte-identity is about the runs, so every run
# here records the same one.
CODE_VERSION = "0.0.0+faults"
# One publisher's key for every run here, whatever its LCQ_HOME: the runs compare their bytes,
# and the public key is evidence (base64 of 32 raw private bytes; for tests only).
SIGNING_KEY = "ZmF1bHRzLXRlc3Qtc2lnbmluZy1rZXktMzItYnl0ZXM="


def verified_sums(folder: Path) -> bytes:
    """The folder's SHA256SUMS, after checking it names every file and each checksum."""
    sums = (folder / "SHA256SUMS").read_bytes()
    listed = {}
    for line in sums.decode().splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    present -= {"SHA256SUMS", "SHA256SUMS.sig"}  # the signature of SHA256SUMS is not in it
    signing.verify_folder(folder)
    assert set(listed) == present, f"{folder}: SHA256SUMS lists {sorted(listed)}, folder holds {sorted(present)}"
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, f"{folder / name} changed"
    return sums


def runner_env(home: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in LCQ_VARS}
    return {**env, "LCQ_HOME": str(home), "LCQ_SIGNING_KEY": SIGNING_KEY, **extra}


def start_runner(home: Path, landing: Path, out: Path, *, as_of: str = AS_OF, fault: str | None = None, **kw):
    cmd = [sys.executable, str(RUNNER), "--landing", str(landing), "--period", PERIOD, "--as-of", as_of,
           "--out", str(out), "--publish", "--code-version", CODE_VERSION]  # fmt: skip
    if fault:
        cmd += ["--fault", fault]
    if kw.get("stall_file"):
        cmd += ["--stall-file", str(kw["stall_file"])]
    # its own process group, so that a fault can kill the run and its dbt child together
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=runner_env(home, **kw.get("env", {})),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def run_in_process(home: Path, landing: Path, out: Path, as_of: str = AS_OF) -> Path:
    from live_commerce_quality.run.steps import run_evaluation

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LCQ_HOME", str(home))
        for var in LCQ_VARS:
            mp.delenv(var, raising=False)
        mp.setenv("LCQ_SIGNING_KEY", SIGNING_KEY)
        mp.setattr("live_commerce_quality.publish.evidence.code_version", lambda: CODE_VERSION)
        return run_evaluation(landing, PERIOD, as_of, out=out, publish=True)


def settings_of(home: Path) -> Settings:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LCQ_HOME", str(home))
        for var in LCQ_VARS:
            mp.delenv(var, raising=False)
        return Settings.from_env()


def assert_warehouse_usable(settings: Settings) -> None:
    # an orphaned dbt may still be writing: the lock says when the warehouse is free
    with exclusive(settings.warehouse.with_suffix(".lock"), "warehouse", timeout_s=300):
        con = duckdb.connect(str(settings.warehouse), read_only=True)
        try:
            assert con.execute("select count(*) from main.fct_subject_indicators").fetchone()[0] > 0
        finally:
            con.close()


def published(settings: Settings) -> list[dict]:
    return json.loads((settings.home / "published" / "index.json").read_text())["publications"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """One home with a clean, published evaluation: (home, landing, out, SHA256SUMS)."""
    tmp = tmp_path_factory.mktemp("faults")
    home, out = tmp / "home", tmp / "evaluation"
    landing = build_hand_landing(home / "landing")  # the installation's landing: it publishes
    run_in_process(home, landing, out)
    return home, landing, out, verified_sums(out)


@pytest.mark.parametrize("fault", ["ingest", "dbt", "dbt-orphan", "gate", "grade", "publish", "publish-swap"])
def test_killed_run_leaves_everything_usable_and_rerun_is_identical(reference, fault):
    home, landing, out, sums = reference
    settings = settings_of(home)
    if fault == "ingest":
        # give the killed run files to ingest: as if these deliveries had just arrived
        for folder in (settings.archive, settings.standardised, settings.quarantine):
            shutil.rmtree(folder, ignore_errors=True)

    proc = start_runner(home, landing, out, fault=fault)
    _, stderr = proc.communicate(timeout=600)
    assert proc.returncode == -signal.SIGKILL, f"the run was not killed at {fault}:\n{stderr[-3000:]}"

    # what the killed run leaves behind is usable
    assert_warehouse_usable(settings)
    assert verified_sums(out) == sums, "the earlier evaluation folder changed"
    [publication] = published(settings)
    verified_sums(settings.home / "published" / PERIOD / publication["folder"])

    # and the re-run is the clean run, byte for byte, with nothing new published
    assert run_in_process(home, landing, out) == out
    assert verified_sums(out) == sums
    assert [p["folder"] for p in published(settings)] == [publication["folder"]]
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".")) == []


def test_killed_first_publication_is_listed_by_the_rerun(tmp_path):
    """Killed after the publication folder is moved into place, before the index lists it:
    the re-run must not leave a publication that the index and `latest` do not know."""
    home, out = tmp_path / "home", tmp_path / "evaluation"
    landing = build_hand_landing(home / "landing")
    proc = start_runner(home, landing, out, fault="publication")
    _, stderr = proc.communicate(timeout=600)
    assert proc.returncode == -signal.SIGKILL, stderr[-3000:]

    run_in_process(home, landing, out)
    settings = settings_of(home)
    assert [p["folder"] for p in published(settings)] == [f"final-{AS_OF}"]
    latest = settings.home / "published" / PERIOD / "latest"
    assert latest.resolve() == (settings.home / "published" / PERIOD / f"final-{AS_OF}").resolve()
    assert verified_sums(latest) == verified_sums(out)


def wait_for(predicate, what: str, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_two_runs_at_once_one_waits_the_other_refuses(reference, tmp_path):
    """Run A holds the warehouse (stalled after dbt, inside the lock). Run B, with a short
    lock timeout, refuses with the message; run C waits for A and then completes. A and C
    write exactly what they write when run alone."""
    _, reference_landing, _, sums_alone = reference
    home = tmp_path / "home"
    landing = Path(shutil.copytree(reference_landing, home / "landing"))  # this installation's own landing
    stall = tmp_path / "release-a"
    a = start_runner(home, landing, tmp_path / "a", fault="stall-dbt", stall_file=stall)
    wait_for(lambda: Path(f"{stall}.ready").exists() or a.poll() is not None, "run A to hold the warehouse")
    assert a.poll() is None, a.stderr.read()[-3000:]

    b = start_runner(home, landing, tmp_path / "b", as_of="2026-04-14", env={"LCQ_LOCK_TIMEOUT_S": "2"})
    _, b_err = b.communicate(timeout=300)
    assert b.returncode != 0
    assert "the warehouse is still being written by another run after 2 s" in b_err
    assert "try again when it has finished" in b_err

    c = start_runner(home, landing, tmp_path / "c", as_of="2026-04-14")
    c_err = []
    wait_for(lambda: c.poll() is not None or _read_until(c, c_err, "waiting up to"), "run C to wait for the lock")
    assert c.poll() is None, "".join(c_err)[-3000:]
    assert f"the warehouse is being written by pid {a.pid}" in "".join(c_err)

    stall.write_text("go")
    _, a_err = a.communicate(timeout=300)
    _, rest = c.communicate(timeout=300)
    assert a.returncode == 0, a_err[-3000:]
    assert c.returncode == 0, ("".join(c_err) + rest)[-3000:]

    assert verified_sums(tmp_path / "a") == sums_alone
    alone = run_in_process(home, landing, tmp_path / "c-alone", "2026-04-14")
    assert verified_sums(tmp_path / "c") == verified_sums(alone)
    assert_warehouse_usable(settings_of(home))


def _read_until(proc: subprocess.Popen, sink: list[str], marker: str) -> bool:
    """Read the process's stderr line by line into `sink`; True once `marker` was read."""
    line = proc.stderr.readline()
    sink.append(line)
    return marker in line
