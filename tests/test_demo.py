"""Tests of classchat.demo: the generated chats are deterministic, well-formed and realistic enough to analyse."""

from __future__ import annotations

import csv
import itertools
import random
import re
import statistics
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from classchat.demo import GeneratedMessage, generate_session, render_plain, write_demo

LINE = re.compile(r"^(\d\d):(\d\d):(\d\d)\t  (.+?) : (.*)$")
FILE_NAME = re.compile(r"\d{4}-\d\d-\d\d_[a-z0-9_-]+\.txt")
QUESTION_ZH = re.compile(r"吗|什么|为什么|怎么|是否|？|\?")
QUESTION_EN = re.compile(r"\b(what|why|how|can we)\b|\?", re.IGNORECASE)
CJK = re.compile(r"[\u4e00-\u9fff]")


def _parse(path: Path) -> list[tuple[int, str, str]]:
    """(seconds since midnight, sender, text) per line; fails on any line outside the plain layout."""
    data = path.read_bytes()
    assert data.endswith(b"\n") and b"\r" not in data
    rows = []
    for line in data.decode("utf-8").split("\n")[:-1]:
        m = LINE.match(line)
        assert m, f"{path.name}: bad line {line!r}"
        h, mi, s, sender, text = m.groups()
        rows.append((int(h) * 3600 + int(mi) * 60 + int(s), sender, text))
    return rows


