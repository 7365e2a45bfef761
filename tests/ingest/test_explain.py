"""`classchat ingest --explain FILE [--lines N]` on fixtures, through the real CLI: each line's kind
(header with its fields, continuation, blank, rejected and why, misfit), the winning layout, the
detection scores and the fit; what it says agrees with what lands; it lands nothing."""

import re

import polars as pl
import pytest
from helpers import FIXTURES, add_export, copy_fixture

from classchat.cli import main
from classchat.ingest.land import read_manifest

LINE = re.compile(r"^ *(\d+)  (\w+) +(.*)$")


def _explain(capsys, paths, *args):
    code = main(["ingest", "--explain", *args, "--data-dir", str(paths.data_dir)])
    out, err = capsys.readouterr()
    return code, out, err


def _by_line(out: str) -> dict[int, tuple[str, str]]:
    """line number -> (kind, the rest of the row)"""
    rows = {}
    for text in out.splitlines():
        m = LINE.match(text)
        if m:
            rows[int(m.group(1))] = (m.group(2), m.group(3))
    return rows


def test_header_continuation_rejected_line_and_the_winning_layout(paths, capsys):
    fixture = FIXTURES / "zoom_legacy/variants/2024-04-14_header_in_body.txt"
    code, out, err = _explain(capsys, paths, str(fixture))
    assert code == 0, err
    rows = _by_line(out)
    assert sorted(rows) == [1, 2, 3, 4, 5]
    kind, how = rows[1]
    assert kind == "header"
    assert 'time=14:00:00 (2024-04-14 14:00:00) sender="Ann" recipient="everyone" private=no' in how
    assert "role_tag=- kind=text" in how and how.endswith("| 14:00:00\\t From  Ann : here is a log I copied")
    assert (
        rows[2][0] == "header" and 'sender="Bo"' in rows[2][1]
    )  # a Zoom 2021 header the legacy grammar reads
    assert rows[3] == ("continuation", "of message 2  | \\tpasted line")
    assert rows[4][0] == "rejected"
    assert rows[4][1].startswith("a plain message header in a file read as zoom_legacy  |")
    assert "layout: zoom_legacy (detected): HH:MM:SS<TAB> From X : text" in out
    assert (
        "detection, header lines among the first 200 per layout: zoom_legacy 3, plain 3, zoom_2021 1," in out
    )
    assert "layout_fit: 0.800 (1 of 5 non-blank line(s) out of shape; POOR FIT: below 0.90" in out
    assert "lines: 3 header, 1 continuation, 0 blank, 1 rejected; 3 message(s)" in out


def test_a_file_below_raw_impossible_times_and_private_role_tagged_headers(paths, capsys):
    copy_fixture(paths, "c", "plain/variants/2024-04-13_bad_times.txt")
    code, out, _ = _explain(capsys, paths, "c/2024-04-13_bad_times.txt")  # a path below raw/
    assert code == 0
    rows = _by_line(out)
    assert rows[2] == ("rejected", "invalid time  | 25:61:99\\t  Bo : impossible")
    assert rows[3] == ("rejected", "continues a rejected header line above  | more of the impossible one")
    assert "(2024-04-13 10:05:00)" in rows[4][1]  # the date from the file's name
    assert "layout_fit: 0.500 (3 of 6 non-blank line(s) out of shape; POOR FIT" in out

    copy_fixture(paths, "c", "zoom_2021/variants/2024-04-01_capital_to_privately.txt")
    code, out, _ = _explain(capsys, paths, str(paths.raw / "c/2024-04-01_capital_to_privately.txt"))
    rows = _by_line(out)
    assert 'sender="Ana" recipient="Teacher Name" private=yes role_tag=-' in rows[1][1]
    assert 'sender="Wei Zhang" recipient="everyone" private=no role_tag=ta kind=reaction' in rows[11][1]
    assert rows[5][0] == "blank"
    assert "layout_fit: 1.000 (0 of 11 non-blank line(s) out of shape; at or above 0.90)" in out


def test_misfit_continuation_lines_say_why(paths, capsys):
    code, out, _ = _explain(capsys, paths, str(FIXTURES / "zoom_2021/variants/2024-04-15_unindented.txt"))
    rows = _by_line(out)
    assert rows[2] == ("continuation", "of message 1  | \\thello")
    assert rows[3][1].startswith(
        'of message 1; MISFIT: does not start with "\\t" as zoom_2021 continues a message'
    )
    code, out, _ = _explain(capsys, paths, str(FIXTURES / "plain/variants/2024-04-16_unknown_lines.txt"))
    assert _by_line(out)[2][1].startswith("of message 1; MISFIT: starts like a time stamp")


def test_lines_limits_the_rows_not_the_summary(paths, capsys):
    fixture = str(FIXTURES / "zoom_2021/variants/2024-04-01_capital_to_privately.txt")
    code, out, _ = _explain(capsys, paths, fixture, "--lines", "3")
    assert sorted(_by_line(out)) == [1, 2, 3]
    assert "… 9 more line(s) (--lines N shows N, --lines 0 all)" in out
    assert "lines: 5 header, 6 continuation, 1 blank, 0 rejected; 5 message(s)" in out
    code, out, _ = _explain(capsys, paths, fixture, "--lines", "0")
    assert sorted(_by_line(out)) == list(range(1, 13))


