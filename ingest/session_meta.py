"""Per-file session metadata: `raw/sessions.csv`, and what a file's name says.

Owns how a session gets its date, title, recording start and time zone when
the export itself does not say. `raw/sessions.csv` is optional; its header is
`file,date,title,timezone,instructor,start` (only `file` is required; `file`
is the path below raw/, e.g. `dl101/lecture.txt`). A row wins over what the
file name says; dates inside the export win over both (the parser applies
them). A bad row is an error naming sessions.csv and its line.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

COLUMNS = ("file", "date", "title", "timezone", "instructor", "start")

_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)|GMT(\d{4})(\d{2})(\d{2})")
_GMT_START = re.compile(r"GMT(\d{8})-(\d{6})")
_SLUG_AFTER_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ _]\d{2}[.-]\d{2}(?:[.-]\d{2})?)?[ _-]*")
_GENERIC_STEMS = {"meeting_saved_chat", "meeting_saved_new_chat", "chat", "chat_log"}


class SessionsCsvError(ValueError):
    """raw/sessions.csv has a row classchat cannot use."""


@dataclass(frozen=True)
class SessionMeta:
    session_date: date | None
    title: str
    timezone: str | None
    instructor: str | None
    recording_start: datetime | None  # local time offsets count from (cloud recordings)
    fingerprint: str  # changes when the metadata that shapes the landed rows changes


def read_sessions_csv(raw: Path) -> dict[str, dict[str, str]]:
    """Rows of raw/sessions.csv by file path (empty when there is no such file)."""
    path = raw / "sessions.csv"
    if not path.exists():
        return {}
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "file" not in reader.fieldnames:
            raise SessionsCsvError(f"{path}: line 1: the header needs a `file` column ({','.join(COLUMNS)})")
        unknown = set(reader.fieldnames) - set(COLUMNS)
        if unknown:
            raise SessionsCsvError(f"{path}: line 1: unknown column(s) {', '.join(sorted(unknown))}; "
                                   f"known: {','.join(COLUMNS)}")
        rows: dict[str, dict[str, str]] = {}
        for row in reader:
            line = reader.line_num
            clean = {k: (v or "").strip() for k, v in row.items() if k}
            if not clean.get("file"):
                raise SessionsCsvError(f"{path}: line {line}: empty `file`")
            _check_row(path, line, clean)
            rows[clean["file"]] = clean
    return rows


def _check_row(path: Path, line: int, row: dict[str, str]) -> None:
    if row.get("date"):
        try:
            date.fromisoformat(row["date"])
        except ValueError:
            raise SessionsCsvError(f"{path}: line {line}: date {row['date']!r} is not YYYY-MM-DD") from None
    if row.get("start"):
        try:
            _parse_start(row["start"])
        except ValueError:
            raise SessionsCsvError(
                f"{path}: line {line}: start {row['start']!r} is not HH:MM[:SS] or YYYY-MM-DD HH:MM[:SS]"
            ) from None
    if row.get("timezone"):
        try:
            ZoneInfo(row["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise SessionsCsvError(
                f"{path}: line {line}: unknown time zone {row['timezone']!r} (use a name like Asia/Shanghai)"
            ) from None


def _parse_start(value: str) -> datetime | time:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return time.fromisoformat(value)


def session_meta(rel: str, row: dict[str, str] | None) -> SessionMeta:
    """What is known about the session in file `rel` (path below raw/) before reading it."""
    row = row or {}
    day = date.fromisoformat(row["date"]) if row.get("date") else date_from_path(rel)
    tz = row.get("timezone") or None
    start: datetime | None = None
    if row.get("start"):
        parsed = _parse_start(row["start"])
        if isinstance(parsed, datetime):
            start = parsed
        elif day is not None:
            start = datetime.combine(day, parsed)
    else:
        start = _gmt_start(rel, tz)
    if start is not None and not row.get("date"):
        day = start.date()  # the recording's own start beats a date guessed from the name
    fingerprint = hashlib.sha256(json.dumps(row, sort_keys=True).encode()).hexdigest()[:16]
    return SessionMeta(
        session_date=day,
        title=row.get("title") or title_from_path(rel),
        timezone=tz,
        instructor=row.get("instructor") or None,
        recording_start=start,
        fingerprint=fingerprint,
    )


def date_from_path(rel: str) -> date | None:
    """The session date in a path below the course folder: `YYYY-MM-DD…` or Zoom's `GMT20240816-…`."""
    for part in reversed(rel.split("/")[1:]):
        for m in _DATE_IN_NAME.finditer(part):
            y, mo, d = (int(g) for g in (m.groups()[:3] if m.group(1) else m.groups()[3:]))
            try:
                return date(y, mo, d)
            except ValueError:
                continue
    return None


def title_from_path(rel: str) -> str:
    """A readable title: the file (or its Zoom folder) name without the date, `_` as spaces."""
    parts = rel.split("/")
    stem = Path(parts[-1]).stem
    if stem.lower() in _GENERIC_STEMS and len(parts) > 2:
        stem = parts[-2]
    title = _SLUG_AFTER_DATE.sub("", stem).replace("_", " ").strip()
    return title or stem


def _gmt_start(rel: str, tz: str | None) -> datetime | None:
    """Zoom cloud files are named GMT<YYYYMMDD>-<HHMMSS>: the recording start in UTC, made local if tz is known."""
    m = _GMT_START.search(rel)
    if not m:
        return None
    try:
        utc = datetime.strptime(m.group(1) + m.group(2), "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None
    local = utc.astimezone(ZoneInfo(tz)) if tz else utc
    return local.replace(tzinfo=None)
