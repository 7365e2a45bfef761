"""Names or pseudonyms: how people appear in the report, the HTML export and query results.

Owns the privacy setting. `CLASSCHAT_PRIVACY=named` (the default) shows
display names; `pseudonymous` shows a stable pseudonym instead, everywhere a
result carries a person's name (the columns in `NAME_COLUMNS`) and in the
@mentions inside message text. A pseudonym is a keyed hash (HMAC-SHA256) of
the normalised name, so the same person gets the same pseudonym in every
page, file and query, and nobody without the key can recompute it from a
name. The key is made once per data directory (`.classchat_key`, readable by
its owner only) and is never printed or exported.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

PRIVACY_ENV = "CLASSCHAT_PRIVACY"
MODES = ("named", "pseudonymous")
KEY_FILE = ".classchat_key"

# Result columns that hold a person's name.
NAME_COLUMNS = frozenset(
    {
        "sender_name", "display_name", "recipient", "instructor", "asker", "asker_name",
        "answerer", "answerer_name", "person", "name", "participant",
    }
)
# Result columns that hold message text, whose @mentions are names.
TEXT_COLUMNS = frozenset({"body", "question", "answer", "message", "text"})
_NOT_PEOPLE = {"everyone", "system"}
_MENTION = re.compile(r"@([^\s@,:，：。!?！？]+)")


def privacy_mode(value: str | None = None) -> str:
    """The mode asked for (argument, else $CLASSCHAT_PRIVACY, else named); unknown values are an error."""
    mode = (value or os.environ.get(PRIVACY_ENV) or "named").strip().lower()
    if mode not in MODES:
        raise ValueError(f"privacy mode {mode!r} is not one of {', '.join(MODES)} (set {PRIVACY_ENV})")
    return mode


def _key(data_dir: Path) -> bytes:
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
    return path.read_bytes()


@dataclass(frozen=True)
class Privacy:
    mode: str
    key: bytes = b""

    @classmethod
    def for_data_dir(cls, data_dir: Path, mode: str | None = None) -> Privacy:
        mode = privacy_mode(mode)
        return cls(mode, _key(data_dir) if mode == "pseudonymous" else b"")

    @property
    def named(self) -> bool:
        return self.mode == "named"

    def name(self, value: object) -> object:
        """The name as shown: itself, or its pseudonym ("P-" and 6 letters and digits)."""
        if self.named or not isinstance(value, str) or value.strip().lower() in _NOT_PEOPLE or not value.strip():
            return value
        folded = " ".join(value.lower().split())
        digest = hmac.new(self.key, folded.encode("utf-8"), hashlib.sha256).hexdigest()
        return f"P-{digest[:6]}"

    def text(self, value: object) -> object:
        """Message text with each @mention replaced by the mentioned name's pseudonym."""
        if self.named or not isinstance(value, str):
            return value
        return _MENTION.sub(lambda m: "@" + str(self.name(m.group(1))), value)

    def apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A copy of `frame` with names and mentions shown as this setting says."""
        if self.named:
            return frame
        out = frame.copy()
        for col in out.columns:
            if col in NAME_COLUMNS:
                out[col] = out[col].map(self.name)
            elif col in TEXT_COLUMNS:
                out[col] = out[col].map(self.text)
        return out
