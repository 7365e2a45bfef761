"""Keys and pseudonyms: the data directory's secret key, and the keyed hashes that stand for people.

Owns the key file (`.classchat_key`, 32 random bytes, readable by its owner
only, made once per data directory and never written into any output), a
person's pseudonym (`P-` and 6 hex digits of HMAC-SHA256 of the normalised
name, `name_key`: the rule of dbt's macro of the same name), keyed person
ids, and the file name of the pseudonymous twin. Light: the readers (the
report's privacy) import these through `pseudonymise` without pyarrow or
Polars.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import uuid
from pathlib import Path

KEY_FILE = ".classchat_key"
PSEUDONYMOUS_TAG = ".pseudonymous"  # warehouse.duckdb -> warehouse.pseudonymous.duckdb

_PSEUDONYM = re.compile(r"P-[0-9a-f]{6}")

# dbt's macro name_key: lower case, spacing folded, no role tag in front, no device behind.
_ROLE_TAG = re.compile(r"^\s*\[[^\]]*\]\s*")
_DEVICE = re.compile(
    r"\s*(\((laptop|desktop|pc|mac|macbook|iphone|ipad|android|phone|mobile|tablet)\)"
    r"|的\s*(iphone|ipad|android))\s*$"
)


class PseudonymiseError(RuntimeError):
    """The pseudonymous warehouse could not be written; the message is one line."""


def load_key(data_dir: Path) -> bytes:
    """The data directory's secret key (32 random bytes in `.classchat_key`, mode 0600), made on first use."""
    path = Path(data_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{KEY_FILE}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(32))
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)  # never replaces a key another process made meanwhile
            except FileExistsError:
                pass
        finally:
            tmp.unlink(missing_ok=True)
    key = path.read_bytes()
    if len(key) < 16:
        raise PseudonymiseError(f"the key file {path} is damaged (too short); remove it to make a new key")
    return key


def pseudonymous_path(warehouse: Path | str) -> Path:
    """The pseudonymous twin of a warehouse file: `warehouse.duckdb` -> `warehouse.pseudonymous.duckdb`."""
    path = Path(warehouse)
    if path.stem.endswith(PSEUDONYMOUS_TAG):
        return path
    return path.with_name(path.stem + PSEUDONYMOUS_TAG + path.suffix)


def name_key(name: str) -> str:
    """A display name as a person (dbt's macro `name_key`): "[TA] Bo  Li (Laptop)" -> "bo li"."""
    text = _DEVICE.sub("", _ROLE_TAG.sub("", name.lower(), count=1), count=1)
    return " ".join(text.split()) or " ".join(name.lower().split())


def pseudonym(key: bytes, name: str) -> str:
    """A person's pseudonym: "P-" and the first 6 hex digits of HMAC-SHA256(key, name_key(name))."""
    digest = hmac.new(key, name_key(name).encode("utf-8"), hashlib.sha256).hexdigest()
    return f"P-{digest[:6]}"


def pseudonymous_id(key: bytes, value: str) -> str:
    """A person id (user_id, user_key) as 16 hex digits of a keyed hash: the same id gives the same value."""
    return hmac.new(key, b"id:" + value.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def is_pseudonym(value: object) -> bool:
    return isinstance(value, str) and _PSEUDONYM.fullmatch(value) is not None
