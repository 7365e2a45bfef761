"""The pseudonymous warehouse: a second database file that holds no real name, built after each build.

Owns privacy by construction (DESIGN.md, "Privacy mode is by construction";
the rules in docs/privacy.md). `publish_pseudonymous()` reads a freshly built
warehouse and writes `warehouse.pseudonymous.duckdb` beside it (atomically:
a temporary file, then one rename). That file holds only the public tables
(`PUBLIC_TABLES`), never an intermediate model, a staging view or a
bookkeeping table, and in them

* every name column (`NAME_COLUMNS`: sender, recipient, display name,
  instructor) holds the person's pseudonym, `P-` and 6 hex digits, a keyed
  hash (HMAC-SHA256) of the normalised name (`name_key`, the rule of dbt's
  macro of the same name), so the same person has the same pseudonym in
  every table, page, export and query;
* every person id (`ID_COLUMNS`: `user_id`, `user_key`, ...) is a keyed hash
  too (an md5 of a name, or a student number, could be guessed), the same
  value in every table so joins still work;
* `mentions` holds the pseudonyms of the people mentioned;
* every other text, inside lists and structs too, is rewritten by the
  course's name book (`Namebook`): every known name, full names first, then
  the parts of names, then any other `@word`, is replaced by the pseudonym
  of the person it names. Columns known to hold only codes and hashes
  (`CODE_COLUMNS`) are copied as they are; a column of a new or unknown kind
  is rewritten as text (default deny), and a column that cannot be
  rewritten (binary data) stops the publication.

In pseudonymous mode every reader (the report, the HTML export, named
queries, ad-hoc SQL) opens only this file (`reports.db.warehouse_for`), so
no SQL, however written, can reach a real name: there is none to reach.

The key is made once per data directory (`.classchat_key`, readable by its
owner only) and is never written into any output. This module is core-level:
it imports nothing of the report (no Streamlit, no pandas) and the pipeline
calls it on the scratch warehouse before the swap.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

# pyarrow and Polars are imported by the functions that publish: readers import this module for the
# key and the file name only, and should not pay for them.

KEY_FILE = ".classchat_key"
PSEUDONYMOUS_TAG = ".pseudonymous"  # warehouse.duckdb -> warehouse.pseudonymous.duckdb

# The tables a pseudonymous reader sees (the marts and the run/quality tables the report and the
# named queries read). Anything else in the warehouse is withheld: intermediate models (int_*),
# staging views over the lake (stg_*), bookkeeping (_classchat_*). A new mart must be added here
# (tests/reports/test_privacy.py fails until every table of the warehouse is one or the other).
PUBLIC_TABLES = (
    "messages", "sessions", "users", "user_sessions", "session_minutes", "courses", "question_topics",
    "ingested_files", "rejected_lines", "quality_results", "runs",
    "attendance", "name_matches", "attendance_files", "attendance_rejects",
)
WITHHELD_PREFIXES = ("int_", "stg_", "_")

# Columns that hold one person's display name.
NAME_COLUMNS = frozenset(
    {
        "sender_name", "display_name", "recipient", "instructor", "asker", "asker_name",
        "answerer", "answerer_name", "person", "participant", "original_name", "matched_name",
    }
)
# Columns that identify a person by an id made from their name or roster key.
ID_COLUMNS = frozenset(
    {"user_id", "user_key", "asker_user_id", "answerer_user_id", "sender_key", "name_key", "email", "matched_user_id"}
)
# Columns whose whole value is replaced by a keyed hash in one table: a rejected attendance-report row
# holds a name and an e-mail that may be known nowhere else (so no name book could find them).
HASHED_TEXT_COLUMNS = frozenset({("attendance_rejects", "raw_text")})
# Lists of @mentioned names.
MENTION_COLUMNS = frozenset({"mentions"})
# Columns that hold only codes, hashes, ids of messages or versions: copied as they are.
CODE_COLUMNS = frozenset(
    {
        "message_id", "answered_by_message_id", "answers_message_id", "reply_to_message_id",
        "reaction_to_message_id", "question_id", "answer_message_id", "run_id",
        "sha256", "inputs_sha256", "build_fingerprint", "meta_fingerprint",
        "role", "export_role", "sender_role", "message_kind", "intent", "base_intent", "answer_rule",
        "answer_source", "language", "reaction_emoji", "layout", "encoding", "source_encoding", "status",
        "source_format", "timezone", "suite", "expectation", "column_name", "severity", "command", "outcome",
        "classchat_version", "dbt_version", "duckdb_version", "polars_version", "great_expectations_version",
        "match_rule", "match_source", "session_link",
    }
)

# Values of a name column that are not people.
NOT_PEOPLE = frozenset({"everyone", "system"})
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
_PSEUDONYM = re.compile(r"P-[0-9a-f]{6}")

# dbt's macro name_key: lower case, spacing folded, no role tag in front, no device behind.
_ROLE_TAG = re.compile(r"^\s*\[[^\]]*\]\s*")
_DEVICE = re.compile(
    r"\s*(\((laptop|desktop|pc|mac|macbook|iphone|ipad|android|phone|mobile|tablet)\)"
    r"|的\s*(iphone|ipad|android))\s*$"
)


class PseudonymiseError(RuntimeError):
    """The pseudonymous warehouse could not be written; the message is one line."""


# --- key and pseudonyms -----------------------------------------------------------------------


def load_key(data_dir: Path) -> bytes:
    """The data directory's secret key (32 random bytes in `.classchat_key`, mode 0600), made on first use."""
    path = Path(data_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{KEY_FILE}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(32))
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)  # never replaces a key another process made meanwhile
            except FileExistsError:
                pass
        finally:
            tmp.unlink(missing_ok=True)
    key = path.read_bytes()
    if len(key) < 16:
        raise PseudonymiseError(f"the key file {path} is damaged (too short); remove it to make a new key")
    return key


