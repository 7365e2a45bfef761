"""The roster: `raw/roster.csv` checked and landed as `lake/roster.parquet`.

Owns the contract of the roster file: header `course,display_name,user_key,role`,
role one of instructor, ta, student, and two optional columns: `aliases` (other
names the person goes by in chats and attendance reports, separated by `|`: how
staff resolve an unclaimed name, docs/attendance.md) and `email` (matched to an
attendance report's `User Email`). A display name is matched to messages
after normalisation (dbt macro `name_key`), so `Wei  Lin (Laptop)` in a chat
finds `wei lin` here. `user_key` holds a person across courses. Without a
roster the lake still gets an empty roster file, so the warehouse's shape
does not depend on whether one was given. A bad row is an error naming the
file and line.
"""

from __future__ import annotations

import csv

import polars as pl

from classchat.config import Paths
from classchat.files import atomic_path

COLUMNS = ("course", "display_name", "user_key", "role")
OPTIONAL = ("aliases", "email")
ALIAS_SEPARATOR = "|"
ROLES = ("instructor", "ta", "student")
SCHEMA = {
    "course_id": pl.String, "display_name": pl.String, "user_key": pl.String, "role": pl.String,
    "aliases": pl.List(pl.String), "email": pl.String,
}


class RosterError(ValueError):
    """raw/roster.csv has a row classchat cannot use."""


def read_roster(paths: Paths) -> pl.DataFrame:
    """The roster rows (empty frame when there is no raw/roster.csv)."""
    path = paths.raw / "roster.csv"
    if not path.exists():
        return pl.DataFrame(schema=SCHEMA)
    rows = []
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise RosterError(f"{path}: line 1: missing column(s) {', '.join(missing)}; header: {','.join(COLUMNS)}")
        seen: dict[tuple[str, str], int] = {}
        for row in reader:
            line = reader.line_num
            course, name, key, role = ((row.get(c) or "").strip() for c in COLUMNS)
            if not (course and name and key):
                raise RosterError(f"{path}: line {line}: course, display_name and user_key are all required")
            role = role.lower() or "student"
            if role not in ROLES:
                raise RosterError(f"{path}: line {line}: role {role!r} is not one of {', '.join(ROLES)}")
            aliases = [" ".join(a.split()) for a in (row.get("aliases") or "").split(ALIAS_SEPARATOR)]
            aliases = [a for a in aliases if a]
            for written in (name, *aliases):
                folded = (course, " ".join(written.lower().split()))
                if folded in seen:
                    raise RosterError(
                        f"{path}: line {line}: {written!r} is listed twice for course {course} "
                        f"(first on line {seen[folded]})"
                    )
                seen[folded] = line
            email = (row.get("email") or "").strip().lower() or None
            rows.append((course, name, key, role, aliases, email))
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def land_roster(paths: Paths) -> int:
    """Write lake/roster.parquet when it differs from raw/roster.csv; return the number of roster rows."""
    roster = read_roster(paths)
    target = paths.lake / "roster.parquet"
    if not target.exists() or not pl.read_parquet(target).equals(roster):
        with atomic_path(target) as tmp:
            roster.write_parquet(tmp)
    return roster.height
