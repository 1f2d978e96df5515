"""One callable in a fresh child process, measured: wall time and the peak resident memory of
the child and of every process under it (dbt's, for the transform step).

The child is a new interpreter (`python -m live_commerce_quality.bench.measure SPEC`), so
nothing the parent imported or allocated counts for it. Memory is read two ways:

- `maxrss_mb`: the kernel's peak RSS of the child and its reaped descendants, from the
  rusage `os.wait4` returns (on Linux, the largest single process of the tree; exact);
- `tree_rss_mb`: the largest sum of RSS over the child's live process tree, sampled every
  0.1 s (a step's Python process waiting on dbt holds its own memory meanwhile).

`peak_rss_mb` is the larger of the two. `seconds` is the call itself, timed inside the child
(its imports excluded); `process_seconds` runs from spawn to exit (interpreter start and
imports included). With `mem_cap_gb`, the tree is killed when its RSS passes the cap, and the
measurement says it ran out of memory at that size.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import select
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

SAMPLE_S = 0.1
MB = 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Measured:
    ok: bool
    seconds: float | None  # the call, timed in the child
    process_seconds: float  # spawn to exit
    peak_rss_mb: float
    maxrss_mb: float
    tree_rss_mb: float
    result: Any = None
    error: str | None = None
    out_of_memory_gb: float | None = None
    log: str | None = None

    def summary(self) -> dict:
        """What the report keeps (the call's own result is not part of it)."""
        d = {k: v for k, v in asdict(self).items() if k != "result" and v is not None}
        if self.ok:
            d.pop("log", None)
        for k in ("seconds", "process_seconds"):
            if d.get(k) is not None:
                d[k] = round(d[k], 2)
        for k in ("peak_rss_mb", "maxrss_mb", "tree_rss_mb"):
            d[k] = round(d[k])
        return d


def run(
    target: str,
    kwargs: dict,
    env: dict[str, str] | None = None,
    log_path: Path | None = None,
    mem_cap_gb: float | None = None,
) -> Measured:
    """Call `module:function(**kwargs)` in a child process with environment `env`; its output
    goes to `log_path`. Never raises for the child's failure: `ok` and `error` say it."""
    work = Path(tempfile.mkdtemp(prefix="lcq-measure-"))
    spec, result_path = work / "spec.json", work / "result.json"
    spec.write_text(json.dumps({"target": target, "kwargs": kwargs, "result": str(result_path)}))
    log_path = log_path or work / "child.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_DUP2, log_fd, 1),
        (os.POSIX_SPAWN_DUP2, log_fd, 2),
    ]
    argv = [sys.executable, "-m", __name__, str(spec)]
    started = time.monotonic()
    try:
        pid = os.posix_spawn(sys.executable, argv, dict(os.environ if env is None else env), file_actions=actions)
    finally:
        os.close(log_fd)
    status, maxrss_kb, tree_peak, capped = _wait(pid, None if mem_cap_gb is None else mem_cap_gb * 1024 * MB)
    elapsed = time.monotonic() - started
    child = json.loads(result_path.read_text()) if result_path.exists() else {}
    for p in (spec, result_path):
        p.unlink(missing_ok=True)
    maxrss = maxrss_kb / 1024
    m = Measured(
        ok=bool(child.get("ok")) and not capped,
        seconds=child.get("seconds"),
        process_seconds=elapsed,
        peak_rss_mb=max(maxrss, tree_peak / MB),
        maxrss_mb=maxrss,
        tree_rss_mb=tree_peak / MB,
        result=child.get("result"),
        error=child.get("error"),
        log=str(log_path),
    )
    if capped:
        m.out_of_memory_gb = mem_cap_gb
        m.error = f"out of memory at {mem_cap_gb:g} GB (stopped after {elapsed:.1f} s)"
    elif not m.ok and m.error is None:
        m.error = f"child ended with status {os.waitstatus_to_exitcode(status)} (see {log_path})"
    if work != log_path.parent:
        _rmdir_quietly(work)
    return m


def _rmdir_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.rmdir()


def _wait(pid: int, cap_bytes: float | None) -> tuple[int, int, int, bool]:
    """Sample the tree's RSS until the child ends; (wait status, ru_maxrss KiB, peak tree RSS
    bytes, whether the cap stopped it)."""
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    peak, capped = 0, False
    try:
        while True:
            got, status, usage = os.wait4(pid, os.WNOHANG)
            if got == pid:
                return status, usage.ru_maxrss, peak, capped
            tree = _tree(pid)
            rss = sum(_rss(p) for p in tree)
            peak = max(peak, rss)
            if cap_bytes is not None and rss > cap_bytes and not capped:
                capped = True
                for p in reversed(tree):  # the child's own descendants first, then the child
                    _kill(p)
            if pidfd is not None:
                select.select([pidfd], [], [], SAMPLE_S)
            else:
                time.sleep(SAMPLE_S)
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _tree(pid: int) -> list[int]:
    """`pid` and its live descendants, parents before children."""
    found, i = [pid], 0
    while i < len(found):
        p = found[i]
        i += 1
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tasks:
            try:
                with open(f"/proc/{p}/task/{t}/children") as fh:
                    found.extend(int(c) for c in fh.read().split())
            except OSError:
                continue
    return found


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _child(spec_path: str) -> int:
    """The child's side: import the target, time the call, write its result as JSON."""
    spec = json.loads(Path(spec_path).read_text())
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    module, _, name = spec["target"].partition(":")
    fn = getattr(importlib.import_module(module), name)
    started = time.monotonic()
    try:
        out = {"ok": True, "result": fn(**spec["kwargs"])}
    except BaseException as exc:  # reported to the parent, which goes on with the next measurement
        traceback.print_exc()
        out = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:2000]}
    out["seconds"] = time.monotonic() - started
    Path(spec["result"]).write_text(json.dumps(out, default=str))
    return 0 if out["ok"] else 1


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1]))
