"""One writer at a time: an exclusive file lock that waits, then refuses with a message.

DuckDB allows one writing process per database file; the archive and the standardised
layer are likewise written by one ingest at a time. Airflow's pool and `max_active_runs`
keep a scheduler's runs apart; this lock also keeps apart a CLI run, a backfill and a
scheduled run started by different people.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)


class LockTimeout(RuntimeError):
    pass


@contextmanager
def exclusive(path: Path, what: str, timeout_s: float | None = None) -> Iterator[IO[str]]:
    """Hold the lock on `path` for the block; yields the locked file.

    The lock belongs to the open file, not to the process: a child process given the file
    (`subprocess.run(..., pass_fds=[f.fileno()])`) keeps it locked until the child ends too,
    even if this process is killed first.
    """
    if timeout_s is None:
        timeout_s = float(os.environ.get("LCQ_LOCK_TIMEOUT_S", "900"))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        deadline = time.monotonic() + timeout_s
        waited = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not waited:
                    handle.seek(0)
                    holder = handle.read().strip() or "another process"
                    log.warning("the %s is being written by %s; waiting up to %.0f s", what, holder, timeout_s)
                    waited = True
                if time.monotonic() >= deadline:
                    raise LockTimeout(
                        f"the {what} is still being written by another run after {timeout_s:.0f} s "
                        f"(lock {path}); try again when it has finished"
                    ) from None
                time.sleep(0.5)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield handle
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
