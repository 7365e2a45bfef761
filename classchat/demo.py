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
shipped in the wheel as package data; this module owns how they are put
together. Everything is driven by explicit
`random.Random` instances seeded from the caller's seed, so the same seed
always gives byte-identical files; nothing reads the clock or the global RNG.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path

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

# Questions a bare "yes"/"no"/"对" can answer (not requests such as "能再讲一下…吗", "could you explain…").
_YES_NO = re.compile(
    r"^(?!.*(讲|explain|go over))"  # requests to explain again are not yes/no questions
    r"(.*(吗|(?<![什怎])么|是不是|是否)[？?]?$|([^,:]*[,:] )?(is|are|does|do|can we|should)\b)",
    re.IGNORECASE,
)

# Longest a generated session may last (timestamps are squeezed to fit).
_MAX_SESSION_SECONDS = 3 * 3600 + 15 * 60


@dataclass
class GeneratedMessage:
    """One chat message: when it was sent (session local time), by whom, what."""

    sent: datetime
    sender: str
    text: str


# ---------------------------------------------------------------------------
# Content banks: data files in classchat/demo_words/ (package data)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Concept:
    """One subject of discussion: its name, questions about it and answers to them, per language."""

    name: dict[str, str]
    questions: dict[str, tuple[str, ...]]
    answers: dict[str, tuple[str, ...]]


