"""Who is who across sources: attendance-report participants matched to the roster and the chat.

Owns the matching rule (docs/attendance.md, "Matching names"). A participant of an attendance
report (`Name (Original Name)` and `User Email`) is matched, within its course, to a person known
from the roster (display name, `aliases`, `email`) or from the chat (display names of senders):

1. **email**: the report's e-mail equals a roster e-mail (case ignored): score 100;
2. **name**: every written form of the participant (the cell as written, the name, the original
   name in brackets) is compared with every name of every candidate person, after `normalise`
   (case, accents kept, punctuation and a leading number such as `015_` dropped, Zoom's device
   suffix and a bracketed role tag removed), by rapidfuzz's `token_sort_ratio` (0-100; word order
   does not matter: `Okafor, Chidi` is `Chidi Okafor`). A person's score is their best.

The best person is the match when their score is at least `MATCH_THRESHOLD` and no other person
scores within `MATCH_MARGIN` of them. Otherwise the name is **unclaimed**: it is not merged with
anyone and stays a person of its own (in the course), listed with its best candidate and score for
staff to resolve by adding the name to that person's `aliases` in raw/roster.csv. Every match
carries its rule, score and the name it matched.

Core module: the dbt model int_attendance_people calls it per course as the SQL function
classchat_course_participant_matches (classchat/functions.py), as question_topics calls topics.py.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# The one threshold (0-100) for merging a name with a person, and the lead the best person needs over
# the next one. 88 keeps "Jon Smith" = "John Smith" (95) and "Smith, John" = "John Smith" (100), and
# leaves "Ana" and "Ana Maria Lopez" (33) or "Li Wei" and "Li Na" (55) apart. Changing it changes the
# build fingerprint (classchat.provenance), so the next build re-matches everyone.
MATCH_THRESHOLD = 88.0
MATCH_MARGIN = 5.0

_LEADING_NUMBER = re.compile(r"^\s*\d+\s*[_.\-:]\s*")
_DEVICE = re.compile(
    r"\s*(\((laptop|desktop|pc|mac|macbook|iphone|ipad|android|phone|mobile|tablet)\)|的\s*(iphone|ipad|android))\s*$"
)
_TAG = re.compile(r"^\s*\[[^\]]*\]\s*|\s*\((host|co-host|ta|instructor|he/him|she/her|they/them)\)\s*$")
_PUNCT = re.compile(r"[^\w]+")


def normalise(name: str | None) -> str:
    """A name as compared: NFKC, case folded, without a leading number, device suffix, role or pronoun
    tag, punctuation as spaces, spacing folded."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKC", name).casefold()
    for _ in range(2):
        text = _DEVICE.sub("", _TAG.sub("", text))
    text = _LEADING_NUMBER.sub("", text)
    return " ".join(_PUNCT.sub(" ", text).replace("_", " ").split())


@dataclass(frozen=True)
class Person:
    """A candidate: a person of the course and one name they go by."""

    user_id: str
    name: str
    source: str  # roster | roster_alias | chat


@dataclass(frozen=True)
class Match:
    user_id: str | None  # None: unclaimed
    matched_name: str | None  # the best candidate's name (also for an unclaimed one)
    source: str | None  # where that name comes from: roster, roster_alias, chat
    rule: str  # email | exact | fuzzy | ambiguous | below_threshold | no_candidates
    score: float  # 0-100
    runner_up_score: float | None


def match_participant(
    forms: Iterable[str | None],
    email: str | None,
    people: list[Person],
    emails: dict[str, str],
) -> Match:
    """Match one participant (its written forms and e-mail) to `people` of its course (`emails`: roster
    e-mail -> user_id)."""
    from rapidfuzz import fuzz

    if email and email.strip().lower() in emails:
        user_id = emails[email.strip().lower()]
        name = next((p.name for p in people if p.user_id == user_id and p.source == "roster"), None)
        return Match(user_id, name, "roster", "email", 100.0, None)
    keys = {normalise(f) for f in forms} - {""}
    if not people or not keys:
        return Match(None, None, None, "no_candidates", 0.0, None)
    best: dict[str, tuple[float, Person]] = {}
    for person in people:
        target = normalise(person.name)
        if not target:
            continue
        score = max(100.0 if k == target else float(fuzz.token_sort_ratio(k, target)) for k in keys)
        if person.user_id not in best or score > best[person.user_id][0]:
            best[person.user_id] = (score, person)
    if not best:
        return Match(None, None, None, "no_candidates", 0.0, None)
    ranked = sorted(best.values(), key=lambda sp: (-sp[0], sp[1].user_id))
    score, person = ranked[0]
    runner_up = ranked[1][0] if len(ranked) > 1 else None
    score = round(score, 1)
    if score < MATCH_THRESHOLD:
        return Match(None, person.name, person.source, "below_threshold", score, runner_up)
    if runner_up is not None and score - runner_up < MATCH_MARGIN:
        return Match(None, person.name, person.source, "ambiguous", score, runner_up)
    return Match(person.user_id, person.name, person.source, "exact" if score == 100 else "fuzzy", score, runner_up)
