"""Layouts declared in raw/layouts.toml: they land through `classchat ingest` with exact counts, join
detection, --format and the no-silent-merge rule, read times (clock, 12-hour, offsets) and dates by
their formats; every bad declaration is one line naming the file and the key, exit status 1;
`classchat layouts` lists them."""

import re
from datetime import date, datetime

import polars as pl
import pytest
from helpers import add_export

from classchat.cli import main
from classchat.ingest.land import read_manifest
from classchat.ingest.layouts import LAYOUTS
from classchat.ingest.parse import FileText, parse_batch
from classchat.ingest.user_layouts import declared_layouts, layouts_fingerprint, load_layouts

# A webinar tool that writes the sender first, a 12-hour time in parentheses, an optional private
# recipient, and continuation lines indented by two spaces. Its headers do not start with a digit.
WEBINARX = r"""
[layouts.webinarx]
description = "WebinarX: Name (HH:MM:SS AM): text, private 'Name (…) to Other: text'; continuation lines indented by two spaces"
header = '(?P<sender>[^()\t]+?) \((?P<time>[0-9]{1,2}:[0-9]{2}:[0-9]{2} [AP]M)\)(?: to (?P<recipient>[^:]+?))?: (?P<body>.*)$'
time_format = "%I:%M:%S %p"
continuation_prefix = "  "
example = "Ana Lima (10:01:02 AM): Good morning"
"""

CLEAN = """WebinarX chat export
Ana Lima (10:01:02 AM): Good morning
  second line of Ana
Bo Chen (10:01:30 AM) to Ana Lima: can you share the slides?
[TA] Wei (10:02:00 AM): here they are
Ana Lima (12:30:00 PM): Reacted to "Good morning" with 👍

Dee (01:15:00 PM): bye
"""

BAD_TIME = """Ana Lima (09:00:00 AM): hello
Cy (13:99:00 PM): impossible
  after the impossible one
Ana Lima (09:05:00 AM): still here
"""


def _declare(paths, text=WEBINARX):
    (paths.raw / "layouts.toml").write_text(text, encoding="utf-8")


def _messages(paths):
    return pl.read_parquet(paths.lake_messages / "*/*.parquet", hive_partitioning=True)


def _cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_declared_layout_lands_through_classchat_ingest_with_exact_counts(paths, capsys):
    _declare(paths)
    add_export(paths, "web", "2024-05-06_webinar.txt", CLEAN)
    add_export(paths, "web", "2024-05-07_bad_time.txt", BAD_TIME)
    code, out, err = _cli(capsys, "ingest", "--data-dir", str(paths.data_dir))
    assert code == 0, err
    assert "2 file(s) landed (7 messages, 3 rejected lines)" in out
    manifest = {row["source_file"]: row for row in read_manifest(paths).iter_rows(named=True)}
    clean = manifest["web/2024-05-06_webinar.txt"]
    assert (clean["status"], clean["layout"], clean["n_lines"]) == ("landed", "webinarx", 8)
    assert (clean["n_header_lines"], clean["n_continuation_lines"], clean["n_blank_lines"]) == (5, 1, 1)
    assert (clean["n_rejected_lines"], clean["n_misfit_lines"], clean["layout_fit"]) == (
        1,
        0,
        1.0,
    )  # a title line
    assert clean["layouts_fingerprint"] == layouts_fingerprint(load_layouts(paths.raw))

    m = _messages(paths).filter(pl.col("source_file") == "web/2024-05-06_webinar.txt").sort("seq")
    assert m.height == 5
    assert m["sender_name"].to_list() == ["Ana Lima", "Bo Chen", "Wei", "Ana Lima", "Dee"]
    assert m["sender_name"].n_unique() == 4
    assert m["recipient"].to_list() == ["everyone", "Ana Lima", "everyone", "everyone", "everyone"]
    assert m["is_private"].sum() == 1
    assert m["role_tag"].to_list() == [None, None, "ta", None, None]
    assert m["message_kind"].to_list() == ["text", "text", "text", "reaction", "text"]
    assert m["body"].to_list()[:3] == [
        "Good morning\nsecond line of Ana",
        "can you share the slides?",
        "here they are",
    ]
    assert m["sent_at"].to_list() == [
        datetime(2024, 5, 6, 10, 1, 2),
        datetime(2024, 5, 6, 10, 1, 30),
        datetime(2024, 5, 6, 10, 2),
        datetime(2024, 5, 6, 12, 30),
        datetime(2024, 5, 6, 13, 15),
    ]
    assert m["source_line"].to_list() == [2, 4, 5, 6, 8]

    # an impossible time in a declared layout is rejected with its reason, and what follows it with it
    bad = manifest["web/2024-05-07_bad_time.txt"]
    assert (bad["n_header_lines"], bad["n_rejected_lines"], bad["n_misfit_lines"]) == (2, 2, 2)
    assert bad["poor_fit"] is True
    rejects = pl.read_parquet(paths.lake_rejects / "*/*.parquet").sort("source_file", "line_no")
    assert rejects.select("source_file", "line_no", "reason").rows() == [
        ("web/2024-05-06_webinar.txt", 1, "text before the first message header"),
        ("web/2024-05-07_bad_time.txt", 2, "invalid time"),
        ("web/2024-05-07_bad_time.txt", 3, "continues a rejected header line above"),
    ]

    # the same files again: nothing changes
    code, out, _ = _cli(capsys, "ingest", "--data-dir", str(paths.data_dir))
    assert code == 0 and "0 file(s) landed" in out and "2 unchanged" in out


