"""The hostile-input corpus (issue 15, "Done when"): every file of tests/fixtures/hostile/ lands with
every line accounted for, or is listed with its status and reason; one bad file never stops the others.

The corpus (tests/fixtures/hostile/README.md says what each file is for):
  raw/<course>/<YYYY-MM-DD>_<slug>.txt   copied as the data directory's raw/ folder
  rerun/...                              laid over raw/ before a second run (re-exports)
  course_template/...                    copied into course folders with hostile names
What cannot be stored in git is made here: course folders named `a=b`, `Maths 101`, `数学 101`,
`x=y=z ü`; a FIFO, a folder named *.txt, a dangling symlink and an unreadable file; the markup file
name; a 10 kB line; the 1 MB line (its own run).

One real `classchat run` (Polars, dbt, Great Expectations) reads the whole corpus; a second run after
the re-exports are laid over has nothing to build. The tests then read the lake's manifest, the
warehouse and `classchat query` output. What is wrong today is marked xfail(strict=True) with the reason.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from classchat.cli import main
from classchat.config import Paths
from classchat.provenance import build_fingerprint, last_good_fingerprint
from classchat.ingest.parse import PARSER_VERSION
from classchat.ingest.decode import decode_bytes
from classchat.ingest.land import partition_value, read_manifest

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).parent / "fixtures" / "hostile"
HOSTILE_COURSES = ("a=b", "Maths 101", "数学 101", "x=y=z ü")
MARKUP_TITLE_FILE = "injection/2024-06-14_**bold**_[t](https:evil.example)_<b>x<b>.txt"
SPECIALS = {
    "specials/2024-07-11_fifo.txt": "FIFO",
    "specials/2024-07-12_folder.txt": "a folder named like an export",
    "specials/2024-07-13_dangling.txt": "a symbolic link to nothing",
    "specials/2024-07-16_unreadable.txt": "cannot read the file",  # a link to /proc/self/mem: EIO, even for root
}


@dataclass(frozen=True)
class Expect:
    status: str
    reason: str | None = None  # a part of the manifest's reason
    n_messages: int | None = None
    layout: str | None = None
    encoding: str | None = None


# every raw file of the first run and what a user should get for it
EXPECTED: dict[str, Expect] = {
    "line_ends/2024-06-01_cr_only.txt": Expect("landed", n_messages=4, layout="plain"),
    "line_ends/2024-06-02_mixed_lf_crlf_cr.txt": Expect("landed", n_messages=5, layout="plain"),
    "line_ends/2024-06-03_cr_inside_body.txt": Expect("landed", n_messages=2, layout="plain"),
    "times/2024-06-04_impossible_times.txt": Expect("landed", n_messages=4, layout="plain"),
    "times/2024-06-05_invalid_dates.txt": Expect("landed", n_messages=2, layout="zoom_2025"),
    "times/2024-06-06_midnight.txt": Expect("landed", n_messages=3, layout="plain"),
    "times/2024-06-07_all_impossible.txt": Expect("failed", reason="unknown layout"),
    "order/2024-06-08_shuffled.txt": Expect("landed", n_messages=8, layout="plain"),
    "reexport/2024-06-09_shorter.txt": Expect("landed", n_messages=5, layout="plain"),
    "reexport/2024-06-10_edited.txt": Expect("landed", n_messages=5, layout="plain"),
    "injection/2024-06-12_csv_formulas.txt": Expect("landed", n_messages=6, layout="plain"),
    "injection/2024-06-13_markup.txt": Expect("landed", n_messages=6, layout="plain"),
    MARKUP_TITLE_FILE: Expect("landed", n_messages=1, layout="plain"),
    "names/2024-06-15_colons_brackets_to.txt": Expect("landed", n_messages=6, layout="zoom_2021"),
    "names/2024-06-16_plain_colons_brackets_to.txt": Expect("landed", n_messages=4, layout="plain"),
    "names/2024-06-17_invisible_chars.txt": Expect("landed", n_messages=6, layout="plain"),
    "names/2024-06-18_emoji_combining.txt": Expect("landed", n_messages=5, layout="plain"),
    "layouts/2024-06-19_foreign_header_in_plain_body.txt": Expect("landed", n_messages=3, layout="plain"),
    "layouts/2024-06-20_indented_header_in_zoom_body.txt": Expect("landed", n_messages=2, layout="zoom_2021"),
    "layouts/2024-06-21_preamble.txt": Expect("landed", n_messages=2, layout="plain"),
    "layouts/2024-06-22_not_a_chat.txt": Expect("failed", reason="unknown layout"),
    "encoding/2024-06-23_nul_in_middle.txt": Expect("failed", reason="NUL bytes"),
    "encoding/2024-06-24_invalid_utf8_ascii.txt": Expect("failed", reason="bad byte at offset 44"),
    "encoding/2024-06-25_invalid_utf8_chinese.txt": Expect("failed", reason="bad byte"),
    "encoding/2024-06-30_invalid_utf8_gb18030_mojibake.txt": Expect("failed", reason="bad byte"),
    "encoding/2024-06-26_utf16le_no_bom.txt": Expect("landed", n_messages=3, layout="plain", encoding="utf-16-le"),
    "encoding/2024-06-27_utf16be_no_bom.txt": Expect("landed", n_messages=3, layout="plain", encoding="utf-16-be"),
    "encoding/2024-06-28_utf8_bom_crlf.txt": Expect("landed", n_messages=3, layout="plain", encoding="utf-8-sig"),
    "encoding/2024-06-29_gb18030.txt": Expect("landed", n_messages=3, layout="plain", encoding="gb18030"),
    "degenerate/2024-07-01_empty.txt": Expect("failed", reason="empty"),
    "degenerate/2024-07-02_blank_lines.txt": Expect("failed", reason="empty"),
    "degenerate/2024-07-03_one_line.txt": Expect("landed", n_messages=1, layout="plain"),
    "degenerate/2024-07-04_binary_png.txt": Expect("failed", reason="NUL bytes"),
    "degenerate/2024-07-05_binary_no_nul.txt": Expect("failed", reason="not text in UTF-8, UTF-16 or GB18030"),
    "degenerate/2024-07-06_header_no_body.txt": Expect("landed", n_messages=3, layout="plain"),
    "degenerate/2024-07-07_upper_case.TXT": Expect("landed", n_messages=1, layout="plain"),
    "degenerate/2024-13-45_impossible_date_in_name.txt": Expect("needs_date", reason="no date in the file or its name"),
    "degenerate/no_date_in_name.txt": Expect("needs_date", reason="no date in the file or its name"),
    "degenerate/2024-07-15_10kb_line.txt": Expect("landed", n_messages=2, layout="plain"),
    "dupes/2024-07-08_copy_a.txt": Expect("landed", n_messages=2, layout="plain"),
    "dupes/2024-07-08_copy_b.txt": Expect("duplicate", reason="same bytes as dupes/2024-07-08_copy_a.txt"),
    "2024-07-09_not_in_a_course_folder.txt": Expect("failed", reason="not in a course folder"),
    **{rel: Expect("failed", reason=why) for rel, why in SPECIALS.items()},
    **{f"{course}/2024-07-10_lecture.txt": Expect("landed", n_messages=3, layout="plain") for course in HOSTILE_COURSES},
}
# files whose expected status is not what happens today: rel -> what is wrong (xfail, strict)
WRONG_STATUS: dict[str, str] = {}
LANDED = sorted(rel for rel, e in EXPECTED.items() if e.status == "landed")


def _long_body(size: int) -> str:
    """`size` characters of words (a pasted article, not one repeated letter)."""
    return "".join(f"word{i % 997} " for i in range(size // 5 + 1))[:size]


LONG_BODY = _long_body(10_000)  # a long paste; 1 MB has its own test (a 100 kB line already adds ~75 s to a build)


@dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float


@dataclass
class Corpus:
    paths: Paths
    first: Run
    raw: dict[str, bytes]  # raw/ as the first run read it (regular files)
    manifest: pl.DataFrame  # lake/files.parquet after the first run
    tables: dict[str, pl.DataFrame]  # warehouse tables after the first run
    second: Run
    manifest2: pl.DataFrame
    tables2: dict[str, pl.DataFrame]
    models_changed: bool  # the dbt project was edited during the first run (a shared working tree)


def _run(paths: Paths, *args: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["run", "--data-dir", str(paths.data_dir), *args])
    return Run(code, out.getvalue(), err.getvalue(), time.perf_counter() - started)


def _tables(paths: Paths) -> dict[str, pl.DataFrame]:
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        return {
            "messages": con.sql(
                "select source_file, session_id, course_id, seq, sent_at, sender_name, recipient, is_private, "
                "message_kind, body, source_line, n_source_lines from messages order by source_file, seq"
            ).pl(),
            "rejected_lines": con.sql(
                "select source_file, course_id, line_no, raw_text, reason from rejected_lines "
                "order by source_file, line_no"
            ).pl(),
            "ingested_files": con.sql("select * from ingested_files order by source_file").pl(),
            "sessions": con.sql(
                "select session_id, course_id, title, started_at, ended_at, duration_minutes, n_messages "
                "from sessions order by session_id"
            ).pl(),
        }
    finally:
        con.close()


def _make_raw(paths: Paths) -> None:
    shutil.copytree(CORPUS / "raw", paths.raw)
    (paths.raw / "injection/2024-06-14_markup_in_file_name.txt").rename(paths.raw / MARKUP_TITLE_FILE)
    template = (CORPUS / "course_template/2024-07-10_lecture.txt").read_text(encoding="utf-8")
    for course in HOSTILE_COURSES:  # distinct bytes per course, or all but one would be duplicates
        (paths.raw / course).mkdir()
        (paths.raw / course / "2024-07-10_lecture.txt").write_text(
            template + f"10:02:00\t  Cy : in {course}\n", encoding="utf-8"
        )
    (paths.raw / "degenerate/2024-07-15_10kb_line.txt").write_text(
        f"10:00:00\t  Ann : {LONG_BODY}\n10:01:00\t  Bo : after\n", encoding="utf-8"
    )
    specials = paths.raw / "specials"
    specials.mkdir()
    os.mkfifo(specials / "2024-07-11_fifo.txt")
    (specials / "2024-07-12_folder.txt").mkdir()
    (specials / "2024-07-13_dangling.txt").symlink_to(specials / "gone.txt")
    (specials / "2024-07-16_unreadable.txt").symlink_to("/proc/self/mem")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    paths = Paths(tmp_path_factory.mktemp("hostile") / "data")
    _make_raw(paths)
    first = _run(paths)
    manifest, tables = read_manifest(paths), _tables(paths)
    models_changed = last_good_fingerprint(paths.warehouse) != build_fingerprint(paths, PARSER_VERSION)
    raw = {
        p.relative_to(paths.raw).as_posix(): p.read_bytes()
        for p in paths.raw.rglob("*") if p.is_file() and not p.is_symlink() and not p.is_fifo()
    }
    for f in sorted((CORPUS / "rerun").rglob("*.txt")):
        shutil.copyfile(f, paths.raw / f.relative_to(CORPUS / "rerun"))
    second = _run(paths)
    return Corpus(paths, first, raw, manifest, tables, second, read_manifest(paths), _tables(paths), models_changed)


def _row(frame: pl.DataFrame, rel: str) -> dict:
    rows = frame.filter(pl.col("source_file") == rel).to_dicts()
    assert len(rows) == 1, f"{rel}: {len(rows)} manifest rows"
    return rows[0]


def _messages(corpus: Corpus, rel: str) -> pl.DataFrame:
    return corpus.tables["messages"].filter(pl.col("source_file") == rel).sort("seq")


def _rejects(corpus: Corpus, rel: str) -> pl.DataFrame:
    return corpus.tables["rejected_lines"].filter(pl.col("source_file") == rel).sort("line_no")


def _pairs(corpus: Corpus, rel: str) -> list[tuple[str, str]]:
    return [(r["sender_name"], r["body"]) for r in _messages(corpus, rel).iter_rows(named=True)]


def _lake(corpus: Corpus, kind: str, rel: str) -> pl.DataFrame:
    """The lake's rows (messages or rejects) of one export, as the manifest names them (path and sha256)."""
    row = _row(corpus.manifest, rel)
    folder = corpus.paths.lake_messages if kind == "messages" else corpus.paths.lake_rejects
    frame = pl.read_parquet(folder / "*/*.parquet").with_columns(pl.col(pl.Categorical).cast(pl.String))
    return frame.filter((pl.col("source_file") == rel) & (pl.col("file_sha256") == row["sha256"]))


