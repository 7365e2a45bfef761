"""The header grammar on a fixture per variant (tests/fixtures/<layout>/variants/): languages, case,
separators, role tags, private suffixes, cloud reactions; no header glued into a body; impossible
times; CR-only files; the per-file fit and its threshold; the manifest's fit columns."""

from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
from helpers import FIXTURES, copy_fixture

from classchat.ingest import ingest
from classchat.ingest.land import read_manifest
from classchat.ingest.layouts import LANGUAGES, LAYOUT_FIT_THRESHOLD, LAYOUTS, ROLE_TAG_LOOKUP, ROLE_TAGS
from classchat.ingest.parse import FileText, parse_batch
from classchat.namebook import STAFF_AUDIENCE

DAY = date(2024, 4, 1)

# fixture: layout detected, senders, recipients in file order, message kinds, role tags in file order
VARIANTS = {
    "zoom_2021/variants/2024-04-01_capital_to_privately.txt": (
        "zoom_2021",
        {"Ana", "Teacher Name", "Back to School", "Wei Zhang"},
        ["Teacher Name", "everyone", "everyone", "Ana", "everyone"],
        ["text", "text", "text", "text", "reaction"],
        [None, "host", None, "host", "ta"],
    ),
    "zoom_cloud/variants/2024-04-02_spaces_role_tags.txt": (
        "zoom_cloud",
        {"Wei Zhang", "Ana", "Teacher Name", "Bo", "Li Ming"},
        ["everyone"] * 6,
        ["text", "text", "text", "reaction", "reply", "text"],
        ["ta", None, "host", None, "co-host", None],
    ),
    "zoom_2021/variants/2024-04-03_zh_hans.txt": (
        "zoom_2021", {"王老师", "李明"}, ["everyone", "everyone", "王老师", "李明"], ["text"] * 4, ["host", None, None, None],
    ),
    "zoom_2025/variants/2024-04-04_zh_hant.txt": (
        "zoom_2025", {"林老師", "Ben Lo"}, ["everyone", "everyone", "林老師"], ["text"] * 3, ["host", None, None],
    ),
    "zoom_2025/variants/2024-04-05_ko.txt": (
        "zoom_2025", {"김민수", "이지은"}, ["everyone", "everyone", "김민수"], ["text"] * 3, ["host", None, None],
    ),
    "zoom_legacy/variants/2024-04-06_ja.txt": (
        "zoom_legacy", {"山田 太郎", "佐藤"}, ["everyone", "everyone", "佐藤"], ["text"] * 3, [None, "host", None],
    ),
    "zoom_2021/variants/2024-04-07_de.txt": (
        "zoom_2021", {"Anna Schmidt", "Jonas", "Lea"}, ["everyone", "Anna Schmidt", "everyone"], ["text"] * 3,
        ["host", None, None],
    ),
    "zoom_legacy/variants/2024-04-08_fr.txt": (
        "zoom_legacy", {"Claire Martin", "Hugo", "Léa"}, ["everyone", "Claire Martin", "everyone"], ["text"] * 3,
        [None, None, None],
    ),
    "zoom_2021/variants/2024-04-09_es.txt": (
        "zoom_2021", {"Inés García", "Julio"}, ["everyone", "everyone", "Inés García"], ["text"] * 3, [None] * 3,
    ),
    "zoom_2021/variants/2024-04-10_pt.txt": (
        "zoom_2021", {"Ana Souza", "Pedro"}, ["everyone", "everyone", "Ana Souza"], ["text"] * 3, ["host", None, None],
    ),
    "zoom_2021/variants/2024-04-11_uk.txt": (
        "zoom_2021", {"Олена", "Тарас"}, ["everyone", "everyone"], ["text", "reply"], [None, None],
    ),
    # a Zoom webinar's group recipients: the hosts and panelists (any spelling) are the staff, no direct
    # message; "all panelists and attendees" is everyone; "<name>, Hosts and panelists" and "<name> and all
    # panelists" a message to that person, whose sender is a panelist
    "zoom_2025/variants/2024-04-12_webinar.txt": (
        "zoom_2025", {"Adam Zable", "Dana Cole", "Eve", "Bob"},
        [STAFF_AUDIENCE, "Adam Zable", STAFF_AUDIENCE, "everyone", "Eve", "everyone", "Eve"], ["text"] * 7,
        # only a host or panelist writes to one attendee with the panelists in copy: the panelist tag
        [None, "panelist", None, None, None, None, "panelist"],
    ),
}


def _parse(fixture: str, day: date = DAY, **kw):
    return parse_batch([FileText(0, (FIXTURES / fixture).read_bytes(), day, **kw)])


