"""Privacy by construction: in pseudonymous mode no output can show a real name, whatever the SQL.

One real data directory is ingested, built with dbt and checked (no mocks):
every layout fixture (tests/fixtures/<layout>: Zoom replies and reactions,
private messages, Russian, Chinese and device-suffixed names) plus a course
`hostile` written here, whose chat names people in every way seen in real
chats: @mentions of full names, first names alone, lower case, names without
their accents, Chinese given names and "王老师", a name shared by two people,
a roster person who never wrote, someone mentioned who never wrote, names in a
file name, in sessions.csv, in reactions and in a line that is rejected. Then
`classchat.pseudonymise.publish_pseudonymous` writes the pseudonymous twin,
as the pipeline does after each build.

The adversarial queries run through `classchat query --sql` itself
(`classchat.cli.main`), the path users take; the report runs headlessly
(Streamlit AppTest). A leak is any name of the input, or any part of one
that docs/privacy.md says is replaced, found in an output, compared without
case and accents, at word boundaries for names in spaced scripts.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import sys
import unicodedata
from pathlib import Path

import duckdb
import pytest
from helpers import add_export, build_warehouse, write_layout_courses

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from classchat import cli  # noqa: E402
from classchat.config import Paths  # noqa: E402
from classchat.pseudonymise import (  # noqa: E402
    COMMON_WORDS,
    PUBLIC_TABLES,
    WITHHELD_PREFIXES,
    Namebook,
    PseudonymiseError,
    is_pseudonym,
    name_key,
    needs_publish,
    pseudonym,
    pseudonymous_path,
    publish_pseudonymous,
)
from classchat.reports import db  # noqa: E402
from classchat.reports import queries as Q  # noqa: E402
from classchat.reports.export import export_html  # noqa: E402
from classchat.reports.privacy import Privacy  # noqa: E402

SESSION_FILE = "2024-09-02_office_hours_Lena_Park.txt"  # a name in the file name, so in ids and titles

HOSTILE = """Lena Park joined the meeting
2024-09-02 10:00:00 From Alice Wonder to Everyone:
	Hello all, I am Alice Wonder; call me alice
	
2024-09-02 10:01:00 From Lena Park to Everyone:
	@Alice Wonder can you share the slides?
	Sofia García, Zed Reactor:👍
	
2024-09-02 10:02:00 From Lena Wu to Everyone:
	Great work Lena and thanks alice   wonder!
	
2024-09-02 10:03:00 From 林小鹿 to Everyone:
	王老师，能再讲一遍吗？谢谢林小鹿的笔记，小鹿最棒
	
2024-09-02 10:04:00 From 王建国 to Everyone:
	好的 @林小鹿 我再讲一遍
	
2024-09-02 10:05:00 From Sofia García to Everyone:
	Is SOFIA GARCIA on the list? Garcia asks. Ask Bartholomew Quince
	
2024-09-02 10:06:00 From [TA] Omar Farouk to Everyone:
	@Yusuf are you here? Omar will answer, @everyone see lena.park@uni.edu
	
2024-09-02 10:07:00 From Priya (iPhone) to Lena Park (Direct Message):
	private: Priya thinks Lena Wu knows; ask quince
	
2024-09-02 10:08:00 From Will to Everyone:
	I will ask Will. Mark my words, Mark Chen is right
	
2024-09-02 10:09:00 From Mark Chen to Everyone:
	Replying to "Great work Lena and thanks...":
	what did Lena mean, Wonder?
	
2024-09-02 10:10:00 From Alice Wonder to Everyone:
	@Alice Wonder @Lena ok; Priya and omar and OMAR FAROUK and Farouk
	Lena Wu, Bartholomew Quince:❤️
	