def _source_lines(data: bytes, layout: str | None = None) -> list[str]:
    """The file's lines as docs/layouts.md defines them: LF (CRLF included) ends a line; a file with CR
    but no LF anywhere is split at CR; a final line end does not start an empty line; elsewhere a lone CR
    ends a line only where the text after it reads as a header of the file's `layout`."""
    from classchat.ingest.layouts import LAYOUTS

    text = decode_bytes(data).text
    if "\r" in text and "\n" not in text:
        text = text.replace("\r", "\n")
    lines = []
    for line in text.removesuffix("\n").split("\n"):
        first, *rest = line.rstrip("\r").split("\r")
        lines.append(first)
        cuts = pl.Series(rest, dtype=pl.String).str.contains(LAYOUTS[layout].header) if layout else []
        for part, cut in zip(rest, cuts, strict=True):
            if cut:
                lines.append(part)
            else:
                lines[-1] += "\r" + part
    return lines


# ---------------------------------------------------------------------------------------------------
# the run as a whole
# ---------------------------------------------------------------------------------------------------


def test_the_corpus_covers_every_file_the_test_expects(corpus: Corpus) -> None:
    """No file of the corpus goes unasserted, and no expectation names a file that is not there."""
    on_disk = {
        p.relative_to(corpus.paths.raw).as_posix()
        for p in corpus.paths.raw.rglob("*")
        if p.suffix.lower() == ".txt"
    }
    assert on_disk == set(EXPECTED)