@pytest.mark.parametrize("fixture", list(VARIANTS))
def test_each_variant_reads_every_header_name_recipient_and_tag(fixture):
    layout, senders, recipients, kinds, tags = VARIANTS[fixture]
    batch = _parse(fixture)
    m, stats = batch.messages, batch.stats.row(0, named=True)
    assert stats["layout"] == layout
    assert batch.rejects.height == 0
    assert set(m["sender_name"]) == senders
    assert m["recipient"].to_list() == recipients
    assert m["is_private"].to_list() == [r not in ("everyone", STAFF_AUDIENCE) for r in recipients]
    assert m["message_kind"].to_list() == kinds
    assert m["role_tag"].to_list() == tags
    assert stats["layout_fit"] == 1.0
    # no tag and no private suffix is left in a name ("Back to School" keeps its "to")
    assert not m["sender_name"].str.contains(r"[\[(（]|(?i:privately|direct message)").any()


def test_capitalised_to_and_privately_give_the_recipient_and_a_private_message():
    m = _parse("zoom_2021/variants/2024-04-01_capital_to_privately.txt").messages.row(0, named=True)
    assert (m["sender_name"], m["recipient"], m["is_private"]) == ("Ana", "Teacher Name", True)
    assert m["body"] == "can you repeat the deadline?"


def test_role_tags_are_kept_as_written_and_normalised():
    m = _parse("zoom_cloud/variants/2024-04-02_spaces_role_tags.txt").messages
    assert m.select("sender_name", "sender_role", "role_tag").rows()[:3] == [
        ("Wei Zhang", "TA", "ta"), ("Ana", None, None), ("Teacher Name", "Host", "host"),
    ]
    zh = _parse("zoom_2021/variants/2024-04-03_zh_hans.txt").messages.row(0, named=True)
    assert (zh["sender_name"], zh["sender_role"], zh["role_tag"]) == ("王老师", "主持人", "host")


def test_cloud_with_spaces_reads_reactions_replies_and_keeps_offsets():
    start = datetime(2024, 4, 2, 10, 0, 0)
    m = _parse("zoom_cloud/variants/2024-04-02_spaces_role_tags.txt", recording_start=start).messages
    reaction = m.filter(pl.col("message_kind") == "reaction").row(0, named=True)
    assert (reaction["sender_name"], reaction["reaction_emoji"]) == ("Bo", "👏")
    assert reaction["reaction_target"] == "Let's start with ques"
    reply = m.filter(pl.col("message_kind") == "reply").row(0, named=True)
    assert (reply["reply_to_text"], reply["body"]) == ("thanks", "you're welcome")
    assert m["sent_at"].to_list()[0] == datetime(2024, 4, 2, 10, 12, 5)
    assert m["sent_at"].to_list()[-1] == datetime(2024, 4, 2, 11, 2, 3)  # a tab-separated line in the same file
    assert m.filter(pl.col("sender_name") == "Teacher Name")["body"].item() == (
        "Let's start with question 1.\nEveryone please open the notebook."
    )


def test_a_header_of_another_layout_inside_a_body_is_never_glued_into_it():
    batch = _parse("zoom_legacy/variants/2024-04-14_header_in_body.txt")
    m = batch.messages
    # a Zoom 2021 header fits the legacy grammar: it is its own message
    assert m.select("sender_name", "body").rows() == [
        ("Ann", "here is a log I copied"), ("Bo", "\tpasted line"), ("Cy", "thanks"),
    ]
    # a plain-layout header does not: rejected with the reason, and in no body
    assert batch.rejects.select("line_no", "reason").rows() == [
        (4, "a plain message header in a file read as zoom_legacy"),
    ]
    assert not m["body"].str.contains("Dan").any()


def test_a_header_line_in_a_plain_body_becomes_its_own_message_or_a_reject():
    text = "10:00:00\t  a : x\n10:00:05\t  b : y\n10:01:00 From X to Everyone:\nits body\n10:02:00\t  c : z\n"
    batch = parse_batch([FileText(0, text, DAY)])
    assert batch.messages.select("sender_name", "body").rows() == [("a", "x"), ("b", "y"), ("c", "z")]
    assert batch.rejects.select("line_no", "reason").rows() == [
        (3, "a zoom_2021 message header in a file read as plain"),
        (4, "continues a rejected header line above"),
    ]


def test_impossible_times_are_rejected_and_do_not_move_the_day():
    batch = _parse("plain/variants/2024-04-13_bad_times.txt", day=date(2024, 4, 13))
    assert batch.messages.select("sender_name", "sent_at").rows() == [
        ("Ann", datetime(2024, 4, 13, 10, 0)), ("Cy", datetime(2024, 4, 13, 10, 5)), ("Ann", datetime(2024, 4, 13, 10, 6)),
    ]
    assert batch.rejects.select("line_no", "reason").rows() == [
        (2, "invalid time"), (3, "continues a rejected header line above"), (5, "invalid time"),
    ]
    stats = batch.stats.row(0, named=True)
    assert stats["n_header_lines"] + stats["n_continuation_lines"] + stats["n_rejected_lines"] == stats["n_lines"]


