import codecs

import pytest

from ingest.decode import UnreadableFile, decode_bytes

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
    from ingest.decode import decode_many

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
