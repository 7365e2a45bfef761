from datetime import date, datetime

from helpers import FIXTURES

from classchat.ingest.parse import FileText, parse_batch


def _parse(text: str, day=date(2024, 5, 6), layout=None):
    return parse_batch([FileText(0, text, day, layout)])


def test_plain_fixture_gives_every_message_with_exact_bodies():
    text = (FIXTURES / "plain/2024-05-06_intro_lecture.txt").read_text(encoding="utf-8")
    batch = _parse(text)
    m = batch.messages
    assert m.height == 11
    assert m["seq"].to_list() == list(range(1, 12))
    assert m["sender_name"].unique().len() == 6
    row = m.filter(m["seq"] == 8).row(0, named=True)
    assert row["sender_name"] == "Tom Baker"
    assert row["body"] == "the formula is y = a : b"  # only the first ' : ' separates the sender
    multi = m.filter(m["sender_name"] == "晶品 王").row(0, named=True)
    assert multi["body"] == "第一行\n第二行接着写"
    assert multi["n_lines"] == 3  # header, continuation, trailing blank line
    assert multi["source_line"] == 9
    assert m["sent_at"][0] == datetime(2024, 5, 6, 9, 58, 1)
    assert batch.rejects.height == 0
    stats = batch.stats.row(0, named=True)
    assert stats["layout"] == "plain"
    assert (stats["n_lines"], stats["n_header_lines"], stats["n_continuation_lines"], stats["n_blank_lines"]) == (
        13, 11, 1, 1,
    )


def test_text_before_the_first_header_is_rejected_with_its_line_number():
    text = (FIXTURES / "plain/2024-05-07_night.txt").read_text(encoding="utf-8")
    batch = _parse(text, date(2024, 5, 7))
    assert batch.rejects.rows(named=True) == [
        {"file_idx": 0, "line_no": 1, "raw_text": "exported by a tool", "reason": "text before the first message header"}
    ]
    assert batch.messages.height == 4


def test_clock_going_back_past_midnight_rolls_over_to_the_next_day():
    text = (FIXTURES / "plain/2024-05-07_night.txt").read_text(encoding="utf-8")
    sent = _parse(text, date(2024, 5, 7)).messages["sent_at"].to_list()
    assert sent == [
        datetime(2024, 5, 7, 23, 50), datetime(2024, 5, 7, 23, 58, 10),
        datetime(2024, 5, 8, 0, 3), datetime(2024, 5, 8, 0, 4, 30),
    ]


def test_small_backward_steps_are_not_a_new_day():
    batch = _parse("10:00:05\t  a : x\n10:00:01\t  b : y\n")
    assert [d.day for d in batch.messages["sent_at"]] == [6, 6]


def test_crlf_and_lone_cr():
    batch = _parse("10:00:05\t  a : one\r\n10:00:06\t  b : two\rlines\r\n")
    assert batch.messages["body"].to_list() == ["one", "two\nlines"]


def test_file_with_no_header_has_no_layout_and_no_messages():
    batch = _parse("just some notes\nnothing like a chat\n")
    assert batch.stats.row(0, named=True)["layout"] is None
    assert batch.messages.height == 0


def test_files_in_one_batch_are_kept_apart():
    a = "10:00:00\t  a : first\n"
    b = "11:00:00\t  b : second\ncontinued\n"
    batch = parse_batch([FileText(0, a, date(2024, 1, 1)), FileText(1, b, date(2024, 1, 2))])
    rows = batch.messages.select("file_idx", "seq", "body").rows()
    assert rows == [(0, 1, "first"), (1, 1, "second\ncontinued")]


def test_undated_file_parses_but_has_no_timestamps():
    batch = _parse("10:00:00\t  a : x\n", day=None)
    assert batch.stats.row(0, named=True)["n_undated"] == 1


def test_a_time_in_other_digits_is_text_not_a_header():
    # fullwidth digits look like a time to a Unicode \d; exports write ASCII, so this is a continuation line
    batch = _parse("10:00:00\t  a : first\n１０:００:０５\t  b : second\n")
    assert batch.messages.select("sender_name", "body").rows() == [("a", "first\n１０:００:０５\t  b : second")]


def test_any_run_of_tabs_or_spaces_separates_a_plain_header():
    batch = _parse("10:05:42  Ann : hi\n10:05:50 \t Bo (Host) : ok\n")
    assert batch.messages.select("sender_name", "role_tag", "body").rows() == [("Ann", None, "hi"), ("Bo", "host", "ok")]