def test_the_run_finishes_and_says_which_files_did_not_land(corpus: Corpus) -> None:
    run = corpus.first
    assert "Traceback" not in run.out + run.err
    quarantined = corpus.manifest.filter(pl.col("status") == "quarantined")["session_id"].to_list()
    assert run.code == (1 if quarantined else 0), run.err
    for session in quarantined:  # named in the output and on stderr
        assert f"QUARANTINED session {session}" in run.out and session in run.err
    for rel, e in EXPECTED.items():
        if rel in WRONG_STATUS:
            continue
        if e.status in ("failed", "needs_date"):
            assert f"NOT LANDED {rel}:" in run.out, rel
        elif e.status == "duplicate":
            assert f"skipped {rel}:" in run.out, rel
    assert corpus.paths.warehouse.exists()


@pytest.mark.parametrize(
    "rel",
    [
        pytest.param(rel, marks=pytest.mark.xfail(strict=True, reason=WRONG_STATUS[rel])) if rel in WRONG_STATUS
        else rel
        for rel in sorted(EXPECTED)
    ],
)
def test_each_file_has_its_status_and_reason(corpus: Corpus, rel: str) -> None:
    e = EXPECTED[rel]
    row = _row(corpus.manifest, rel)
    assert row["status"] == e.status, row["reason"]
    if e.status == "landed":
        assert row["reason"] is None
    if e.reason:
        assert e.reason in row["reason"]
    if e.layout:
        assert row["layout"] == e.layout
    if e.encoding:
        assert row["encoding"] == e.encoding
    if e.n_messages is not None:
        assert row["n_messages"] == e.n_messages
    # the warehouse's ingested_files says the same
    mart = _row(corpus.tables["ingested_files"], rel)
    assert (mart["status"], mart["reason"]) == (row["status"], row["reason"])


