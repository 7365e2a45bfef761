"""The name book: every name a course knows, and finding them in free text to replace them.

Owns how names are found in text for the pseudonymous twin (docs/privacy.md):
full names first, then the parts of names (a word of two or more letters; a
Chinese given name, a surname with a title), then any other `@word`; the
common words that are a name only after an @ or when capitalised; accents
folded; names in spaced scripts only as whole words. `Namebook.build` makes
one trie-shaped regex of them all, and `Namebook.text` rewrites a value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from classchat.pseudonyms import name_key, pseudonym

# The recipient of a message to a Zoom webinar's hosts and panelists (ingest writes every spelling of
# that group as this value): a group of people, not a person.
STAFF_AUDIENCE = "hosts and panelists"
# Values of a name column that are not people.
NOT_PEOPLE = frozenset({"everyone", "system", STAFF_AUDIENCE})
# @words that address everybody, not a person.
NOT_PEOPLE_MENTIONS = frozenset(
    {"everyone", "everybody", "all", "here", "channel", "所有人", "全体成员", "大家"}
)

# Words that are not searched for in text on their own when they are a part of a longer name
# ("Back to School", "He Wei", "Mark Chen", "Prof. Zhang", "June Park"), and that a one-word
# name must be written capitalised to be taken for ("Will" is replaced, "will" is not).
# After an @ they are always names. See docs/privacy.md.
COMMON_WORDS = frozenset(
    """
    a an the and or but nor so yet for of in on at to from by with without into onto over under about
    above below after before between through during until up down out off again then once here there
    when where why how all any both each few more most other some such no not only own same than too
    very can will just should now is are was were be been being have has had do does did i me my we
    our us you your he him his she her it its they them their what which who whom this that these
    those am as if because while also ok okay yes yeah no hi hey hello bye thanks thank please sorry
    sure well good great nice cool fine right left back front new old big small little long young
    last next first one two three may might must shall would could
    will mark bill grace hope joy faith rose art rich frank sunny summer winter autumn dawn amber ruby
    pearl jack pat rob ray miles chase hunter page king brown white black green gray grey price
    bishop cook baker stone wood hill field love star sky river lake
    mr mrs ms miss mx dr prof professor sir madam teacher tutor instructor lecturer student students
    ta tas host cohost co moderator admin guest speaker presenter panelist attendee viewer class team
    group lab school university college institute department staff support room breakout meeting
    office hours zoom user iphone ipad android laptop desktop pc mac macbook phone mobile tablet
    january february march april june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
    老师 同学 助教 教授 主持人 管理员 学生 老師 先生 女士
    преподаватель учитель студент
    """.split()
)
# What follows a Chinese surname to address someone: "王老师" names the one teacher surnamed 王.
CJK_TITLES = ("老师", "老師", "同学", "教授", "助教", "先生", "女士")

# Letters and digits of scripts that separate words with spaces: a name in them must stand as a
# word of its own ("Bo" is not replaced inside "Both"). Names in scripts without spaces (Chinese,
# Japanese, Korean) are matched anywhere.
_WORD = r"0-9A-Za-z\u00c0-\u024f\u1e00-\u1eff\u0370-\u03ff\u0400-\u052f\u0300-\u036f"
_WORD_CHAR = re.compile(f"[{_WORD}]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_PARTS = re.compile(r"[^\W_]+")  # the words of a name: letters and digits, split at spaces and punctuation
_LETTER = re.compile(r"[^\W\d_]")
# An @mention (as dbt's macro `mentions` reads it): '@' not inside a word or an e-mail address.
_AT = rf"(?<![{_WORD}.])@"
_AT_WORD = r"[^\s@,:，：。!?！？]+"


def _fold(text: str) -> str:
    return " ".join(text.lower().split())


def _strip_accents(text: str) -> str:
    """`text` without combining accents ("garcía" -> "garcia"); other characters as they are."""
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def _is_cjk_name(name: str) -> bool:
    return bool(name) and all(_CJK.match(ch) for ch in name)


def _trie_pattern(surfaces: Iterable[str]) -> str:
    """One regex matching any of `surfaces` (lower case, single spaces), longest first, as a trie.

    A trie keeps a large name book fast to compile and to run (one branch per
    character, not one per name). A space matches any run of white space.
    """
    root: dict = {}
    for s in surfaces:
        node = root
        for ch in s:
            node = node.setdefault(ch, {})
        node[""] = True

    def emit(node: dict) -> str:
        alts = [
            (r"\s+" if ch == " " else re.escape(ch)) + emit(node[ch]) for ch in sorted(k for k in node if k)
        ]
        if "" in node:
            alts.append("")  # last: a longer name is tried first
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return emit(root)


def _names_pattern(surfaces: Iterable[str]) -> str | None:
    """A regex for `surfaces` in lower-cased text: those that start (end) with a letter or digit of a
    spaced script only at the start (end) of a word, the others anywhere.

    One boundary test per group (not one per name) keeps the pattern small;
    backtracking into the trie still finds "alex" in "alex sotomayor" when
    "alex soto" is a name too.
    """
    groups: dict[tuple[bool, bool], list[str]] = {}
    for s in set(surfaces):
        groups.setdefault((bool(_WORD_CHAR.match(s[0])), bool(_WORD_CHAR.match(s[-1]))), []).append(s)
    parts = []
    for (head, tail), members in sorted(groups.items(), reverse=True):
        before = f"(?<![{_WORD}])" if head else ""
        after = f"(?![{_WORD}])" if tail else ""
        parts.append(f"{before}(?:{_trie_pattern(members)}){after}")
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


@dataclass
class Namebook:
    """The names of a course (of the whole warehouse) and how each appears in the pseudonymous file.

    `lookup` maps a name as written (folded: lower case, single spaces) to its
    pseudonym: full names to their own, parts of names to the pseudonym of the
    one person whose name has that part (or, when several people share it, to
    the pseudonym of the part itself). `in_text` is what is replaced without an
    @ in front (common words are not); `capitalised` holds one-word names that
    are common words, replaced only when written with a capital ("Will", not
    "will"). `text()` replaces them all in free text.
    """

    key: bytes
    lookup: dict[str, str]
    in_text: frozenset[str]
    pattern: re.Pattern[str]  # on lower-cased text
    capitalised: re.Pattern[str] | None  # on the text as written
    needles: tuple[str, ...]
    _cache: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, key: bytes, names: Iterable[str]) -> Namebook:
        people: dict[str, str] = {}  # person (name_key) -> pseudonym
        for raw in names:
            if not isinstance(raw, str) or not raw.strip():
                continue
            person = name_key(raw)
            if person in NOT_PEOPLE or len(person) < 2:
                continue  # a one-letter name ("A") would match inside ordinary text
            people[person] = pseudonym(key, person)

        parts: dict[str, set[str]] = {}  # a part of a name -> the people whose name has it
        for person in people:
            for part in _name_parts(person):
                if part != person:
                    parts.setdefault(part, set()).add(person)

        lookup: dict[str, str] = {}  # every name and part: all are names after an @
        in_text: set[str] = set()  # what is replaced without an @ too
        capitalised: set[str] = set()  # one-word names that are common words: only when capitalised
        for part, owners in parts.items():
            lookup[part] = people[next(iter(owners))] if len(owners) == 1 else pseudonym(key, part)
            if part not in COMMON_WORDS:
                in_text.add(part)
        for person, alias in people.items():  # full names win over parts of other names
            lookup[person] = alias
            if " " not in person and person in COMMON_WORDS:
                capitalised.add(person)
            else:
                in_text.add(person)
        for surface in list(lookup):  # "Garcia" for "García": names are often typed without accents
            plain = _strip_accents(surface)
            if plain != surface and plain not in lookup:
                lookup[plain] = lookup[surface]
                if surface in in_text:
                    in_text.add(plain)
                if surface in capitalised:
                    capitalised.add(plain)

        names_re = _names_pattern(lookup)
        at_word = f"{_AT}(?P<word>{_AT_WORD})"
        pattern = re.compile(
            f"(?:(?P<at>{_AT}))?(?P<name>{names_re})|{at_word}" if names_re else at_word
        )
        cap = None
        if capitalised:
            words = sorted({w.capitalize() for w in capitalised} | {w.upper() for w in capitalised})
            cap = re.compile(f"(?<![{_WORD}])(?:{'|'.join(map(re.escape, words))})(?![{_WORD}])")
        needles = {"@"} | {s.split(" ")[0] for s in in_text} | capitalised
        return cls(key, lookup, frozenset(in_text), pattern, cap, tuple(sorted(needles)))

    def name(self, value: str) -> str:
        """A display name (a name column's value) as its pseudonym; "everyone" and "system" stay."""
        if not value.strip() or name_key(value) in NOT_PEOPLE:
            return value
        return pseudonym(self.key, value)

    def _alias(self, written: str) -> str:
        return self.lookup.get(_fold(written)) or pseudonym(self.key, written)

    def text(self, value: str) -> str:
        """`value` with every known name, part of a name and @mention replaced by its pseudonym."""
        out = self._cache.get(value)
        if out is None:
            out = self._rewrite(value)
            if len(self._cache) > 200_000:
                self._cache.clear()
            self._cache[value] = out
        return out

    def _rewrite(self, value: str) -> str:
        # Match on the lower-cased text (a case-insensitive pattern of thousands of names is slow to
        # compile), cut from the text as written; lower() must keep every position for that.
        lowered = value.lower()
        if len(lowered) != len(value):
            lowered = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in value)
        out: list[str] = []
        last = 0
        for m in self.pattern.finditer(lowered):
            start, end = m.span()
            written = value[start:end]
            name = m.group("name")
            if name is not None:
                if m.group("at") is not None:
                    new = "@" + self._alias(name)
                elif _fold(name) in self.in_text:
                    new = self._alias(name)
                else:
                    new = written  # a common word that is a part of a name: a name only after an @
            else:
                word = m.group("word")
                if word in NOT_PEOPLE_MENTIONS or not _LETTER.search(word):
                    new = written  # "@everyone", "@10:30"
                else:
                    new = "@" + pseudonym(self.key, word)  # someone who never wrote, or a misspelt name
            out += (value[last:start], new)
            last = end
        result = "".join(out) + value[last:] if out else value
        if self.capitalised is not None:
            result = self.capitalised.sub(lambda m: self._alias(m.group(0)), result)
        return result

    def mention(self, value: str) -> str:
        """One element of a `mentions` list (the word after an @): as the same mention in text becomes."""
        return self.text("@" + value)[1:]

    def candidates(self, values):
        """Which of `values` (an Arrow string array) may hold a name or an @mention, as an Arrow mask:
        a cheap test (Aho-Corasick, in Polars) before the regex."""
        import polars as pl

        found = pl.Series(values).cast(pl.String).str.to_lowercase().str.contains_any(list(self.needles))
        return found.fill_null(False).to_arrow()


def _name_parts(person: str) -> set[str]:
    """The parts of a (normalised) name that are searched for on their own (docs/privacy.md).

    Words of at least two characters with a letter ("mei", "lin", "o" of
    "o'neill" is too short); for a Chinese name of 3 or 4 characters also the
    given name (its last two) and, for every Chinese name, the surname with a
    title ("王老师").
    """
    parts = {w for w in _PARTS.findall(person) if len(w) >= 2 and _LETTER.search(w)}
    for word in list(parts) + [person]:
        if _is_cjk_name(word) and 2 <= len(word) <= 4:
            surname, given = (word[:2], word[2:]) if len(word) == 4 else (word[:1], word[1:])
            if len(given) >= 2:
                parts.add(given)
            parts.update(surname + title for title in CJK_TITLES)
    return parts
