"""The archive keeps every original encrypted at rest (AES-256-GCM), readable only in memory."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import stat

import pytest

from live_commerce_quality.core import crypto
from live_commerce_quality.core.settings import PROJECT_ROOT, Settings
from live_commerce_quality.ingest import archive, load_receipts, read_archived
from live_commerce_quality.ingest import core as ingest_core

from .ingest_support import (
    DT,
    RAW_ADDRESS,
    RAW_BUYER,
    RAW_PHONE,
    csv_text,
    deliver,
    orders,
    result,
    run,
)

GOOD_CSV = csv_text(orders(3))
KEY_A = base64.b64encode(b"A" * 32).decode()
KEY_B = base64.b64encode(b"B" * 32).decode()


def _archived(settings: Settings, r) -> bytes:
    return archive.archived_path(settings, r.source, r.dt, r.file_sha256, r.file_name).read_bytes()


def test_archived_original_is_encrypted_and_reads_back(settings):
    deliver(settings, "orders", "orders.csv", GOOD_CSV)
    r = result(run(settings), "orders.csv")
    stored = _archived(settings, r)
    assert stored.startswith(crypto.MAGIC)
    assert len(stored) == len(GOOD_CSV.encode()) + crypto.HEADER_BYTES + crypto.TAG_BYTES
    for secret in (RAW_BUYER, RAW_PHONE, RAW_ADDRESS, "order_id"):
        assert secret.encode() not in stored
    assert read_archived(settings, "orders", DT, r.file_sha256, "orders.csv") == GOOD_CSV.encode()
    # the receipt beside it names the plaintext identity and the ciphertext's own digest
    receipt = json.loads((settings.archive_version("orders", r.dt, r.file_sha256) / "receipt.json").read_text())
    entry = receipt["orders.csv"]
    assert entry["file_sha256"] == hashlib.sha256(GOOD_CSV.encode()).hexdigest() == r.file_sha256
    assert entry["archive"] == {
        "file": "orders.csv.enc",
        "format": "lcq-archive-1",
        "cipher": "AES-256-GCM",
        "key_id": crypto.archive_key(settings.archive_key_file).key_id,
        "ciphertext_sha256": hashlib.sha256(stored).hexdigest(),
    }
    # the current receipts (deterministic) carry the plaintext identity only
    assert load_receipts(settings)["file_sha256"].to_list() == [r.file_sha256]


def test_a_random_nonce_per_file(settings):
    deliver(settings, "orders", "a.csv", GOOD_CSV)
    deliver(settings, "orders", "b.csv", GOOD_CSV)
    report = run(settings)
    a, b = (_archived(settings, result(report, n)) for n in ("a.csv", "b.csv"))
    assert a[:16] == b[:16]  # magic and key id
    assert a[16:28] != b[16:28]  # nonce
    assert a[28:] != b[28:]


def test_installation_key_created_once_with_mode_0600_and_a_warning_every_run(settings, caplog):
    deliver(settings, "orders", "orders.csv", GOOD_CSV)
    path = settings.home / "secrets" / "archive.key"
    with caplog.at_level(logging.WARNING):
        report = run(settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert len(base64.b64decode(path.read_text())) == 32
    first = path.read_bytes()
    assert caplog.text.count("LCQ_ARCHIVE_KEY is not set") == 1
    assert f"archive encrypted with the installation key {path}" in report.summary()
    caplog.clear()
    deliver(settings, "orders", "more.csv", csv_text(orders(1)))
    with caplog.at_level(logging.WARNING):
        run(settings)
    assert path.read_bytes() == first  # created once, reused
    assert caplog.text.count("LCQ_ARCHIVE_KEY is not set") == 1  # once per run
    assert "created the installation archive key" not in caplog.text


def test_operator_key_from_environment(settings, monkeypatch, caplog):
    monkeypatch.setenv("LCQ_ARCHIVE_KEY", KEY_A)
    deliver(settings, "orders", "orders.csv", GOOD_CSV)
    with caplog.at_level(logging.WARNING):
        report = run(settings)
    r = result(report, "orders.csv")
    assert not (settings.home / "secrets").exists()
    assert "LCQ_ARCHIVE_KEY is not set" not in caplog.text and report.archive_key_file is None
    assert read_archived(settings, "orders", DT, r.file_sha256, "orders.csv") == GOOD_CSV.encode()
    # the key is the one supplied: a key object made from the same bytes decrypts it
    key = crypto.ArchiveKey(b"A" * 32, "test", generated=False)
    assert archive.read_archived(settings, "orders", DT, r.file_sha256, "orders.csv", key=key) == GOOD_CSV.encode()


def test_wrong_key_is_a_clear_error_naming_the_file(settings, monkeypatch):
    monkeypatch.setenv("LCQ_ARCHIVE_KEY", KEY_A)
    deliver(settings, "orders", "orders.csv", GOOD_CSV)
    r = result(run(settings), "orders.csv")
    monkeypatch.setenv("LCQ_ARCHIVE_KEY", KEY_B)
    with pytest.raises(crypto.ArchiveDecryptError) as err:
        read_archived(settings, "orders", DT, r.file_sha256, "orders.csv")
    message = str(err.value)
    assert f"orders/dt={DT}/orders.csv" in message and r.file_sha256 in message
    assert "encrypted with another key" in message and "LCQ_ARCHIVE_KEY" in message
    assert KEY_A not in message and KEY_B not in message


def test_damaged_or_moved_ciphertext_fails_authentication(settings):
    deliver(settings, "orders", "orders.csv", GOOD_CSV)
    deliver(settings, "orders", "other.csv", csv_text(orders(1)))
    report = run(settings)
    r, other = result(report, "orders.csv"), result(report, "other.csv")
    path = archive.archived_path(settings, "orders", r.dt, r.file_sha256, "orders.csv")
    good = path.read_bytes()
    path.write_bytes(good[:40] + bytes([good[40] ^ 1]) + good[41:])
    with pytest.raises(crypto.ArchiveDecryptError, match="fails authentication"):
        read_archived(settings, "orders", DT, r.file_sha256, "orders.csv")
    # a valid ciphertext put in the place of another original does not pass for it
    path.write_bytes(_archived(settings, other))
    with pytest.raises(crypto.ArchiveDecryptError, match="fails authentication"):
        read_archived(settings, "orders", DT, r.file_sha256, "orders.csv")
    path.write_bytes(b"plain text")
    with pytest.raises(crypto.ArchiveDecryptError, match="not an encrypted archive file"):
        read_archived(settings, "orders", DT, r.file_sha256, "orders.csv")
    with pytest.raises(FileNotFoundError, match="not in the archive"):
        read_archived(settings, "orders", DT, "0" * 64, "orders.csv")


def test_reading_the_archive_writes_nothing(settings):
    deliver(settings, "orders", "orders.csv", GOOD_CSV)
    r = result(run(settings), "orders.csv")
    before = sorted(p for p in settings.home.rglob("*"))
    read_archived(settings, "orders", DT, r.file_sha256, "orders.csv")
    assert sorted(p for p in settings.home.rglob("*")) == before


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("not base64!", "is not valid base64"),
        (base64.b64encode(b"short").decode(), "decodes to 5 bytes, not 32"),
    ],
)
def test_malformed_operator_key(settings, monkeypatch, value, reason):
    monkeypatch.setenv("LCQ_ARCHIVE_KEY", value)
    deliver(settings, "orders", "orders.csv", GOOD_CSV)
    with pytest.raises(crypto.ArchiveKeyError, match=reason) as err:
        run(settings)
    assert value not in str(err.value)
    assert not settings.archive.exists()


def test_url_safe_key_is_accepted(monkeypatch, tmp_path):
    key = bytes(range(200, 232))
    monkeypatch.setenv("LCQ_ARCHIVE_KEY", base64.urlsafe_b64encode(key).decode())
    assert crypto.archive_key(tmp_path / "archive.key").key == key


def test_key_file_is_never_created_among_tracked_files(monkeypatch):
    monkeypatch.delenv(crypto.KEY_ENV, raising=False)
    home = PROJECT_ROOT / "tests" / "no-such-home"
    with pytest.raises(crypto.ArchiveKeyError, match="not ignored by git"):
        crypto.archive_key(home / "secrets" / "archive.key")
    assert not home.exists()


def test_file_changed_while_archived_is_rejected_then_read_again(settings, monkeypatch):
    deliver(settings, "orders", "orders.csv", GOOD_CSV)
    real = ingest_core.sha256_file
    monkeypatch.setattr(ingest_core, "sha256_file", lambda p: ("0" * 64, real(p)[1]))
    r = result(run(settings), "orders.csv")
    assert r.status == "rejected" and r.reason.startswith("the file changed while it was being archived")
    assert list(settings.archive_version("orders", r.dt, "0" * 64).glob("*.enc")) == []
    monkeypatch.setattr(ingest_core, "sha256_file", real)
    again = result(run(settings), "orders.csv")
    assert (again.action, again.status, again.rows_loaded) == ("processed", "loaded", 3)


def test_plain_originals_of_an_earlier_version_are_encrypted(settings):
    """An archive written before encryption (plain `<sha>/<name>`) is encrypted on the next
    run; a plain copy whose bytes do not match its folder's digest is left alone."""
    deliver(settings, "orders", "orders.csv", GOOD_CSV)
    r = result(run(settings), "orders.csv")
    folder = settings.archive_version("orders", r.dt, r.file_sha256)
    # make it look like the earlier layout
    (folder / "orders.csv.enc").unlink()
    (folder / "orders.csv").write_bytes(GOOD_CSV.encode())
    receipt = json.loads((folder / "receipt.json").read_text())
    del receipt["orders.csv"]["archive"]
    (folder / "receipt.json").write_text(json.dumps(receipt))
    odd = settings.archive_version("orders", r.dt, "f" * 64)
    odd.mkdir()
    (odd / "x.csv").write_bytes(b"not the bytes of ffff...")
    (odd / "receipt.json").write_text(json.dumps({"x.csv": {"source": "orders", "dt": DT}}))
    settings.archive_encrypted_marker.unlink()

    assert archive.encrypt_plaintext_originals(settings, crypto.archive_key(settings.archive_key_file)) == 1
    assert sorted(p.name for p in folder.iterdir()) == ["orders.csv.enc", "receipt.json"]
    assert read_archived(settings, "orders", DT, r.file_sha256, "orders.csv") == GOOD_CSV.encode()
    receipt = json.loads((folder / "receipt.json").read_text())
    assert receipt["orders.csv"]["archive"]["cipher"] == "AES-256-GCM"
    assert (odd / "x.csv").exists()
    assert settings.archive_encrypted_marker.exists()  # once done, the walk is not repeated