def test_format_forces_the_layout_and_a_file_without_one_says_so(paths, capsys):
    fixture = str(FIXTURES / "zoom_2021/variants/2024-04-01_capital_to_privately.txt")
    code, out, _ = _explain(capsys, paths, fixture, "--format", "zoom_legacy")
    assert code == 0 and "layout: zoom_legacy (forced by --format)" in out
    add_export(paths, "c", "2024-05-01_notes.txt", "just some notes\nno chat here\n")
    code, out, _ = _explain(capsys, paths, "c/2024-05-01_notes.txt")
    assert code == 0
    assert _by_line(out)[1] == ("unread", "no layout read this file  | just some notes")
    assert "layout: none; no line among the first lines is a header of any layout" in out
    assert "zoom_2025 0, zoom_2021 0, zoom_legacy 0, plain 0, zoom_cloud 0, bigbluebutton 0" in out


VARIANTS = sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.glob("*/variants/*.txt"))


def test_explain_says_what_lands(paths, capsys):
    """The explanation is the parser's own reading: per file, its rejected lines and reasons are the
    lake's rejects, and its kinds add up to the manifest's counts (every variant fixture)."""
    for i, fixture in enumerate(VARIANTS):
        copy_fixture(paths, "v", fixture, f"2024-04-{i + 1:02d}_{fixture.split('/')[-1]}")
    assert main(["ingest", "--data-dir", str(paths.data_dir)]) == 0
    capsys.readouterr()
    rejects = pl.read_parquet(paths.lake_rejects / "*/*.parquet")
    for row in read_manifest(paths).iter_rows(named=True):
        code, out, _ = _explain(capsys, paths, row["source_file"], "--lines", "0")
        assert code == 0
        rows = _by_line(out)
        kinds = [kind for kind, _ in rows.values()]
        assert (
            kinds.count("header"),
            kinds.count("continuation"),
            kinds.count("blank"),
            kinds.count("rejected"),
        ) == (
            row["n_header_lines"],
            row["n_continuation_lines"],
            row["n_blank_lines"],
            row["n_rejected_lines"],
        ), row["source_file"]
        assert (
            sum("MISFIT" in how for _, how in rows.values())
            + sum(
                kind == "rejected" and "not counted against the fit" not in how for kind, how in rows.values()
            )
            == row["n_misfit_lines"]
        ), row["source_file"]
        landed = rejects.filter(pl.col("source_file") == row["source_file"]).sort("line_no")
        explained = [
            (n, how.split("  |")[0].removesuffix(" (not counted against the fit: no time stamp)"))
            for n, (kind, how) in sorted(rows.items())
            if kind == "rejected"
        ]
        assert explained == landed.select("line_no", "reason").rows(), row["source_file"]
        assert f"layout: {row['layout']} (detected)" in out
        assert f"layout_fit: {row['layout_fit']:.3f}" in out


def test_explain_lands_nothing_and_bad_uses_are_one_line(paths, capsys):
    copy_fixture(paths, "c", "plain/variants/2024-04-13_bad_times.txt")
    code, _, _ = _explain(capsys, paths, "c/2024-04-13_bad_times.txt")
    assert code == 0
    assert not paths.lake.exists()
    for args, message in (
        (["c/nope.txt"], "no file c/nope.txt"),
        (["c/2024-04-13_bad_times.txt", "--prune"], "--explain lands nothing; it does not go with --prune"),
        (["c/2024-04-13_bad_times.txt", "--lines", "-1"], "--lines -1: give a number of lines, or 0 for all"),
    ):
        code, out, err = _explain(capsys, paths, *args)
        assert code == 1 and len(err.strip().splitlines()) == 1 and message in err, (args, err)
    code = main(["ingest", "--lines", "5", "--data-dir", str(paths.data_dir)])
    assert code == 1 and "--lines goes with --explain FILE" in capsys.readouterr().err


@pytest.mark.parametrize("prefix", ["", "  "])
def test_explain_of_a_declared_layout_names_where_it_is_declared(paths, capsys, prefix):
    (paths.raw / "layouts.toml").write_text(
        "[layouts.arrow]\n"
        "description = 'HH:MM:SS Name -> text'\n"
        "header = '(?P<time>[0-9:]+) (?P<sender>[^>]+?) -> (?P<body>.*)$'\n"
        f"continuation_prefix = '{prefix}'\n",
        encoding="utf-8",
    )
    add_export(paths, "c", "2024-05-06_arrow.txt", "10:00:00 Ana -> hi\n  more\n10:01:00 Bo -> ok\n")
    code, out, err = _explain(capsys, paths, "c/2024-05-06_arrow.txt")
    assert code == 0, err
    assert f"layout: arrow (detected, declared in {paths.raw / 'layouts.toml'}): HH:MM:SS Name -> text" in out
    assert 'sender="Ana"' in _by_line(out)[1][1]
    assert _by_line(out)[2][0] == "continuation"
    assert "arrow 2" in out
