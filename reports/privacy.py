"""Names or pseudonyms: which database file a reader opens, and so how people appear.

Owns the privacy setting. `CLASSCHAT_PRIVACY=named` (the default) reads
`warehouse.duckdb` and shows display names. `pseudonymous` reads only the
pseudonymous warehouse, `warehouse.pseudonymous.duckdb`, which every build
writes beside it (`classchat.pseudonymise`, rules in docs/privacy.md): it
holds the public tables alone, with every name, person id, @mention and name
written in text already replaced by a stable keyed pseudonym. Privacy is
therefore by construction: nothing in the report, the export or a query
rewrites results, and no SQL, however written, can reach a name that is not
in the file it opens (`reports.db.warehouse_for` picks the file; its
connection cannot open another).

A pseudonym ("P-" and 6 hex digits) is a keyed hash (HMAC-SHA256) of the
normalised name, so the same person gets the same pseudonym in every page,
file and query, and nobody without the key can recompute it from a name. The
key is made once per data directory (`.classchat_key`, readable by its owner
only); readers never need it, only the build that writes the pseudonymous
file (and `Privacy.name`, to compute the pseudonym of a name one knows).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from classchat.pseudonymise import KEY_FILE, load_key, pseudonym, pseudonymous_path

__all__ = ["KEY_FILE", "MODES", "PRIVACY_ENV", "Privacy", "privacy_mode"]

PRIVACY_ENV = "CLASSCHAT_PRIVACY"
MODES = ("named", "pseudonymous")


def privacy_mode(value: str | None = None) -> str:
    """The mode asked for (argument, else $CLASSCHAT_PRIVACY, else named); unknown values are an error."""
    mode = (value or os.environ.get(PRIVACY_ENV) or "named").strip().lower()
    if mode not in MODES:
        raise ValueError(f"privacy mode {mode!r} is not one of {', '.join(MODES)} (set {PRIVACY_ENV})")
    return mode


@dataclass(frozen=True)
class Privacy:
    """A privacy setting: its mode, and (only to compute pseudonyms of known names) the data directory's key."""

    mode: str
    key: bytes = b""

    @classmethod
    def for_data_dir(cls, data_dir: Path, mode: str | None = None) -> Privacy:
        """The setting with the data directory's key (made if missing) in pseudonymous mode, for `name()`."""
        mode = privacy_mode(mode)
        return cls(mode, load_key(Path(data_dir)) if mode == "pseudonymous" else b"")

    @classmethod
    def for_warehouse(cls, data_dir: Path, warehouse: Path, mode: str | None = None) -> Privacy:
        """The setting a reader of `warehouse` needs: the mode alone (the pseudonymous file needs no key)."""
        return cls(privacy_mode(mode))

    @property
    def named(self) -> bool:
        return self.mode == "named"

    def warehouse(self, warehouse: Path | str) -> Path:
        """The database file this setting reads: `warehouse` itself, or its pseudonymous twin."""
        return Path(warehouse) if self.named else pseudonymous_path(warehouse)

    def name(self, value: object) -> object:
        """A real name as this setting shows it: itself, or its pseudonym (the one the pseudonymous file holds).

        Needs the key (`for_data_dir`). Values read from the pseudonymous file are
        pseudonyms already: show them as they are, never through this.
        """
        if self.named or not isinstance(value, str) or not value.strip():
            return value
        if value.strip().lower() in ("everyone", "system"):
            return value
        if not self.key:
            raise ValueError("this privacy setting has no key: use Privacy.for_data_dir to compute pseudonyms")
        return pseudonym(self.key, value)
