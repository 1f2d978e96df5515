"""Encryption at rest of the archived originals: AES-256-GCM with a key the operator supplies.

The archive keeps every delivered file for verification, personal fields included, so its
files are encrypted; only the process that re-reads an original decrypts it, in memory.

Key: `LCQ_ARCHIVE_KEY`, the base64 of 32 random bytes (under Airflow the DAG passes the
Variable of the same name through this environment variable). Without it, a key is
generated once per installation at `<LCQ_HOME>/secrets/archive.key` (mode 0600) and every
run warns that real data needs an operator-supplied key. Losing the key loses the archive:
keep a copy of it apart from the data.

File format, version 1 (one file per archived original):

    offset 0    8 bytes   magic b"LCQARC01"
    offset 8    8 bytes   key id: HMAC-SHA256(key, "lcq archive key id")[:8]
    offset 16  12 bytes   nonce, random per file
    offset 28   n bytes   AES-256-GCM ciphertext of the original bytes (n = original size)
    last       16 bytes   GCM tag

The additional authenticated data is the 28 header bytes followed by the SHA-256 digest of
the original, so a file moved under another original's identity fails authentication. The
key id tells a wrong key apart from a damaged file without revealing anything of the key.

    python -m live_commerce_quality.core.crypto new-key    prints a new key for LCQ_ARCHIVE_KEY
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import logging
import os
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from live_commerce_quality.core.layout import PROJECT_ROOT

log = logging.getLogger("live_commerce_quality.core.crypto")

KEY_ENV = "LCQ_ARCHIVE_KEY"
KEY_BYTES = 32
MAGIC = b"LCQARC01"
KEY_ID_BYTES = 8
NONCE_BYTES = 12
TAG_BYTES = 16
HEADER_BYTES = len(MAGIC) + KEY_ID_BYTES + NONCE_BYTES
CIPHER_NAME = "AES-256-GCM"
FORMAT_NAME = "lcq-archive-1"
_CHUNK = 8 * 1024 * 1024


class ArchiveKeyError(RuntimeError):
    """No usable archive key (malformed LCQ_ARCHIVE_KEY, unreadable key file, ...)."""


class ArchiveDecryptError(RuntimeError):
    """An archived file that cannot be decrypted or verified; the message names the file."""


@dataclass(frozen=True)
class ArchiveKey:
    key: bytes
    origin: str  # 'LCQ_ARCHIVE_KEY' or the path of the installation key file
    generated: bool  # the installation key file, not a key the operator supplied

    def __repr__(self) -> str:  # never print the key
        return f"ArchiveKey(id={self.key_id}, origin={self.origin!r}, generated={self.generated})"

    @property
    def key_id(self) -> str:
        return _key_id(self.key).hex()


def _key_id(key: bytes) -> bytes:
    return hmac.new(key, b"lcq archive key id", hashlib.sha256).digest()[:KEY_ID_BYTES]


def new_key_text() -> str:
    """A new random key, as LCQ_ARCHIVE_KEY expects it."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def _decode_key(text: str, where: str) -> bytes:
    text = text.strip()
    try:
        key = base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise ArchiveKeyError(
            f"{where} is not valid base64; it must be the base64 of {KEY_BYTES} random bytes "
            "(make one with: python -m live_commerce_quality.core.crypto new-key)"
        ) from None
    if len(key) != KEY_BYTES:
        raise ArchiveKeyError(
            f"{where} decodes to {len(key)} bytes, not {KEY_BYTES}; it must be the base64 of "
            f"{KEY_BYTES} random bytes (make one with: python -m live_commerce_quality.core.crypto new-key)"
        )
    return key


def _tracked_by_git(path: Path) -> bool:
    """True when `path` lies in a git work tree and git would not ignore it."""
    try:
        path.resolve().relative_to(PROJECT_ROOT)
    except ValueError:
        return False
    if not (PROJECT_ROOT / ".git").exists():
        return False
    try:
        proc = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "check-ignore", "-q", str(path)], capture_output=True, check=False
        )
    except OSError:
        return False
    return proc.returncode == 1  # 0: ignored, 1: not ignored, 128: error (not a work tree)


def create_key_file(path: Path, text: str, what: str, env: str) -> None:
    """Write a new per-installation key file atomically (mode 0600); another process may win
    the race. `what` names the key in errors ("archive key"), `env` the variable that replaces it."""
    if _tracked_by_git(path):
        raise ArchiveKeyError(
            f"refusing to create the {what} at {path}: it is inside the repository and not "
            f"ignored by git; set {env} or point LCQ_HOME outside the tracked files"
        )
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        with contextlib.suppress(FileExistsError):  # another process made it first: theirs wins
            os.link(tmp, path)
    finally:
        os.unlink(tmp)


