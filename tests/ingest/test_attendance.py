"""Attendance reports (ingest/attendance.py): every real layout lands, every record is accounted for,
re-runs are idempotent, a bad report never stops the others, encodings, and round trips of the CSV
variants (hypothesis). Real runs of `ingest`, reading the lake back; no mocks."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import polars as pl
from helpers import FIXTURES, add_export, copy_fixture
from hypothesis import given, settings
from hypothesis import strategies as st

from classchat.ingest import ingest
from classchat.ingest.attendance import (
    parse_report,
    read_attendance_manifest,
    rejects_path,
    rows_path,
    split_participant,
)

PLAIN_CHAT = "10:05:42\t  Ana Lima : hello\n10:06:00\t  Bo Chen : hi\n"

# fixture -> (layout, participant rows, meeting id, session date)
EXPECTED = {
    "table_consent_12h.csv": ("zoom_table", 5, None, "2024-03-04"),
    "meeting_block_comma_separator.csv": ("zoom_meeting", 3, "84512093347", "2024-03-11"),
    "meeting_block_trailing_comma.csv": ("zoom_meeting", 2, "91122334455", "2021-01-21"),
    "meeting_block_quoted.csv": ("zoom_meeting", 4, "812 3456 7890", "2026-08-12"),
    "waiting_room_24h.csv": ("zoom_table", 3, None, "2023-06-15"),
    "lowercase_time_only.csv": ("zoom_meeting", 2, "973 0329 0176", "2026-09-11"),
    "flattened_iso.csv": ("zoom_table", 3, "987654321", "2026-03-20"),
}


def _land_all_fixtures(paths):
    for f in sorted((FIXTURES / "attendance").glob("*.csv")):
        copy_fixture(paths, "course", f"attendance/{f.name}")
    add_export(paths, "course", "2024-03-04_lecture.txt", PLAIN_CHAT)
    return ingest(paths)


def test_every_real_layout_lands_and_every_record_is_accounted_for(paths):
    report = _land_all_fixtures(paths)
    manifest = read_attendance_manifest(paths)
    by_file = {r["source_file"].split("/")[-1]: r for r in manifest.iter_rows(named=True)}
    for name, (layout, n_rows, meeting_id, day) in EXPECTED.items():
        row = by_file[name]
        assert (row["status"], row["layout"], row["n_rows"], row["meeting_id"], str(row["session_date"])) == (
            "landed", layout, n_rows, meeting_id, day,
        ), name
        assert row["n_rejected"] == 0
        assert row["n_records"] == (
            row["n_meeting_records"] + row["n_blank_records"] + row["n_header_records"] + row["n_rows"]
            + row["n_rejected"]
        )
        assert row["encoding"] == "utf-8"
    unique = by_file["unique_users.csv"]
    assert unique["status"] == "failed" and "Show unique users" in unique["reason"]
    rows = pl.read_parquet(rows_path(paths))
    assert rows.height == sum(n for _, n, _, _ in EXPECTED.values())
    # the chat landed beside them, as always
    assert [r["status"] for r in report.landed] == ["landed"]
    lines = "\n".join(report.summary_lines())
    assert "attendance: 7 report(s) landed (22 participant rows, 0 rejected)" in lines
    assert "NOT LANDED course/unique_users.csv" in lines


def test_rows_read_as_written(paths):
    _land_all_fixtures(paths)
    rows = pl.read_parquet(rows_path(paths))
    kofi = rows.filter(pl.col("display_name") == "033_Kofi Mensah").sort("join_at")
    assert kofi["join_at"].to_list() == [datetime(2024, 3, 4, 10, 8, 10), datetime(2024, 3, 4, 10, 24, 12)]
    assert kofi["is_guest"].to_list() == [False, False]
    tomas = rows.filter(pl.col("participant") == "031_Tomas Brandt (Tomas B.)").row(0, named=True)
    assert (tomas["display_name"], tomas["original_name"], tomas["email"]) == (
        "031_Tomas Brandt", "Tomas B.", "tbrandt@example.edu",
    )
    assert tomas["leave_at"] == datetime(2024, 3, 4, 11, 1, 59)  # 12-hour
    annika = rows.filter(pl.col("display_name") == "Annika Berg").sort("join_at")
    assert annika["in_waiting_room"].to_list() == [True, False]
    assert annika["join_at"][0] == datetime(2023, 6, 15, 13, 58)  # 24-hour, day first (15/06)
    chidi = rows.filter(pl.col("participant") == "Okafor, Chidi").row(0, named=True)
    assert chidi["email"] is None and chidi["join_at"] == datetime(2026, 8, 12, 10, 5)
    dewi = rows.filter(pl.col("display_name") == "Dewi Lestari").row(0, named=True)
    assert dewi["join_at"] == datetime(2026, 9, 11, 18, 14)  # a time alone, dated by the meeting block


def test_idempotent_and_changes_land(paths):
    _land_all_fixtures(paths)
    files = [rows_path(paths), rejects_path(paths), paths.lake / "attendance_files.parquet"]
    before = {f: f.stat().st_mtime_ns for f in files}
    again = ingest(paths)
    assert again.attendance.n_unchanged == 8 and again.attendance.landed == []
    assert {f: f.stat().st_mtime_ns for f in files} == before  # nothing rewritten
    # a longer report replaces its rows; the others stay
    target = paths.raw / "course" / "flattened_iso.csv"
    target.write_text(
        target.read_text() + "CHEM 201 Week 4,987654321,Late Comer,,2026-03-20 09:40:00,2026-03-20 09:50:00,10\n"
    )
    third = ingest(paths)
    assert [r["source_file"] for r in third.attendance.landed] == ["course/flattened_iso.csv"]
    rows = pl.read_parquet(rows_path(paths))
    assert rows.filter(pl.col("source_file") == "course/flattened_iso.csv").height == 4
    assert rows.height == 23
    # a removed report is kept until --prune
    target.unlink()
    assert ingest(paths).attendance.n_missing == 1
    assert pl.read_parquet(rows_path(paths)).height == 23
    ingest(paths, prune=True)
    assert pl.read_parquet(rows_path(paths)).height == 19


def test_a_damaged_attendance_lake_is_repaired_from_raw(paths):
    _land_all_fixtures(paths)
    before = pl.read_parquet(rows_path(paths)).sort("source_file", "line_no")
    rows_path(paths).write_bytes(b"PAR1 not really")
    report = ingest(paths)
    assert "attendance lake damaged" in "\n".join(report.summary_lines())
    assert pl.read_parquet(rows_path(paths)).sort("source_file", "line_no").drop("file_sha256").equals(
        before.drop("file_sha256")
    )


def test_bad_rows_and_bad_files_never_stop_the_others(paths):
    add_export(paths, "c", "2024-05-06_lecture.txt", PLAIN_CHAT)
    add_export(paths, "c", "2024-05-06_lecture.csv", (
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
        "Ana Lima,ana@example.org,05/06/2024 10:00:00 AM,05/06/2024 11:00:00 AM,60,No\n"
        ",x@example.org,05/06/2024 10:00:00 AM,05/06/2024 11:00:00 AM,60,No\n"
        "Bo Chen,,soon,05/06/2024 11:00:00 AM,60,No\n"
        "Cy Diaz,,05/06/2024 11:00:00 AM,05/06/2024 10:00:00 AM,0,No\n"
        "Di Park,,05/06/2024 10:00:00 AM\n"
    ))
    add_export(paths, "c", "notes.csv", "a,b\n1,2\n")
    add_export(paths, "c", "binary.csv", b"\x00\x01\x02PK\x00")
    add_export(paths, "c", "copy.csv", (paths.raw / "c" / "2024-05-06_lecture.csv").read_bytes())
    add_export(paths, "c", "2024-05-07_utf16.csv", (FIXTURES / "attendance/table_consent_12h.csv").read_text()
               .encode("utf-16"))
    ingest(paths)
    manifest = {r["source_file"]: r for r in read_attendance_manifest(paths).iter_rows(named=True)}
    assert manifest["c/notes.csv"]["status"] == "failed"
    assert "no participant table header" in manifest["c/notes.csv"]["reason"]
    assert manifest["c/binary.csv"]["status"] == "failed"
    assert manifest["c/binary.csv"]["reason"].startswith("unreadable:")
    assert manifest["c/copy.csv"]["status"] == "duplicate"
    utf16 = manifest["c/2024-05-07_utf16.csv"]
    assert (utf16["status"], utf16["encoding"], utf16["n_rows"]) == ("landed", "utf-16", 5)
    lecture = manifest["c/2024-05-06_lecture.csv"]
    assert (lecture["n_rows"], lecture["n_rejected"]) == (1, 4)
    rejects = pl.read_parquet(rejects_path(paths)).sort("line_no")
    assert rejects.select("line_no", "reason").rows() == [
        (3, "no participant name"),
        (4, "join time does not read: 'soon'"),
        (5, "leave time before join time"),
        (6, "3 field(s), the header has 6"),
    ]
    assert rejects["raw_text"][1] == "Bo Chen,,soon,05/06/2024 11:00:00 AM,60,No"
    # raw/roster.csv and raw/sessions.csv are not reports
    assert not any(r.startswith(("roster", "sessions")) for r in manifest)


def test_split_participant():
    assert split_participant("Power Kid (Kara Lee)") == ("Power Kid", "Kara Lee")
    assert split_participant("Ana") == ("Ana", None)
    assert split_participant("(Ana)") == ("(Ana)", None)
    assert split_participant("  Bo   Chen  ") == ("Bo Chen", None)


# ---- round trips: random participants written in every variant read back exactly ----

_NAME_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"))
names = st.text(_NAME_CHARS, min_size=1, max_size=20).map(lambda s: " ".join(s.replace("(", "").replace(")", "")
                                                                               .split())).filter(bool)
people = st.lists(
    st.tuples(
        names,
        st.one_of(st.none(), st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.org", fullmatch=True)),
        st.integers(0, 600),  # join: minutes after 08:00
        st.integers(0, 300),  # minutes present
        st.booleans(),  # guest
        st.one_of(st.none(), st.booleans()),  # waiting room
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(
    people=people,
    meeting=st.booleans(),
    separator=st.sampled_from(["", ",,,,,,"]),
    case=st.sampled_from([str, str.lower, str.upper, str.title]),
    twelve_hour=st.booleans(),
    day_first=st.booleans(),
    crlf=st.booleans(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_round_trip(people, meeting, separator, case, twelve_hour, day_first, crlf, encoding):
    start = datetime(2024, 3, 14, 8, 0)
    date_fmt = "%d/%m/%Y" if day_first else "%m/%d/%Y"
    time_fmt = "%I:%M:%S %p" if twelve_hour else "%H:%M:%S"

    def stamp(t: datetime) -> str:
        return t.strftime(f"{date_fmt} {time_fmt}")

    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n" if crlf else "\n")
    if meeting:
        w.writerow([case(h) for h in ("Meeting ID", "Topic", "Start Time", "End Time", "User Email",
                                      "Duration (Minutes)", "Participants")])
        w.writerow(["812 3456 7890", "Topic, with comma", stamp(start), stamp(start + timedelta(hours=11)),
                    "host@example.org", "660", str(len(people))])
        out.write(separator + ("\r\n" if crlf else "\n"))
    w.writerow([case(h) for h in ("Name (Original Name)", "User Email", "Join Time", "Leave Time",
                                  "Duration (Minutes)", "Guest", "In Waiting Room")])
    expected = []
    for name, email, join, minutes, guest, waiting in people:
        j, lv = start + timedelta(minutes=join), start + timedelta(minutes=join + minutes)
        w.writerow([name, email or "", stamp(j), stamp(lv), str(minutes), "Yes" if guest else "No",
                    "" if waiting is None else ("Yes" if waiting else "No")])
        expected.append((name, email, j, lv, minutes, guest, waiting))
    text = out.getvalue().encode(encoding).decode(encoding)  # what decode.py hands the reader
    parsed = parse_report(text, file_date=None)
    got = [
        (r["participant"], r["email"], r["join_at"], r["leave_at"], r["duration_minutes"], r["is_guest"],
         r["in_waiting_room"])
        for r in parsed.rows
    ]
    assert got == expected  # 14 March: day first is told by the day (14 > 12)
    assert parsed.rejects == []
    assert parsed.layout == ("zoom_meeting" if meeting else "zoom_table")
    if meeting:
        assert parsed.meeting["meeting_id"] == "812 3456 7890"
        assert parsed.meeting["topic"] == "Topic, with comma"


def test_demo_writes_a_report_per_session_that_lands_whole(tmp_path):
    from classchat.config import Paths
    from classchat.demo import write_demo

    with_reports = write_demo(tmp_path / "a", courses=2, sessions=3, messages=60, seed=5)
    without = write_demo(tmp_path / "b", courses=2, sessions=3, messages=60, seed=5, attendance=False)
    chats = [p for p in with_reports if p.suffix == ".txt"]
    reports = [p for p in with_reports if p.suffix == ".csv" and p.name != "roster.csv"]
    assert [p.with_suffix(".csv") for p in chats] == reports  # one report beside each chat
    assert [p.read_bytes() for p in chats] == [p.read_bytes() for p in without if p.suffix == ".txt"]
    assert not [p for p in without if p.suffix == ".csv" and p.name != "roster.csv"]
    paths = Paths(tmp_path / "a")
    ingest(paths)
    manifest = read_attendance_manifest(paths)
    assert manifest["status"].to_list() == ["landed"] * 6 and manifest["n_rejected"].sum() == 0
    rows = pl.read_parquet(rows_path(paths))
    for chat in chats:  # everyone who wrote was in the meeting from before their first message to after their last
        report = chat.relative_to(paths.raw).with_suffix(".csv").as_posix()
        mine = rows.filter(pl.col("source_file") == report, ~pl.col("in_waiting_room"))
        for line in chat.read_text("utf-8").splitlines():
            t, rest = line.split("\t", 1)
            sender = rest.strip().split(" : ", 1)[0]
            sent = datetime.combine(manifest.filter(pl.col("source_file") == report)["session_date"][0],
                                    datetime.strptime(t, "%H:%M:%S").time())
            names = mine.filter(pl.col("display_name") == sender)
            assert names.height, (report, sender)
            assert names["join_at"].min() <= sent <= names["leave_at"].max(), (report, sender)