"""

ROSTER = """course,display_name,user_key,role,aliases,email
hostile,Alice Wonder,s1001,student,Ally Wonder,alice.w@uni.edu
hostile,Bartholomew Quince,s1002,student,,
hostile,王建国,t01,instructor,,
"""

# The session's attendance report (issue 16): a renamed participant, a silent attendee known only here
# (name and e-mail), a name matched by e-mail, and a rejected row whose person is known nowhere else.
ATTENDANCE = """Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants
81234567890,Office hours with Lena Park,09/02/2024 10:00:00 AM,09/02/2024 11:00:00 AM,lena.park@uni.edu,60,4

Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest
Lena P (Lena Park),lena.park@uni.edu,09/02/2024 10:00:00 AM,09/02/2024 11:00:00 AM,60,No
Quentin Blackwood,q.blackwood@uni.edu,09/02/2024 10:00:00 AM,09/02/2024 10:50:00 AM,50,No
Ally W,alice.w@uni.edu,09/02/2024 10:00:00 AM,09/02/2024 10:30:00 AM,30,No
Rosalind Marsh,rosalind.marsh@uni.edu,soon,09/02/2024 11:00:00 AM,60,No
"""
ATTENDANCE_ONLY = ("Quentin Blackwood", "Rosalind Marsh", "Lena P", "Ally W", "Ally Wonder")

SESSIONS_CSV = f"""file,date,title,timezone,instructor,start
hostile/{SESSION_FILE},2024-09-02,Office hours with Lena Park,,Dana Scully,
"""

MENTIONED_ONLY = ("Yusuf",)  # written after an @ by someone else, never a sender

# --- the data directory, built once -------------------------------------------------------


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    """Every layout fixture plus the hostile course, ingested, built, checked; and its pseudonymous twin."""
    from classchat.pipeline import run_stages

    paths = Paths(tmp_path_factory.mktemp("privacy") / "data")
    paths.raw.mkdir(parents=True)
    write_layout_courses(paths)
    add_export(paths, "hostile", SESSION_FILE, HOSTILE)
    add_export(paths, "hostile", SESSION_FILE.replace(".txt", ".csv"), ATTENDANCE)
    (paths.raw / "roster.csv").write_text(ROSTER, encoding="utf-8")
    (paths.raw / "sessions.csv").write_text(SESSIONS_CSV, encoding="utf-8")
    build_warehouse(paths)
    run_stages(paths, "check", check=True, say=lambda _msg: None)
    publish_pseudonymous(paths.data_dir, paths.warehouse, paths.pseudonymous_warehouse)
    return paths


def _named(paths: Paths, sql: str) -> list[tuple]:
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="session")
def names(built: Paths) -> set[str]:
    """Every display name of the input: senders, recipients, users, instructors, reactors, the roster."""
    found = {
        r[0]
        for r in _named(
            built,
            "select sender_name from messages union select recipient from messages "
            "union select display_name from users union select instructor from sessions "
            "union select unnest(r.reactors) from (select unnest(collected_reactions) r from int_messages_classified)",
        )
        if r[0]
    }
    for line in ROSTER.splitlines()[1:]:
        found.add(line.split(",")[1])
    found.update(MENTIONED_ONLY)
    found.update(ATTENDANCE_ONLY)
    found.add("Dana Scully")
    return {n for n in found if n.lower() not in ("everyone", "system")}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_SPACED = r"0-9a-z\u00c0-\u024f\u0370-\u03ff\u0400-\u052f"


def _pattern(word: str) -> str:
    body = r"\s+".join(re.escape(w) for w in word.split())
    if re.match(f"[{_SPACED}]", word[0]):
        body = f"(?<![{_SPACED}])" + body
    if re.match(f"[{_SPACED}]", word[-1]):
        body += f"(?![{_SPACED}])"
    return body


@pytest.fixture(scope="session")
def leak_finder(names: set[str]):
    """A function giving every name (or replaced part of a name, docs/privacy.md) found in a text.

    Written from the documented rules, not from the module's code: full names
    (also without a role tag or device suffix); their words of two or more
    characters with a letter that are not common words; Chinese given names.
    One-word names that are common words count only when capitalised.
    """
    words: set[str] = set()
    capitalised: set[str] = set()
    for raw in names:
        for full in {raw, name_key(raw)}:
            if len(full.strip()) < 2:
                continue
            if " " not in full.strip() and full.strip().lower() in COMMON_WORDS:
                capitalised.add(full.strip())
                continue
            words.add(_fold(" ".join(full.split())))
        for part in re.findall(r"[^\W_]+", name_key(raw)):
            if len(part) >= 2 and re.search(r"[^\W\d_]", part) and part not in COMMON_WORDS:
                words.add(_fold(part))
        key = name_key(raw)
        if re.fullmatch(r"[\u4e00-\u9fff]{3,4}", key):
            words.add(key[-2:])
    assert {"alice wonder", "alice", "lena", "park", "小鹿", "garcia", "quince", "yusuf", "zed", "omar", "scully"} <= words
    assert "mark" not in words and "Will" in capitalised  # common words: see docs/privacy.md
    folded = re.compile("|".join(_pattern(w) for w in sorted(words, key=len, reverse=True)))
    exact = re.compile("|".join(rf"(?<![A-Za-z]){re.escape(w.capitalize())}(?![A-Za-z])" for w in capitalised))

    def find(text: str) -> list[str]:
        return [m.group(0) for m in folded.finditer(_fold(text))] + [m.group(0) for m in exact.finditer(text)]

    return find


def test_the_fixture_really_names_people(built: Paths, leak_finder) -> None:
    """The named warehouse is full of names (so a clean pseudonymous result means something)."""
    bodies = "\n".join(r[0] for r in _named(built, "select body from messages where course_id = 'hostile'"))
    found = {f.lower() for f in leak_finder(bodies)}
    assert {"alice wonder", "lena", "小鹿", "garcia", "yusuf", "omar farouk", "quince"} <= found
    assert leak_finder("I will ask Will") == ["Will"] and leak_finder("I will ask") == []


# --- the pseudonymous file ------------------------------------------------------------------


JOIN = (
    "select count(*) from messages m join users u using (user_id) join user_sessions s "
    "on s.user_id = m.user_id and s.session_id = m.session_id"
)


def test_only_public_tables_and_no_raw_name_column(built: Paths) -> None:
    twin = built.pseudonymous_warehouse
    assert twin == pseudonymous_path(built.warehouse) == built.data_dir / "warehouse.pseudonymous.duckdb"
    con = duckdb.connect(str(twin), read_only=True)
    try:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        for table in tables:
            named_n = _named(built, f"select count(*) from {table}")[0][0]
            assert con.execute(f"select count(*) from {table}").fetchall()[0][0] == named_n, table
        joined = con.execute(JOIN).fetchall()[0][0]
        senders = con.execute("select distinct sender_name from messages where sender_name <> 'system'").fetchall()
        user_ids = con.execute("select user_id from users").fetchall()
    finally:
        con.close()
    assert tables == set(PUBLIC_TABLES)
    # pseudonymised keys join exactly as the named ones: each message meets its user and user-session row
    assert joined == _named(built, JOIN)[0][0] > 70
    assert all(is_pseudonym(s) for (s,) in senders)
    named_ids = {r[0] for r in _named(built, "select user_id from users")}
    assert not named_ids & {u for (u,) in user_ids}  # an md5 of a name could be reversed by guessing


def test_every_table_of_the_warehouse_is_published_or_withheld(built: Paths) -> None:
    """A new mart must be classified (PUBLIC_TABLES) before pseudonymous readers see it."""
    present = {r[0] for r in _named(built, "select table_name from information_schema.tables")}
    unclassified = {t for t in present if t not in PUBLIC_TABLES and not t.startswith(WITHHELD_PREFIXES)}
    assert not unclassified, f"classify these in classchat/pseudonymise.py PUBLIC_TABLES: {unclassified}"
    assert set(PUBLIC_TABLES) <= present


ATTENDANCE_TABLES = ("attendance", "name_matches", "attendance_files", "attendance_rejects")


def test_attendance_tables_hold_no_name_or_email(built: Paths, leak_finder) -> None:
    """Every name and e-mail of an attendance report (issue 16) is replaced, the rejected row's too."""
    named = "\n".join(
        str(row) for t in ATTENDANCE_TABLES for row in _named(built, f"select * from {t}")
    )
    assert {"quentin blackwood", "rosalind marsh", "lena park"} <= {f.lower() for f in leak_finder(named)}
    assert "q.blackwood@uni.edu" in named and "rosalind.marsh@uni.edu" in named
    con = duckdb.connect(str(built.pseudonymous_warehouse), read_only=True)
    try:
        dumped = "\n".join(str(row) for t in ATTENDANCE_TABLES for row in con.execute(f"select * from {t}").fetchall())
        people = con.execute("select display_name, email from attendance").fetchall()
        silent = con.execute("select count(*) from user_sessions where is_silent_attendee").fetchall()
    finally:
        con.close()
    assert leak_finder(dumped) == []
    assert "@" not in dumped  # no e-mail address, whole or in part
    assert len(people) == 3 and all(is_pseudonym(n) for n, _ in people)
    assert silent == _named(built, "select count(*) from user_sessions where is_silent_attendee") == [(1,)]