def _tuples(value):
    """JSON lists as tuples, all the way down (the banks are constants; a poll is (question, replies))."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


def _words(name: str):
    """One word bank of classchat/demo_words/ (shipped in the wheel), read once at import."""
    text = (resources.files("classchat") / "demo_words" / f"{name}.json").read_text(encoding="utf-8")
    return _tuples(json.loads(text))


# Subjects of discussion per topic: questions about each and answers to them, per language.
_CONCEPTS = {
    topic: tuple(_Concept(**concept) for concept in concepts) for topic, concepts in _words("concepts").items()
}
# Comments that are neither questions nor answers, per topic and language.
_REMARKS = _words("remarks")
# Links people post, per topic.
_LINKS = _words("links")
# Topic-independent lines, per language and kind (roll call, generic questions, polls, tech trouble, ...).
_BANK = _words("lines")


# ---------------------------------------------------------------------------
# Session generation
# ---------------------------------------------------------------------------


def _check_name(name: str, what: str) -> None:
    if not name or name != name.strip() or " : " in name or any(c in name for c in "\t\r\n"):
        raise ValueError(
            f"{what} {name!r} cannot be rendered: empty, padded, or contains ' : ', a tab or a newline"
        )


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def _zh_share(name: str) -> float:
    """How often a participant of a bilingual course writes Chinese; stable per name (not per run)."""
    jitter = (zlib.crc32(name.encode("utf-8")) % 21) / 100  # 0.00 .. 0.20
    if _has_cjk(name):
        return 0.75 + jitter
    if name.isdigit():
        return 0.55 + jitter
    return 0.15 + jitter


class _Session:
    """Builds one session as a list of (gap kind, gap seconds, sender, text); times come later."""

    def __init__(self, rng, participants, instructor, language, topic):
        self.rng = rng
        self.students = [p for p in participants if p != instructor]
        if not self.students:
            raise ValueError("participants must name at least one student besides the instructor")
        self.instructor = instructor
        self.language = language
        self.concepts = _CONCEPTS[topic]
        self.remarks = _REMARKS[topic]
        self.links = _LINKS[topic]
        # Participation follows a Zipf-like law by position: the first few carry the chat.
        cum, total = [], 0.0
        for i in range(len(self.students)):
            total += 1.0 / (i + 1) ** 1.2
            cum.append(total)
        self.cum_weights = cum
        self.zh_share = {p: _zh_share(p) for p in self.students} if language == "mixed" else {}
        self.events: list[tuple[str, float, str, str]] = []
        self.pending: list[tuple[str, str]] = []  # unanswered questions: (asker, text)
        self.used: set[str] = set()  # concept texts already said this session (people rarely repeat verbatim)
        self.current = rng.choice(self.concepts)
        self.quiet_start = False
        self.last_question = ""  # what the current thread asks, to fit short answers to yes/no questions

    # -- small helpers -------------------------------------------------------
    def lang_of(self, sender: str) -> str:
        if self.language != "mixed":
            return self.language
        if sender == self.instructor:
            return "zh" if self.rng.random() < 0.5 else "en"
        return "zh" if self.rng.random() < self.zh_share[sender] else "en"

    def say(self, sender: str, text: str, gap: float, kind: str = "intra") -> None:
        self.events.append((kind, gap, sender, " ".join(text.split())))

    def pick(self, lang: str, key: str) -> str:
        return self.rng.choice(_BANK[lang][key])

    def student(self, exclude: tuple[str, ...] = ()) -> str:
        choices = self.rng.choices
        for _ in range(20):
            s = choices(self.students, cum_weights=self.cum_weights)[0]
            if s not in exclude:
                return s
        rest = [s for s in self.students if s not in exclude]
        return self.rng.choice(rest) if rest else self.students[0]

    def burst_gap(self) -> float:
        return 2.0 + min(self.rng.expovariate(1 / 12), 60.0)

    def answer_gap(self) -> float:
        return 6.0 + min(self.rng.expovariate(1 / 25), 120.0)

    def instructor_gap(self) -> float:
        return 12.0 + min(self.rng.expovariate(1 / 45), 200.0)

    def inter_gap(self) -> float:
        if self.quiet_start:  # the lecture gets going after the roll call: the chat goes quiet for a while
            self.quiet_start = False
            return self.rng.uniform(240, 840)
        r = self.rng.random()
        if r < 0.68:
            return self.rng.uniform(15, 110)
        if r < 0.92:
            return self.rng.uniform(110, 300)
        return self.rng.uniform(300, 780)  # a silence of several minutes

    def fresh(self, options: tuple[str, ...]) -> str | None:
        """A line from `options` not yet said this session, or None when a few tries find none."""
        for _ in range(4):
            text = self.rng.choice(options)
            if text not in self.used:
                self.used.add(text)
                return text
        return None

    def concept(self) -> _Concept:
        if self.rng.random() < 0.35:
            self.current = self.rng.choice(self.concepts)
        return self.current

    def name(self, concept: _Concept, lang: str) -> str:
        return concept.name[lang]

    def other_name(self, concept: _Concept, lang: str) -> str:
        other = self.rng.choice(self.concepts)
        if other is concept:
            other = self.concepts[(self.concepts.index(concept) + 1) % len(self.concepts)]
        return other.name[lang]

    def question_text(self, concept: _Concept, lang: str) -> str:
        rng = self.rng
        text = self.fresh(concept.questions[lang]) if rng.random() < 0.75 else None
        if text is None:
            text = self.pick(lang, "generic_q").format(t=concept.name[lang], u=self.other_name(concept, lang))
        if rng.random() < 0.15:
            text = self.pick(lang, "q_prefix") + text
        self.last_question = text
        return text

    def answer_text(self, concept: _Concept, lang: str, *, asker: str, instructor: bool) -> str:
        rng = self.rng
        if instructor:
            text = self.pick(lang, "instr_prefix") + (
                self.fresh(concept.answers[lang]) or self.pick(lang, "elaborate").format(t=concept.name[lang])
            )
        else:
            r = rng.random()
            text = None
            if _YES_NO.search(self.last_question) and r < 0.4:
                text = self.pick(lang, "short_answer")
            elif r < 0.12:
                text = self.pick(lang, "defer")
            text = (
                text
                or self.fresh(concept.answers[lang])
                or self.pick(lang, "elaborate").format(t=concept.name[lang])
            )
        if rng.random() < (0.3 if instructor else 0.12):
            text = f"@{asker} {text}"
        return text

    # -- episodes ------------------------------------------------------------
    def opening(self) -> None:
        rng = self.rng
        first = True
        if rng.random() < 0.6:
            self.say(self.instructor, self.pick(self.lang_of(self.instructor), "open"), 0.0, "inter")
            first = False
        k = max(1, round(len(self.students) * rng.uniform(0.25, 0.55)))
        for s in rng.sample(self.students, min(k, len(self.students))):
            self.say(
                s,
                self.pick(self.lang_of(s), "roll_call"),
                0.0 if first else rng.uniform(1, 9),
                "inter" if first else "intra",
            )
            first = False

    def question(self) -> None:
        rng = self.rng
        asker = self.student()
        lang = self.lang_of(asker)
        concept = self.concept()
        q = self.question_text(concept, lang)
        self.say(asker, q, self.inter_gap(), "inter")
        if rng.random() < 0.15:
            self.say(asker, self.pick(lang, "q_tail"), self.burst_gap())
        if rng.random() < 0.12:
            other = self.student((asker,))
            same = q if rng.random() < 0.4 else self.pick(self.lang_of(other), "same_q")
            self.say(other, same, self.burst_gap())
        if rng.random() < 0.15:
            self.pending.append((asker, q))
            return
        self.answers(asker, lang, concept, follow_up=True)

    def answers(
        self, asker: str, lang: str, concept: _Concept, *, follow_up: bool, instr_p: float = 0.35
    ) -> None:
        rng = self.rng
        n_peer = rng.choice((0, 1, 1, 1, 2, 2, 3))
        by_instructor = n_peer == 0 or rng.random() < instr_p
        helpers: list[str] = []
        instructor_first = by_instructor and rng.random() < 0.35
        if instructor_first:
            self.say(
                self.instructor,
                self.answer_text(concept, lang, asker=asker, instructor=True),
                self.instructor_gap(),
            )
        for _ in range(n_peer):
            peer = self.student((asker,))
            helpers.append(peer)
            self.say(
                peer,
                self.answer_text(concept, self.lang_of(peer), asker=asker, instructor=False),
                self.answer_gap(),
            )
        if by_instructor and not instructor_first:
            self.say(
                self.instructor,
                self.answer_text(concept, lang, asker=asker, instructor=True),
                self.instructor_gap(),
            )
        if follow_up and rng.random() < 0.2:
            text = self.pick(lang, "follow_up").format(u=self.other_name(concept, lang))
            self.last_question = text
            self.say(asker, text, self.burst_gap())
            responder = self.instructor if rng.random() < 0.5 else self.student((asker,))
            if responder != self.instructor:
                helpers.append(responder)
            self.say(
                responder,
                self.answer_text(
                    concept,
                    self.lang_of(responder) if responder != self.instructor else lang,
                    asker=asker,
                    instructor=responder == self.instructor,
                ),
                self.answer_gap(),
            )
        if rng.random() < 0.65:
            ack_lang = self.lang_of(asker)
            if helpers and rng.random() < 0.25:
                text = self.pick(ack_lang, "thank_helper").format(h=rng.choice(helpers))
            else:
                text = self.pick(ack_lang, "ack")
            self.say(asker, text, self.burst_gap())
        if len(helpers) >= 2 and rng.random() < 0.25:
            self.keep_going(inter=False)

    def reask(self) -> None:
        rng = self.rng
        asker, q = self.pending.pop(rng.randrange(len(self.pending)))
        if rng.random() < 0.6:
            text = q
        else:
            text = self.pick("zh" if _has_cjk(q) else "en", "reask") + q
        self.say(asker, text, rng.uniform(20, 240), "inter")
        self.last_question = q
        lang = "zh" if _has_cjk(q) else "en"
        concept = next(
            (c for c in self.concepts if q.endswith(c.questions[lang]) or c.name[lang] in q), self.current
        )
        self.answers(asker, lang, concept, follow_up=False, instr_p=0.75)

    def confusion(self) -> None:
        rng = self.rng
        concept = self.concept()
        first = True
        used: list[str] = []
        for _ in range(rng.randint(2, 5)):
            s = self.student(tuple(used))
            used.append(s)
            self.say(
                s,
                self.pick(self.lang_of(s), "confused" if first else "confused_too"),
                self.inter_gap() if first else rng.uniform(2, 15),
                "inter" if first else "intra",
            )
            first = False
        lang = self.lang_of(self.instructor)
        self.say(
            self.instructor, self.pick(lang, "clarify").format(t=concept.name[lang]), self.instructor_gap()
        )
        for _ in range(rng.randint(0, 2)):
            s = rng.choice(used)
            self.say(s, self.pick(self.lang_of(s), "ack"), rng.uniform(30, 150))
        if rng.random() < 0.2:
            self.keep_going(inter=False)

    def discussion(self) -> None:
        rng = self.rng
        concept = self.concept()
        first = True
        last = None
        for _ in range(rng.randint(2, 5)):
            s = self.student((last,) if last else ())
            lang = self.lang_of(s)
            text = self.fresh(concept.answers[lang]) if rng.random() < 0.45 else None
            if text is None:
                if first or rng.random() < 0.6:
                    text = self.fresh(self.remarks[lang])
                text = text or self.pick(lang, "react")
            self.say(s, text, self.inter_gap() if first else self.burst_gap(), "inter" if first else "intra")
            first = False
            last = s
        if rng.random() < 0.15:
            self.keep_going(inter=False)

    def remark(self) -> None:
        rng = self.rng
        s = self.student()
        lang = self.lang_of(s)
        self.say(s, self.fresh(self.remarks[lang]) or self.pick(lang, "react"), self.inter_gap(), "inter")
        if rng.random() < 0.3:
            other = self.student((s,))
            self.say(other, self.pick(self.lang_of(other), "react"), self.burst_gap())

    def poll(self) -> None:
        rng = self.rng
        lang = self.lang_of(self.instructor)
        question, replies = rng.choice(_BANK[lang]["poll"])
        self.say(self.instructor, question, self.inter_gap(), "inter")
        k = min(rng.randint(2, 6), len(self.students))
        for s in rng.sample(self.students, k):
            # in a bilingual course people answer in the language they were asked
            self.say(s, rng.choice(replies), rng.uniform(2, 12))

    def tech(self) -> None:
        rng = self.rng
        reporter = self.student()
        lang = self.lang_of(reporter)
        self.say(reporter, self.pick(lang, "tech"), self.inter_gap(), "inter")
        used = [reporter]
        for _ in range(rng.randint(1, 3)):
            s = self.student(tuple(used))
            used.append(s)
            self.say(s, self.pick(self.lang_of(s), "tech_reply"), rng.uniform(3, 20))
        if rng.random() < 0.45:
            self.say(
                self.instructor, self.pick(self.lang_of(self.instructor), "tech_instr"), rng.uniform(15, 60)
            )
        if rng.random() < 0.7:
            self.say(reporter, self.pick(lang, "tech_fixed"), rng.uniform(10, 90))

    def keep_going(self, inter: bool = True) -> None:
        rng = self.rng
        used: list[str] = []
        for i in range(rng.randint(1, 4)):
            s = self.student(tuple(used))
            used.append(s)
            gap = self.inter_gap() if inter and i == 0 else rng.uniform(1, 10)
            self.say(s, self.pick(self.lang_of(s), "continue"), gap, "inter" if inter and i == 0 else "intra")
        if rng.random() < 0.4:
            self.say(
                self.instructor,
                self.pick(self.lang_of(self.instructor), "instr_continue"),
                rng.uniform(5, 30),
            )

    def link(self) -> None:
        rng = self.rng
        sharer = self.instructor if rng.random() < 0.3 else self.student()
        lang = self.lang_of(sharer)
        self.say(sharer, self.pick(lang, "link_intro") + rng.choice(self.links), self.inter_gap(), "inter")
        if rng.random() < 0.4:
            s = self.student((sharer,))
            self.say(s, self.pick(self.lang_of(s), "ack"), self.burst_gap())

    def pause(self) -> None:
        rng = self.rng
        lang = self.lang_of(self.instructor)
        self.say(self.instructor, self.pick(lang, "break"), self.inter_gap(), "inter")
        for s in rng.sample(self.students, min(rng.randint(1, 3), len(self.students))):
            self.say(s, self.pick(self.lang_of(s), "break_ok"), rng.uniform(2, 15))
        self.say(
            self.instructor, self.pick(self.lang_of(self.instructor), "back"), rng.uniform(600, 720), "fixed"
        )

    def closing(self) -> list[tuple[str, float, str, str]]:
        """The goodbyes, built aside so that they can be appended after truncation."""
        rng = self.rng
        main, self.events = self.events, []
        if rng.random() < 0.7:
            self.say(
                self.instructor,
                self.pick(self.lang_of(self.instructor), "instr_closing"),
                self.inter_gap(),
                "inter",
            )
        k = min(rng.randint(1, 5), len(self.students))
        for s in rng.sample(self.students, k):
            first = not self.events
            self.say(
                s,
                self.pick(self.lang_of(s), "closing"),
                self.inter_gap() if first else rng.uniform(1, 12),
                "inter" if first else "intra",
            )
        closing, self.events = self.events, main
        return closing

    def run(self, n_messages: int) -> list[tuple[str, float, str, str]]:
        rng = self.rng
        closing = self.closing()
        n_main = max(0, n_messages - len(closing))
        self.opening()
        self.quiet_start = True
        episodes = (
            self.question,
            self.remark,
            self.discussion,
            self.confusion,
            self.poll,
            self.tech,
            self.link,
        )
        weights = (46, 14, 12, 7, 5, 6, 4)
        cum = []
        total = 0
        for w in weights:
            total += w
            cum.append(total)
        want_break = n_messages >= 80 and rng.random() < 0.75
        break_at = n_main * rng.uniform(0.4, 0.6)
        tech_at = (
            n_main * rng.uniform(0.05, 0.8) if n_messages >= 40 else n_main + 1
        )  # online class: some trouble
        while len(self.events) < n_main:
            if want_break and len(self.events) >= break_at:
                want_break = False
                self.pause()
            elif len(self.events) >= tech_at:
                tech_at = n_main + 1
                self.tech()
            elif self.pending and rng.random() < 0.08:
                self.reask()
            else:
                rng.choices(episodes, cum_weights=cum)[0]()
        return (self.events[:n_main] + closing)[:n_messages]


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
    _check_name(instructor, "instructor")
    for p in participants:
        _check_name(p, "participant")
    if n_messages == 0:
        return []
    session = _Session(rng, list(dict.fromkeys(participants)), instructor, language, topic)
    return _place_in_time(rng, start, session.run(n_messages))


def render_plain(messages: list[GeneratedMessage]) -> str:
    """Render messages in the plain layout: `HH:MM:SS<TAB>  sender : text`, one per line, each ending in LF.

    Raises ValueError for a text with a line break or a sender the layout cannot hold.
    """
    for m in messages:
        if any(c in m.text for c in "\r\n"):
            raise ValueError(f"message text contains a line break: {m.text!r}")
        _check_name(m.sender, "sender")
    return render_as(messages, "plain")


def render_as(messages: list[GeneratedMessage], layout: str, *, recording_start: datetime | None = None) -> str:
    """Render messages in any layout classchat reads (the writers live in ingest/render.py)."""
    from classchat.ingest.render import ChatMessage, render

    chat = [ChatMessage(m.sent, m.sender, m.text) for m in messages]
    return render(chat, layout, recording_start=recording_start)


# ---------------------------------------------------------------------------
# Courses, people and files
# ---------------------------------------------------------------------------

_NAMES = _words("names")  # name pools of participants, and instructors per language
_CJK_NAMES = _NAMES["cjk_names"]
_CN_HANDLES = _NAMES["cn_handles"]
_LATIN_CN = _NAMES["latin_cn"]
_EN_NAMES = _NAMES["en_names"]
_EN_HANDLES = _NAMES["en_handles"]
_INSTRUCTORS = _NAMES["instructors"]
_LECTURES = _words("lectures")  # session slugs per topic, in term order

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
        named = list(_CJK_NAMES + _CN_HANDLES + _LATIN_CN)
        n_numeric = round(size * rng.uniform(0.3, 0.45))
    elif language == "en":
        named = list(_EN_NAMES + _EN_HANDLES + _LATIN_CN)
        n_numeric = 0
    else:
        named = list(_CJK_NAMES + _CN_HANDLES + _LATIN_CN + _EN_NAMES)
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
        pool = [n for n in _INSTRUCTORS[language] if n not in used_instructors]
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
        lectures = _LECTURES[topic]
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
