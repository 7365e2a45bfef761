"""Reading one attendance report: Zoom's participants CSV, record by record.

Owns the report's grammar (docs/attendance.md): which record is the
participant-table header (a name column, `Join Time` and `Leave Time`, any
capitalisation and spacing), the meeting block and separators before it, the
time formats (12- or 24-hour, ISO, month names, a time of day alone, day
first when a date's first field is above 12), splitting `Name (Original
Name)`, and why a record is rejected. `parse_report` turns a report's text
into a `ParsedReport`, or raises `ReportError` when the file is not one
classchat reads. `attendance` lands what it reads and re-exports these names.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

# normalised header cell -> field
_COLUMNS = {
    "name (original name)": "participant", "name": "participant", "participant": "participant",
    "participant name": "participant", "user email": "email", "email": "email", "e-mail": "email",
    "join time": "join", "leave time": "leave", "duration (minutes)": "duration", "duration (mins)": "duration",
    "duration": "duration", "guest": "guest", "recording consent": "consent", "in waiting room": "waiting",
    "meeting id": "meeting_id", "topic": "topic",
}
_MEETING_COLUMNS = {"meeting id": "meeting_id", "topic": "topic", "start time": "start", "end time": "end"}
_UNIQUE_USERS = "total duration (minutes)"
_DATE_FORMATS = {False: ("%m/%d/%Y", "%Y-%m-%d", "%b %d, %Y", "%b %d %Y"),
                 True: ("%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y", "%b %d, %Y", "%b %d %Y")}
_TIME_FORMATS = ("%I:%M:%S %p", "%I:%M %p", "%H:%M:%S", "%H:%M")
_SLASH_DATE = re.compile(r"^\s*(\d{1,2})[/.](\d{1,2})[/.]\d{4}")
_TRAILING_PAREN = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


class ReportError(ValueError):
    """The file is not an attendance report classchat can read (the whole file fails)."""


def _norm(cell: str) -> str:
    return " ".join(cell.replace("\ufeff", "").strip().strip('"').lower().split())


def header_fields(cells: list[str]) -> dict[str, int] | None:
    """Field -> column index when `cells` is a participant-table header, else None."""
    names = [_norm(c) for c in cells]
    fields: dict[str, int] = {}
    for i, name in enumerate(names):
        key = _COLUMNS.get(name)
        if key is None or key in fields:
            # a flattened export repeats `User Email` (host, then participant): the one after the name wins
            if key == "email" and "participant" in fields and fields["email"] < fields["participant"]:
                fields["email"] = i
            continue
        fields[key] = i
    if "participant" in fields and "join" in fields and "leave" in fields:
        return fields
    return None


def is_attendance_report(text: str) -> bool:
    """Whether `text` holds a participant-table header (the file is read as an attendance report)."""
    try:
        return any(header_fields(cells) for cells in csv.reader(io.StringIO(text)))
    except csv.Error:
        return False


@dataclass
class ParsedReport:
    layout: str
    meeting: dict = field(default_factory=dict)  # meeting_id, topic, meeting_start, meeting_end
    day_first: bool = False
    rows: list[dict] = field(default_factory=list)
    rejects: list[tuple[int, str, str]] = field(default_factory=list)  # (line, raw text, reason)
    n_records: int = 0
    n_meeting_records: int = 0
    n_blank_records: int = 0
    n_header_records: int = 0


def _records(text: str) -> list[tuple[int, list[str], str]]:
    """(first line number, cells, raw text) of every CSV record; a cell may span lines (quoted)."""
    lines = text.splitlines(keepends=True)
    reader = csv.reader(lines)
    out = []
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            end = reader.line_num
            out.append((start, None, "".join(lines[start - 1:end]).rstrip("\r\n"), f"not CSV: {exc}"))
            start = end + 1
            continue
        end = reader.line_num
        out.append((start, cells, "".join(lines[start - 1:end]).rstrip("\r\n"), None))
        start = end + 1
    return out


def _day_first(cells: list[str]) -> bool:
    """A report is read day first when one of its dates cannot be month first (a first field above 12)."""
    return any((m := _SLASH_DATE.match(c)) and int(m.group(1)) > 12 for c in cells)


def parse_time(value: str, *, day_first: bool, default_date: date | None) -> datetime | None:
    """A report's time cell as a datetime (None when it does not read); a time alone takes `default_date`."""
    value = " ".join(value.strip().split())
    if not value:
        return None
    for d in _DATE_FORMATS[day_first]:
        for t in _TIME_FORMATS:
            try:
                return datetime.strptime(value, f"{d} {t}")
            except ValueError:
                continue
    if default_date is not None:
        for t in _TIME_FORMATS:
            try:
                return datetime.combine(default_date, datetime.strptime(value, t).time())
            except ValueError:
                continue
    return None


def _flag(value: str) -> bool | None:
    v = value.strip().lower()
    return True if v in _YES else False if v in _NO else None


def split_participant(cell: str) -> tuple[str, str | None]:
    """`Name (Original Name)` -> (name, original name); a cell without a trailing `(…)` has no original."""
    cell = " ".join(cell.split())
    m = _TRAILING_PAREN.match(cell)
    if m and m.group(1).strip() and m.group(2).strip():
        return m.group(1).strip(), m.group(2).strip()
    return cell, None


