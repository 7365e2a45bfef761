"""Deterministic generator of realistic online-class chats for demos and tests.

This module owns the sample data that `classchat demo` (and any test that
needs a realistic data directory) writes: lecture chats shaped like the real
exports -- a roll call at the start, bursts of questions, answers from the
instructor and from peers, acknowledgements, technical trouble, "continue"
requests, links, repeated questions, a break, and goodbyes, with very unequal
participation -- in Chinese, English or both, about a deep-learning or a
statistics course. It renders them in the "plain" layout
(`HH:MM:SS<TAB>  sender : text`, LF, UTF-8) under `<data_dir>/raw/<course>/`
together with `raw/roster.csv`. The words (questions, answers, remarks,
lines, names, lecture slugs) are data files in `classchat/demo_words/`,
shipped in the wheel as package data and read by `classchat.demo_bank`; one
session's chat is built by `classchat.demo_chat`; this module gives it times,
renders and writes it, and picks the courses and people. Everything is driven by explicit
`random.Random` instances seeded from the caller's seed, so the same seed
always gives byte-identical files; nothing reads the clock or the global RNG.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from classchat.demo_bank import CJK_NAMES, CN_HANDLES, EN_HANDLES, EN_NAMES, INSTRUCTORS, LATIN_CN, LECTURES
from classchat.demo_chat import check_name, SessionBuilder

__all__ = [
    "LANGUAGES",
    "TOPICS",
    "GeneratedMessage",
    "generate_session",
    "render_plain",
    "write_demo",
]

LANGUAGES = ("zh", "en", "mixed")
TOPICS = ("deep_learning", "statistics")

# Longest a generated session may last (timestamps are squeezed to fit).
_MAX_SESSION_SECONDS = 3 * 3600 + 15 * 60


@dataclass
class GeneratedMessage:
    """One chat message: when it was sent (session local time), by whom, what."""

    sent: datetime
    sender: str
    text: str


def _place_in_time(rng: random.Random, start: datetime, events) -> list[GeneratedMessage]:
    """Turn gaps into timestamps; squeeze quiet stretches to keep a session lecture-length, in its day."""
    offset = rng.uniform(15, 240)  # the first message comes a little after the start
    end_of_day = datetime.combine(start.date(), time(23, 59, 59))
    budget = min(_MAX_SESSION_SECONDS, max(0.0, (end_of_day - start).total_seconds() - offset))
    sums = {"inter": 0.0, "intra": 0.0, "fixed": 0.0}
    for kind, gap, _, _ in events:
        sums[kind] += gap
    inter_scale = 1.0
    if sums["inter"] and sums["intra"] + sums["fixed"] + sums["inter"] > budget:
        inter_scale = min(1.0, max(0.15, (budget - sums["intra"] - sums["fixed"]) / sums["inter"]))
    total = sums["intra"] + sums["fixed"] + inter_scale * sums["inter"]
    scale = min(1.0, budget / total) if total else 1.0
    offset = min(offset, max(0.0, (end_of_day - start).total_seconds()))
    t = offset
    out = []
    base = start.replace(microsecond=0)
    for kind, gap, sender, text in events:
        t += gap * (inter_scale if kind == "inter" else 1.0) * scale
        out.append(GeneratedMessage(base + timedelta(seconds=int(t)), sender, text))
    return out


def generate_session(
    rng: random.Random,
    *,
    start: datetime,
    n_messages: int,
    participants: list[str],
    instructor: str,
    language: str,
    topic: str | None = None,
) -> list[GeneratedMessage]:
    """Generate one lecture's chat: exactly `n_messages` messages in time order.

    `participants` are the students, most talkative first (participation falls
    off like a Zipf law along the list). `language` is "zh", "en" or "mixed".
    `topic` ("deep_learning" or "statistics") defaults to deep learning for
    Chinese and bilingual courses and statistics for English ones. The first
    message comes a few minutes after `start`; the session lasts at most about
    three hours and never runs past the end of `start`'s day.
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    topic = topic or ("statistics" if language == "en" else "deep_learning")
    if topic not in TOPICS:
        raise ValueError(f"topic must be one of {TOPICS}, not {topic!r}")
    if n_messages < 0:
        raise ValueError("n_messages must be >= 0")
    check_name(instructor, "instructor")
    for p in participants:
        check_name(p, "participant")
    if n_messages == 0:
        return []
    session = SessionBuilder(rng, list(dict.fromkeys(participants)), instructor, language, topic)
    return _place_in_time(rng, start, session.run(n_messages))


def render_plain(messages: list[GeneratedMessage]) -> str:
    """Render messages in the plain layout: `HH:MM:SS<TAB>  sender : text`, one per line, each ending in LF.

    Raises ValueError for a text with a line break or a sender the layout cannot hold.
    """
    for m in messages:
        if any(c in m.text for c in "\r\n"):
            raise ValueError(f"message text contains a line break: {m.text!r}")
        check_name(m.sender, "sender")
    return render_as(messages, "plain")