def test_one_bad_file_never_stops_the_others(corpus: Corpus) -> None:
    """Every landed export is in the warehouse; nothing of a file that did not land is."""
    landed = set(corpus.manifest.filter(pl.col("status") == "landed")["source_file"])
    assert set(corpus.tables["messages"]["source_file"]) == landed
    assert set(corpus.tables["sessions"]["session_id"]) == {rel.rsplit(".", 1)[0] for rel in landed}
    assert landed - set(WRONG_STATUS) == set(LANDED) - set(WRONG_STATUS)  # WRONG_STATUS: their own xfail


# ---------------------------------------------------------------------------------------------------
# every line accounted for
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rel", sorted(set(LANDED) | set(WRONG_STATUS)))
def test_every_line_is_accounted_for(corpus: Corpus, rel: str) -> None:
    """In the lake, for every export that was read: manifest counts add up, and, line by line, every
    non-blank line of the file is exactly one of: a message's header, a continuation line of the message
    above it, a rejected line (with its text as it was)."""
    row = _row(corpus.manifest, rel)
    if row["status"] not in ("landed", "quarantined"):
        pytest.skip(f"{rel} was not read: {row['status']}")
    parts = ("n_header_lines", "n_continuation_lines", "n_blank_lines", "n_rejected_lines")
    assert row["n_lines"] == sum(row[p] for p in parts), {p: row[p] for p in ("n_lines", *parts)}
    msgs, rejects = _lake(corpus, "messages", rel).sort("seq"), _lake(corpus, "rejects", rel).sort("line_no")
    assert msgs.height == row["n_messages"] == row["n_header_lines"]
    assert rejects.height == row["n_rejected_lines"]
    assert msgs["seq"].to_list() == list(range(1, msgs.height + 1))

    lines = _source_lines(corpus.raw[rel], row["layout"])
    assert len(lines) == row["n_lines"]
    headers = set(msgs["source_line"])
    rejected = dict(zip(rejects["line_no"], rejects["raw_text"], strict=True))
    assert headers.isdisjoint(rejected)
    first_header = min(headers)
    blank = {i for i, line in enumerate(lines, 1) if not re.search(r"\S", line)}
    assert len(blank) == row["n_blank_lines"]
    continuation = {
        i for i in range(first_header, len(lines) + 1) if i not in headers and i not in rejected and i not in blank
    }
    assert len(continuation) == row["n_continuation_lines"]
    for i, line in enumerate(lines, 1):
        if i in blank:
            continue
        assert (i in headers) + (i in rejected) + (i in continuation) == 1, (i, line)
        if i in rejected:
            assert rejected[i] == line
    # each message holds its header line and the lines after it up to the next header, rejected ones excepted
    owned = msgs.select("source_line", "n_lines").rows()
    bounds = sorted(headers) + [len(lines) + 1]
    for (start, n), end in zip(sorted(owned), bounds[1:], strict=True):
        assert n == sum(1 for i in range(start, end) if i not in rejected), (start, n)
    for r in msgs.iter_rows(named=True):  # continuation lines are in the body, as typed
        nxt = next(b for b in bounds if b > r["source_line"])
        for i in range(r["source_line"] + 1, nxt):
            if i in continuation:
                assert lines[i - 1].removeprefix("\t") in r["body"], (i, r["body"])