def test_a_file_of_an_unknown_layout_lands_once_its_layout_is_declared(paths, capsys):
    add_export(paths, "web", "2024-05-06_webinar.txt", CLEAN)
    code, out, _ = _cli(capsys, "ingest", "--data-dir", str(paths.data_dir))
    assert code == 0 and "NOT LANDED web/2024-05-06_webinar.txt: unknown layout" in out
    assert "raw/layouts.toml" in out
    _declare(paths)
    code, out, _ = _cli(capsys, "ingest", "--data-dir", str(paths.data_dir))
    assert code == 0 and "1 file(s) landed (5 messages, 1 rejected lines)" in out
    # the declaration changes: landed files are read again; a description alone changes nothing
    _declare(paths, WEBINARX.replace('description = "WebinarX', 'description = "The WebinarX'))
    code, out, _ = _cli(capsys, "ingest", "--data-dir", str(paths.data_dir))
    assert "0 file(s) landed" in out and "1 unchanged" in out
    _declare(paths, WEBINARX.replace('continuation_prefix = "  "', 'continuation_prefix = " "'))
    code, out, _ = _cli(capsys, "ingest", "--data-dir", str(paths.data_dir))
    assert "1 file(s) landed (5 messages" in out


def test_format_forces_a_declared_layout_and_an_unknown_name_is_still_refused(paths, capsys):
    _declare(paths)
    add_export(paths, "web", "2024-05-06_webinar.txt", CLEAN)
    code, out, err = _cli(capsys, "ingest", "--format", "webinarx", "--data-dir", str(paths.data_dir))
    assert code == 0, err
    assert read_manifest(paths)["layout"].to_list() == ["webinarx"]
    with pytest.raises(SystemExit) as exc:
        main(["ingest", "--format", "teams", "--data-dir", str(paths.data_dir)])
    assert exc.value.code == 2
    assert "invalid choice: 'teams'" in capsys.readouterr().err


def test_a_declared_header_inside_a_built_in_body_is_rejected_not_glued(paths):
    layouts = load_layouts(_declared(paths))
    text = "10:00:00\t  Ann : hello\nAna Lima (10:01:02 AM): a WebinarX line pasted in\n10:02:00\t  Bo : hi\n"
    batch = parse_batch([FileText(0, text, date(2024, 5, 6))], layouts=layouts)
    assert batch.stats["layout"].to_list() == ["plain"]
    assert batch.messages["body"].to_list() == ["hello", "hi"]
    assert batch.rejects.select("line_no", "reason").rows() == [
        (2, "a webinarx message header in a file read as plain")
    ]
    # without the declaration the same line is a continuation (as typed, the plain layout's rule)
    assert parse_batch([FileText(0, text, date(2024, 5, 6))]).messages["body"].to_list()[0] == (
        "hello\nAna Lima (10:01:02 AM): a WebinarX line pasted in"
    )


def _declared(paths, text=WEBINARX):
    _declare(paths, text)
    return paths.raw


def test_dates_by_their_format_and_an_impossible_date_is_rejected(paths):
    toml = r"""
[layouts.dotted]
header = '(?P<date>[0-9.]+) (?P<time>[0-9:]+) - (?P<sender>[^:]+): (?P<body>.*)$'
date_format = "%d.%m.%Y"
time_format = ["%H:%M:%S", "%H:%M"]
"""
    layouts = load_layouts(_declared(paths, toml))
    text = "05.03.2024 10:01:02 - Ana: hi\n05.03.2024 23:59 - Bo: late\n31.02.2024 10:00 - Cy: no such day\n"
    batch = parse_batch([FileText(0, text, None)], layouts=layouts)
    assert batch.stats["layout"].to_list() == ["dotted"]
    assert batch.messages["sent_at"].to_list() == [
        datetime(2024, 3, 5, 10, 1, 2),
        datetime(2024, 3, 5, 23, 59),
    ]
    assert batch.rejects.select("line_no", "reason").rows() == [(3, "invalid date")]