def render_as(messages: list[GeneratedMessage], layout: str, *, recording_start: datetime | None = None) -> str:
    """Render messages in any layout classchat reads (the writers live in ingest/render.py)."""
    from classchat.ingest.render import ChatMessage, render

    chat = [ChatMessage(m.sent, m.sender, m.text) for m in messages]
    return render(chat, layout, recording_start=recording_start)


# ---------------------------------------------------------------------------
# Courses, people and files
# ---------------------------------------------------------------------------

ROSTER_HEADER = ("course", "display_name", "user_key", "role")


def _course_spec(index: int) -> tuple[str, str, str]:
    """(course id, language, topic) of the index-th generated course."""
    if index == 0:
        return "dl101", "zh", "deep_learning"
    if index == 1:
        return "stat200", "en", "statistics"
    return f"course{index + 1:02d}", "mixed", TOPICS[index % 2]


def _numeric_id(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return f"20{rng.randint(18, 23)}{rng.randint(0, 9999999):07d}"  # a student number
    return str(rng.randint(10_000_000, 99_999_999))


def _choose_participants(rng: random.Random, language: str, taken: set[str]) -> list[str]:
    """Pick a course's students from the name pools (names recur across courses: the same person)."""
    size = rng.randint(28, 44)
    if language == "zh":
        named = list(CJK_NAMES + CN_HANDLES + LATIN_CN)
        n_numeric = round(size * rng.uniform(0.3, 0.45))
    elif language == "en":
        named = list(EN_NAMES + EN_HANDLES + LATIN_CN)
        n_numeric = 0
    else:
        named = list(CJK_NAMES + CN_HANDLES + LATIN_CN + EN_NAMES)
        n_numeric = round(size * rng.uniform(0.1, 0.2))
    chosen = rng.sample(named, min(size - n_numeric, len(named)))
    while len(chosen) < size:
        candidate = _numeric_id(rng)
        if candidate not in taken and candidate not in chosen:
            chosen.append(candidate)
    taken.update(chosen)
    rng.shuffle(chosen)  # order = how much each one talks, most first
    return chosen


def _attendance(rng: random.Random, students: list[str], sessions: int) -> list[list[str]]:
    """Who attends each session: the core always, a few drop out for good, others miss one now and then."""
    last = {s: sessions for s in students}
    droppable = students[3:]
    for s in rng.sample(droppable, round(len(droppable) * rng.uniform(0.12, 0.25))) if sessions > 1 else ():
        last[s] = rng.randint(1, sessions - 1)
    plan = []
    for k in range(sessions):
        plan.append([s for i, s in enumerate(students) if k < last[s] and (i < 3 or rng.random() < 0.9)])
    return plan


def write_attendance_report(
    rng: random.Random, path: Path, msgs: list[GeneratedMessage], silent: list[str], *, start: datetime, title: str
) -> None:
    """Zoom's participants report of one generated session (docs/attendance.md, layout `zoom_meeting`):
    the meeting block, a blank line, then one row per join. Everyone who wrote is present from before
    their first message to after their last; `silent` people attend part of the meeting without
    writing. Some rejoin (two rows), some wait in the waiting room first, a few show Zoom's device
    suffix after their name."""
    end = max(m.sent for m in msgs) + timedelta(minutes=rng.randint(2, 6))
    spans: dict[str, tuple[datetime, datetime]] = {}
    for m in msgs:
        first, last = spans.get(m.sender, (m.sent, m.sent))
        spans[m.sender] = (min(first, m.sent), max(last, m.sent))
    rows = []

    def stamp(t: datetime) -> str:
        return t.strftime("%m/%d/%Y %I:%M:%S %p")

    def add(name: str, join: datetime, leave: datetime, waiting: bool = False) -> None:
        minutes = max(1, round((leave - join).total_seconds() / 60))
        rows.append((join, [name, "", stamp(join), stamp(leave), str(minutes), "Yes", "Yes" if waiting else "No"]))

    people = [(name, first, last) for name, (first, last) in spans.items()]
    for name in silent:
        join = start + timedelta(minutes=rng.randint(-3, 20))
        leave = min(end, join + timedelta(minutes=rng.randint(15, 120)))
        people.append((name, join, max(leave, join + timedelta(minutes=1))))
    for name, first, last in people:
        shown = f"{name} (iPhone)" if rng.random() < 0.08 else name
        if name in spans:  # a writer: in the meeting from before their first message to after their last
            join = first - timedelta(seconds=rng.randint(5, 300))
            leave = min(last + timedelta(seconds=rng.randint(5, 600)), end)
        else:
            join, leave = first, last
        if rng.random() < 0.08:
            add(shown, join - timedelta(minutes=2), join, waiting=True)
        if name not in spans and leave - join > timedelta(minutes=10) and rng.random() < 0.15:
            middle = join + (leave - join) / 2  # a rejoin: out for three minutes
            add(shown, join, middle)
            add(shown, middle + timedelta(minutes=3), leave)
        else:
            add(shown, join, leave)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["Meeting ID", "Topic", "Start Time", "End Time", "User Email", "Duration (Minutes)", "Participants"])
    w.writerow([str(rng.randint(10**10, 10**11 - 1)), title.replace("-", " "), stamp(start), stamp(end), "",
                str(round((end - start).total_seconds() / 60)), str(len(people))])
    buf.write("\n")
    w.writerow(["Name (Original Name)", "User Email", "Join Time", "Leave Time", "Duration (Minutes)", "Guest",
                "In Waiting Room"])
    w.writerows(row for _, row in sorted(rows, key=lambda r: (r[0], r[1][0])))
    path.write_bytes(buf.getvalue().encode("utf-8"))