def test_the_same_person_has_the_same_pseudonym_everywhere(built: Paths) -> None:
    key = Privacy.for_data_dir(built.data_dir, "pseudonymous").key
    alice, lena_park, yusuf = pseudonym(key, "Alice Wonder"), pseudonym(key, "Lena Park"), pseudonym(key, "yusuf")
    rows = Q.run_sql(
        built.warehouse,
        "select sender_name, recipient, body, mentions from messages where course_id = 'hostile' order by seq",
        privacy=Privacy("pseudonymous"),
    )
    by_sender = dict(zip(rows["sender_name"], rows["body"], strict=False))
    assert rows["sender_name"].iloc[0] == alice
    assert rows["body"].iloc[1] == f"@{alice} can you share the slides?"  # not "@P-… Wonder"
    assert list(rows["mentions"].iloc[1]) == [alice]
    assert f"Great work {pseudonym(key, 'lena')} and thanks {alice}!" == rows["body"].iloc[2]  # Lena: two people
    assert f"@{yusuf} are you here?" in rows["body"].iloc[6] and "@everyone" in rows["body"].iloc[6]
    assert pseudonym(key, "[TA] Omar Farouk") == pseudonym(key, "Omar Farouk") in by_sender
    private = rows[rows["recipient"] != "everyone"]
    assert private["recipient"].tolist() == [lena_park] and private["sender_name"].tolist() == [pseudonym(key, "Priya")]
    assert rows["body"].iloc[8] == f"I will ask {pseudonym(key, 'Will')}. Mark my words, {pseudonym(key, 'Mark Chen')} is right"
    users = Q.run_sql(built.warehouse, "select display_name, user_key from users", privacy=Privacy("pseudonymous"))
    assert alice in set(users["display_name"]) and not {"s1001", "s1002", "t01"} & set(users["user_key"])


