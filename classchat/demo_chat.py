"""One generated class chat, as events: who says what after which gap, before times are given.

Owns the shape of a generated lecture chat (`classchat.demo` renders and
writes it): a roll call, bursts of questions, answers from the instructor
and from peers, acknowledgements, technical trouble, "continue" requests,
links, repeated questions, polls, a break and goodbyes, with very unequal
participation, in Chinese, English or both. Words come from
`classchat.demo_bank`; everything is driven by the caller's `random.Random`.
"""

from __future__ import annotations

import re
import zlib

from classchat.demo_bank import BANK, CONCEPTS, LINKS, REMARKS, Concept

# Questions a bare "yes"/"no"/"对" can answer (not requests such as "能再讲一下…吗", "could you explain…").
_YES_NO = re.compile(
    r"^(?!.*(讲|explain|go over))"  # requests to explain again are not yes/no questions
    r"(.*(吗|(?<![什怎])么|是不是|是否)[？?]?$|([^,:]*[,:] )?(is|are|does|do|can we|should)\b)",
    re.IGNORECASE,
)


# ---------------------------------------------------------------------------
# Session generation
# ---------------------------------------------------------------------------


def check_name(name: str, what: str) -> None:
    if not name or name != name.strip() or " : " in name or any(c in name for c in "\t\r\n"):
        raise ValueError(
            f"{what} {name!r} cannot be rendered: empty, padded, or contains ' : ', a tab or a newline"
        )


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def _zh_share(name: str) -> float:
    """How often a participant of a bilingual course writes Chinese; stable per name (not per run)."""
    jitter = (zlib.crc32(name.encode("utf-8")) % 21) / 100  # 0.00 .. 0.20
    if has_cjk(name):
        return 0.75 + jitter
    if name.isdigit():
        return 0.55 + jitter
    return 0.15 + jitter


class SessionBuilder:
    """Builds one session as a list of (gap kind, gap seconds, sender, text); times come later."""

    def __init__(self, rng, participants, instructor, language, topic):
        self.rng = rng
        self.students = [p for p in participants if p != instructor]
        if not self.students:
            raise ValueError("participants must name at least one student besides the instructor")
        self.instructor = instructor
        self.language = language
        self.concepts = CONCEPTS[topic]
        self.remarks = REMARKS[topic]
        self.links = LINKS[topic]
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
        return self.rng.choice(BANK[lang][key])

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

    def concept(self) -> Concept:
        if self.rng.random() < 0.35:
            self.current = self.rng.choice(self.concepts)
        return self.current

    def name(self, concept: Concept, lang: str) -> str:
        return concept.name[lang]

    def other_name(self, concept: Concept, lang: str) -> str:
        other = self.rng.choice(self.concepts)
        if other is concept:
            other = self.concepts[(self.concepts.index(concept) + 1) % len(self.concepts)]
        return other.name[lang]

    def question_text(self, concept: Concept, lang: str) -> str:
        rng = self.rng
        text = self.fresh(concept.questions[lang]) if rng.random() < 0.75 else None
        if text is None:
            text = self.pick(lang, "generic_q").format(t=concept.name[lang], u=self.other_name(concept, lang))
        if rng.random() < 0.15:
            text = self.pick(lang, "q_prefix") + text
        self.last_question = text
        return text

    def answer_text(self, concept: Concept, lang: str, *, asker: str, instructor: bool) -> str:
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
        self, asker: str, lang: str, concept: Concept, *, follow_up: bool, instr_p: float = 0.35
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
            text = self.pick("zh" if has_cjk(q) else "en", "reask") + q
        self.say(asker, text, rng.uniform(20, 240), "inter")
        self.last_question = q
        lang = "zh" if has_cjk(q) else "en"
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
        question, replies = rng.choice(BANK[lang]["poll"])
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
