"""Hostile input and hostile SQL against the report and `classchat query` (issue 15, items 9-12).

A real warehouse is built by the pipeline from chat exports written here, with
senders named like markup (`[Reset password](https://evil.example/login)`,
`**bold**`, `:red[alarm]`, `<b>x</b>`), a session title taken from a file name
with markup, a title and an instructor from raw/sessions.csv with links, and
bodies that start like spreadsheet formulas (`=HYPERLINK(...)`, `+1`, `-2`,
`@...`, a tab). Then:

* CSV (item 9): `classchat query --format csv` and the report's Download CSV
  bytes neutralise every text cell that starts with = + - @, tab or CR (a
  leading '), keep numbers numbers, and are written by one function.
* Markup (item 10): every page of the report runs in Streamlit's AppTest; no
  element that renders markdown holds a hostile string as live markup, and
  the escaped text reads back as the original. When chromium and Playwright
  are there, the People and Session pages are also opened in a real browser
  and must hold no link to evil.example, no bold and no coloured text.
* Sandbox (item 11): DuckDB's temp directory beside the warehouse is made a
  symlink to `/`; with DuckDB's own lock-down that reads /etc/passwd (the
  control), through `reports.db` neither `read_text` nor `COPY ... TO`
  reaches anything.
* Limits (item 12): a time limit, a memory limit and a row cap stop or cut
  ad-hoc SQL with one clear line, from Python and from the command line.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from helpers import CHROMIUM, CHROMIUM_ARGS, add_export, browser_missing, build_warehouse

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from classchat.cli import main as cli_main  # noqa: E402
from classchat.config import Paths  # noqa: E402
from classchat.reports import db, ui  # noqa: E402
from classchat.reports import queries as Q  # noqa: E402

APP = str(PROJECT_ROOT / "reports" / "app.py")
PAGES = ("overview", "course", "session", "people", "quality", "queries")

LINK = "[Reset password](https://evil.example/login)"
NAMES = (LINK, "**bold**", ":red[alarm]", "<b>x</b>")
FILE_TITLE = "**bold** :red[alarm]"  # from the file name 2024-06-05_**bold**_:red[alarm].txt
CSV_TITLE = "[Session notes](https://evil.example/notes) **now** :red[alarm] <b>x</b>"
INSTRUCTOR = "[Prof](https://evil.example/prof)"
# Any of these, as is, in an element that renders markdown would be live markup.
LIVE = ("[Reset password](", "](https://evil", "https://evil.example", "**bold**", "**now**", ":red[alarm]",
        "<b>x</b>", "[Prof](")

BODIES = {  # seq -> body in the week1 session
    1: '=HYPERLINK("https://evil.example","click")',
    2: "+1 me too",
    3: "-2 is the answer?",
    4: "@**bold** see https://evil.example/x",
    5: "\tindented",
    6: "what is =SUM(A1)?",
    7: "ok",
}
WEEK1 = [
    ("10:00:00", LINK, BODIES[1]),
    ("10:00:10", "**bold**", BODIES[2]),
    ("10:00:20", ":red[alarm]", BODIES[3]),
    ("10:00:30", "<b>x</b>", BODIES[4]),
    ("10:00:40", LINK, BODIES[5]),
    ("10:00:50", "Ann", BODIES[6]),
    ("10:01:00", LINK, BODIES[7]),
]


def _export(lines: list[tuple[str, str, str]]) -> str:
    return "".join(f"{t}\t  {who} : {text}\n" for t, who, text in lines)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    """A warehouse built by the pipeline from hostile exports (course `hostile`, three sessions)."""
    paths = Paths(tmp_path_factory.mktemp("safety") / "data")
    add_export(paths, "hostile", "2024-06-03_week1.txt", _export(WEEK1))
    add_export(paths, "hostile", "2024-06-05_**bold**_:red[alarm].txt", _export(WEEK1[:3]))
    add_export(
        paths, "hostile", "2024-06-10_notes.txt",
        _export([("09:00:00", LINK, "hello"), ("09:00:30", "Ann", "hi"), ("09:01:00", LINK, "bye")]),
    )
    (paths.raw / "sessions.csv").write_text(
        f'file,title,instructor\nhostile/2024-06-10_notes.txt,"{CSV_TITLE}","{INSTRUCTOR}"\n',
        encoding="utf-8",
    )
    build_warehouse(paths)
    return paths


@pytest.fixture
def report(hostile: Paths, monkeypatch: pytest.MonkeyPatch) -> Paths:
    monkeypatch.setenv("CLASSCHAT_DATA_DIR", str(hostile.data_dir))
    monkeypatch.delenv("CLASSCHAT_PRIVACY", raising=False)
    return hostile


def test_the_fixture_holds_the_hostile_strings(hostile: Paths) -> None:
    names = set(db.query(hostile.warehouse, "select display_name from users")["display_name"])
    assert set(NAMES) <= names
    titles = set(db.query(hostile.warehouse, "select title from sessions")["title"])
    assert {FILE_TITLE, CSV_TITLE, "week1"} == titles
    body = db.query(
        hostile.warehouse, "select seq, body from messages where session_id = 'hostile/2024-06-03_week1'"
    )
    assert dict(zip(body["seq"], body["body"], strict=True)) == BODIES


# --- item 9: CSV formula injection -------------------------------------------------------


def test_neutralise_follows_owasp() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert Q.neutralise(f"{start}1+1") == f"'{start}1+1"
    for safe in ("1+1", "hello", "", " =x", "'=x", "[\"=x\"]", "２＝"):
        assert Q.neutralise(safe) == safe
    # only text: numbers stay numbers, whatever their sign
    assert [Q.csv_cell(v) for v in (-3, -3.5, 0, None)] == ["-3", "-3.5", "0", ""]
    assert [Q.csv_cell(v) for v in ("-3", "=1", "@a", "+")] == ["'-3", "'=1", "'@a", "'+"]
    assert Q.csv_cell(["=x", "-y"]) == '["=x", "-y"]'  # a list is JSON text starting with [


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_query_csv_neutralises_formulas_and_keeps_numbers(
    hostile: Paths, capsys: pytest.CaptureFixture
) -> None:
    sql = (
        "select seq, body, -3 as minus_three, '-3' as text_minus_three from messages "
        "where session_id = 'hostile/2024-06-03_week1' order by seq"
    )
    code = cli_main(["--data-dir", str(hostile.data_dir), "query", "--sql", sql, "--format", "csv"])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    rows = _csv_rows(out)
    assert rows[0] == ["seq", "body", "minus_three", "text_minus_three"]
    got = {int(r[0]): r[1] for r in rows[1:]}
    for seq, body in BODIES.items():
        expected = "'" + body if body[0] in "=+-@\t\r" else body
        assert got[seq] == expected, seq
    assert {r[2] for r in rows[1:]} == {"-3"} and {r[3] for r in rows[1:]} == {"'-3"}
    # the named-query route writes through the same function
    frame = Q.run_sql(hostile.warehouse, sql)
    assert Q.render(frame, "csv") == out


def test_report_download_csv_is_the_same_neutralised_csv(report: Paths) -> None:
    at = _open("session")
    _box(at, "session").select("hostile/2024-06-03_week1").run()
    messages = _frame(_ok(at), "seq", "intent", "body")
    data = ui.csv_bytes(messages)
    assert data == "\ufeff".encode() + Q.csv_text(messages).encode("utf-8")  # one CSV writer
    rows = _csv_rows(data.decode("utf-8-sig"))
    col = rows[0].index("body")
    bodies = {int(r[0]): r[col] for r in rows[1:]}
    assert bodies[1] == "'" + BODIES[1] and bodies[2] == "'+1 me too" and bodies[3] == "'-2 is the answer?"
    assert bodies[4].startswith("'@") and bodies[5] == "'\tindented" and bodies[6] == BODIES[6]
    assert [r[0] for r in rows[1:]] == [str(s) for s in range(1, 8)]  # numbers stay numbers
    assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for r in rows for cell in r)


# --- item 10: markup in the Streamlit report ---------------------------------------------


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def _open(page: str = "overview") -> AppTest:
    at = _ok(AppTest.from_file(APP, default_timeout=60).run())
    if page != "overview":
        at.switch_page(f"views/{page}.py")
        _ok(at.run())
    return at


def _go(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"views/{page}.py")
    return _ok(at.run())


def _box(at: AppTest, name: str):
    return at.selectbox(key=f"widget:{name}")


def _frame(at: AppTest, *columns: str):
    for df in at.dataframe:
        if set(columns) <= set(df.value.columns):
            return df.value
    raise AssertionError(f"no table with columns {columns}")


def _markdown_texts(at: AppTest) -> list[str]:
    """Every string of the page that Streamlit renders as markdown, sidebar included."""
    texts: list[str] = []
    kinds = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success")
    for kind in kinds:
        texts += [str(e.value) for e in getattr(at, kind)]
    texts += [e.label for e in at.tabs] + [e.label for e in at.expander]
    texts += [m.label for m in at.metric] + [str(m.value) for m in at.metric]
    texts += [w.label for kind in ("selectbox", "multiselect", "text_input") for w in getattr(at, kind)]
    return texts


def _shown(markdown: str) -> str:
    """What a CommonMark renderer shows for escaped text: escapes and word joiners dropped."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace(ui.WORD_JOINER, "")


