"""The bench's measurement of a child process: the peak RSS covers the processes the child
starts (as dbt's under the transform step), a failure is reported, and the memory cap stops
a process tree that grows past it."""

from __future__ import annotations

import sys

from live_commerce_quality.bench import measure

GRANDCHILD = "import time; b = bytearray(300 * 2**20); b[::4096] = b'x' * len(b[::4096]); time.sleep(0.5)"
GROWING = (
    "import time\nb = []\nfor _ in range(60):\n"
    "    b.append(bytearray(50 * 2**20)); b[-1][::4096] = b'x' * 12800; time.sleep(0.05)"
)


def test_peak_memory_includes_the_childs_own_processes(tmp_path):
    m = measure.run(
        "subprocess:run", {"args": [sys.executable, "-c", GRANDCHILD], "check": True}, log_path=tmp_path / "log"
    )
    assert m.ok, m.error
    assert m.peak_rss_mb >= 300 and m.maxrss_mb >= 300
    assert m.seconds is not None and m.seconds >= 0.5 and m.process_seconds >= m.seconds


def test_a_failing_call_is_reported_not_raised(tmp_path):
    m = measure.run("subprocess:run", {"args": [sys.executable, "-c", "raise SystemExit(3)"], "check": True})
    assert not m.ok
    assert "CalledProcessError" in m.error


def test_the_memory_cap_stops_the_tree(tmp_path):
    m = measure.run("subprocess:run", {"args": [sys.executable, "-c", GROWING]}, mem_cap_gb=0.4)
    assert not m.ok
    assert m.out_of_memory_gb == 0.4
    assert m.error.startswith("out of memory at 0.4 GB")
    assert 400 <= m.peak_rss_mb < 3000