def test_offsets_count_from_the_recording_start_and_may_pass_an_hour(paths):
    toml = r"""
[layouts.replay]
header = '\+(?P<time>[0-9]+:[0-9]{2}) (?P<sender>[^:]+): (?P<body>.*)$'
time_format = "%M:%S"
times_are_offsets = true
"""
    layouts = load_layouts(_declared(paths, toml))
    assert layouts["replay"].time_kind == "offset"
    text = "+00:05 Ana: hi\n+75:03 Bo: an hour and a quarter in\n"
    start = datetime(2024, 3, 5, 9, 0)
    batch = parse_batch([FileText(0, text, date(2024, 3, 5), recording_start=start)], layouts=layouts)
    assert batch.messages["sent_at"].to_list() == [
        datetime(2024, 3, 5, 9, 0, 5),
        datetime(2024, 3, 5, 10, 15, 3),
    ]


def test_a_declared_layout_compiles_to_the_built_ins_dataclass(tmp_path):
    path = tmp_path / "layouts.toml"
    path.write_text(WEBINARX, encoding="utf-8")
    layout = declared_layouts(path)["webinarx"]
    assert type(layout) is type(LAYOUTS["plain"])
    assert (
        layout.header.startswith("^(?:") and "(?P<text>" in layout.header and "(?P<body>" not in layout.header
    )
    assert (layout.time_formats, layout.continuation_prefix, layout.source) == (
        ("%I:%M:%S %p",),
        "  ",
        str(path),
    )
    assert layout.invalid_headers == ()
    assert layouts_fingerprint(dict(LAYOUTS)) is None


