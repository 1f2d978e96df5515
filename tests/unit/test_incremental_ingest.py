"""A nightly run reads only what is new: a delivered file still as it was when received (size,
times, inode) is not read again; a touched or rewritten one is hashed again, and processed again
only when its bytes changed."""

from __future__ import annotations

import os

from live_commerce_quality.ingest import core

from .ingest_support import ORDER, csv_text, deliver, orders, run


def _count_hashing(monkeypatch) -> list:
    hashed = []
    real = core.sha256_file

    def counting(path):
        hashed.append(path.name)
        return real(path)

    monkeypatch.setattr(core, "sha256_file", counting)
    return hashed


def test_a_file_as_received_is_not_read_again(settings, monkeypatch):
    first = deliver(settings, "orders", "orders.csv", csv_text(orders(3), list(ORDER)))
    deliver(settings, "orders", "more.csv", csv_text(orders(2), list(ORDER)), dt="2026-03-03")
    assert [f.action for f in run(settings).files] == ["processed", "processed"]

    hashed = _count_hashing(monkeypatch)
    again = run(settings)
    assert [f.action for f in again.files] == ["unchanged", "unchanged"]
    assert hashed == [], "files as received are not read again"
    assert again.rows_in == 0 and [f.rows_loaded for f in again.files] == [3, 2]

    # touched (same bytes, new times): hashed once more, still unchanged, then skipped again
    os.utime(first, ns=(first.stat().st_atime_ns, first.stat().st_mtime_ns + 1_000_000_000))
    assert [f.action for f in run(settings).files] == ["unchanged", "unchanged"]
    assert hashed == ["orders.csv"]
    run(settings)
    assert hashed == ["orders.csv"]


def test_a_rewritten_file_of_the_same_size_is_processed_again(settings, monkeypatch):
    path = deliver(settings, "orders", "orders.csv", csv_text(orders(3), list(ORDER)))
    run(settings)
    before = path.stat()
    text = path.read_text().replace("o1", "o7", 1)  # same size, other bytes
    path.write_text(text)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # even with the old mtime
    [result] = run(settings).files
    assert result.action == "processed"