def warn_if_readable(path: Path, what: str) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("%s file %s is readable by others (mode %o); it should be 0600", what, path, mode)


def archive_key(path: Path) -> ArchiveKey:
    """The key from LCQ_ARCHIVE_KEY, else the installation key file at `path` (created once;
    `Layout.archive_key_file`)."""
    value = os.environ.get(KEY_ENV)
    if value:
        return ArchiveKey(_decode_key(value, KEY_ENV), KEY_ENV, generated=False)
    if not path.exists():
        create_key_file(path, new_key_text() + "\n", "archive key", KEY_ENV)
        log.warning("created the installation archive key %s (mode 0600); keep a copy of it apart from the data", path)
    warn_if_readable(path, "archive key")
    try:
        text = path.read_text("ascii")
    except (OSError, UnicodeDecodeError) as e:
        raise ArchiveKeyError(f"cannot read the archive key file {path} ({e})") from e
    return ArchiveKey(_decode_key(text, f"archive key file {path}"), str(path), generated=True)


# --------------------------------------------------------------------------- files


def _aad(header: bytes, sha256_hex: str) -> bytes:
    return header + bytes.fromhex(sha256_hex)


@dataclass(frozen=True)
class Encrypted:
    plaintext_sha256: str
    ciphertext_sha256: str
    size: int  # bytes of the original


def encrypt_stream(src: BinaryIO, dst: BinaryIO, key: ArchiveKey, sha256_hex: str) -> Encrypted:
    """Encrypt `src` into `dst` in chunks. `sha256_hex` is the original's SHA-256, bound
    into the tag; the returned digest of what was actually read must be checked against it."""
    nonce = os.urandom(NONCE_BYTES)
    header = MAGIC + _key_id(key.key) + nonce
    enc = Cipher(algorithms.AES(key.key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(_aad(header, sha256_hex))
    plain, cipher = hashlib.sha256(), hashlib.sha256()
    size = 0

    def out(b: bytes) -> None:
        cipher.update(b)
        dst.write(b)

    out(header)
    while chunk := src.read(_CHUNK):
        plain.update(chunk)
        size += len(chunk)
        out(enc.update(chunk))
    out(enc.finalize())
    out(enc.tag)
    return Encrypted(plain.hexdigest(), cipher.hexdigest(), size)


def decrypt_bytes(blob: bytes, key: ArchiveKey, sha256_hex: str, label: str) -> bytes:
    """The original bytes of an encrypted archive file, verified against `sha256_hex`.

    `label` names the file in errors. Raises ArchiveDecryptError for another key, a damaged
    or tampered file, or an original whose SHA-256 is not the expected one.
    """
    if len(blob) < HEADER_BYTES + TAG_BYTES or not blob.startswith(MAGIC):
        raise ArchiveDecryptError(f"{label}: not an encrypted archive file ({FORMAT_NAME}), or truncated")
    header = blob[:HEADER_BYTES]
    file_key_id = header[len(MAGIC) : len(MAGIC) + KEY_ID_BYTES]
    if not hmac.compare_digest(file_key_id, _key_id(key.key)):
        raise ArchiveDecryptError(
            f"{label}: encrypted with another key (key id {file_key_id.hex()}; the key from {key.origin} "
            f"has id {key.key_id}); supply the {KEY_ENV} the file was archived with"
        )
    nonce = header[len(MAGIC) + KEY_ID_BYTES :]
    try:
        data = AESGCM(key.key).decrypt(nonce, blob[HEADER_BYTES:], _aad(header, sha256_hex))
    except InvalidTag:
        raise ArchiveDecryptError(
            f"{label}: fails authentication with the right key: the file is damaged or was altered, "
            f"or it is not the original with SHA-256 {sha256_hex}"
        ) from None
    got = hashlib.sha256(data).hexdigest()
    if got != sha256_hex:  # cannot happen unless the file was made with this key from other bytes
        raise ArchiveDecryptError(f"{label}: decrypts to bytes with SHA-256 {got}, not {sha256_hex}")
    return data


if __name__ == "__main__":  # pragma: no cover
    import sys

    if sys.argv[1:] == ["new-key"]:
        print(new_key_text())
    else:
        print("usage: python -m live_commerce_quality.core.crypto new-key", file=sys.stderr)
        sys.exit(2)