def parse_report(text: str, *, file_date: date | None) -> ParsedReport:
    """Read one attendance report's text; raise ReportError when it is not one classchat reads."""
    records = _records(text)
    header_at = next(
        (i for i, (_, cells, _, err) in enumerate(records) if err is None and header_fields(cells)), None
    )
    if header_at is None:
        if any(err is None and _UNIQUE_USERS in [_norm(c) for c in cells] for _, cells, _, err in records):
            raise ReportError(
                "a participants report without Join Time and Leave Time (Zoom's 'Show unique users' "
                "export): export it again with that box unticked"
            )
        raise ReportError(
            "not an attendance report: no participant table header "
            "(Name (Original Name), Join Time, Leave Time)"
        )
    every_cell = [c for _, cells, _, err in records if err is None for c in cells]
    out = ParsedReport(layout="zoom_table", day_first=_day_first(every_cell), n_records=len(records))
    # before the table: the meeting block (its header and one row of values), separators, else rejected
    meeting_header: dict[str, int] | None = None
    for line, cells, raw, err in records[:header_at]:
        names = [_norm(c) for c in cells] if err is None else []
        if err is None and not any(c.strip() for c in cells):
            out.n_blank_records += 1
        elif err is None and meeting_header is None and "meeting id" in names:
            meeting_header = {_MEETING_COLUMNS[n]: i for i, n in enumerate(names) if n in _MEETING_COLUMNS}
            out.n_meeting_records += 1
        elif err is None and meeting_header is not None and not out.meeting:
            def cell(key: str, cells: list[str] = cells) -> str:
                i = meeting_header.get(key)
                return cells[i].strip() if i is not None and i < len(cells) else ""

            out.meeting = {"meeting_id": cell("meeting_id") or None, "topic": cell("topic") or None,
                           "start_text": cell("start"), "end_text": cell("end")}
            out.n_meeting_records += 1
            out.layout = "zoom_meeting"
        else:
            out.rejects.append((line, raw, err or "text before the participant table"))
    meeting_date = None
    if out.meeting:
        out.day_first = out.day_first or _day_first([out.meeting["start_text"], out.meeting["end_text"]])
        start = parse_time(out.meeting.pop("start_text"), day_first=out.day_first, default_date=file_date)
        end = parse_time(out.meeting.pop("end_text"), day_first=out.day_first, default_date=file_date)
        if start is None:
            start = _date_only(records[:header_at], out.day_first)
        out.meeting.update(meeting_start=start, meeting_end=end)
        meeting_date = start.date() if start else None
    fields = header_fields(records[header_at][1])
    out.n_header_records = 1
    width = max(fields.values()) + 1
    day = meeting_date or file_date
    for line, cells, raw, err in records[header_at + 1:]:
        if err is not None:
            out.rejects.append((line, raw, err))
            continue
        if not any(c.strip() for c in cells):
            out.n_blank_records += 1
            continue
        if header_fields(cells):
            out.rejects.append((line, raw, "a second participant table header (one table per report)"))
            continue
        if len(cells) < width:
            out.rejects.append((line, raw, f"{len(cells)} field(s), the header has {width}"))
            continue

        def get(key: str, cells: list[str] = cells) -> str:
            i = fields.get(key)
            return cells[i].strip() if i is not None else ""

        participant = " ".join(get("participant").split())
        if not participant:
            out.rejects.append((line, raw, "no participant name"))
            continue
        join = parse_time(get("join"), day_first=out.day_first, default_date=day)
        leave = parse_time(get("leave"), day_first=out.day_first, default_date=day)
        if join is None:
            out.rejects.append((line, raw, f"join time does not read: {get('join')!r}"))
            continue
        if leave is None:
            out.rejects.append((line, raw, f"leave time does not read: {get('leave')!r}"))
            continue
        if leave < join and day is not None and len(get("leave")) <= 11:  # a time of day alone past midnight
            leave += timedelta(days=1)
        if leave < join:
            out.rejects.append((line, raw, "leave time before join time"))
            continue
        duration = get("duration")
        name, original = split_participant(participant)
        out.rows.append({
            "line_no": line,
            "participant": participant,
            "display_name": name,
            "original_name": original,
            "email": get("email").lower() or None,
            "join_at": join,
            "leave_at": leave,
            "duration_minutes": int(duration) if duration.isdigit() else None,
            "is_guest": _flag(get("guest")),
            "recording_consent": get("consent") or None,
            "in_waiting_room": _flag(get("waiting")),
        })
        if "meeting_id" in fields and not out.meeting.get("meeting_id") and get("meeting_id"):
            out.meeting["meeting_id"] = get("meeting_id")
        if "topic" in fields and not out.meeting.get("topic") and get("topic"):
            out.meeting["topic"] = get("topic")
    return out


def _date_only(records, day_first: bool) -> datetime | None:
    """A meeting start written as a date alone (`Sep 11 2026`): midnight of that day."""
    for _, cells, _, err in records:
        for c in cells if err is None else []:
            for d in _DATE_FORMATS[day_first]:
                try:
                    return datetime.strptime(" ".join(c.split()), d)
                except ValueError:
                    continue
    return None
