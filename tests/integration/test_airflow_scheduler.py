"""The DAGs under a real Airflow: api-server, scheduler, dag-processor and triggerer started as
`lcq airflow` starts them, with the LocalExecutor on PostgreSQL (a fresh database per run) and on
SQLite, and with the CeleryExecutor (the machine's Redis as broker, PostgreSQL, one worker started
here). The monthly DAG is triggered through the REST API, as a team would from its tooling, while a
nightly run goes on; both must succeed with every step a task (the ingest a task per source, side
by side on PostgreSQL), and the warehouse writers never run at once, whatever the executor; the
CeleryExecutor's publication is the LocalExecutor's. `airflow backfill create` then re-evaluates
March as it was known at its cutoff and changes nothing published."""

from __future__ import annotations

import itertools
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from live_commerce_quality.core.periods import CST
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.run.airflow_env import (
    ADMIN_USER,
    BROKER_ENV,
    CELERY,
    EXECUTOR_ENV,
    admin_password,
    airflow_command,
    airflow_env,
    prepare,
    start_components,
    stop_components,
)
from live_commerce_quality.run.steps import STEPS, WAREHOUSE_WRITERS

from .chromium import Chromium, chromium_binary
from .conftest import LCQ_VARS, build_hand_landing, folder_bytes

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PG = "postgresql+psycopg2://postgres@127.0.0.1:5432/{db}"


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    """The Airflow REST API (v2) with a token from the simple auth manager."""

    def __init__(self, base: str, password: str, db_url: str):
        self.base = base
        self.password = password
        self.base_db = db_url
        self.token = None

    def _call(self, method: str, path: str, body: dict | None = None):
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def login(self) -> None:
        answer = self._call("POST", "/auth/token", {"username": ADMIN_USER, "password": self.password})
        self.token = answer["access_token"]

    def get(self, path: str):
        return self._call("GET", path)

    def post(self, path: str, body: dict):
        return self._call("POST", path, body)

    def patch(self, path: str, body: dict):
        return self._call("PATCH", path, body)