def _roster(data_dir: Path) -> list[dict[str, str]]:
    with open(data_dir / "raw" / "roster.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, list[Path]]:
    data_dir = tmp_path_factory.mktemp("demo")
    return data_dir, write_demo(data_dir, courses=3, sessions=3, messages=150, seed=7)


def _sessions(paths: list[Path]) -> list[Path]:
    return [p for p in paths if p.suffix == ".txt"]


def test_writes_courses_sessions_and_roster(demo):
    data_dir, paths = demo
    sessions = _sessions(paths)
    assert len(sessions) == 9
    assert paths[-1] == data_dir / "raw" / "roster.csv"
    assert {p.parent.name for p in sessions} == {"dl101", "stat200", "course03"}
    for p in sessions:
        assert p.parent.parent == data_dir / "raw"
        assert FILE_NAME.fullmatch(p.name), p.name
        assert p.exists()
        n = len(_parse(p))
        assert 0.8 * 150 - 1 <= n <= 1.2 * 150 + 1


def test_sessions_are_weekly_in_autumn_2024(demo):
    _, paths = demo
    by_course: dict[str, list[datetime]] = {}
    for p in _sessions(paths):
        by_course.setdefault(p.parent.name, []).append(datetime.strptime(p.name[:10], "%Y-%m-%d"))
    for days in by_course.values():
        assert days[0] >= datetime(2024, 9, 1)
        assert all(b - a == timedelta(weeks=1) for a, b in itertools.pairwise(days))


def test_same_seed_gives_identical_bytes(tmp_path):
    a = write_demo(tmp_path / "a", courses=3, sessions=2, messages=80, seed=11)
    b = write_demo(tmp_path / "b", courses=3, sessions=2, messages=80, seed=11)
    assert [p.relative_to(tmp_path / "a") for p in a] == [p.relative_to(tmp_path / "b") for p in b]
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes()
    c = write_demo(tmp_path / "c", courses=3, sessions=2, messages=80, seed=12)
    assert any(pa.read_bytes() != pc.read_bytes() for pa, pc in zip(a, c))


def test_every_line_is_plain_layout_and_time_ordered(demo):
    _, paths = demo
    for p in _sessions(paths):
        rows = _parse(p)
        times = [t for t, _, _ in rows]
        assert times == sorted(times), p.name
        assert times[-1] - times[0] <= 4 * 3600
        for _, sender, text in rows:
            assert text and text == text.strip()
            assert "\t" not in sender and " : " not in sender


def test_first_course_is_chinese_with_questions(demo):
    _, paths = demo
    for p in _sessions(paths):
        texts = [t for _, _, t in _parse(p)]
        if p.parent.name == "dl101":
            assert sum(bool(CJK.search(t)) for t in texts) > len(texts) / 2
            assert any("？" in t or "吗" in t for t in texts)
        elif p.parent.name == "stat200":
            assert not any(CJK.search(t) for t in texts)
            assert any(QUESTION_EN.search(t) for t in texts)
        else:  # bilingual
            assert any(CJK.search(t) for t in texts)
            assert any(re.fullmatch(r"[\x20-\x7e]*[a-z]{3}[\x20-\x7e]*", t) for t in texts)


def test_questions_get_answers_and_instructor_posts(demo):
    data_dir, paths = demo
    instructors = {r["course"]: r["display_name"] for r in _roster(data_dir) if r["role"] == "instructor"}
    for p in _sessions(paths):
        rows = _parse(p)
        senders = {s for _, s, _ in rows}
        assert instructors[p.parent.name] in senders, p.name
        is_q = [bool(QUESTION_ZH.search(t) or QUESTION_EN.search(t)) for _, _, t in rows]
        assert sum(is_q) >= 10, p.name
        answered = 0
        for i, (t, sender, _) in enumerate(rows):
            if not is_q[i]:
                continue
            for j in range(i + 1, min(i + 6, len(rows))):
                t2, s2, _ = rows[j]
                if t2 - t > 300:
                    break
                if s2 != sender and not is_q[j]:
                    answered += 1
                    break
        assert answered >= 5, p.name


def test_roll_call_tech_trouble_and_links(demo):
    _, paths = demo
    texts_by_course: dict[str, list[str]] = {}
    for p in _sessions(paths):
        rows = _parse(p)
        assert any(
            t in {"1", "有", "在", "来了", "here", "Here!", "present", "hi"} for _, _, t in rows[:15]
        ), p.name
        texts_by_course.setdefault(p.parent.name, []).extend(t for _, _, t in rows)
    zh, en = texts_by_course["dl101"], texts_by_course["stat200"]
    assert any(k in t for t in zh for k in ("听不到", "卡了", "卡住", "静音", "断断续续", "黑了", "没翻页"))
    assert any(
        k in t for t in en for k in ("can't hear", "mute", "frozen", "cutting out", "mic", "aren't moving")
    )
    assert any("继续" in t for t in zh) and any(k in t for t in en for k in ("go on", "move on", "continue"))
    assert any(k in t for t in zh for k in ("谢谢", "懂了", "明白"))
    assert any("https://" in t for t in zh + en)


def test_bursts_and_silences(demo):
    _, paths = demo
    for p in _sessions(paths):
        times = [t for t, _, _ in _parse(p)]
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert sum(g <= 20 for g in gaps) > len(gaps) / 4, p.name  # bursts
        assert max(gaps) >= 240, p.name  # several quiet minutes at least once


def test_participation_is_unequal(demo):
    _, paths = demo
    for p in _sessions(paths):
        counts = Counter(s for _, s, _ in _parse(p))
        top = counts.most_common(1)[0][1]
        assert top >= 3 * statistics.median(counts.values()), (p.name, counts.most_common(5))
        assert len(counts) >= 10


def test_roster_lists_every_sender(demo):
    data_dir, paths = demo
    rows = _roster(data_dir)
    assert list(rows[0].keys()) == ["course", "display_name", "user_key", "role"]
    assert all(
        re.fullmatch(r"u\d{4}", r["user_key"]) and r["role"] in {"instructor", "student"} for r in rows
    )
    assert Counter(r["course"] for r in rows if r["role"] == "instructor") == {
        "dl101": 1,
        "stat200": 1,
        "course03": 1,
    }
    listed = {(r["course"], r["display_name"]) for r in rows}
    assert len(listed) == len(rows)
    key_of = {}
    for r in rows:  # one key per display name, across courses
        assert key_of.setdefault(r["display_name"], r["user_key"]) == r["user_key"]
    for p in _sessions(paths):
        for _, sender, _ in _parse(p):
            assert (p.parent.name, sender) in listed, (p.name, sender)


def test_participants_are_stable_across_sessions(demo):
    _, paths = demo
    by_course: dict[str, list[set[str]]] = {}
    for p in _sessions(paths):
        by_course.setdefault(p.parent.name, []).append({s for _, s, _ in _parse(p)})
    for sessions in by_course.values():
        first, last = sessions[0], sessions[-1]
        assert len(first & last) >= len(first) / 3


def _session(seed: int = 3, n: int = 200, language: str = "zh", **kw) -> list[GeneratedMessage]:
    people = [f"user{i}" for i in range(30)] + ["张三", "Jiehan Zhu", "46149090"]
    return generate_session(
        random.Random(seed),
        start=datetime(2024, 9, 2, 10),
        n_messages=n,
        participants=people,
        instructor="王老师",
        language=language,
        **kw,
    )


@pytest.mark.parametrize("language", ["zh", "en", "mixed"])
@pytest.mark.parametrize("n", [0, 1, 5, 37, 400])
def test_generate_session_exact_count_order_and_text(language, n):
    msgs = _session(n=n, language=language)
    assert len(msgs) == n
    assert all(a.sent <= b.sent for a, b in itertools.pairwise(msgs))
    assert all(m.text and "\n" not in m.text and "\r" not in m.text for m in msgs)
    assert all(m.sent.date() == datetime(2024, 9, 2).date() for m in msgs)


def test_generate_session_is_deterministic_and_rng_driven():
    assert _session(seed=5) == _session(seed=5)
    assert _session(seed=5) != _session(seed=6)


def test_generate_session_stays_within_the_day():
    msgs = generate_session(
        random.Random(1),
        start=datetime(2024, 9, 2, 23, 0),
        n_messages=800,
        participants=["a", "b", "c"],
        instructor="T",
        language="en",
    )
    assert msgs[-1].sent.date() == datetime(2024, 9, 2).date()
    assert all(a.sent <= b.sent for a, b in itertools.pairwise(msgs))


def test_generate_session_rejects_bad_input():
    with pytest.raises(ValueError):
        _session(language="fr")
    with pytest.raises(ValueError):
        generate_session(
            random.Random(1),
            start=datetime(2024, 9, 2, 10),
            n_messages=5,
            participants=["a : b"],
            instructor="T",
            language="zh",
        )
    with pytest.raises(ValueError):
        generate_session(
            random.Random(1),
            start=datetime(2024, 9, 2, 10),
            n_messages=5,
            participants=["a"],
            instructor="T\tx",
            language="zh",
        )


def test_render_plain_layout():
    msgs = [
        GeneratedMessage(datetime(2024, 9, 2, 10, 5, 42), "46149090", "1"),
        GeneratedMessage(datetime(2024, 9, 2, 10, 21, 48), "Jiehan Zhu", "多层感知机 是 fully connect 么？"),
    ]
    assert (
        render_plain(msgs)
        == "10:05:42\t  46149090 : 1\n10:21:48\t  Jiehan Zhu : 多层感知机 是 fully connect 么？\n"
    )
    assert render_plain([]) == ""
    with pytest.raises(ValueError):
        render_plain([GeneratedMessage(datetime(2024, 9, 2, 10), "a", "two\nlines")])


@pytest.mark.parametrize("layout", ["plain", "zoom_legacy", "zoom_2021", "zoom_2025", "zoom_cloud", "bigbluebutton"])
def test_demo_in_every_layout_lands_every_generated_message(tmp_path, layout):
    import polars as pl

    from classchat.config import Paths
    from classchat.ingest import ingest

    plain = write_demo(tmp_path / "plain", courses=1, sessions=2, messages=40, seed=3)
    other = write_demo(tmp_path / layout, courses=1, sessions=2, messages=40, seed=3, layout=layout)
    assert len(other) == len(plain)
    paths = Paths(tmp_path / layout)
    ingest(paths)
    got = pl.read_parquet(paths.lake_messages / "*/*.parquet").sort("source_file", "seq")
    want = [line.split(" : ", 1)[1] for p in plain if p.suffix == ".txt" for line in p.read_text("utf-8").splitlines()]
    assert got["body"].to_list() == want