_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")


def _assert_inert(at: AppTest, where: str) -> list[str]:
    """No hostile string as live markup; code spans (ids, paths) are literal and left out."""
    texts = _markdown_texts(at)
    for text in texts:
        outside_code = _CODE_SPAN.sub(" ", text)
        for live in LIVE:
            assert live not in outside_code, f"{where}: live markup {live!r} in {text!r}"
    return texts


def test_plain_and_code_show_text_as_written() -> None:
    others = ("$x^2$ :smile: _it_ ~~s~~ `c` a@b.com www.evil.example", "Prof Li")
    for text in (*NAMES, CSV_TITLE, INSTRUCTOR, *others):
        md = ui.plain(text)
        assert _shown(md) == text
        assert not any(live in md for live in LIVE)
        assert "https://" not in md and "www." not in md.lower() and "@b" not in md  # no bare URL or address
    assert ui.plain("Prof Li") == "Prof Li" and ui.plain("two\nlines") == "two lines"
    assert ui.code("dl101") == "`dl101`" and ui.code("a`b") == "``a`b``" and ui.code("`x") == "`` `x ``"


def test_no_page_renders_hostile_strings_as_markup(report: Paths) -> None:
    at = _open()
    seen = _assert_inert(at, "overview")
    for page in PAGES[1:]:
        seen += _assert_inert(_go(at, page), page)
    _go(at, "session")
    sessions = _box(at, "session")
    for i in range(len(sessions.options)):
        sessions.select_index(i).run()
        seen += _assert_inert(_ok(at), f"session {sessions.options[i]}")
    _go(at, "people")
    person = _box(at, "person")
    for i in range(len(person.options)):
        person.select_index(i).run()
        seen += _assert_inert(_ok(at), f"person {person.options[i]}")
    # what was escaped still reads as written
    shown = [_shown(t) for t in seen]
    for text in (*NAMES, FILE_TITLE, CSV_TITLE, INSTRUCTOR):
        assert any(text in s for s in shown), text