def _wait(what: str, check, timeout: float, components: dict):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dead = [n for n, p in components.items() if p.poll() is not None]
        assert not dead, f"Airflow {dead} stopped while waiting for {what}"
        try:
            value = check()
        except (urllib.error.URLError, ConnectionError, TimeoutError, KeyError):
            value = None
        if value:
            return value
        time.sleep(2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module", params=["postgresql", "sqlite", "celery"])
def airflow(request, tmp_path_factory):
    """A running Airflow for one installation whose landing holds the hand fixture: the
    LocalExecutor on PostgreSQL or SQLite, or the CeleryExecutor on PostgreSQL and Redis."""
    tmp = tmp_path_factory.mktemp(f"airflow-{request.param}")
    home = tmp / "home"
    build_hand_landing(home / "landing")
    mp = pytest.MonkeyPatch()
    mp.setenv("LCQ_HOME", str(home))
    for var in (*LCQ_VARS, "AIRFLOW_HOME", "LCQ_AIRFLOW_DB_URL", EXECUTOR_ENV, BROKER_ENV, "LCQ_ENGINE"):
        mp.delenv(var, raising=False)
    db = None
    if request.param in ("postgresql", "celery"):
        if not _listening(5432):
            mp.undo()
            pytest.skip("no PostgreSQL on 127.0.0.1:5432 (the SQLite run covers this machine)")
        if request.param == "celery":
            if not _listening(6379):
                mp.undo()
                pytest.skip("no Redis on 127.0.0.1:6379 for the Celery broker")
            mp.setenv(EXECUTOR_ENV, CELERY)
            # a Redis database of its own, so that no other run's messages reach this worker
            mp.setenv(BROKER_ENV, f"redis://127.0.0.1:6379/{uuid.uuid4().int % 15 + 1}")
        db = f"lcq_test_{uuid.uuid4().hex[:10]}"
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db], check=True)
        mp.setenv("LCQ_AIRFLOW_DB_URL", PG.format(db=db))
    settings = Settings.from_env()
    port = _free_port()
    env = airflow_env(settings, port=port)
    prepare(env, say=lambda _: None)
    logs = tmp / "airflow-logs"
    components = start_components(env, logs, port)
    api = Api(f"http://127.0.0.1:{port}", admin_password(env), env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    try:
        _wait("the api-server", lambda: api.get("/api/v2/monitor/health"), 180, components)
        api.login()
        yield Running(api, settings, components, logs, env, request.param)
    finally:
        stop_components(components)
        if db is not None:
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", db], check=False)
        mp.undo()


@dataclass
class Running:
    api: Api
    settings: Settings
    components: dict
    logs: Path
    env: dict
    kind: str

    @property
    def parallel(self) -> bool:
        return int(self.env["AIRFLOW__CORE__PARALLELISM"]) > 1

    def wait_for_run(self, dag: str, run_id: str) -> list[dict]:
        """The run's task instances once it has finished; fails with the states if it failed."""

        def finished():
            state = self.api.get(f"/api/v2/dags/{dag}/dagRuns/{run_id}")["state"]
            return state if state in ("success", "failed") else None

        try:
            state = _wait(f"{dag} {run_id} to finish", finished, 900, self.components)
        except AssertionError:
            raise AssertionError((self.logs / "scheduler.log").read_text()[-4000:]) from None
        instances = self.api.get(f"/api/v2/dags/{dag}/dagRuns/{run_id}/taskInstances")["task_instances"]
        assert state == "success", [(ti["task_id"], ti["map_index"], ti["state"]) for ti in instances]
        return instances


Span = tuple[datetime, datetime]


def _spans(instances: list[dict]) -> dict[str, list[Span]]:
    """Start and end of each task's instances (a mapped task has several), by task id."""
    spans: dict[str, list[Span]] = {}
    for ti in instances:
        if ti["start_date"] and ti["end_date"]:
            span = (datetime.fromisoformat(ti["start_date"]), datetime.fromisoformat(ti["end_date"]))
            spans.setdefault(ti["task_id"], []).append(span)
    return spans


def _overlap(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _sources_delivered(landing: Path, as_of: str) -> list[str]:
    """The sources with a delivery up to the cutoff: the per-source tasks of a run."""
    return sorted(source.name for source in landing.iterdir() if any(d.name[3:] <= as_of for d in source.glob("dt=*")))


def _trigger(api: Api, dag: str, conf: dict) -> str:
    api.patch(f"/api/v2/dags/{dag}", {"is_paused": False})
    return api.post(f"/api/v2/dags/{dag}/dagRuns", {"logical_date": None, "conf": conf})["dag_run_id"]


def test_monthly_and_nightly_side_by_side_with_one_warehouse_writer(airflow):
    """The monthly DAG triggered through the REST API while a nightly run goes on: every step
    is a task (ingest a task per source), in order; where tasks run side by side (PostgreSQL)
    independent tasks overlap and the warehouse writers of both runs never do. On SQLite, one
    task at a time, the monthly run alone (two runs there would only queue)."""
    api = airflow.api
    for dag in ("lcq_evaluation", "lcq_nightly_provisional"):
        _wait(f"{dag} to be parsed", lambda dag=dag: api.get(f"/api/v2/dags/{dag}"), 240, airflow.components)
    monthly = _trigger(api, "lcq_evaluation", {"period": "2026-03", "as_of": "2026-04-15", "publish": True})
    nightly = None
    if airflow.parallel:
        conf = {"period": "2026-03", "as_of": "2026-04-10", "publish": True}
        nightly = _trigger(api, "lcq_nightly_provisional", conf)
    runs = {"2026-04-15": airflow.wait_for_run("lcq_evaluation", monthly)}
    if nightly is not None:
        runs["2026-04-10"] = airflow.wait_for_run("lcq_nightly_provisional", nightly)
    writers: list[Span] = []
    steps = {step.name for step in STEPS}
    for as_of, instances in runs.items():
        # the default engine's transform ran; the engine choice is a task, Spark's transform skipped
        states = {ti["task_id"]: ti["state"] for ti in instances}
        assert states.keys() == steps | {"engine", "transform_spark"}
        assert {t: s for t, s in states.items() if s != "success"} == {"transform_spark": "skipped"}
        mapped = sorted(ti["rendered_map_index"] for ti in instances if ti["task_id"] == "standardise")
        assert mapped == _sources_delivered(airflow.settings.landing, as_of), "a task per source, named after it"
        spans = _spans(instances)
        for before, after in itertools.pairwise(step.name for step in STEPS):
            assert max(e for _, e in spans[before]) <= min(s for s, _ in spans[after]), f"{after} before {before}"
        if airflow.parallel:  # the per-source tasks run side by side
            assert any(_overlap(a, b) for a, b in itertools.combinations(spans["standardise"], 2))
        writers += [span for w in WAREHOUSE_WRITERS for span in spans[w]]
    assert len(writers) == len(runs) * len(WAREHOUSE_WRITERS)
    for a, b in itertools.combinations(writers, 2):
        assert not _overlap(a, b), "two warehouse writers at once"
    published = airflow.settings.published / "2026-03"
    assert (published / "final-2026-04-15" / "ratings.parquet").exists()
    assert (published / "provisional-2026-04-10" / "ratings.parquet").exists() == (nightly is not None)
    PUBLISHED[airflow.kind] = folder_bytes(published / "final-2026-04-15")
    if airflow.kind == "celery":
        _same_as_under_the_local_executor(PUBLISHED)
    _screenshots(api, "lcq_evaluation", monthly)


# The final publication of 2026-03 under each Airflow (a file's bytes by its path in the folder).
PUBLISHED: dict[str, dict[str, bytes]] = {}
# What names the installation that published (its own signing key): differs between installations.
INSTALLATION_NAMED_IN = {"evidence/signing_key.pub", "SHA256SUMS", "SHA256SUMS.sig"}


def _same_as_under_the_local_executor(published: dict[str, dict[str, bytes]]) -> None:
    local = published.get("postgresql") or published.get("sqlite")
    assert local is not None, "the LocalExecutor runs come first in this module (params order): run it whole"
    celery = published["celery"]
    assert celery.keys() == local.keys()
    assert {n for n in celery if celery[n] != local[n]} <= INSTALLATION_NAMED_IN
    sums = [
        {line for line in p["SHA256SUMS"].decode().splitlines() if not line.endswith("signing_key.pub")}
        for p in (celery, local)
    ]
    assert sums[0] == sums[1]


def test_backfill_create_under_the_scheduler_changes_nothing_published(airflow):
    """`airflow backfill create` over the days around March's final cutoff: the day after it
    evaluates March as it was known then (the publication above, unchanged: no new version),
    the other day has nothing to rate and skips."""
    if airflow.kind != "postgresql":
        pytest.skip("the backfill is the scheduler's, whatever the DB or executor: shown on PostgreSQL")
    settings = airflow.settings
    index_before = settings.published_index.read_bytes()
    final = settings.published / "2026-03" / "final-2026-04-15"
    before = {p.name: p.read_bytes() for p in final.iterdir() if p.is_file()}
    # the daily 02:00 CST runs of 16 and 17 April (18:00 UTC the day before)
    args = ["backfill", "create", "--dag-id", "lcq_evaluation", "--from-date", "2026-04-15T12:00:00+00:00",
            "--to-date", "2026-04-16T23:00:00+00:00"]  # fmt: skip
    proc = airflow_command(args, airflow.env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]

    def backfill_runs():
        runs = airflow.api.get("/api/v2/dags/lcq_evaluation/dagRuns?limit=100")["dag_runs"]
        runs = [r for r in runs if r["run_type"] == "backfill"]
        return runs if len(runs) == 2 and all(r["state"] in ("success", "failed") for r in runs) else None

    runs = _wait("the backfill's runs", backfill_runs, 900, airflow.components)
    states = {}
    for run in runs:
        instances = airflow.wait_for_run("lcq_evaluation", run["dag_run_id"])
        day = datetime.fromisoformat(run["logical_date"]).astimezone(CST).date().isoformat()
        # the engine not chosen (Spark's transform) is skipped on any day: not counted
        states[day] = sorted({ti["state"] for ti in instances if ti["task_id"] != "transform_spark"})
    assert states == {"2026-04-16": ["success"], "2026-04-17": ["skipped"]}, states
    assert settings.published_index.read_bytes() == index_before, "the backfill published a new version"
    assert {p.name: p.read_bytes() for p in final.iterdir() if p.is_file()} == before


ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _screenshots(api: Api, dag: str, run_id: str) -> None:
    """The logged-in DAG list and the run's grid, as a person sees them (tests/artifacts/)."""
    if chromium_binary() is None:
        pytest.skip("no Chromium: apt-get install chromium (.ci/run does)")
    ARTIFACTS.mkdir(exist_ok=True)
    db = "postgresql" if "postgresql" in api.base_db else "sqlite"
    with Chromium(width=1440, height=900, loopback=True) as browser:
        browser.set_cookie(api.base, "_token", api.token)
        for name, path, marker in (
            ("dags", "/dags", "lcq_nightly_provisional"),
            ("grid", f"/dags/{dag}/runs/{run_id}", "transform"),
        ):
            browser.open_url(api.base + path)
            deadline = time.monotonic() + 60
            text = ""
            while marker not in text and time.monotonic() < deadline:
                time.sleep(1)
                text = browser.evaluate("document.body.innerText") or ""
            time.sleep(2)  # let the page settle (icons, durations) before the picture
            shot = browser.screenshot(ARTIFACTS / f"airflow_{name}_{db}.png")
            assert marker in text, f"the {name} page never showed {marker}: {text[:500]!r} (see {shot})"
            assert shot.stat().st_size > 10_000
