"""The DAGs under a real Airflow: api-server, scheduler, dag-processor and triggerer started as
`lcq airflow` starts them, with the LocalExecutor, on PostgreSQL (a fresh database per run) and on
SQLite. The monthly DAG is triggered through the REST API, as a team would from its tooling, and
must succeed with every step a task; the warehouse writer never runs twice at once."""

from __future__ import annotations

import itertools
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime
from pathlib import Path

import pytest

from live_commerce_quality.core.settings import Settings
from live_commerce_quality.run.airflow_env import (
    ADMIN_USER,
    admin_password,
    airflow_env,
    prepare,
    start_components,
    stop_components,
)
from live_commerce_quality.run.steps import STEPS, WAREHOUSE_WRITERS

from .chromium import Chromium, chromium_binary
from .conftest import LCQ_VARS, build_hand_landing

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PG = "postgresql+psycopg2://postgres@127.0.0.1:5432/{db}"


def _postgres_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
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


@pytest.fixture(params=["postgresql", "sqlite"])
def airflow(request, tmp_path, monkeypatch):
    """A running Airflow for one installation whose landing holds the hand fixture."""
    home = tmp_path / "home"
    build_hand_landing(home / "landing")
    monkeypatch.setenv("LCQ_HOME", str(home))
    for var in (*LCQ_VARS, "AIRFLOW_HOME", "LCQ_AIRFLOW_DB_URL"):
        monkeypatch.delenv(var, raising=False)
    db = None
    if request.param == "postgresql":
        if not _postgres_up():
            pytest.skip("no PostgreSQL on 127.0.0.1:5432 (the SQLite run covers this machine)")
        db = f"lcq_test_{uuid.uuid4().hex[:10]}"
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db], check=True)
        monkeypatch.setenv("LCQ_AIRFLOW_DB_URL", PG.format(db=db))
    settings = Settings.from_env()
    port = _free_port()
    env = airflow_env(settings, port=port)
    prepare(env, say=lambda _: None)
    logs = tmp_path / "airflow-logs"
    components = start_components(env, logs, port)
    api = Api(f"http://127.0.0.1:{port}", admin_password(env), env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    try:
        _wait("the api-server", lambda: api.get("/api/v2/monitor/health"), 180, components)
        api.login()
        yield api, settings, components, logs
    finally:
        stop_components(components)
        if db is not None:
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", db], check=False)


def _intervals(instances: list[dict]) -> dict[str, tuple[datetime, datetime]]:
    return {
        ti["task_id"]: (datetime.fromisoformat(ti["start_date"]), datetime.fromisoformat(ti["end_date"]))
        for ti in instances
    }


def test_monthly_dag_triggered_through_the_api_succeeds_with_one_writer(airflow):
    api, settings, components, logs = airflow
    dag = "lcq_evaluation"
    _wait("the DAGs to be parsed", lambda: api.get(f"/api/v2/dags/{dag}"), 240, components)
    api.patch(f"/api/v2/dags/{dag}", {"is_paused": False})
    conf = {"period": "2026-03", "as_of": "2026-04-15", "publish": True}
    run = api.post(f"/api/v2/dags/{dag}/dagRuns", {"logical_date": None, "conf": conf})
    run_id = run["dag_run_id"]

    def finished():
        state = api.get(f"/api/v2/dags/{dag}/dagRuns/{run_id}")["state"]
        return state if state in ("success", "failed") else None

    try:
        state = _wait("the DAG run to finish", finished, 900, components)
    except AssertionError:
        raise AssertionError((logs / "scheduler.log").read_text()[-4000:]) from None
    instances = api.get(f"/api/v2/dags/{dag}/dagRuns/{run_id}/taskInstances")["task_instances"]
    assert state == "success", [(ti["task_id"], ti["state"]) for ti in instances]
    assert {ti["task_id"] for ti in instances} == {name for name, _ in STEPS}
    assert all(ti["state"] == "success" for ti in instances)

    # every step ran as its own task, in order, and the warehouse had one writer at a time
    spans = _intervals(instances)
    order = [name for name, _ in STEPS]
    for before, after in itertools.pairwise(order):
        assert spans[before][1] <= spans[after][0], f"{after} started before {before} ended"
    writers = sorted(spans[w] for w in WAREHOUSE_WRITERS)
    for (_, end), (start, _) in itertools.pairwise(writers):
        assert end <= start
    assert (settings.published / "2026-03" / "final-2026-04-15" / "ratings.parquet").exists()
    assert Path(settings.airflow_home).is_dir()
    _screenshots(api, dag, run_id)


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