def test_people_header_and_session_title_are_plain_text(report: Paths) -> None:
    at = _open("people")
    person = _box(at, "person")
    assert person.options[0].startswith(LINK + " · ")  # the most active; options are plain text already
    header = at.header[0].value
    assert header == ui.plain(LINK) and _shown(header) == LINK
    assert "](" not in header and "https://" not in header

    at = _open("session")
    assert _box(at, "session").value == "hostile/2024-06-10_notes"  # the newest
    title = at.title[0].value
    assert _shown(title) == f"2024-06-10 · {CSV_TITLE}"
    assert not any(live in title for live in LIVE)
    caption = next(c.value for c in at.caption if "instructor" in c.value)
    assert INSTRUCTOR not in caption and _shown(ui.plain(INSTRUCTOR)) in _shown(caption)
    _box(at, "session").select("hostile/2024-06-05_**bold**_:red[alarm]").run()
    assert _shown(_ok(at).title[0].value) == f"2024-06-05 · {FILE_TITLE}"
    # an id as a code span
    assert "`hostile/2024-06-05_**bold**_:red[alarm]`" in "\n".join(c.value for c in at.caption)


@pytest.mark.skipif(browser_missing() is not None, reason=browser_missing() or "")
def test_in_a_browser_no_link_no_bold_no_colour(hostile: Paths) -> None:
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, CLASSCHAT_DATA_DIR=str(hostile.data_dir))
    env.pop("CLASSCHAT_PRIVACY", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "classchat.cli", "report", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                args=CHROMIUM_ARGS,
            )
            page = browser.new_page()
            for path, heading in (("people", LINK), ("session", CSV_TITLE)):
                deadline = time.monotonic() + 60
                while True:
                    try:
                        page.goto(f"http://127.0.0.1:{port}/{path}", timeout=10_000)
                        break
                    except Exception:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.5)
                page.wait_for_selector("[data-testid=stHeading]", timeout=60_000)
                page.wait_for_timeout(1500)
                headings = [
                    t.replace(ui.WORD_JOINER, "")
                    for t in page.locator("[data-testid=stHeading]").all_inner_texts()
                ]
                assert any(heading in t for t in headings), (path, headings)
                links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
                assert not [h for h in links if "evil" in h], (path, links)
                marked = page.eval_on_selector_all(
                    "[data-testid=stMarkdownContainer]"
                    " :is(strong, b, em, del, span[class*=colored], span[style*=color])",
                    "els => els.map(e => e.textContent)",
                )
                hostile_words = {"bold", "now", "x", "alarm", "Reset password", "Prof"}
                assert not set(marked) & hostile_words, (path, marked)
            browser.close()
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)


