"""Names or pseudonyms: how people appear in the report, the HTML export and query results.

Owns the privacy setting, the one place that decides how a person appears.
`CLASSCHAT_PRIVACY=named` (the default) shows display names; `pseudonymous`
shows a stable pseudonym instead, everywhere a result carries a person: name
columns (`NAME_COLUMNS`), person ids (`ID_COLUMNS`, whose md5 of a name could
be guessed), @mentions in text, and, once the warehouse's names are known
(`for_warehouse`), names written in text without an @ ("谢谢林小鹿"). A pseudonym is a keyed hash (HMAC-SHA256) of
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
from collections.abc import Iterable
from dataclasses import dataclass, replace
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
# Result columns that identify a person by an id derived from their name or roster key.
ID_COLUMNS = frozenset({"user_id", "user_key", "asker_user_id", "answerer_user_id"})
# Result columns that hold text people wrote (or terms taken from it), where names appear.
TEXT_COLUMNS = frozenset({"body", "question", "answer", "message", "text", "term", "raw_text"})
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


def names_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """One regex matching any of `names` in text, longest first.

    A name in Latin letters or digits must stand as a word of its own (so "Bo"
    does not match "Both"); a Chinese name matches anywhere, as Chinese text has
    no spaces between words. Case does not matter.
    """
    parts = []
    # one-letter names ("A") would match inside ordinary words and text
    known = {n.strip() for n in names if n and len(n.strip()) >= 2 and n.strip().lower() not in _NOT_PEOPLE}
    for n in sorted(known, key=len, reverse=True):
        body = r"\s+".join(re.escape(w) for w in n.split())
        head = r"(?<![A-Za-z0-9])" if re.match(r"[A-Za-z0-9]", n) else ""
        tail = r"(?![A-Za-z0-9])" if re.search(r"[A-Za-z0-9]$", n) else ""
        parts.append(head + body + tail)
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


@dataclass(frozen=True)
class Privacy:
    mode: str
    key: bytes = b""
    names: re.Pattern[str] | None = None  # the warehouse's names, to find them in text

    @classmethod
    def for_data_dir(cls, data_dir: Path, mode: str | None = None) -> Privacy:
        mode = privacy_mode(mode)
        return cls(mode, _key(data_dir) if mode == "pseudonymous" else b"")

    @classmethod
    def for_warehouse(cls, data_dir: Path, warehouse: Path, mode: str | None = None) -> Privacy:
        """The setting with the warehouse's display names known, so bare names in text are hidden too."""
        privacy = cls.for_data_dir(data_dir, mode)
        if privacy.named or not Path(warehouse).is_file():
            return privacy
        from reports.db import query

        frame = query(
            warehouse,
            "select distinct sender_name as name from messages union select distinct display_name from users",
        )
        return replace(privacy, names=names_pattern(frame["name"].dropna().tolist()))

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
        """Text with each @mention, and each known name, replaced by the pseudonym of the name."""
        if self.named or not isinstance(value, str):
            return value
        value = _MENTION.sub(lambda m: "@" + str(self.name(m.group(1))), value)
        if self.names is not None:
            value = self.names.sub(lambda m: str(self.name(m.group(0))), value)
        return value

    def apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A copy of `frame` with names and mentions shown as this setting says."""
        if self.named:
            return frame
        out = frame.copy()
        for col in out.columns:
            if col in NAME_COLUMNS or col in ID_COLUMNS:
                out[col] = out[col].map(self.name)
            elif col in TEXT_COLUMNS:
                out[col] = out[col].map(self.text)
        return out


def protect(frame: pd.DataFrame, privacy: Privacy | None) -> pd.DataFrame:
    """`frame` as the privacy setting shows people (names, ids, @mentions, names in text); as it is without one."""
    return frame if privacy is None else privacy.apply(frame)