def test_the_warehouse_agrees_with_the_manifest(corpus: Corpus) -> None:
    """Per landed export, the warehouse holds exactly the lake's messages and rejected lines; a quarantined
    one is listed in ingested_files and has no rows."""
    wh_msgs = corpus.tables["messages"].group_by("source_file").len()
    wh_rej = corpus.tables["rejected_lines"].group_by("source_file").len()
    n_msgs, n_rej = dict(wh_msgs.rows()), dict(wh_rej.rows())
    for row in corpus.manifest.iter_rows(named=True):
        rel = row["source_file"]
        if row["status"] == "landed":
            assert n_msgs.get(rel, 0) == row["n_messages"], rel
            assert n_rej.get(rel, 0) == row["n_rejected_lines"], rel
            lake = _lake(corpus, "messages", rel).sort("seq")
            wh = _messages(corpus, rel)
            assert wh.select("seq", "source_line", "sender_name", "body").rows() == lake.select(
                "seq", "source_line", "sender_name", "body"
            ).rows()
            assert wh["n_source_lines"].to_list() == lake["n_lines"].to_list()
        else:
            assert rel not in n_msgs and rel not in n_rej, rel
    assert set(corpus.tables["ingested_files"]["source_file"]) == set(corpus.manifest["source_file"])


# ---------------------------------------------------------------------------------------------------
# line ends
# ---------------------------------------------------------------------------------------------------


def test_cr_only_line_ends_split_into_messages(corpus: Corpus) -> None:
    assert _pairs(corpus, "line_ends/2024-06-01_cr_only.txt") == [
        ("Ann", "one"), ("Bo", "two"), ("Ann", "three"), ("Cy", "four")
    ]


def test_a_cr_typed_inside_a_message_is_a_line_break_of_its_body(corpus: Corpus) -> None:
    assert _pairs(corpus, "line_ends/2024-06-03_cr_inside_body.txt") == [
        ("Ann", "first part\nsecond part"), ("Bo", "ok")
    ]


def test_mixed_line_ends_keep_every_message(corpus: Corpus) -> None:
    """A lone CR before a header of the file's layout ends the line (docs/layouts.md, "Line ends"): the
    header is its own message, nothing is glued, the session is not quarantined."""
    rel = "line_ends/2024-06-02_mixed_lf_crlf_cr.txt"
    assert _pairs(corpus, rel) == [
        ("Ann", "lf"), ("Bo", "crlf"), ("Cy", "cr"), ("Di", "after the cr"), ("Ann", "last")
    ]
    row = _row(corpus.manifest, rel)
    assert (row["status"], row["n_lines"], row["n_messages"]) == ("landed", 5, 5)


# ---------------------------------------------------------------------------------------------------
# times
# ---------------------------------------------------------------------------------------------------


def test_impossible_times_are_rejected_and_do_not_move_the_day(corpus: Corpus) -> None:
    rel = "times/2024-06-04_impossible_times.txt"
    assert [(r["line_no"], r["reason"]) for r in _rejects(corpus, rel).iter_rows(named=True)] == [
        (2, "invalid time"),  # 25:61:99
        (3, "continues a rejected header line above"),
        (5, "invalid time"),  # 99:99:99
        (7, "invalid time"),  # 10:60:00
        (8, "invalid time"),  # 24:00:00
    ]
    msgs = _messages(corpus, rel)
    assert msgs.select("source_line", "sender_name", "body", "sent_at").rows() == [
        (1, "Ann", "start", datetime(2024, 6, 4, 10, 0)),
        (4, "Cy", "next", datetime(2024, 6, 4, 10, 5)),
        (6, "Ann", "after the second", datetime(2024, 6, 4, 10, 6)),
        (9, "Cy", "end", datetime(2024, 6, 4, 10, 7)),
    ]
    session = corpus.tables["sessions"].filter(pl.col("session_id") == rel.removesuffix(".txt")).row(0, named=True)
    assert session["duration_minutes"] == 7


def test_an_impossible_date_rejects_the_message_and_its_lines(corpus: Corpus) -> None:
    rel = "times/2024-06-05_invalid_dates.txt"
    assert _rejects(corpus, rel).select("line_no", "raw_text", "reason").rows() == [
        (3, "2024-13-40 10:01:00 From Bo to Everyone:", "invalid date"),
        (4, "\tbad date", "continues a rejected header line above"),
    ]
    assert _messages(corpus, rel).select("sender_name", "body", "sent_at").rows() == [
        ("Ann", "start", datetime(2024, 6, 5, 10, 0)),
        ("Cy", "end", datetime(2024, 6, 5, 10, 2)),
    ]


def test_a_real_midnight_still_moves_the_day(corpus: Corpus) -> None:
    assert _messages(corpus, "times/2024-06-06_midnight.txt")["sent_at"].to_list() == [
        datetime(2024, 6, 6, 23, 59), datetime(2024, 6, 6, 23, 59, 59), datetime(2024, 6, 7, 0, 0, 30)
    ]


