"""Signed evidence (standard clause 7): the publishing installation signs each folder's
`SHA256SUMS` with Ed25519, so a reader can check who published a rating, not only that it
is intact.

Key: `LCQ_SIGNING_KEY`, a PEM private key (PKCS#8) or the base64 of the 32 raw private bytes
(under Airflow the DAG passes the Variable of the same name through this environment
variable). Without it, a key is generated once per installation at
`<LCQ_HOME>/secrets/signing.key` (PEM, mode 0600) and every use warns that a real
publisher needs an operator-supplied key.

    <folder>/SHA256SUMS.sig          base64 of the 64-byte signature of SHA256SUMS (not in SHA256SUMS)
    <folder>/evidence/signing_key.pub  the public key, PEM (inside SHA256SUMS)
    published/signing_key.pub        the installation's public key, beside the index

A key's fingerprint is `SHA256:` and the hex SHA-256 of its 32 raw public bytes.

    python -m live_commerce_quality.core.signing new-key    prints a new key for LCQ_SIGNING_KEY
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from live_commerce_quality.core.crypto import create_key_file, warn_if_readable

log = logging.getLogger("live_commerce_quality.core.signing")

KEY_ENV = "LCQ_SIGNING_KEY"
SUMS_FILE = "SHA256SUMS"
SIGNATURE_FILE = "SHA256SUMS.sig"
PUBLIC_KEY_FILE = Path("evidence") / "signing_key.pub"


class SigningError(RuntimeError):
    """No usable signing key, or a signature that does not verify; the message says which."""


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    origin: str  # 'LCQ_SIGNING_KEY' or the path of the installation key file
    generated: bool

    def __repr__(self) -> str:  # never print the key
        return f"SigningKey(fingerprint={self.fingerprint}, origin={self.origin!r}, generated={self.generated})"

    @property
    def public_pem(self) -> bytes:
        return public_pem(self.private.public_key())

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.private.public_key())


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "SHA256:" + hashlib.sha256(raw).hexdigest()


def new_key_pem() -> str:
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode("ascii")
    )


def _decode(text: str, where: str) -> Ed25519PrivateKey:
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        else:
            key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(text, validate=True))
    except (ValueError, TypeError, binascii.Error, UnicodeEncodeError) as exc:
        raise SigningError(
            f"{where} is neither an Ed25519 private key in PEM nor the base64 of its 32 raw bytes ({exc}); "
            "make one with: python -m live_commerce_quality.core.signing new-key"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"{where} is a private key, but not an Ed25519 one")
    return key


def signing_key(path: Path) -> SigningKey:
    """The key from LCQ_SIGNING_KEY, else the installation key file at `path` (created once;
    `Layout.signing_key_file`), with a warning."""
    value = os.environ.get(KEY_ENV)
    if value:
        return SigningKey(_decode(value, KEY_ENV), KEY_ENV, generated=False)
    if not path.exists():
        create_key_file(path, new_key_pem(), "signing key", KEY_ENV)
    warn_if_readable(path, "signing key")
    log.warning(
        "signing with the installation key %s (no %s given); a regulator can only tell this installation's "
        "publications apart by its fingerprint",
        path,
        KEY_ENV,
    )
    try:
        text = path.read_text("ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise SigningError(f"cannot read the signing key file {path} ({exc})") from exc
    return SigningKey(_decode(text, f"signing key file {path}"), str(path), generated=True)


def write_public_key(key: SigningKey, folder: Path) -> Path:
    """The public key as evidence of the folder (before its checksums are written)."""
    path = folder / PUBLIC_KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(key.public_pem)
    return path


def sign_folder(key: SigningKey, folder: Path) -> Path:
    """Sign the folder's SHA256SUMS into SHA256SUMS.sig (Ed25519 is deterministic: the same
    key and checksums give the same bytes)."""
    signature = key.private.sign((folder / SUMS_FILE).read_bytes())
    path = folder / SIGNATURE_FILE
    path.write_text(base64.b64encode(signature).decode("ascii") + "\n", encoding="ascii")
    return path


def verify_folder(folder: Path) -> str:
    """Check SHA256SUMS.sig against the public key in the folder's evidence; returns the
    key's fingerprint. Raises SigningError naming what is wrong."""
    try:
        pem = (folder / PUBLIC_KEY_FILE).read_bytes()
        public = serialization.load_pem_public_key(pem)
    except (OSError, ValueError) as exc:
        raise SigningError(f"{PUBLIC_KEY_FILE.as_posix()}: no usable public key ({exc})") from None
    if not isinstance(public, Ed25519PublicKey):
        raise SigningError(f"{PUBLIC_KEY_FILE.as_posix()}: not an Ed25519 public key")
    try:
        signature = base64.b64decode((folder / SIGNATURE_FILE).read_text("ascii").strip(), validate=True)
        public.verify(signature, (folder / SUMS_FILE).read_bytes())
    except (OSError, ValueError, binascii.Error, UnicodeDecodeError, InvalidSignature) as exc:
        reason = "does not verify" if isinstance(exc, InvalidSignature) else f"unreadable ({exc})"
        raise SigningError(
            f"{SIGNATURE_FILE}: the signature of {SUMS_FILE} {reason} with the key {fingerprint(public)}"
        ) from None
    return fingerprint(public)


def read_fingerprint(pem_path: Path) -> str | None:
    """The fingerprint of a public key file, or None when there is none."""
    try:
        public = serialization.load_pem_public_key(pem_path.read_bytes())
    except (OSError, ValueError):
        return None
    return fingerprint(public) if isinstance(public, Ed25519PublicKey) else None


if __name__ == "__main__":  # pragma: no cover
    import sys

    if sys.argv[1:] == ["new-key"]:
        print(new_key_pem(), end="")
    else:
        print("usage: python -m live_commerce_quality.core.signing new-key", file=sys.stderr)
        sys.exit(2)