# --- 30+ adversarial queries through `classchat query --sql` -----------------------------------------

ADVERSARIAL = [
    "select sender_name as who from messages",
    "select upper(sender_name) u, lower(sender_name) l, reverse(sender_name) r from messages",
    "select string_agg(sender_name, ',') from messages",
    "select string_agg(distinct display_name, ' ') from user_sessions",
    "select string_agg(body, ' | ') from messages",
    "select list(distinct sender_name) as l, list(recipient) as r from messages",
    "select {'who': sender_name, 'to': recipient, 'said': body} as s from messages",
    "select histogram(sender_name) from messages",
    "select map(list(message_id), list(sender_name)) from messages",
    "select to_json(m) from messages m",
    "select json_object('n', display_name, 'k', user_key) from users",
    "select sender_name || ': ' || body from messages",
    "select split_part(body, ' ', 2), regexp_extract_all(body, '@(\\S+)') from messages",
    "select mentions, unnest(mentions) as m from messages",
    "select body from messages where body like '%@%' or body ilike '%lena%'",
    "select recipient, body from messages where is_private",
    "select display_name, user_key, user_id, course_id from users",
    "select * from user_sessions",
    "select session_id, title, instructor, source_file from sessions",
    "select * from ingested_files",
    "select * from rejected_lines",
    "select term from question_topics",
    "select * from quality_results",
    "select * from runs",
    "select unnest(input_files) from runs",
    "select * from messages",
    "select * from sessions",
    "select * from users",
    "select * from courses",
    "select * from session_minutes",
    "select * from question_topics",
    "summarize messages",
    "summarize users",
    "select * from information_schema.tables",
    "select * from information_schema.columns",
    "select * from duckdb_tables()",
    "select * from duckdb_columns()",
    "select * from duckdb_views()",
    "select * from duckdb_databases()",
    "select * from duckdb_constraints()",
    "select * from duckdb_schemas()",
    "pragma database_list",
    "select * from pragma_storage_info('messages')",
    "select * from duckdb_settings() where name in ('temp_directory', 'allowed_directories', 'allowed_paths')",
    "with recursive t(n) as (select 1 union all select n + 1 from t where n < 3) "
    "select t.n, m.sender_name from t, messages m",
]