def test_a_bracketed_word_outside_the_role_vocabulary_stays_in_the_name():
    batch = _parse("10:00:00\t  Bo (Laptop) : hi\n10:00:05\t  [x] Cy : ok\n")
    assert batch.messages.select("sender_name", "sender_role", "role_tag").rows() == [
        ("Bo (Laptop)", None, None), ("[x] Cy", None, None),
    ]


def test_a_body_line_holding_a_time_is_text():
    batch = _parse("10:00:00\t  a : meet at\n10:30 in room 4\nat 11:00:00 sharp\n")
    assert batch.messages["body"].to_list() == ["meet at\n10:30 in room 4\nat 11:00:00 sharp"]
    assert batch.rejects.height == 0


# a lone CR ends a line only before a header of the file's layout (docs/layouts.md, "Line ends")
def test_a_lone_cr_before_a_header_ends_the_line_in_a_file_with_lf_line_ends():
    text = (
        "10:00:00\t  Ann : lf\n10:01:00\t  Bo : crlf\r\n10:02:00\t  Cy : cr\r10:03:00\t  Di : after\n"
        "10:04:00\t  Ann : x\r\n"
    )
    batch = parse_batch([FileText(0, text, date(2024, 6, 2))], keep_lines=True)
    assert batch.messages.select("seq", "source_line", "n_lines", "sender_name", "body").rows() == [
        (1, 1, 1, "Ann", "lf"), (2, 2, 1, "Bo", "crlf"), (3, 3, 1, "Cy", "cr"), (4, 4, 1, "Di", "after"),
        (5, 5, 1, "Ann", "x"),
    ]
    assert batch.lines["line_no"].to_list() == [1, 2, 3, 4, 5]
    assert batch.lines["line"][2:4].to_list() == ["10:02:00\t  Cy : cr", "10:03:00\t  Di : after"]
    stats = batch.stats.row(0, named=True)
    assert (stats["n_lines"], stats["n_header_lines"], stats["layout_fit"]) == (5, 5, 1.0)
    assert batch.rejects.height == 0


def test_a_lone_cr_before_text_stays_a_break_inside_the_body():
    # before a time that is not a header, a header of another layout, an impossible time: text of the body
    text = (
        "10:00:00\t  Ann : see\r10:30 in room 4\r[10:01] Bo: bbb\r25:61:99\t  Cy : no\r\n"
        "10:01:00\t  Di : ok\n"
    )
    batch = _parse(text)
    assert batch.messages.select("source_line", "sender_name", "body").rows() == [
        (1, "Ann", "see\n10:30 in room 4\n[10:01] Bo: bbb\n25:61:99\t  Cy : no"), (2, "Di", "ok"),
    ]
    assert batch.stats.row(0, named=True)["n_lines"] == 2


def test_a_lone_cr_cuts_at_every_header_and_keeps_the_breaks_between():
    text = (
        "10:00:00\t  a : one\rtwo\r10:00:01\t  b : three\r10:00:02\t  c : four\rfive\nsix\n"
        "10:00:03\t  d : z\n"
    )
    batch = _parse(text)
    assert batch.messages.select("source_line", "n_lines", "body").rows() == [
        (1, 1, "one\ntwo"), (2, 1, "three"), (3, 2, "four\nfive\nsix"), (5, 1, "z"),
    ]


def test_a_lone_cr_in_a_zoom_body_ends_the_line_only_before_a_zoom_header():
    text = (
        "10:00:00 From Ann to Everyone:\n\tline one\r\tline two\r10:00:05 From Bo to Everyone:\n\thi\n"
        "10:00:09 From Cy to Everyone:\n\t10:00:00 From X to Everyone:\r\tquoted\n"
    )
    batch = _parse(text)
    assert batch.stats.row(0, named=True)["layout"] == "zoom_2021"
    assert batch.messages.select("source_line", "sender_name", "body").rows() == [
        (1, "Ann", "line one\nline two"), (3, "Bo", "hi"), (5, "Cy", "10:00:00 From X to Everyone:\nquoted"),
    ]


def test_only_the_file_with_a_cut_is_numbered_again():
    a = "10:00:00\t  a : x\r10:00:01\t  b : y\n10:00:02\t  c : z\n"
    b = "10:00:00\t  d : one\rtwo\n10:00:01\t  e : three\n"
    batch = parse_batch([FileText(7, a, date(2024, 1, 1)), FileText(3, b, date(2024, 1, 2))])
    got = batch.messages.sort("file_idx", "seq").select("file_idx", "source_line", "sender_name", "body")
    assert got.rows() == [
        (3, 1, "d", "one\ntwo"), (3, 2, "e", "three"), (7, 1, "a", "x"), (7, 2, "b", "y"), (7, 3, "c", "z"),
    ]
    assert dict(batch.stats.select("file_idx", "n_lines").rows()) == {7: 3, 3: 2}
