import os

import polars as pl
import pytest
from helpers import add_export, copy_fixture

from classchat.ingest import ingest
from classchat.ingest.land import read_manifest
from classchat.ingest.parse import PARSER_VERSION
from classchat.ingest.session_meta import date_from_path, title_from_path


def _messages(paths):
    return pl.read_parquet(paths.lake_messages / "*/*.parquet", hive_partitioning=True)


def test_lands_messages_rejects_and_manifest(paths):
    copy_fixture(paths, "dl101", "plain/2024-05-06_intro_lecture.txt")
    copy_fixture(paths, "dl101", "plain/2024-05-07_night.txt")
    report = ingest(paths)
    assert [r["status"] for r in report.landed] == ["landed", "landed"]
    manifest = read_manifest(paths).sort("source_file")
    assert manifest["n_messages"].to_list() == [11, 4]
    assert manifest["n_rejected_lines"].to_list() == [0, 1]
    assert manifest["encoding"].to_list() == ["utf-8", "utf-8"]
    assert manifest["session_id"].to_list() == ["dl101/2024-05-06_intro_lecture", "dl101/2024-05-07_night"]
    assert manifest["title"].to_list() == ["intro lecture", "night"]
    counts = manifest.select(
        (pl.col("n_header_lines") + pl.col("n_continuation_lines") + pl.col("n_blank_lines")
         + pl.col("n_rejected_lines") == pl.col("n_lines")).all()
    ).item()
    assert counts
    msgs = _messages(paths)
    assert msgs.height == 15
    assert set(msgs["course_id"]) == {"dl101"}
    rejects = pl.read_parquet(paths.lake_rejects / "*/*.parquet")
    assert rejects.select("source_file", "line_no", "raw_text").rows() == [
        ("dl101/2024-05-07_night.txt", 1, "exported by a tool")
    ]


def test_second_ingest_of_the_same_bytes_changes_nothing(paths):
    copy_fixture(paths, "dl101", "plain/2024-05-06_intro_lecture.txt")
    ingest(paths)
    before = {p: p.stat().st_mtime_ns for p in paths.lake.rglob("*.parquet")}
    report = ingest(paths)
    assert report.landed == [] and report.n_unchanged == 1
    assert {p: p.stat().st_mtime_ns for p in paths.lake.rglob("*.parquet")} == before


def test_an_unchanged_export_is_not_read_again_and_any_rewrite_is_seen(paths, monkeypatch):
    """lake/raw_stat.json (ingest.scan): a file whose signature is as recorded is not read; a rewrite
    of the same size with its modification time set back is still seen (its ctime moved)."""
    import json
    import time

    from classchat.ingest import scan

    read: list[str] = []
    real = scan._read_and_hash
    monkeypatch.setattr(scan, "_read_and_hash", lambda p: (read.append(p.name), real(p))[1])
    path = add_export(paths, "c1", "2024-01-01_x.txt", "10:00:00\t  a : one\n")
    add_export(paths, "c1", "2024-01-02_y.txt", "10:00:00\t  b : two\n")
    ingest(paths)
    record = json.loads((paths.lake / "raw_stat.json").read_text(encoding="utf-8"))
    manifest = {r["source_file"]: r["sha256"] for r in read_manifest(paths).iter_rows(named=True)}
    assert {rel: sha for rel, (_sig, sha) in record.items()} == manifest
    assert sorted(read) == ["2024-01-01_x.txt", "2024-01-02_y.txt"]
    read.clear()
    report = ingest(paths)
    assert report.n_unchanged == 2 and report.landed == [] and read == []
    stamp = path.stat().st_mtime_ns
    time.sleep(0.01)
    path.write_text("10:00:00\t  a : eno\n", encoding="utf-8")  # same size, other bytes
    os.utime(path, ns=(stamp, stamp))
    report = ingest(paths)
    assert report.n_unchanged == 1 and read == ["2024-01-01_x.txt"]
    assert [k.split(":")[0] for k in report.kept] == ["c1/2024-01-01_x.txt"]  # not an extension: kept, and said
    (paths.lake / "raw_stat.json").write_text("not json", encoding="utf-8")  # a damaged record: read everything
    read.clear()
    assert ingest(paths).n_unchanged == 1 and sorted(read) == ["2024-01-01_x.txt", "2024-01-02_y.txt"]