@pytest.mark.parametrize(
    ("text", "layout", "reason"),
    [
        ("10:00:00 From A to Everyone:\n\tx\n24:00:00 From B to Everyone:\n\ty\n", "zoom_2021", "invalid time"),
        ("10:00:00 From A to Everyone:\n\tx\n10:60:00 From B to Everyone:\n\ty\n", "zoom_2021", "invalid time"),
        ("10:00:00\t From  A : x\n10:00:61\t From  B : y\n", "zoom_legacy", "invalid time"),
        ("2024-01-02 10:00:00 From A to Everyone:\n\tx\n2024-13-40 10:00:01 From B to Everyone:\n\ty\n",
         "zoom_2025", "invalid date"),
        ("[10:01] [A : VIEWER]: x\n[24:01] [B : VIEWER]: y\n", "bigbluebutton", "invalid time"),
    ],
)
def test_each_layout_validates_its_times(text, layout, reason):
    batch = parse_batch([FileText(0, text, DAY)])
    assert batch.stats["layout"].to_list() == [layout]
    assert batch.messages["sender_name"].to_list() == ["A"]
    assert batch.rejects["reason"].to_list() == [reason, "continues a rejected header line above"][: batch.rejects.height]


def test_an_offset_layout_allows_hours_past_a_day_but_not_minutes_past_sixty():
    start = datetime(2024, 4, 2, 9, 0)
    text = "00:10:00\tA:\tx\n25:00:00\tB:\ty\n25:61:00\tC:\tz\n"
    batch = parse_batch([FileText(0, text, DAY, recording_start=start)])
    assert batch.messages.select("sender_name", "sent_at").rows() == [
        ("A", datetime(2024, 4, 2, 9, 10)), ("B", datetime(2024, 4, 3, 10, 0)),
    ]
    assert batch.rejects["reason"].to_list() == ["invalid time"]


def test_a_file_with_cr_line_ends_only_is_split_at_cr():
    batch = _parse("plain/variants/2024-04-12_cr_only.txt")
    assert batch.messages.select("sender_name", "body").rows() == [("Ann", "one"), ("Bo", "two"), ("Ann", "three")]
    assert batch.stats.row(0, named=True)["n_lines"] == 3
    # with an LF anywhere, a lone CR stays a break typed inside the line
    mixed = parse_batch([FileText(0, "10:00:05\t  a : one\r\n10:00:06\t  b : two\rlines\n", DAY)])
    assert mixed.messages["body"].to_list() == ["one", "two\nlines"]


@pytest.mark.parametrize(
    ("fixture", "fit"),
    [
        ("zoom_2021/variants/2024-04-15_unindented.txt", 4 / 7),  # 3 of 7 lines not indented
        ("plain/variants/2024-04-16_unknown_lines.txt", 1 / 3),  # 2 of 3 lines time-stamped but no header
        ("plain/variants/2024-04-13_bad_times.txt", 3 / 6),
        ("zoom_legacy/variants/2024-04-14_header_in_body.txt", 4 / 5),
    ],
)
def test_a_file_mostly_out_of_its_layouts_shape_is_below_the_threshold(fixture, fit):
    stats = _parse(fixture).stats.row(0, named=True)
    assert stats["layout_fit"] == pytest.approx(fit)
    assert stats["layout_fit"] < LAYOUT_FIT_THRESHOLD


def test_every_layout_fixture_fits_its_layout():
    for layout in LAYOUTS:
        for f in sorted((FIXTURES / layout).glob("*.txt")):
            stats = parse_batch([FileText(0, f.read_bytes(), DAY)]).stats.row(0, named=True)
            assert stats["layout"] == layout, f
            assert stats["layout_fit"] >= LAYOUT_FIT_THRESHOLD, (f, stats["layout_fit"])


def test_the_manifest_records_each_files_fit(paths):
    copy_fixture(paths, "c1", "zoom_2021/variants/2024-04-15_unindented.txt")
    copy_fixture(paths, "c1", "zoom_2021/variants/2024-04-07_de.txt")
    ingest(paths)
    manifest = read_manifest(paths).sort("source_file")
    assert manifest.select("source_file", "layout_fit", "n_misfit_lines").rows() == [
        ("c1/2024-04-07_de.txt", 1.0, 0),
        ("c1/2024-04-15_unindented.txt", pytest.approx(4 / 7), 3),
    ]
    flagged = manifest.filter(pl.col("layout_fit") < LAYOUT_FIT_THRESHOLD)["source_file"].to_list()
    assert flagged == ["c1/2024-04-15_unindented.txt"]


def test_the_role_vocabulary_is_closed_and_every_tag_maps_into_it():
    assert set(ROLE_TAG_LOOKUP.values()) == set(ROLE_TAGS)
    assert all(tag == tag.strip() for tags in ROLE_TAGS.values() for tag in tags)


def test_the_layouts_doc_names_every_language_and_its_evidence():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "layouts.md").read_text(encoding="utf-8")
    for lang in LANGUAGES:
        assert f"`{lang.language}`" in doc, lang.language
        for word in (*lang.from_, *lang.to, *lang.everyone, *lang.private):
            assert not word or word in doc, (lang.language, word)