# ---------------------------------------------------------------------------------------------------
# order and re-exports
# ---------------------------------------------------------------------------------------------------


def test_a_shuffled_export_keeps_file_order_and_its_times(corpus: Corpus) -> None:
    rel = "order/2024-06-08_shuffled.txt"
    msgs = _messages(corpus, rel)
    assert msgs["seq"].to_list() == list(range(1, 9))
    assert msgs["source_line"].to_list() == list(range(1, 9))
    assert [t.strftime("%H:%M") for t in msgs["sent_at"]] == [
        "10:20", "10:05", "10:30", "10:19", "10:01", "10:25", "10:10", "10:24"
    ]
    session = corpus.tables["sessions"].filter(pl.col("session_id") == rel.removesuffix(".txt")).row(0, named=True)
    assert (session["started_at"], session["ended_at"]) == (datetime(2024, 6, 8, 10, 1), datetime(2024, 6, 8, 10, 30))


def test_a_shorter_or_edited_re_export_keeps_the_landed_version_and_says_so(corpus: Corpus) -> None:
    run = corpus.second
    assert run.code == 0, run.err
    for rel, why in (("reexport/2024-06-09_shorter.txt", "shorter than"),
                     ("reexport/2024-06-10_edited.txt", "not an extension of")):
        line = next((x for x in run.out.splitlines() if f"KEPT EARLIER VERSION {rel}" in x), "")
        assert why in line and "--accept-shorter" in line, run.out
        assert _row(corpus.manifest2, rel) == _row(corpus.manifest, rel)
        before, after = (
            t["messages"].filter(pl.col("source_file") == rel)["body"].to_list() for t in (corpus.tables, corpus.tables2)
        )
        assert after == before and len(after) == 5
    assert corpus.tables2["messages"].equals(corpus.tables["messages"])


def test_the_second_run_has_nothing_to_build(corpus: Corpus) -> None:
    """Kept re-exports change nothing: the warehouse already holds every landed export."""
    if corpus.models_changed:
        pytest.skip("the dbt models changed while the first run built (edited in the working tree)")
    assert "nothing new" in corpus.second.out


# ---------------------------------------------------------------------------------------------------
# injection: data stays data
# ---------------------------------------------------------------------------------------------------

FORMULAS = [
    ("=cmd|' /C calc'!A0", '=HYPERLINK("https://evil.example","click")'),
    ("+Plus Name", "+1+1"),
    ("-Minus Name", "-2-2"),
    ("@At Name", "@SUM(A1:A9)"),
    ("Tab Body", "\t=1+1"),
    ("Safe Name", "safe body = not a formula"),
]
MARKUP = [
    ("[Reset password](https://evil.example/login)", "[x](https://evil.example)"),
    ("**bold**", "**bold** and __under__"),
    (":red[x]", ":red[alarm] :material/warning:"),
    ("<script>alert(1)</script>", "<script>alert(document.cookie)</script>"),
    ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)> `code` $x^2$"),
    ("Ann", "https://evil.example/phish?a=1&b=<2>"),
]


def test_formula_and_markup_strings_are_stored_verbatim(corpus: Corpus) -> None:
    assert _pairs(corpus, "injection/2024-06-12_csv_formulas.txt") == FORMULAS
    assert _pairs(corpus, "injection/2024-06-13_markup.txt") == MARKUP


def test_markup_in_a_file_name_is_kept_as_the_title(corpus: Corpus) -> None:
    session = corpus.tables["sessions"].filter(pl.col("session_id") == MARKUP_TITLE_FILE.removesuffix(".txt"))
    assert session["title"].to_list() == ["**bold** [t](https:evil.example) <b>x<b>"]


def _query(corpus: Corpus, capsys: pytest.CaptureFixture, sql: str, fmt: str) -> str:
    capsys.readouterr()
    assert main(["query", "--data-dir", str(corpus.paths.data_dir), "--sql", sql, "--format", fmt]) == 0
    return capsys.readouterr().out


def test_query_csv_neutralises_formula_cells(corpus: Corpus, capsys: pytest.CaptureFixture) -> None:
    sql = (
        "select sender_name, body, seq from messages "
        "where source_file = 'injection/2024-06-12_csv_formulas.txt' order by seq"
    )
    rows = list(csv.reader(io.StringIO(_query(corpus, capsys, sql, "csv"))))
    assert rows[0] == ["sender_name", "body", "seq"]
    expected = [
        ["'" + s if s[0] in "=+-@\t" else s, "'" + b if b[0] in "=+-@\t" else b, str(i)]
        for i, (s, b) in enumerate(FORMULAS, 1)
    ]
    assert rows[1:] == expected
    for row in rows[1:]:  # no cell a spreadsheet would run
        assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in row[:2])