def test_longer_re_export_replaces_its_session(paths):
    path = add_export(paths, "c1", "2024-01-01_x.txt", "10:00:00\t  a : one\n")
    ingest(paths)
    path.write_text("10:00:00\t  a : one\n10:01:00\t  b : two\n", encoding="utf-8")
    ingest(paths)
    msgs = _messages(paths)
    assert msgs["body"].to_list() == ["one", "two"]  # replaced, not added to
    assert len(list(paths.lake_messages.rglob("*.parquet"))) == 1


def test_same_bytes_at_another_path_are_skipped_as_duplicate(paths):
    copy_fixture(paths, "c1", "plain/2024-05-06_intro_lecture.txt")
    copy_fixture(paths, "c1", "plain/2024-05-06_intro_lecture.txt", name="2024-05-06_z_copy.txt")
    report = ingest(paths)
    statuses = {r["source_file"]: (r["status"], r["reason"]) for r in report.landed}
    assert statuses["c1/2024-05-06_z_copy.txt"] == ("duplicate", "same bytes as c1/2024-05-06_intro_lecture.txt, which is already landed")
    assert _messages(paths).height == 11


def test_bad_files_are_recorded_and_the_others_still_land(paths):
    copy_fixture(paths, "c1", "plain/2024-05-06_intro_lecture.txt")
    add_export(paths, "c1", "2024-05-08_binary.txt", b"\x89PNG\x00\x00\x01\x02")
    add_export(paths, "c1", "2024-05-09_empty.txt", b"")
    add_export(paths, "c1", "2024-05-10_notes.txt", "agenda\n- intro\n")
    add_export(paths, "c1", "undated.txt", "10:00:00\t  a : x\n")
    add_export(paths, "", "2024-05-11_loose.txt", "10:00:00\t  a : x\n")
    report = ingest(paths)
    reasons = {r["source_file"]: (r["status"], r["reason"]) for r in report.problems}
    assert reasons["c1/2024-05-08_binary.txt"][0] == "failed" and "binary" in reasons["c1/2024-05-08_binary.txt"][1]
    assert "empty" in reasons["c1/2024-05-09_empty.txt"][1]
    assert "unknown layout" in reasons["c1/2024-05-10_notes.txt"][1]
    assert reasons["c1/undated.txt"][0] == "needs_date" and "sessions.csv" in reasons["c1/undated.txt"][1]
    assert "course folder" in reasons["2024-05-11_loose.txt"][1]
    assert any("NOT LANDED c1/undated.txt" in line for line in report.summary_lines())
    assert read_manifest(paths).height == 6
    assert _messages(paths).height == 11


def test_a_crash_before_the_manifest_commit_leaves_the_previous_lake(paths, monkeypatch):
    path = add_export(paths, "c1", "2024-01-01_x.txt", "10:00:00\t  a : one\n")
    ingest(paths)
    manifest_before = paths.files_manifest.read_bytes()
    path.write_text("10:00:00\t  a : one\n10:01:00\t  b : two\n", encoding="utf-8")
    real_replace = os.replace

    def crash_on_manifest(src, dst):
        if str(dst).endswith("files.parquet"):
            raise KeyboardInterrupt("power cut")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash_on_manifest)
    with pytest.raises(KeyboardInterrupt):
        ingest(paths)
    monkeypatch.setattr(os, "replace", real_replace)
    assert paths.files_manifest.read_bytes() == manifest_before
    # the new data file exists but the committed manifest does not name it
    current = read_manifest(paths).row(0, named=True)
    assert pl.read_parquet(paths.lake / current["messages_path"])["body"].to_list() == ["one"]
    ingest(paths)  # the next run completes the change and removes the leftovers
    assert _messages(paths)["body"].to_list() == ["one", "two"]