def write_demo(
    data_dir: Path,
    *,
    courses: int = 2,
    sessions: int = 3,
    messages: int = 150,
    seed: int = 7,
    layout: str = "plain",
    attendance: bool = True,
) -> list[Path]:
    """Write generated courses under `data_dir/raw/` plus `raw/roster.csv`; return the written paths.

    With `attendance`, each session also gets Zoom's participants report beside its chat
    (`<date>_<slug>.csv`, `write_attendance_report`): everyone who wrote, plus students of the course
    who attended without writing now and then; students who dropped out are absent. The chats are
    the same bytes either way (the reports draw from their own random stream).

    Each session is rendered in `layout` (any layout of ingest/layouts.py) and
    written as soon as it is generated, so memory holds one session at a time.
    A cloud recording is named like Zoom names it (`GMT<start>_<slug>.txt`), so
    its offsets can be read back against its start.

    Course 1 (`dl101`) is a Chinese deep-learning course, course 2 (`stat200`)
    an English statistics course, further ones (`course03`, ...) bilingual.
    Each has `sessions` weekly sessions from September 2024 of about
    `messages` messages (+-20%). Session files come first in the returned
    list, in the order written; roster.csv is last. Same seed, same bytes.
    """
    if courses < 1 or sessions < 1 or messages < 1:
        raise ValueError("courses, sessions and messages must all be >= 1")
    data_dir = Path(data_dir)
    raw = data_dir / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    people_rng = random.Random(f"classchat-demo/{seed}/people")
    taken: set[str] = set()
    keys: dict[str, str] = {}
    roster_rows: list[tuple[str, str, str, str]] = []
    written: list[Path] = []

    def key_of(name: str) -> str:
        if name not in keys:
            keys[name] = f"u{len(keys) + 1:04d}"
        return keys[name]

    used_instructors: set[str] = set()
    for ci in range(courses):
        course_id, language, topic = _course_spec(ci)
        pool = [n for n in INSTRUCTORS[language] if n not in used_instructors]
        instructor = people_rng.choice(pool) if pool else f"Lecturer {ci + 1}"
        used_instructors.add(instructor)
        students = _choose_participants(people_rng, language, taken)
        roster_rows.append((course_id, instructor, key_of(instructor), "instructor"))
        roster_rows.extend((course_id, s, key_of(s), "student") for s in students)

        course_rng = random.Random(f"classchat-demo/{seed}/{course_id}")
        plan = _attendance(course_rng, students, sessions)
        first_day = date(2024, 9, 2) + timedelta(
            days=ci % 5
        )  # Monday 2 September 2024, one weekday per course
        hour = 10 if ci % 2 == 0 else 14
        lectures = LECTURES[topic]
        course_dir = raw / course_id
        course_dir.mkdir(parents=True, exist_ok=True)
        for k in range(sessions):
            day = first_day + timedelta(weeks=k)
            start = datetime.combine(day, time(hour)) + timedelta(minutes=course_rng.randint(0, 5))
            n = max(1, round(messages * course_rng.uniform(0.8, 1.2)))
            slug = lectures[k] if k < len(lectures) else f"lecture-{k + 1:02d}"
            session_rng = random.Random(f"classchat-demo/{seed}/{course_id}/{k}")
            msgs = generate_session(
                session_rng,
                start=start,
                n_messages=n,
                participants=plan[k] or students[:1],
                instructor=instructor,
                language=language,
                topic=topic,
            )
            if layout == "plain":
                path = course_dir / f"{day.isoformat()}_{slug}.txt"
                text = render_plain(msgs)
            elif layout == "zoom_cloud":
                path = course_dir / f"GMT{start:%Y%m%d-%H%M%S}_{slug}.txt"
                text = render_as(msgs, layout, recording_start=start)
            else:
                path = course_dir / f"{day.isoformat()}_{slug}.txt"
                text = render_as(msgs, layout)
            path.write_bytes(text.encode("utf-8"))
            written.append(path)
            if attendance:
                report_rng = random.Random(f"classchat-demo/{seed}/{course_id}/{k}/attendance")
                dropped = [s for s in students if all(s not in later for later in plan[k:])]
                lurkers = [s for s in students if s not in plan[k] and s not in dropped and report_rng.random() < 0.6]
                report = course_dir / f"{day.isoformat()}_{slug}.csv"
                write_attendance_report(report_rng, report, msgs, lurkers, start=start, title=slug)
                written.append(report)

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(ROSTER_HEADER)
    writer.writerows(roster_rows)
    roster = raw / "roster.csv"
    roster.write_bytes(buf.getvalue().encode("utf-8"))
    written.append(roster)
    return written
