"""Attendance reports: Zoom's participants CSV next to the chats, landed as Parquet.

Owns how a participants report is recognised, read and landed (docs/attendance.md).
A file `raw/<course>/…/*.csv` is an attendance report when one of its records is a
participant-table header: a name column (`Name (Original Name)` or `Name`) and
`Join Time` and `Leave Time`, in any capitalisation and spacing. What Zoom writes
around it, as seen in real reports (tests/fixtures/attendance/README.md):

- the meeting block first (`Meeting ID, Topic, Start Time, End Time, User Email,
  Duration (Minutes), Participants`, then one row of values), a separator (a blank
  line, or a row of commas when the file went through a spreadsheet), then the table;
- or the table alone;
- table columns `Name (Original Name), User Email, Join Time, Leave Time,
  Duration (Minutes), Guest`, with or without `Recording Consent` and
  `In Waiting Room`; a flattened export may repeat `Meeting ID` and `Topic` per row;
- times `MM/DD/YYYY hh:mm:ss AM` (12-hour) or 24-hour, ISO `YYYY-MM-DD HH:MM:SS`,
  `Aug 12, 2026 10:00 AM`, or a time of day alone (dated by the meeting block or
  the file name). A file whose dates have a first field above 12 is read day first;
- one row per join: a person who rejoins has several rows.

Every record of a report is accounted for: meeting header and values, separators,
the table header, participant rows landed, and rejected rows (with line and reason);
the manifest holds the counts. Landing follows the chats' guarantees: a file's bytes
are landed once (by sha256), the same bytes under another name are a duplicate, a
file that cannot be read is listed as failed with its reason and never stops the
others, a landed report whose file is gone is kept until `prune`. Three files, each
replaced in one rename and always present (empty when there are no reports):
`lake/attendance.parquet` (participant rows), `lake/attendance_rejects.parquet` and
the manifest `lake/attendance_files.parquet`, written last (the commit point: the
warehouse reads only rows whose (source_file, sha256) it names as landed).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl

from classchat.config import Paths
from classchat.files import atomic_path
from classchat.ingest.decode import UnreadableFile, decode_bytes
from classchat.ingest.session_meta import date_from_path

ATTENDANCE_VERSION = 1  # bump when what lands from the same bytes changes: every report is read again
SUFFIXES = {".csv"}

MANIFEST_SCHEMA = {
    "source_file": pl.String,
    "course_id": pl.String,
    "session_key": pl.String,  # <course>/<path below the course without .csv>, as a chat's session_id
    "sha256": pl.String,
    "size_bytes": pl.Int64,
    "reader_version": pl.Int32,
    "layout": pl.String,  # zoom_meeting (meeting block + table) | zoom_table (the table alone)
    "encoding": pl.String,
    "status": pl.String,  # landed | duplicate | failed
    "reason": pl.String,
    "meeting_id": pl.String,
    "topic": pl.String,
    "meeting_start": pl.Datetime("us"),
    "meeting_end": pl.Datetime("us"),
    "session_date": pl.Date,
    "day_first": pl.Boolean,
    "n_records": pl.Int64,  # CSV records (lines) in the file
    "n_meeting_records": pl.Int64,  # meeting block header and values
    "n_blank_records": pl.Int64,  # blank lines and rows of empty cells
    "n_header_records": pl.Int64,  # the participant table's header
    "n_rows": pl.Int64,  # participant rows landed
    "n_rejected": pl.Int64,  # records rejected, with line and reason
    "ingested_at": pl.Datetime("us"),
}
ROW_SCHEMA = {
    "source_file": pl.String,
    "file_sha256": pl.String,
    "course_id": pl.String,
    "line_no": pl.Int64,
    "participant": pl.String,  # the cell as written: `Name (Original Name)`
    "display_name": pl.String,  # the name in the meeting (the cell without a trailing `(…)`)
    "original_name": pl.String,  # the `(…)` part: the name before a rename (or a tag such as `(TA)`)
    "email": pl.String,
    "join_at": pl.Datetime("us"),
    "leave_at": pl.Datetime("us"),
    "duration_minutes": pl.Int64,  # as the report says
    "is_guest": pl.Boolean,
    "recording_consent": pl.String,
    "in_waiting_room": pl.Boolean,
}
REJECT_SCHEMA = {
    "source_file": pl.String,
    "file_sha256": pl.String,
    "course_id": pl.String,
    "line_no": pl.Int64,
    "raw_text": pl.String,
    "reason": pl.String,
}

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


@dataclass
class AttendanceReport:
    """What landing attendance reports did, for the command line and the tests."""

    landed: list[dict] = field(default_factory=list)  # manifest rows written this run
    n_unchanged: int = 0
    n_missing: int = 0
    warnings: list[str] = field(default_factory=list)

    def summary_lines(self) -> list[str]:
        new = [r for r in self.landed if r["status"] == "landed"]
        if not self.landed and not self.n_unchanged and not self.n_missing:
            return []
        lines = [
            f"attendance: {len(new)} report(s) landed ({sum(r['n_rows'] for r in new)} participant rows, "
            f"{sum(r['n_rejected'] for r in new)} rejected), {self.n_unchanged} unchanged, "
            f"{len(self.landed) - len(new)} not landed"
        ]
        if self.n_missing:
            lines.append(f"  {self.n_missing} landed report(s) are no longer in raw/; kept (--prune drops them)")
        lines += [f"  WARNING {w}" for w in self.warnings]
        for row in self.landed:
            if row["status"] == "duplicate":
                lines.append(f"  skipped {row['source_file']}: {row['reason']}")
            elif row["status"] == "failed":
                lines.append(f"  NOT LANDED {row['source_file']}: {row['reason']}")
            elif row["n_rejected"]:
                lines.append(f"  {row['source_file']}: {row['n_rejected']} row(s) rejected, see attendance rejects")
        return lines


def manifest_path(paths: Paths) -> Path:
    return paths.lake / "attendance_files.parquet"


def rows_path(paths: Paths) -> Path:
    return paths.lake / "attendance.parquet"


def rejects_path(paths: Paths) -> Path:
    return paths.lake / "attendance_rejects.parquet"


def _read(path: Path, schema: dict) -> pl.DataFrame:
    if path.exists():
        frame = pl.read_parquet(path)
        missing = [pl.lit(None, t).alias(c) for c, t in schema.items() if c not in frame.columns]
        return frame.with_columns(missing).select(list(schema)).cast(schema)
    return pl.DataFrame(schema=schema)


def read_attendance_manifest(paths: Paths) -> pl.DataFrame:
    return _read(manifest_path(paths), MANIFEST_SCHEMA)


def scan_reports(raw: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files named *.csv inside a course folder of `raw` (raw/sessions.csv and raw/roster.csv are not
    reports), in path order, and (relative path, reason) for such entries that are not regular files."""
    files: list[Path] = []
    problems: list[tuple[str, str]] = []
    for folder, dirs, names in os.walk(raw):
        dirs.sort()
        if Path(folder) == raw:
            continue
        for name in sorted(names + [d for d in dirs if Path(d).suffix.lower() in SUFFIXES]):
            path = Path(folder) / name
            if path.suffix.lower() not in SUFFIXES:
                continue
            rel = path.relative_to(raw).as_posix()
            try:
                st = path.stat()
            except OSError as exc:
                problems.append((rel, f"cannot read the file: {exc.strerror or exc}"))
                continue
            if stat.S_ISREG(st.st_mode):
                files.append(path)
            else:
                problems.append((rel, "not a regular file"))
    return sorted(files), problems