@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        ("c/2020-03-14_lecture.txt", "2020-03-14"),
        ("c/2024-08-16 10.00.00 Weekly Seminar/meeting_saved_chat.txt", "2024-08-16"),
        ("c/GMT20240816-150000_Recording.txt", "2024-08-16"),
        ("c/lecture.txt", None),
        ("c/2024-13-45_bad.txt", None),
    ],
)
def test_date_from_path(rel, expected):
    got = date_from_path(rel)
    assert (got.isoformat() if got else None) == expected


def test_title_from_path():
    assert title_from_path("c/2024-05-06_intro_lecture.txt") == "intro lecture"
    assert title_from_path("c/2024-08-16 10.00.00 Weekly Seminar/meeting_saved_chat.txt") == "Weekly Seminar"
    assert title_from_path("c/2024-05-06.txt") == "2024-05-06"


def test_many_small_batches_land_the_same_rows_as_one(paths, tmp_path, monkeypatch):
    from classchat.config import Paths

    exports = [
        ("c1", "2024-01-01_a.txt", "10:00:00\t  a : one\n10:00:05\t  b : two\ncontinued\n"),
        ("c1", "2024-01-02_b.txt", "preamble\n10:00:00\t  c : three\n"),
        ("c2", "2024-01-03_c.txt", "10:00:00\t  d : 四\n".encode("gb18030")),
        ("c2", "2024-01-04_d.txt", "10:00:00\t  e : five\n"),
    ]
    one = Paths(tmp_path / "one")
    for course, name, text in exports:
        add_export(paths, course, name, text)
        add_export(one, course, name, text)
    ingest(one)
    monkeypatch.setattr("classchat.ingest.land.BATCH_BYTES", 1)  # every file its own batch, written while the next is parsed
    report = ingest(paths)
    assert [r["status"] for r in report.landed] == ["landed"] * 4
    assert read_manifest(paths).sort("source_file")["encoding"].to_list() == ["utf-8", "utf-8", "gb18030", "utf-8"]
    key = ["source_file", "seq"]
    assert _messages(paths).sort(key).equals(_messages(one).sort(key))
    assert len(list(paths.lake_messages.rglob("*.parquet"))) == 4  # one file per batch and course
    rejects = pl.read_parquet(paths.lake_rejects / "*/*.parquet")
    assert rejects.select("source_file", "line_no", "raw_text").rows() == [("c1/2024-01-02_b.txt", 1, "preamble")]


def test_a_failed_data_file_write_stops_ingest_before_the_manifest(paths, monkeypatch):
    add_export(paths, "c1", "2024-01-01_a.txt", "10:00:00\t  a : one\n")
    add_export(paths, "c2", "2024-01-02_b.txt", "10:00:00\t  b : two\n")
    monkeypatch.setattr("classchat.ingest.land.BATCH_BYTES", 1)

    def disk_full(frame, target):
        raise OSError(f"No space left on device: {target.name}")

    monkeypatch.setattr("classchat.ingest.land.write_parquet_atomic", disk_full)
    with pytest.raises(OSError, match="No space left"):
        ingest(paths)
    assert not paths.files_manifest.exists()


def test_a_new_parser_version_relands_every_file_and_leaves_one_format(paths, monkeypatch):
    add_export(paths, "c1", "2024-01-01_a.txt", "10:00:00\t  a : one\n")
    add_export(paths, "c2", "2024-01-02_b.txt", "10:00:00\t  b : two\n")
    monkeypatch.setattr("classchat.ingest.land.PARSER_VERSION", 1)
    ingest(paths)
    old_files = set(paths.lake_messages.rglob("*.parquet"))
    monkeypatch.undo()
    report = ingest(paths)
    assert [r["status"] for r in report.landed] == ["landed", "landed"] and report.n_unchanged == 0
    assert set(read_manifest(paths)["parser_version"].to_list()) == {PARSER_VERSION}
    assert not old_files & set(paths.lake_messages.rglob("*.parquet"))  # the old batch files are gone
    assert _messages(paths).sort("source_file")["body"].to_list() == ["one", "two"]
