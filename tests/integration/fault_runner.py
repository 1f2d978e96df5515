"""Run one evaluation in this process, optionally killed (SIGKILL) at a chosen point.

    python tests/integration/fault_runner.py --landing L --period P --as-of C --out DIR
        [--publish] [--fault POINT] [--stall-file PATH] [--code-version V]

The faults are injected here, by wrapping the function that runs at that point, so the
product carries no fault hooks. Each point is in the middle of a step, where a real crash
would leave the most behind:

    ingest      before the 5th file's `_current` pointer is written: its archived original,
                standardised rows and receipt exist, the pointer that makes it current not
    dbt         while dbt builds int_orders_scored: this process and dbt die together
    dbt-orphan  likewise, but only this process dies: dbt goes on writing the warehouse
    gate        once the marts' quality gate has judged, before its result is recorded
    grade       after indicators.parquet is streamed, before ratings.parquet is written
    publish     once the evaluation is copied beside the old folder, before the swap
    publish-swap  right after the new folder took the old one's place, before the old is removed
    publication after the publication folder is moved into place, before the index lists it
    stall-dbt   not a kill: after dbt, still holding the warehouse lock, touch
                `<stall-file>.ready` and wait until `<stall-file>` exists (concurrency tests)

The test that starts this script expects exit by SIGKILL; an exit code of 0 means the fault
point was never reached.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

KILL_IN_DBT_MODEL = "START sql table model main.int_orders_scored"


def die(whole_group: bool = False) -> None:
    sys.stderr.write("fault_runner: killing\n")
    sys.stderr.flush()
    if whole_group:
        os.killpg(os.getpgrp(), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)


def inject(point: str, stall_file: Path | None) -> None:
    from live_commerce_quality import quality
    from live_commerce_quality.ingest import archive
    from live_commerce_quality.publish import publication
    from live_commerce_quality.run import steps
    from live_commerce_quality.transform import dbt as transform_dbt

    if point == "ingest":
        original = archive.write_current
        calls = {"n": 0}

        def write_current(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 5:
                die()
            return original(*args, **kwargs)

        archive.write_current = write_current

    elif point in ("dbt", "dbt-orphan"):
        real_run = subprocess.run

        def run(cmd, **kwargs):
            if not str(cmd[0]).endswith("dbt"):
                return real_run(cmd, **kwargs)
            log = Path(cmd[cmd.index("--log-path") + 1]) / "dbt.log"
            seen = log.stat().st_size if log.exists() else 0  # the log is appended to
            # as the pipeline asks (its environment, the warehouse lock), without capturing output
            proc = subprocess.Popen(
                cmd,
                env=kwargs.get("env"),
                pass_fds=kwargs.get("pass_fds", ()),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            while proc.poll() is None:
                if log.exists():
                    with open(log, "rb") as fh:
                        fh.seek(seen)
                        if KILL_IN_DBT_MODEL.encode() in fh.read():
                            die(whole_group=point == "dbt")
                time.sleep(0.02)
            raise RuntimeError(f"dbt finished (exit {proc.returncode}) before the fault point")

        transform_dbt.subprocess = type("subprocess_with_fault", (), {"run": staticmethod(run)})

    elif point == "gate":
        original_validate = quality.validate_marts

        def validate_marts(*args, **kwargs):
            original_validate(*args, **kwargs)
            die()

        quality.validate_marts = validate_marts

    elif point == "grade":
        original_write = steps.write_parquet

        def write_parquet(frame, path):
            if path.name == "ratings.parquet" and path.parent.name == "output":
                assert (path.parent / "indicators.parquet").exists(), "grade writes its indicators first"
                die()
            return original_write(frame, path)

        steps.write_parquet = write_parquet

    elif point == "publish":
        original_copytree = shutil.copytree

        def copytree(src, dst, *args, **kwargs):
            result = original_copytree(src, dst, *args, **kwargs)
            if Path(dst).name.endswith(".incoming") and "published" not in Path(dst).parts:
                die()
            return result

        shutil.copytree = copytree

    elif point == "publish-swap":
        from live_commerce_quality.core import folders

        original_exchange = folders.exchange

        def exchange(a, b):
            if not original_exchange(a, b):
                raise RuntimeError("this file system cannot exchange folders: no fault point")
            die()

        folders.exchange = exchange

    elif point == "publication":

        def update_index(*args, **kwargs):
            die()

        publication._update_index = update_index

    elif point == "stall-dbt":
        original_dbt = transform_dbt.run_dbt

        def run_dbt(*args, **kwargs):
            original_dbt(*args, **kwargs)
            Path(f"{stall_file}.ready").write_text(str(os.getpid()))
            while not stall_file.exists():
                time.sleep(0.1)

        transform_dbt.run_dbt = run_dbt

    else:
        raise SystemExit(f"unknown fault point {point!r}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--landing", required=True)
    parser.add_argument("--period", required=True)
    parser.add_argument("--as-of", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--publish", action="store_true")
    parser.add_argument("--fault")
    parser.add_argument("--stall-file", type=Path)
    parser.add_argument("--code-version", help="the code version the evidence records (see test_faults.py)")
    args = parser.parse_args()
    if args.code_version:
        from live_commerce_quality.publish import evidence

        evidence.code_version = lambda: args.code_version
    if args.fault:
        inject(args.fault, args.stall_file)
    from live_commerce_quality.run.steps import run_evaluation

    folder = run_evaluation(args.landing, args.period, args.as_of, out=args.out, publish=args.publish)
    print(f"evaluation written to {folder}")


if __name__ == "__main__":
    main()
