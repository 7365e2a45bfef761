import codecs

import pytest

from classchat.ingest.decode import UnreadableFile, decode_bytes

TEXT = "10:05:42\t  滑车 : relu 的输出始终大于等于0，是否也有 偏置现象？\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),  # with BOM
        (TEXT.encode("utf-16-le"), "utf-16-le"),  # no BOM
        (TEXT.encode("gb18030"), "gb18030"),
        (TEXT.encode("gbk"), "gb18030"),
    ],
)
def test_decodes_every_supported_encoding_to_the_same_text(data, encoding):
    decoded = decode_bytes(data)
    assert decoded.text == TEXT
    assert decoded.encoding == encoding


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"hello \x80 world \xff\n", "GB18030"),
    ],
)
def test_refuses_what_is_not_text_with_a_reason(data, reason):
    with pytest.raises(UnreadableFile, match=reason):
        decode_bytes(data)


def test_a_batch_is_decoded_file_by_file_when_one_is_not_utf8():
    from classchat.ingest.decode import decode_many

    batch = [TEXT.encode("utf-8"), TEXT.encode("gb18030"), b"", "naïve\n".encode(), b"\xff\xfe\x00"]
    out = decode_many(batch)
    assert [d.encoding if not isinstance(d, UnreadableFile) else "unreadable" for d in out] == [
        "utf-8", "gb18030", "unreadable", "utf-8", "unreadable",
    ]
    assert out[1].text == TEXT and out[3].text == "naïve\n"
    assert out[0].data is batch[0]  # valid UTF-8 is handed on as it is, without a copy


def test_line_ends_are_left_to_the_parser():
    # CR-only (old Mac), CRLF and lone CRs come out as they went in: the parser decides what a line is
    for data in (b"10:00:00\t  a : x\r10:00:01\t  b : y\r", b"a\r\nb\rc\n", "é\r".encode("utf-16")):
        decoded = decode_bytes(data)
        assert decoded.text.count("\r") == data.decode(decoded.encoding.replace("-sig", "")).count("\r")


# damaged UTF-8 (decode.py's docstring): a stray or cut byte in a UTF-8 file never makes it GB18030
def _utf8_with_a_cut_character(after: bytes) -> tuple[bytes, int]:
    """A UTF-8 lecture whose third message holds 'caf', the first byte of 'é' (0xC3), `after`; and where."""
    head = "10:00:00\t  Mei : 老师\n10:01:00\t  Tom : 你好\n10:02:00\t  Bo : caf".encode()
    return head + b"\xc3" + after + "\n10:03:00\t  Cy : 老师\n".encode(), len(head)


def test_utf8_with_a_cut_character_is_refused_even_when_it_reads_as_gb18030():
    data, bad = _utf8_with_a_cut_character(b"A la carte")  # 0xC3 'A' is a GB18030 character
    assert data.decode("gb18030").startswith("10:00:00\t  Mei : 鑰佸笀")  # the trap: a mojibake reading
    with pytest.raises(UnreadableFile) as exc:
        decode_bytes(data)
    reason = str(exc.value)
    assert reason.startswith(f"damaged UTF-8, bad byte at offset {bad} (line 3: 0xC3);"), reason
    assert "1 bad byte(s)" in reason and "re-save" not in reason


def test_utf8_with_a_cut_character_names_the_bad_byte_not_a_gb18030_error():
    data, bad = _utf8_with_a_cut_character(b" broken")  # 0xC3 ' ' is not GB18030 either: refused both ways
    with pytest.raises(UnreadableFile, match=rf"^damaged UTF-8, bad byte at offset {bad} \(line 3: 0xC3\)"):
        decode_bytes(data)


def test_the_offset_of_a_bad_byte_after_a_utf8_bom_counts_the_bom():
    data = codecs.BOM_UTF8 + b"10:00:00\t  a : \xff\n"
    bad = data.index(b"\xff")
    with pytest.raises(UnreadableFile, match=f"at byte offset {bad}$"):
        decode_bytes(data)


def test_a_file_in_no_encoding_names_its_first_bad_byte_as_utf8_and_as_gb18030():
    data = "10:00:00\t  a : 老\n".encode("utf-8") + b"10:01:00\t  b : \x80\x80\x80\x80\x80\x80 \xff\n"
    with pytest.raises(UnreadableFile) as exc:
        decode_bytes(data)
    first = data.index(b"\x80\x80")
    assert str(exc.value).startswith(
        f"not text in UTF-8, UTF-16 or GB18030: bad byte at offset {first} (line 2: 0x80)"
    )
    assert "re-save the export as UTF-8" in str(exc.value)


@pytest.mark.parametrize(
    "text",
    [
        "10:00:00\t  王老师 : 好\n",  # the shortest Chinese phrases: most of their bytes are not UTF-8
        "10:00:00\t  Mei : 谢谢大家\n",
        "10:00:00\t  Mei : 中文\n",
        TEXT,
        "10:00:00\t  Анна : Привет, как дела? Всё понятно.\n" * 3,  # GB18030 has Cyrillic
    ],
)
def test_text_written_in_gb18030_is_not_taken_for_damaged_utf8(text):
    decoded = decode_bytes(text.encode("gb18030"))
    assert (decoded.encoding, decoded.text) == ("gb18030", text)


def test_one_nul_byte_refuses_the_whole_file():
    # known limit, kept on purpose: a NUL outside UTF-16 is taken as a binary file, even one NUL mid-file
    with pytest.raises(UnreadableFile, match="NUL bytes"):
        decode_bytes(b"10:00:00\t  a : before\n10:01:00\t  b : nul\x00here\n10:02:00\t  c : after\n")