def pseudonymous_path(warehouse: Path | str) -> Path:
    """The pseudonymous twin of a warehouse file: `warehouse.duckdb` -> `warehouse.pseudonymous.duckdb`."""
    path = Path(warehouse)
    if path.stem.endswith(PSEUDONYMOUS_TAG):
        return path
    return path.with_name(path.stem + PSEUDONYMOUS_TAG + path.suffix)


def name_key(name: str) -> str:
    """A display name as a person (dbt's macro `name_key`): "[TA] Bo  Li (Laptop)" -> "bo li"."""
    text = _DEVICE.sub("", _ROLE_TAG.sub("", name.lower(), count=1), count=1)
    return " ".join(text.split()) or " ".join(name.lower().split())


def pseudonym(key: bytes, name: str) -> str:
    """A person's pseudonym: "P-" and the first 6 hex digits of HMAC-SHA256(key, name_key(name))."""
    digest = hmac.new(key, name_key(name).encode("utf-8"), hashlib.sha256).hexdigest()
    return f"P-{digest[:6]}"


def pseudonymous_id(key: bytes, value: str) -> str:
    """A person id (user_id, user_key) as 16 hex digits of a keyed hash: the same id gives the same value."""
    return hmac.new(key, b"id:" + value.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def is_pseudonym(value: object) -> bool:
    return isinstance(value, str) and _PSEUDONYM.fullmatch(value) is not None


# --- the name book: finding names in text ---------------------------------------------------------


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


# --- publishing ------------------------------------------------------------------------------------


def publish_pseudonymous(data_dir: Path, warehouse: Path, target: Path) -> None:
    """Write the pseudonymous twin of `warehouse` to `target`, atomically (a temporary file, then a rename).

    Reads `warehouse` read-only (the scratch warehouse of a run, before the
    swap); uses the data directory's key (made if missing) and its roster
    (`lake/roster.parquet`) for names of people who never wrote. Raises
    `PseudonymiseError` with a one-line reason; `target` is then as it was.
    """
    data_dir, warehouse, target = Path(data_dir), Path(warehouse), Path(target)
    if not warehouse.is_file():
        raise PseudonymiseError(f"no warehouse at {warehouse} to pseudonymise")
    if target.resolve() == warehouse.resolve():
        raise PseudonymiseError("the pseudonymous warehouse cannot replace the warehouse it is made from")
    key = load_key(data_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    src = duckdb.connect(str(warehouse), read_only=True)
    try:
        src.execute("set enable_progress_bar = false")  # no bar in the run's output
        tables = _public_tables(src)
        book = Namebook.build(key, _known_names(src, tables, data_dir / "lake" / "roster.parquet"))
        dst = duckdb.connect(str(tmp))
        try:
            for table in tables:
                _copy_table(src, dst, table, book)
            dst.execute("checkpoint")
        finally:
            dst.close()
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        _remove_wal(target)
        os.replace(tmp, target)
    except duckdb.Error as exc:
        detail = str(exc).splitlines()[0]
        raise PseudonymiseError(f"could not write the pseudonymous warehouse: {detail}") from exc
    finally:
        src.close()
        tmp.unlink(missing_ok=True)
        _remove_wal(tmp)


def needs_publish(warehouse: Path, target: Path) -> bool:
    """True when `target` is missing or older than `warehouse` (a warehouse built before the twin existed)."""
    try:
        return Path(target).stat().st_mtime_ns < Path(warehouse).stat().st_mtime_ns
    except FileNotFoundError:
        return Path(warehouse).is_file()


def _remove_wal(path: Path) -> None:
    path.with_name(path.name + ".wal").unlink(missing_ok=True)


def _public_tables(con) -> list[str]:
    present = {
        r[0] for r in con.execute(
            "select table_name from duckdb_tables() where database_name = current_database() "
            "and schema_name = 'main' union select view_name from duckdb_views() "
            "where database_name = current_database() and schema_name = 'main' and not internal"
        ).fetchall()
    }
    return [t for t in PUBLIC_TABLES if t in present]


def _known_names(con, tables: list[str], roster: Path) -> set[str]:
    """Every display name the warehouse (and the roster) knows: name columns, and who reacted."""
    names: set[str] = set()
    selects = []
    for table in tables:
        columns = con.execute(
            "select column_name, data_type from duckdb_columns() where database_name = current_database() "
            "and schema_name = 'main' and table_name = ?",
            [table],
        ).fetchall()
        selects += [
            f"select distinct {_quote(c)} as name from {_quote(table)}"
            for c, t in columns if c in NAME_COLUMNS and t == "VARCHAR"
        ]
    if selects:
        names.update(r[0] for r in con.execute(" union ".join(selects)).fetchall() if r[0])
    optional = [
        # people who only reacted (Zoom's collected reactions) never appear as senders
        "select distinct unnest(r.reactors) as name from "
        "(select unnest(collected_reactions) as r from int_messages_classified)",
    ]
    if roster.is_file():
        optional.append(f"select distinct display_name from read_parquet('{_sql_string(roster)}')")
        optional.append(f"select distinct unnest(aliases) from read_parquet('{_sql_string(roster)}')")
    for sql in optional:
        try:
            names.update(r[0] for r in con.execute(sql).fetchall() if r[0])
        except duckdb.Error:
            pass  # an older warehouse without the model, or a roster without the column
    return names


def _sql_string(path: Path) -> str:
    return str(path).replace("'", "''")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _copy_table(src, dst, table: str, book: Namebook) -> None:
    """`table` of `src` into `dst`, every value through the rules of the module docstring."""
    import pyarrow as pa

    ddl = src.execute(
        "select sql from duckdb_tables() where database_name = current_database() "
        "and schema_name = 'main' and table_name = ?",
        [table],
    ).fetchall()
    name = _quote(table)
    reader = src.sql(f"select * from {name}").to_arrow_reader(65_536)
    if ddl and ddl[0][0]:
        dst.execute(ddl[0][0])
    else:  # a view: a table of the same columns
        empty = pa.Table.from_batches([], schema=_rewritten_schema(reader.schema))
        dst.register("_pz_empty", empty)
        dst.execute(f"create table {name} as select * from _pz_empty")
        dst.unregister("_pz_empty")
    for batch in reader:
        out = pa.Table.from_batches([_rewrite_batch(batch, table, book)])
        dst.register("_pz_batch", out)
        dst.execute(f"insert into {name} select * from _pz_batch")
        dst.unregister("_pz_batch")


def _rewritten_schema(schema):
    import pyarrow as pa

    return pa.schema([pa.field(f.name, _plain_type(f.type)) for f in schema])


def _plain_type(type_):
    import pyarrow as pa

    if pa.types.is_dictionary(type_):
        return _plain_type(type_.value_type)
    if pa.types.is_string_view(type_):
        return pa.string()
    return type_


def _rewrite_batch(batch, table: str, book: Namebook):
    import pyarrow as pa

    names = batch.schema.names
    columns = []
    for name, column in zip(names, batch.columns, strict=True):
        try:
            if (table, name) in HASHED_TEXT_COLUMNS:
                columns.append(_map_strings(column, lambda v: pseudonymous_id(book.key, v)))
                continue
            columns.append(_rewrite_column(name, column, book))
        except PseudonymiseError as exc:
            raise PseudonymiseError(f"{table}.{name}: {exc}") from None
    if "mentions" in names and "body" in names:  # read again from the new text, as dbt read them from the old
        i, body = names.index("mentions"), columns[names.index("body")]
        if body.null_count < len(body):
            import pyarrow.compute as pc

            columns[i] = pc.if_else(pc.is_null(body), columns[i], _mentions(body, columns[i].type))
    return pa.RecordBatch.from_arrays(columns, names=names)


def _mentions(body, type_):
    """The @words of `body` (dbt's macro `mentions`): "@P-2fbd8a ok @everyone" -> ["P-2fbd8a", "everyone"]."""
    import polars as pl

    words = pl.Series(body).cast(pl.String).str.extract_all(r"@[^\s@,:，：。!?！？]+")
    return words.list.eval(pl.element().str.slice(1)).to_arrow().cast(type_)


def _rewrite_column(name: str, column, book: Namebook):
    import pyarrow as pa

    if name in CODE_COLUMNS and (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return column
    if name in NAME_COLUMNS:
        return _map_strings(column, book.name)
    if name in ID_COLUMNS:
        return _map_strings(column, lambda v: pseudonymous_id(book.key, v))
    if name in MENTION_COLUMNS:
        return _map_strings(column, book.mention)
    return _map_strings(column, book.text, prefilter=book)


def _has_strings(type_) -> bool:
    import pyarrow as pa

    if pa.types.is_string(type_) or pa.types.is_large_string(type_) or pa.types.is_string_view(type_):
        return True
    if pa.types.is_dictionary(type_):
        return _has_strings(type_.value_type)
    if pa.types.is_list(type_) or pa.types.is_large_list(type_) or pa.types.is_fixed_size_list(type_):
        return _has_strings(type_.value_type)
    if pa.types.is_struct(type_):
        return any(_has_strings(type_.field(i).type) for i in range(type_.num_fields))
    if pa.types.is_map(type_):
        return _has_strings(type_.key_type) or _has_strings(type_.item_type)
    return False


def _map_strings(array, fn: Callable[[str], str], prefilter: Namebook | None = None):
    """`array` with `fn` applied to every string in it, at any depth (lists, structs, maps)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    type_ = array.type
    if pa.types.is_dictionary(type_):
        return _map_strings(array.dictionary_decode(), fn, prefilter)
    if pa.types.is_string_view(type_):
        return _map_strings(array.cast(pa.string()), fn, prefilter)
    if pa.types.is_string(type_) or pa.types.is_large_string(type_):
        unique = pc.drop_null(pc.unique(array))
        if prefilter is not None:  # only the values that may hold a name go through Python
            unique = pc.filter(unique, prefilter.candidates(unique))
        old = unique.to_pylist()
        changed = [(v, new) for v in old if (new := fn(v)) != v]
        if not changed:
            return array
        at = pc.index_in(array, value_set=pa.array([v for v, _ in changed], type=type_))
        replaced = pa.array([new for _, new in changed], type=type_).take(at)
        return pc.if_else(pc.is_null(at), array, replaced)
    if pa.types.is_list(type_) or pa.types.is_large_list(type_):
        values = _map_strings(array.values, fn, prefilter)
        if values is array.values:
            return array
        cls = pa.ListArray if pa.types.is_list(type_) else pa.LargeListArray
        return cls.from_arrays(array.offsets, values, mask=array.is_null() if array.null_count else None)
    if pa.types.is_fixed_size_list(type_):
        if not _has_strings(type_):
            return array
        return pa.FixedSizeListArray.from_arrays(
            _map_strings(array.values, fn, prefilter), type_.list_size,
            mask=array.is_null() if array.null_count else None,
        )
    if pa.types.is_struct(type_):
        if not _has_strings(type_):
            return array
        fields = [type_.field(i) for i in range(type_.num_fields)]
        children = [_map_strings(array.field(i), fn, prefilter) for i in range(len(fields))]
        return pa.StructArray.from_arrays(
            children, fields=fields, mask=array.is_null() if array.null_count else None
        )
    if pa.types.is_map(type_):
        if not _has_strings(type_):
            return array
        return pa.MapArray.from_arrays(
            array.offsets, _map_strings(array.keys, fn, prefilter), _map_strings(array.items, fn, prefilter),
            mask=array.is_null() if array.null_count else None,
        )
    if pa.types.is_binary(type_) or pa.types.is_large_binary(type_) or pa.types.is_binary_view(type_) \
            or pa.types.is_union(type_):
        raise PseudonymiseError(f"a column of type {type_} cannot be searched for names; make it text or withhold it")
    return array  # numbers, times, booleans: nothing to hide
