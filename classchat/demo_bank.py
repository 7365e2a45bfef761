"""The demo's word banks: the data files of classchat/demo_words/, read once.

Owns reading the generator's words, which ship in the wheel as package
data: per topic the subjects of discussion (questions and answers in
Chinese and English), remarks and links; per language the lines of a class
(roll call, generic questions, polls, tech trouble, closings); the name
pools of participants and instructors; lecture slugs. `classchat.demo_chat`
and `classchat.demo` put them together.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

# ---------------------------------------------------------------------------
# Content banks: data files in classchat/demo_words/ (package data)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Concept:
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
CONCEPTS = {
    topic: tuple(Concept(**concept) for concept in concepts) for topic, concepts in _words("concepts").items()
}
# Comments that are neither questions nor answers, per topic and language.
REMARKS = _words("remarks")
# Links people post, per topic.
LINKS = _words("links")
# Topic-independent lines, per language and kind (roll call, generic questions, polls, tech trouble, ...).
BANK = _words("lines")

NAMES = _words("names")  # name pools of participants, and instructors per language
CJK_NAMES = NAMES["cjk_names"]
CN_HANDLES = NAMES["cn_handles"]
LATIN_CN = NAMES["latin_cn"]
EN_NAMES = NAMES["en_names"]
EN_HANDLES = NAMES["en_handles"]
INSTRUCTORS = NAMES["instructors"]
LECTURES = _words("lectures")  # session slugs per topic, in term order