def test_query_json_keeps_the_strings_as_they_are(corpus: Corpus, capsys: pytest.CaptureFixture) -> None:
    import json

    sql = (
        "select sender_name, body from messages where source_file in "
        "('injection/2024-06-12_csv_formulas.txt', 'injection/2024-06-13_markup.txt') order by source_file, seq"
    )
    got = [(r["sender_name"], r["body"]) for r in json.loads(_query(corpus, capsys, sql, "json"))]
    assert got == FORMULAS + MARKUP


# ---------------------------------------------------------------------------------------------------
# names
# ---------------------------------------------------------------------------------------------------


def test_names_with_colons_brackets_and_to_words(corpus: Corpus) -> None:
    msgs = _messages(corpus, "names/2024-06-15_colons_brackets_to.txt")
    assert msgs.select("sender_name", "recipient", "is_private", "body").rows() == [
        ("Dr. Who: Part 2", "everyone", False, "colon in the name"),
        ("Back to School", "everyone", False, "lower-case to in the name"),
        ("Back To School", "everyone", False, "capital To in the name"),
        ("Bo (Laptop) [2] {x}", "everyone", False, "brackets in the name"),
        ("Ann", "Teacher Name", True, "a private one"),
        ("Cy: to:", "everyone", False, "colons and to"),
    ]
    assert _pairs(corpus, "names/2024-06-16_plain_colons_brackets_to.txt") == [
        ("Dr. Who: Part 2", "colon in the name"),
        ("Back to School", "to in the name"),
        ("Back To School", "To in the name"),
        ("Bo (Laptop) [2]", "brackets: and a colon in the body : too"),
    ]


def test_invisible_and_bidi_characters_are_kept_exactly(corpus: Corpus) -> None:
    assert _pairs(corpus, "names/2024-06-17_invisible_chars.txt") == [
        ("Ann", "plain ann"),
        ("Ann\u200b", "zero-width space after the name"),
        ("\u202eevil\u202c", "right-to-left override in the name \u202etxt.exe\u202c"),
        ("B\u200do", "zero-width joiner inside"),
        ("\u2066Cy\u2069", "isolates around the name"),
        ("Di\u00ad", "soft hyphen \ufeff bom inside the body"),
    ]


def test_emoji_and_combining_characters_are_kept_exactly(corpus: Corpus) -> None:
    assert _pairs(corpus, "names/2024-06-18_emoji_combining.txt") == [
        ("Jos\u00e9", "composed \u00e9"),
        ("Jose\u0301", "decomposed e\u0301"),
        ("\U0001f469\U0001f3fd\u200d\U0001f4bb Dev", "\U0001f389\U0001f389 party \U0001f1fa\U0001f1e6"),
        ("Z\u0335\u0321\u0334a\u0336\u0322lgo\u0338", "z\u0361\u035c\u0315a\u0361lg\u035eo text"),
        ("\u738b\u8001\u5e08", "\U0001f44d"),
    ]


# ---------------------------------------------------------------------------------------------------
# headers of other layouts, text before the first header
# ---------------------------------------------------------------------------------------------------


def test_a_header_of_another_layout_in_a_body_is_rejected_not_glued(corpus: Corpus) -> None:
    rel = "layouts/2024-06-19_foreign_header_in_plain_body.txt"
    assert _rejects(corpus, rel).select("line_no", "reason").rows() == [
        (2, "a bigbluebutton message header in a file read as plain"),
        (3, "continues a rejected header line above"),
        (5, "a zoom_2021 message header in a file read as plain"),
    ]
    assert _pairs(corpus, rel) == [("Ann", "see the other chat:"), ("Bo", "next"), ("Di", "last")]


def test_an_indented_header_in_a_zoom_body_is_text(corpus: Corpus) -> None:
    """docs/layouts.md: Zoom 2021+ indents continuation lines, so `\\t10:00:00 From X to Everyone:` is text."""
    assert _pairs(corpus, "layouts/2024-06-20_indented_header_in_zoom_body.txt") == [
        ("Ann", "I pasted the old chat:\n10:00:00 From X to Everyone:\nsee above"),
        ("Bo", "ok"),
    ]


def test_text_before_the_first_header_is_rejected(corpus: Corpus) -> None:
    rel = "layouts/2024-06-21_preamble.txt"
    assert _rejects(corpus, rel).select("line_no", "raw_text", "reason").rows() == [
        (1, "Chat of Week 3", "text before the first message header"),
        (2, "12:00 note to self", "text before the first message header"),
    ]
    assert _pairs(corpus, rel) == [("Ann", "first"), ("Bo", "second")]


# ---------------------------------------------------------------------------------------------------
# encodings and degenerate files
# ---------------------------------------------------------------------------------------------------

LECTURE_ZH = [("Mei Lin", "老师好"), ("Tom", "can you hear me?"), ("王老师", "听得到")]