# --- item 11: the sandbox and DuckDB's temp directory -------------------------------------


@pytest.fixture
def planted(hostile: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the warehouse whose DuckDB temp directory (`<file>.tmp`) is a symlink to /."""
    data = tmp_path / "data"
    data.mkdir()
    warehouse = data / "warehouse.duckdb"
    shutil.copyfile(hostile.warehouse, warehouse)
    (data / "warehouse.duckdb.tmp").symlink_to("/")
    monkeypatch.chdir(data)
    return warehouse


def test_a_symlinked_temp_directory_opens_nothing(planted: Path, tmp_path: Path) -> None:
    tmp = f"{planted}.tmp"
    # control: DuckDB's own lock-down allows its temp directory, and the symlink opens everything
    con = duckdb.connect(str(planted), read_only=True, config={"enable_external_access": False})
    try:
        assert "root:" in con.execute(f"select content from read_text('{tmp}/etc/passwd')").fetchall()[0][0]
    finally:
        con.close()

    target = tmp_path / "escaped.csv"
    reads = (
        f"select content from read_text('{tmp}/etc/passwd')",
        "select content from read_text('warehouse.duckdb.tmp/etc/passwd')",
        f"select * from glob('{tmp}/etc/*')",
        f"select * from read_csv('{tmp}/etc/passwd')",
    )
    writes = (
        f"COPY (select 1 as a) TO '{tmp}{target}'",
        f"COPY messages TO '{tmp}{target}' (FORMAT parquet)",
    )
    for sql in reads + writes:
        with pytest.raises(duckdb.PermissionException):
            db.query(planted, sql)
        with pytest.raises(duckdb.PermissionException):
            Q.run_sql(planted, sql)
    assert not target.exists()
    settings = db.query(
        planted, "select current_setting('temp_directory') as t, current_setting('allowed_directories') as a"
    )
    assert settings["t"].item() == "" and len(settings["a"].item()) == 0
    with pytest.raises(duckdb.Error):
        db.query(planted, f"set temp_directory = '{tmp}'")


def test_the_query_command_cannot_escape_through_the_temp_directory(
    planted: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    target = tmp_path / "escaped-cli.csv"
    data_dir = str(planted.parent)
    for sql in (
        f"select content from read_text('{planted}.tmp/etc/passwd')",
        f"COPY (select 1) TO '{planted}.tmp{target}'",
    ):
        assert cli_main(["--data-dir", data_dir, "query", "--sql", sql]) == 1
        out, err = capsys.readouterr()
        assert "root:" not in out
        assert err.startswith("classchat query: PermissionException") and err.count("\n") == 1
    assert not target.exists()


# --- item 12: time limit, memory limit, row cap --------------------------------------------

CROSS_JOIN = "select count(*) as n from range(100000) a, range(100000) b"  # 1e10 rows: minutes
BIG_SORT = "select i, repeat('x', 100) || i::varchar as s from range(5000000) t(i) order by s desc"
MEMORY_STOP = "query stopped: it needs more than 64MB of memory (memory limit, --memory-limit)"


def test_the_time_limit_stops_a_long_query(hostile: Paths) -> None:
    started = time.monotonic()
    with pytest.raises(db.LimitExceeded) as info:
        Q.run_sql(hostile.warehouse, CROSS_JOIN, limits=db.Limits(timeout_s=1))
    assert time.monotonic() - started < 10
    assert info.value.kind == "timeout"
    assert str(info.value) == "query stopped after 1 s (time limit, --timeout)"
    # the limit also holds for named queries and the report's own queries (same runner)
    with pytest.raises(db.LimitExceeded):
        db.query(hostile.warehouse, CROSS_JOIN, limits=db.Limits(timeout_s=0.5))


def test_the_memory_limit_stops_a_greedy_query(hostile: Paths) -> None:
    with pytest.raises(db.LimitExceeded) as info:
        Q.run_sql(hostile.warehouse, BIG_SORT, limits=db.Limits(memory_limit="64MB"))
    assert info.value.kind == "memory"
    assert str(info.value) == MEMORY_STOP
    # the report's connections carry the default limit too
    applied = db.query(
        hostile.warehouse, "select current_setting('memory_limit') as m, current_setting('threads') as t"
    )
    con = duckdb.connect(config={"memory_limit": db.LIMITS.memory_limit})
    try:
        expected = con.execute("select current_setting('memory_limit')").fetchall()[0][0]
    finally:
        con.close()
    assert applied["m"].item() == expected and int(applied["t"].item()) == db.LIMITS.threads


def test_the_row_cap_cuts_a_huge_result_and_says_so(hostile: Paths) -> None:
    started = time.monotonic()
    frame = Q.run_sql(hostile.warehouse, "select * from range(20000000)", limits=db.Limits(max_rows=1000))
    assert time.monotonic() - started < 10  # 2e7 rows are never materialised
    assert frame["range"].tolist() == list(range(1000))
    assert frame.attrs["classchat"]["cut"] is True
    assert Q.cut_note(frame).startswith("result cut at 1,000 rows (row cap, --max-rows)")
    assert "(cut at the row cap)" in Q.provenance(frame)
    assert Q.format_table(frame).endswith("(1000 rows; cut at the row cap, --max-rows)\n")
    exact = Q.run_sql(hostile.warehouse, "select * from range(1000)", limits=db.Limits(max_rows=1000))
    assert len(exact) == 1000 and exact.attrs["classchat"]["cut"] is False and Q.cut_note(exact) is None
    default = Q.run_sql(hostile.warehouse, f"select * from range({db.LIMITS.max_rows + 5})")
    assert len(default) == db.LIMITS.max_rows and default.attrs["classchat"]["cut"] is True
    empty = Q.run_sql(hostile.warehouse, "select 1 as a where false", limits=db.Limits(max_rows=10))
    assert list(empty.columns) == ["a"] and empty.empty and not empty.attrs["classchat"]["cut"]


def test_query_command_limits_and_flags(hostile: Paths, capsys: pytest.CaptureFixture) -> None:
    base = ["--data-dir", str(hostile.data_dir), "query"]
    n = db.LIMITS.max_rows + 50
    assert cli_main([*base, "--sql", f"select * from range({n})", "--format", "csv"]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 1 + db.LIMITS.max_rows
    assert err.splitlines() == [
        f"classchat query: result cut at {db.LIMITS.max_rows:,} rows (row cap, --max-rows): "
        "more rows matched; add a LIMIT or a filter, or raise --max-rows"
    ]
    assert cli_main([*base, "--sql", f"select * from range({n})", "--format", "csv", "--max-rows", "0"]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 1 + n and err == ""
    assert cli_main([*base, "--sql", "select * from range(10)", "--max-rows", "3"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[-1] == "(3 rows; cut at the row cap, --max-rows)" and "cut at 3 rows" in err

    started = time.monotonic()
    assert cli_main([*base, "--sql", CROSS_JOIN, "--timeout", "1"]) == 1
    assert time.monotonic() - started < 10
    assert capsys.readouterr().err == "classchat query: query stopped after 1 s (time limit, --timeout)\n"
    assert cli_main([*base, "--sql", BIG_SORT, "--memory-limit", "64MB", "--max-rows", "1"]) == 1
    err = capsys.readouterr().err
    assert err == f"classchat query: {MEMORY_STOP}\n"
    assert cli_main([*base, "--sql", "select 1", "--memory-limit", "lots"]) == 1
    assert "memory limit 'lots'" in capsys.readouterr().err
    for bad in (["--timeout", "-1"], ["--max-rows", "x"]):
        with pytest.raises(SystemExit) as exit_info:
            cli_main([*base, "--sql", "select 1", *bad])
        assert exit_info.value.code == 2
    capsys.readouterr()


def test_the_defaults_are_documented() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    docs = (PROJECT_ROOT / "docs" / "queries.md").read_text(encoding="utf-8")
    limits = db.LIMITS
    for text in (readme, docs):
        assert f"--timeout S` ({limits.timeout_s:g} s)" in text
        assert f"--memory-limit SIZE` ({limits.memory_limit})" in text
        assert f"--max-rows N` ({limits.max_rows:,})" in text