MUST_FAIL = {
    "attach": "attach '{warehouse}' as named_db",
    "attach read-only": "attach '{warehouse}' as named_db (read_only)",
    "a database file as a table": "select * from '{warehouse}'",
    "a raw export as a table": "select * from '{raw}'",
    "read the raw export": "select * from read_text('{raw}')",
    "read the lake": "select * from read_parquet('{lake}/messages/*/*.parquet')",
    "read a file as csv": "select * from read_csv('{raw}')",
    "loosen the lock-down": "set enable_external_access = true",
    "an intermediate model": "select * from int_messages_classified",
    "a staging view": "select * from stg_lake__messages",
    "the bookkeeping": "select * from _classchat_scope",
    "copy out": "copy messages to '{out}'",
}


def _cli(argv: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    code = cli.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_thirty_adversarial_queries_find_no_name(built: Paths, leak_finder, capsys, monkeypatch) -> None:
    monkeypatch.setenv("CLASSCHAT_DATA_DIR", str(built.data_dir))
    monkeypatch.setenv("CLASSCHAT_PRIVACY", "named")  # the flag below, not the environment, asks for pseudonyms
    base = ["--data-dir", str(built.data_dir), "--privacy", "pseudonymous", "query", "--format", "json"]
    leaks: dict[str, list[str]] = {}
    rows = 0
    for sql in ADVERSARIAL:
        code, out, err = _cli([*base, "--sql", sql], capsys)
        assert code == 0, (sql, err)
        rows += len(json.loads(out))
        found = leak_finder(out)
        if found:
            leaks[sql] = found[:5]
    # a BLOB result (bytes) is not JSON: read it through the same runner the command uses
    blobs = Q.run_sql(built.warehouse, "select encode(body) as raw, encode(sender_name) as who from messages",
                      privacy=Privacy("pseudonymous"))
    decoded = " ".join(bytes(v).decode("utf-8") for column in ("raw", "who") for v in blobs[column])
    assert len(blobs) > 50 and not leak_finder(decoded)
    assert not leaks, leaks
    assert len(ADVERSARIAL) + 1 >= 30 and rows > 1000
    # the same holds for every other output format of the command
    for fmt in ("csv", "table"):
        code, out, _ = _cli([*base[:-2], "--format", fmt, "--sql", "select * from messages"], capsys)
        assert code == 0 and not leak_finder(out)
    # and in named mode the same queries show the names (the check above is not vacuous)
    code, out, _ = _cli(["--data-dir", str(built.data_dir), "--privacy", "named", "query", "--format", "json",
                         "--sql", "select sender_name, body from messages"], capsys)
    assert code == 0 and {"lena", "alice wonder"} <= {f.lower() for f in leak_finder(out)}


def test_the_named_warehouse_cannot_be_reached(built: Paths, leak_finder, capsys, tmp_path) -> None:
    base = ["--data-dir", str(built.data_dir), "--privacy", "pseudonymous", "query", "--sql"]
    raw = next((built.raw / "hostile").glob("*.txt"))
    for what, sql in MUST_FAIL.items():
        sql = sql.format(warehouse=built.warehouse, raw=raw, lake=built.lake, out=tmp_path / "out.csv")
        code, out, err = _cli([*base, sql], capsys)
        assert code == 1 and err.startswith("classchat query: ") and not out, (what, out, err)
        typed = [str(raw), raw.name, str(built.warehouse)]
        assert not leak_finder(re.sub("|".join(map(re.escape, typed)), " ", err)), (what, err)
    assert not (tmp_path / "out.csv").exists()
    # not a single name-bearing relation is there to find
    catalog = Q.run_sql(
        built.warehouse,
        "select table_name from duckdb_tables() union all select view_name from duckdb_views() where not internal",
        privacy=Privacy("pseudonymous"),
    )
    assert set(catalog["table_name"]) == set(PUBLIC_TABLES)
    databases = Q.run_sql(built.warehouse, "select path from duckdb_databases() where path is not null",
                          privacy=Privacy("pseudonymous"))
    assert databases["path"].tolist() == [str(built.pseudonymous_warehouse)]


def test_named_queries_in_pseudonymous_mode_show_no_name(built: Paths, leak_finder) -> None:
    privacy = Privacy("pseudonymous")
    (session,) = Q.run_sql(built.warehouse, "select session_id from sessions where course_id = 'hostile'",
                           privacy=privacy)["session_id"]
    params = {"course": "hostile", "session": session}
    ran = 0
    for query in Q.list_queries():
        raw = {p.name: params[p.name] for p in query.params if p.name in params}
        frame = Q.run_query(built.warehouse, query.name, raw, privacy=privacy)
        text = frame.to_json(orient="records", force_ascii=False, default_handler=str)
        assert not leak_finder(text), (query.name, leak_finder(text)[:5])
        ran += 1
    assert ran >= 8


def test_pseudonymous_readers_never_open_the_named_file(built: Paths, tmp_path, leak_finder, monkeypatch) -> None:
    """A copy whose named warehouse is garbage still answers in pseudonymous mode: readers never touch it."""
    paths = Paths(tmp_path / "data")
    paths.data_dir.mkdir()
    shutil.copyfile(built.pseudonymous_warehouse, paths.pseudonymous_warehouse)
    paths.warehouse.write_bytes(b"not a database" * 100)
    monkeypatch.setenv("CLASSCHAT_PRIVACY", "pseudonymous")
    frame = Q.run_sql(paths.warehouse, "select sender_name, body from messages")
    assert len(frame) > 50 and not leak_finder(frame.to_json(force_ascii=False))
    (session_id,) = Q.run_sql(paths.warehouse, "select session_id from sessions where course_id = 'hostile'")[
        "session_id"
    ]
    assert session_id.startswith("hostile/2024-09-02_office_hours_P-")  # the name in the file name is gone
    for session in (None, session_id):
        doc = export_html(paths.warehouse, course="hostile", session=session)
        assert "pseudonymised" in doc and "warehouse.pseudonymous.duckdb" in doc
        assert not leak_finder(_html_text(doc)), leak_finder(_html_text(doc))[:5]
    assert db.warehouse_for(paths.warehouse) == paths.pseudonymous_warehouse
    # and without the twin there is nothing to read, never the named file instead
    paths.pseudonymous_warehouse.unlink()
    with pytest.raises(db.WarehouseMissing, match="warehouse.pseudonymous.duckdb"):
        Q.run_sql(paths.warehouse, "select 1")
    assert not (paths.data_dir / ".classchat_key").exists()  # readers need no key


def _html_text(doc: str) -> str:
    """The text and the attribute values of an HTML document (tag names such as <li> are no names)."""
    doc = re.sub(r"<style>.*?</style>", " ", doc, flags=re.DOTALL)
    attributes = " ".join(re.findall(r'="([^"]*)"', doc))
    return html.unescape(re.sub(r"<[^>]*>", " ", doc) + " " + attributes)


def test_export_in_named_mode_still_shows_names(built: Paths) -> None:
    doc = export_html(built.warehouse, course="hostile", privacy=Privacy("named"))
    assert "Alice Wonder" in doc and "warehouse.duckdb" in doc


# --- publishing -----------------------------------------------------------------------------


def test_publish_is_atomic_and_repeatable(built: Paths, tmp_path) -> None:
    target = tmp_path / "twin.duckdb"
    publish_pseudonymous(built.data_dir, built.warehouse, target)
    first = duckdb.connect(str(target), read_only=True)
    try:
        before = first.execute("select * from messages order by message_id").fetchall()
    finally:
        first.close()
    publish_pseudonymous(built.data_dir, built.warehouse, target)  # the same key, the same file
    again = duckdb.connect(str(target), read_only=True)
    try:
        assert again.execute("select * from messages order by message_id").fetchall() == before
    finally:
        again.close()
    stamp = target.stat().st_mtime_ns
    with pytest.raises(PseudonymiseError, match="no warehouse"):
        publish_pseudonymous(built.data_dir, tmp_path / "missing.duckdb", target)
    with pytest.raises(PseudonymiseError, match="cannot replace"):
        publish_pseudonymous(built.data_dir, built.warehouse, built.warehouse)
    assert target.stat().st_mtime_ns == stamp  # a failed publication leaves the file as it was
    assert sorted(p.name for p in tmp_path.iterdir()) == ["twin.duckdb"]  # no temporary file, no WAL left
    assert not needs_publish(built.warehouse, built.pseudonymous_warehouse)
    assert needs_publish(built.warehouse, tmp_path / "nothing.duckdb")


def test_key_is_private_and_never_in_the_file(built: Paths) -> None:
    key_file = built.data_dir / ".classchat_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert key_file.read_bytes() not in built.pseudonymous_warehouse.read_bytes()


# --- the rules of docs/privacy.md, one by one -------------------------------------------------


@pytest.fixture(scope="module")
def book() -> Namebook:
    return Namebook.build(
        b"k" * 32,
        ["Alice Wonder", "Lena Park", "Lena Wu", "林小鹿", "王建国", "Sofia García", "[TA] Omar Farouk",
         "Priya (iPhone)", "Will", "Mark Chen", "Chen Wei", "Back to School", "Bo", "A", "everyone"],
    )


def p(name: str) -> str:
    return pseudonym(b"k" * 32, name)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@Alice Wonder can you share?", f"@{p('Alice Wonder')} can you share?"),  # full names first
        ("thanks alice   WONDER!", f"thanks {p('Alice Wonder')}!"),  # any case, any spacing
        ("thanks alice!", f"thanks {p('Alice Wonder')}!"),  # a part that names one person
        ("Great work Lena", f"Great work {p('lena')}"),  # a part two people share: its own pseudonym
        ("谢谢林小鹿，小鹿说得对", f"谢谢{p('林小鹿')}，{p('林小鹿')}说得对"),  # Chinese: anywhere; given name
        ("王老师好", f"{p('王建国')}好"),  # surname and title
        ("SOFIA GARCIA, Garcia", f"{p('Sofia García')}, {p('Sofia García')}"),  # without accents
        ("@Zed are you here? @everyone", f"@{p('Zed')} are you here? @everyone"),  # any other @word
        ("Omar said", f"{p('Omar Farouk')} said"),  # role tag and device do not count
        ("Priya here", f"{p('Priya')} here"),
        ("I will ask Will", f"I will ask {p('Will')}"),  # a common word as a name: only capitalised
        ("Mark my words, Mark Chen", f"Mark my words, {p('Mark Chen')}"),  # common-word parts stay
        ("Chen said", f"{p('chen')} said"),
        ("Both bo and Bo", f"Both {p('Bo')} and {p('Bo')}"),  # whole words only in spaced scripts
        ("a b c", "a b c"),  # one-letter names are not searched for
        ("back to school later", f"{p('Back to School')} later"),  # a full name is a name, whatever its words
        ("see lena.park@uni.edu at 10:30 @10", f"see {p('lena')}.{p('Lena Park')}@uni.edu at 10:30 @10"),
        ("@Will @Mark", f"@{p('Will')} @{p('Mark Chen')}"),  # after an @ even common words are names
        ("nothing to see", "nothing to see"),
    ],
)
def test_names_in_text(book: Namebook, text: str, expected: str) -> None:
    assert book.text(text) == expected