# (what is wrong, the TOML, what the one-line error must say besides the file's name)
BAD = {
    "not TOML": ("[layouts.mytool\nheader = 'x'\n", "not valid TOML"),
    "unknown key": (
        "[layouts.mytool]\nheader = '(?P<time>[0-9:]+) (?P<sender>.+)'\ncolour = 'blue'\n",
        "[layouts.mytool] colour: unknown key",
    ),
    "regex does not compile": (
        "[layouts.mytool]\nheader = '(?P<time>[0-9:]+ (?P<sender>.+)'\n",
        "[layouts.mytool] header: does not compile: unclosed group",
    ),
    "look-around (not in the regex dialect)": (
        "[layouts.mytool]\nheader = '(?=1)(?P<time>[0-9:]+) (?P<sender>.+)'\n",
        "[layouts.mytool] header: does not compile: look-around",
    ),
    "no time group": (
        "[layouts.mytool]\nheader = '[0-9:]+ (?P<sender>.+)'\n",
        "[layouts.mytool] header: missing group (?P<time>...)",
    ),
    "unknown group": (
        "[layouts.mytool]\nheader = '(?P<time>[0-9:]+) (?P<who>.+)'\n",
        "[layouts.mytool] header: unknown group (?P<who>...)",
    ),
    "name of a built-in": (
        "[layouts.plain]\nheader = '(?P<time>[0-9:]+) (?P<sender>.+)'\n",
        "[layouts.plain] name: clashes with the built-in layout plain",
    ),
    "time format that reads no time": (
        "[layouts.mytool]\nheader = '(?P<time>[0-9:]+) (?P<sender>.+)'\ntime_format = '%Y'\n",
        "[layouts.mytool] time_format: '%Y' does not read a time of day",
    ),
    "date format without a date group": (
        "[layouts.mytool]\nheader = '(?P<time>[0-9:]+) (?P<sender>.+)'\ndate_format = '%d.%m.%Y'\n",
        "[layouts.mytool] date_format: the header has no (?P<date>...) group",
    ),
    "example the layout does not read": (
        "[layouts.mytool]\nheader = '(?P<time>[0-9:]+) (?P<sender>[^:]+): (?P<body>.*)'\n"
        "example = '25:00:00 Ana: hi'\n",
        "[layouts.mytool] example: line 1 is rejected (invalid time)",
    ),
    "a value of the wrong type": (
        "[layouts.mytool]\nheader = '(?P<time>[0-9:]+) (?P<sender>.+)'\ntimes_are_offsets = 'yes'\n",
        "[layouts.mytool] times_are_offsets: must be true or false",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
@pytest.mark.parametrize("command", [["ingest"], ["layouts"], ["ingest", "--explain", "c/2024-05-06_x.txt"]])
def test_a_bad_declaration_is_one_line_naming_the_file_and_the_key(paths, capsys, case, command):
    toml, expected = BAD[case]
    _declare(paths, toml)
    add_export(paths, "c", "2024-05-06_x.txt", "10:00:00\t  Ann : hello\n")
    code, out, err = _cli(capsys, *command, "--data-dir", str(paths.data_dir))
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert str(paths.raw / "layouts.toml") in lines[0]
    assert expected in lines[0]
    if command == ["ingest"]:
        assert not paths.files_manifest.exists()  # nothing landed


def test_classchat_layouts_lists_built_ins_and_the_declared_one(paths, capsys):
    code, out, _ = _cli(capsys, "layouts", "--data-dir", str(paths.data_dir))
    assert code == 0
    for name in LAYOUTS:
        assert f"  {name} " in out
    assert "No declared layouts" in out
    _declare(paths)
    code, out, _ = _cli(capsys, "layouts", "--data-dir", str(paths.data_dir))
    assert code == 0
    declared = out.split(f"Declared in {paths.raw / 'layouts.toml'}")[1]
    assert "webinarx" in declared and "WebinarX: Name (HH:MM:SS AM)" in declared
    assert "e.g. Ana Lima (10:01:02 AM): Good morning" in declared


def test_every_built_in_example_line_reads_as_its_layout():
    from classchat.ingest.explain import example_lines

    for name, layout in LAYOUTS.items():
        text = "\n".join(example_lines(layout)) + "\n"
        batch = parse_batch([FileText(0, text, date(2024, 3, 5), recording_start=datetime(2024, 3, 5, 10))])
        stats = batch.stats.row(0, named=True)
        assert stats["layout"] == name, name
        assert batch.rejects.is_empty() and stats["layout_fit"] == 1.0
        assert batch.messages.height == (2 if name in ("zoom_2025", "zoom_2021", "zoom_legacy") else 1)


def test_the_documented_example_lands_as_documented(paths, capsys):
    """docs/layouts.md, "Your own layout": its declaration and file land as its --explain output says."""
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs/layouts.md").read_text(encoding="utf-8")
    section = doc.split("## Your own layout")[1]
    blocks = re.findall(r"```(text|toml)\n(.*?)```", section, flags=re.S)
    export, toml = blocks[0][1], blocks[1][1]
    assert (blocks[0][0], blocks[1][0]) == ("text", "toml")
    _declare(paths, toml)
    add_export(paths, "webinar", "2024-05-06_lecture4.txt", export)
    code, out, err = _cli(capsys, "ingest", "--data-dir", str(paths.data_dir))
    assert code == 0, err
    row = read_manifest(paths).row(0, named=True)
    assert (row["layout"], row["n_messages"], row["n_rejected_lines"], row["poor_fit"]) == (
        "webinarx",
        3,
        2,
        True,
    )
    m = _messages(paths).sort("seq")
    assert m.select("sender_name", "recipient", "role_tag").rows() == [
        ("Ana Lima", "everyone", None),
        ("Bo Chen", "Ana Lima", None),
        ("Wei", "everyone", "ta"),
    ]
    code, out, _ = _cli(
        capsys, "ingest", "--explain", "webinar/2024-05-06_lecture4.txt", "--data-dir", str(paths.data_dir)
    )
    shown = doc.split("$ classchat ingest --explain webinar/2024-05-06_lecture4.txt\n")[1].split("```")[0]
    normalise = lambda text: [line.replace(str(paths.raw), "/…/raw") for line in text.strip().splitlines()]  # noqa: E731
    assert normalise(out) == normalise(shown)


def test_a_header_without_a_sender_is_a_system_message(paths):
    toml = r"""
[layouts.events]
header = '(?P<time>[0-9:]+) (?:(?P<sender>[^:*]+): (?P<body>.*)|\* (?P<body2>.*))$'
"""
    layouts = load_layouts(_declared(paths, toml))
    text = "10:00:00 * Recording started\n10:00:05 Ana: hello\n"
    m = parse_batch([FileText(0, text, date(2024, 3, 5))], layouts=layouts).messages
    assert m.select("sender_name", "message_kind", "body").rows() == [
        ("system", "system", "Recording started"),
        ("Ana", "text", "hello"),
    ]