def _new_row(rel: str, now: datetime) -> dict:
    row = dict.fromkeys(MANIFEST_SCHEMA)
    row.update(
        source_file=rel, course_id=rel.split("/")[0], session_key=rel.rsplit(".", 1)[0],
        reader_version=ATTENDANCE_VERSION, ingested_at=now,
        n_records=0, n_meeting_records=0, n_blank_records=0, n_header_records=0, n_rows=0, n_rejected=0,
    )
    return row


def land_attendance(paths: Paths, *, prune: bool = False, rebuild: bool = False) -> AttendanceReport:
    """Land every new or changed attendance report under raw/<course>/; return what happened."""
    report = AttendanceReport()
    now = datetime.now()
    try:
        old = read_attendance_manifest(paths) if not rebuild else pl.DataFrame(schema=MANIFEST_SCHEMA)
        old_rows = _read(rows_path(paths), ROW_SCHEMA)
        old_rejects = _read(rejects_path(paths), REJECT_SCHEMA)
    except Exception as exc:  # a damaged lake file: every report lands again from raw/
        report.warnings.append(f"attendance lake damaged ({type(exc).__name__}); every report is read again from raw/")
        old = pl.DataFrame(schema=MANIFEST_SCHEMA)
        old_rows, old_rejects = pl.DataFrame(schema=ROW_SCHEMA), pl.DataFrame(schema=REJECT_SCHEMA)
    old_by_path = {r["source_file"]: r for r in old.iter_rows(named=True)}
    landed_shas = {r["sha256"]: r["source_file"] for r in old_by_path.values() if r["status"] == "landed"}
    keep: dict[str, dict] = {}
    new_rows: list[pl.DataFrame] = []
    new_rejects: list[pl.DataFrame] = []
    files, problems = scan_reports(paths.raw)
    for rel, why in problems:
        row = _new_row(rel, now)
        row.update(status="failed", reason=why)
        keep[rel] = row
        report.landed.append(row)
    present = {p.relative_to(paths.raw).as_posix() for p in files}
    moved: set[str] = set()
    for path in files:
        rel = path.relative_to(paths.raw).as_posix()
        before = old_by_path.get(rel)
        try:
            data = path.read_bytes()
        except OSError as exc:
            row = _new_row(rel, now)
            row.update(status="failed", reason=f"cannot read the file: {exc.strerror or exc}")
            keep[rel] = before if before and before["status"] == "landed" else row
            report.landed.append(row)
            continue
        sha = hashlib.sha256(data).hexdigest()
        if before and before["sha256"] == sha and before["reader_version"] == ATTENDANCE_VERSION:
            keep[rel] = before
            report.n_unchanged += 1
            continue
        row = _new_row(rel, now)
        row.update(sha256=sha, size_bytes=len(data))
        keep[rel] = row
        report.landed.append(row)
        if sha in landed_shas and landed_shas[sha] != rel:
            if landed_shas[sha] in present:
                row.update(status="duplicate", reason=f"same bytes as {landed_shas[sha]}, which is already landed")
                continue
            moved.add(landed_shas[sha])  # renamed: the report lands under its new name, the old one goes
        try:
            decoded = decode_bytes(data)
            row["encoding"] = decoded.encoding
            parsed = parse_report(decoded.text, file_date=date_from_path(rel))
        except (UnreadableFile, ReportError) as exc:
            row.update(status="failed", reason=f"unreadable: {exc}" if isinstance(exc, UnreadableFile) else str(exc))
            continue
        landed_shas[sha] = rel
        meeting = parsed.meeting
        first_join = min((r["join_at"] for r in parsed.rows), default=None)
        day = (
            (meeting.get("meeting_start") or first_join).date()
            if (meeting.get("meeting_start") or first_join) else date_from_path(rel)
        )
        named = date_from_path(rel)
        if named and day and named != day:
            report.warnings.append(
                f"{rel}: the report is dated {day}, its name says {named}; the report's own date wins"
            )
        row.update(
            status="landed", layout=parsed.layout, meeting_id=meeting.get("meeting_id"),
            topic=meeting.get("topic"), meeting_start=meeting.get("meeting_start"),
            meeting_end=meeting.get("meeting_end"), session_date=day, day_first=parsed.day_first,
            n_records=parsed.n_records, n_meeting_records=parsed.n_meeting_records,
            n_blank_records=parsed.n_blank_records, n_header_records=parsed.n_header_records,
            n_rows=len(parsed.rows), n_rejected=len(parsed.rejects),
        )
        per_file = {"source_file": rel, "file_sha256": sha, "course_id": row["course_id"]}
        new_rows.append(pl.DataFrame([per_file | r for r in parsed.rows], schema=ROW_SCHEMA, orient="row"))
        new_rejects.append(pl.DataFrame(
            [per_file | {"line_no": n, "raw_text": t, "reason": why} for n, t, why in parsed.rejects],
            schema=REJECT_SCHEMA, orient="row",
        ))
    gone = {
        rel: r for rel, r in old_by_path.items() if rel not in keep and r["status"] == "landed" and rel not in moved
    }
    if not prune:
        report.n_missing = len(gone)
        keep.update(gone)
    manifest = pl.DataFrame(list(keep.values()), schema=MANIFEST_SCHEMA, orient="row").sort("source_file")
    landed = manifest.filter(pl.col("status") == "landed").select("source_file", "sha256")
    named_before = old.filter(pl.col("status") == "landed").select("source_file", "sha256")

    def current(frame: pl.DataFrame, fresh: list[pl.DataFrame], keys: pl.DataFrame) -> pl.DataFrame:
        both = pl.concat([frame, *fresh], how="vertical")
        return both.join(keys.rename({"sha256": "file_sha256"}), on=["source_file", "file_sha256"], how="semi")

    # data first, holding the rows of both manifests; then the manifest (the commit point); then trim
    union_keys = pl.concat([landed, named_before]).unique()
    rows = current(old_rows, new_rows, union_keys).unique(maintain_order=True)
    rejects = current(old_rejects, new_rejects, union_keys).unique(maintain_order=True)
    _write_if_changed(rows, rows_path(paths))
    _write_if_changed(rejects, rejects_path(paths))
    _write_if_changed(manifest, manifest_path(paths))
    _write_if_changed(current(rows, [], landed), rows_path(paths))
    _write_if_changed(current(rejects, [], landed), rejects_path(paths))
    return report


def _write_if_changed(frame: pl.DataFrame, target: Path) -> None:
    if target.exists():
        try:
            old = pl.read_parquet(target)
            if old.schema == frame.schema and old.equals(frame):
                return
        except Exception:  # a damaged file is replaced
            pass
    with atomic_path(target) as tmp:
        frame.write_parquet(tmp, compression="zstd", compression_level=1, statistics=True)