def test_name_columns_and_mentions(book: Namebook) -> None:
    assert book.name("Bo (Laptop)") == book.name("bo") == p("Bo")
    assert book.name("everyone") == "everyone" and book.name("System") == "System"
    assert book.mention("Alice") == p("Alice Wonder") and book.mention("everyone") == "everyone"
    assert book.mention("zed") == p("zed")
    assert is_pseudonym(p("Bo")) and not is_pseudonym("Bo")


# --- the report ---------------------------------------------------------------------------------

APP = str(PROJECT_ROOT / "reports" / "app.py")


def _run(at):
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _rendered(at) -> str:
    """Everything the page sent to the browser (every element's protobuf, sidebar and tables included).

    Tables are read as their cells, one per line: their Arrow buffers are binary, which both glues
    neighbouring cells together (hiding a name next to another string) and lets chance bytes read
    as a short name (a run found "la" in the quality table's numbers)."""
    from streamlit.testing.v1.element_tree import Dataframe

    parts = []
    for node in at._tree:
        if isinstance(node, Dataframe):
            frame = node.value
            parts += [str(c) for c in frame.columns]
            parts += [str(v) for v in frame.astype(str).to_numpy().ravel()]
        elif getattr(node, "proto", None):
            parts.append(node.proto.SerializeToString().decode("utf-8", errors="replace"))
    return "\n".join(parts)