@pytest.mark.parametrize("name", ["26_utf16le_no_bom", "27_utf16be_no_bom", "28_utf8_bom_crlf", "29_gb18030"])
def test_every_encoding_reads_the_same_lecture(corpus: Corpus, name: str) -> None:
    assert _pairs(corpus, f"encoding/2024-06-{name}.txt") == LECTURE_ZH


def test_degenerate_files(corpus: Corpus) -> None:
    assert _pairs(corpus, "degenerate/2024-07-03_one_line.txt") == [("Ann", "the only line, no newline at the end")]
    assert _pairs(corpus, "degenerate/2024-07-06_header_no_body.txt") == [("Ann", ""), ("Bo", ""), ("Cy", "x")]
    assert _pairs(corpus, "degenerate/2024-07-07_upper_case.TXT") == [("Ann", "upper-case extension")]
    assert _pairs(corpus, "dupes/2024-07-08_copy_a.txt") == [("Ann", "copied"), ("Bo", "twice")]
    assert _pairs(corpus, "degenerate/2024-07-15_10kb_line.txt") == [("Ann", LONG_BODY), ("Bo", "after")]


def test_an_invalid_utf8_byte_is_named_where_it_is(corpus: Corpus) -> None:
    """The reason names the bad UTF-8 byte (offset, line, value), not a GB18030 error inside a valid '好',
    and does not tell the user to re-save as UTF-8 a file that is UTF-8."""
    rel = "encoding/2024-06-25_invalid_utf8_chinese.txt"
    data = (CORPUS / "raw" / rel).read_bytes()
    bad = data.index(b"caf\xc3") + 3
    reason = _row(corpus.manifest, rel)["reason"]
    assert f"bad byte at offset {bad} (line 4: 0xC3)" in reason and "damaged UTF-8" in reason
    assert "re-save" not in reason


def test_a_stray_byte_never_turns_utf8_into_mojibake(corpus: Corpus) -> None:
    """Its bytes read as GB18030, but it is UTF-8 with one cut character: refused as damaged UTF-8 (as its
    siblings are, ingest/decode.py) naming the bad byte; never landed as mojibake ('老师' -> '鑰佸笀')."""
    rel = "encoding/2024-06-30_invalid_utf8_gb18030_mojibake.txt"
    data = (CORPUS / "raw" / rel).read_bytes()
    assert data.decode("gb18030")  # the trap is still there
    row = _row(corpus.manifest, rel)
    assert (row["status"], row["encoding"]) != ("landed", "gb18030")
    assert row["status"] == "failed"
    assert f"damaged UTF-8, bad byte at offset {data.index(b'caf') + 3} (line 3: 0xC3)" in row["reason"]
    assert rel not in set(corpus.tables["messages"]["source_file"])


def test_course_folders_with_hostile_names_keep_their_names(corpus: Corpus) -> None:
    msgs = corpus.tables["messages"].filter(pl.col("source_file").str.ends_with("/2024-07-10_lecture.txt"))
    assert sorted(set(msgs["course_id"])) == sorted(HOSTILE_COURSES)
    for course in HOSTILE_COURSES:
        mine = msgs.filter(pl.col("course_id") == course)
        assert mine["body"].to_list() == ["course name test", "second", f"in {course}"]
        assert f"course={partition_value(course)}" in os.listdir(corpus.paths.lake_messages)
    for folder in os.listdir(corpus.paths.lake_messages):
        value = folder.removeprefix("course=")
        assert folder.startswith("course=") and re.fullmatch(r"[A-Za-z0-9._-]+", value), folder


# ---------------------------------------------------------------------------------------------------
# a 1 MB line (its own run: see the reason)
# ---------------------------------------------------------------------------------------------------


def test_a_1mb_line_lands_and_the_run_finishes(corpus: Corpus, tmp_path: Path) -> None:
    """One export with a 1 MB line takes no longer than the whole corpus did (two builds, as it quarantines
    a session): the time to read a file grows with its size, not with its size squared. Capped at 90 s."""
    budget = min(max(corpus.first.seconds, 60), 90)
    paths = Paths(tmp_path / "data")
    (paths.raw / "big").mkdir(parents=True)
    body = _long_body(1_000_000)
    (paths.raw / "big/2024-07-14_huge_line.txt").write_text(
        f"10:00:00\t  Ann : {body}\n10:01:00\t  Bo : after\n", encoding="utf-8"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "classchat.cli", "run", "--data-dir", str(paths.data_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        _, err = proc.communicate(timeout=budget)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # dbt runs in-process; the GX server is in the same group
        proc.communicate()
        pytest.fail(f"`classchat run` on one 1 MB line did not finish in {budget:.0f} s")
    assert proc.returncode == 0, err[-2000:]
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        assert con.execute("select length(body) from messages order by seq").fetchall() == [(len(body),), (5,)]
    finally:
        con.close()
