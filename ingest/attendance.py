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

This module owns the landing: the lake files' schemas and paths, finding
reports under raw/<course>/, deciding what is new, changed, a duplicate or
gone, and writing the three files. Reading one report's text (the header,
the meeting block, times, names, rejects) is `attendance_csv`'s; its public
names are importable from here as before.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl

from classchat.config import Paths
from classchat.files import atomic_path
from classchat.ingest.attendance_csv import (
    ParsedReport,
    ReportError,
    header_fields,
    is_attendance_report,
    parse_report,
    parse_time,
    split_participant,
)
from classchat.ingest.decode import UnreadableFile, decode_bytes
from classchat.ingest.session_meta import date_from_path

__all__ = [
    "ATTENDANCE_VERSION", "MANIFEST_SCHEMA", "REJECT_SCHEMA", "ROW_SCHEMA", "SUFFIXES", "AttendanceReport",
    "ParsedReport", "ReportError", "header_fields", "is_attendance_report", "land_attendance", "manifest_path",
    "parse_report", "parse_time", "read_attendance_manifest", "rejects_path", "rows_path", "scan_reports",
    "split_participant",
]

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