def test_report_in_pseudonymous_mode_shows_no_name(built: Paths, leak_finder, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CLASSCHAT_DATA_DIR", str(built.data_dir))
    monkeypatch.setenv("CLASSCHAT_PRIVACY", "pseudonymous")
    at = _run(AppTest.from_file(APP, default_timeout=60))
    seen = {"overview": _rendered(at)}
    for page in ("course", "session", "quality", "attendance"):
        at.switch_page(f"views/{page}.py")
        _run(at)
        if any(box.key == "widget:course" for box in at.selectbox):
            at.selectbox(key="widget:course").select("hostile")
            _run(at)
        seen[page] = _rendered(at)
    at.switch_page("views/people.py")
    _run(at)
    at.selectbox(key="widget:people_course").select("*")  # everybody, every course
    _run(at)
    people = at.selectbox(key="widget:person")
    assert len(people.options) > 30
    for i in range(len(people.options)):
        people.select_index(i)
        seen[f"person {i}"] = _rendered(_run(at))
    at.switch_page("views/queries.py")
    _run(at)
    for option in at.selectbox(key="widget:query").options:
        at.selectbox(key="widget:query").select(option)
        seen[f"query {option}"] = _rendered(_run(at))
    leaks = {where: found[:5] for where, text in seen.items() if (found := leak_finder(text))}
    assert not leaks, leaks
    assert "P-" in seen["session"] and "Lena" not in "".join(seen.values())
    assert "P-" in seen["attendance"] and "Term grid" in seen["attendance"]  # the grid, of pseudonyms
    # the same page in named mode shows the names (what is looked for above is there to find)
    monkeypatch.setenv("CLASSCHAT_PRIVACY", "named")
    at = _run(AppTest.from_file(APP, default_timeout=60))
    at.switch_page("views/session.py")
    _run(at)
    at.selectbox(key="widget:course").select("hostile")
    named = {f.lower() for f in leak_finder(_rendered(_run(at)))}
    assert {"alice wonder", "lena", "小鹿"} <= named


def test_every_string_at_any_depth_is_searched(tmp_path) -> None:
    """Default deny on a small hand-made warehouse: unknown columns, lists, structs, maps, a view."""
    data = tmp_path / "data"
    data.mkdir()
    source = data / "warehouse.duckdb"
    con = duckdb.connect(str(source))
    try:
        con.execute(
            "create table messages (message_id varchar, sender_name varchar, body varchar, mentions varchar[], "
            "extra_note varchar, tags struct(who varchar, n integer)[], seen map(varchar, varchar), n integer)"
        )
        con.execute(
            "insert into messages values ('m1', 'Alice Wonder', 'hi @Alice Wonder and lena', ['Alice'], "
            "'note by Lena Park', [{'who': 'Lena Park', 'n': 1}], map(['Alice Wonder'], ['lena']), 7), "
            "('m2', 'Lena Park', null, [], null, null, null, null)"
        )
        con.execute("create table int_secret as select sender_name from messages")
        con.execute("create view users as select sender_name as display_name, 'Lena Park' as nickname from messages")
    finally:
        con.close()
    target = pseudonymous_path(source)
    publish_pseudonymous(data, source, target)
    key = Privacy.for_data_dir(data, "pseudonymous").key
    alice, lena = pseudonym(key, "Alice Wonder"), pseudonym(key, "Lena Park")
    con = duckdb.connect(str(target), read_only=True)
    try:
        assert {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()} == {
            "messages", "users"
        }  # the view is a table now; int_secret is not there
        row = con.execute("select * from messages where message_id = 'm1'").fetchall()[0]
        users = con.execute("select * from users order by display_name").fetchall()
        empty = con.execute("select * from messages where message_id = 'm2'").fetchall()[0]
    finally:
        con.close()
    assert row == (
        "m1", alice, f"hi @{alice} and {lena}", [alice], f"note by {lena}", [{"who": lena, "n": 1}],
        {alice: lena}, 7,
    )
    assert sorted(users) == sorted([(alice, lena), (lena, lena)])
    assert empty == ("m2", lena, None, [], None, None, None, None)  # nulls stay null

    con = duckdb.connect(str(source))
    try:
        con.execute("alter table messages add column attachment blob")
    finally:
        con.close()
    with pytest.raises(PseudonymiseError, match="messages.attachment: a column of type binary"):
        publish_pseudonymous(data, source, target)
