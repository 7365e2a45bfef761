"""Landing under hostile conditions: odd course names, files that are not files, renames,
removals and re-exports that would lose data (issue 15 items 2, 5, 8, 15; issue 11 item 5)."""

from __future__ import annotations

import os

import polars as pl
import pytest
from helpers import add_export

from classchat.ingest import ingest
from classchat.ingest.land import partition_value, read_manifest

LECTURE = "10:00:00\t  a : one\n10:01:00\t  b : two\n10:02:00\t  a : three\n"


def _messages(paths) -> pl.DataFrame:
    """The lake's current messages: rows of the exports the manifest names as landed (as dbt reads them)."""
    landed = read_manifest(paths).filter(pl.col("status") == "landed").select("source_file", sha="sha256")
    msgs = pl.read_parquet(paths.lake_messages / "*/*.parquet").with_columns(pl.col(pl.Categorical).cast(pl.String))
    return msgs.join(landed, left_on=["source_file", "file_sha256"], right_on=["source_file", "sha"]).sort(
        "source_file", "seq"
    )


def _status(paths) -> dict[str, tuple[str, str | None]]:
    return {r["source_file"]: (r["status"], r["reason"]) for r in read_manifest(paths).iter_rows(named=True)}


@pytest.mark.parametrize("course", ["a=b", "Maths 101", "数学", "..", "x/y=z"])
def test_any_course_folder_name_gets_a_safe_partition(course):
    value = partition_value(course)
    assert "=" not in value and "/" not in value and " " not in value and not value.startswith(".")
    assert value == partition_value(course)  # stable
    assert partition_value("dl101") == "dl101"  # safe names are kept as they are


def test_course_with_an_equals_sign_keeps_its_name(paths):
    add_export(paths, "a=b", "2024-01-01_x.txt", LECTURE)
    add_export(paths, "a b", "2024-01-01_x.txt", LECTURE.replace("one", "uno"))
    ingest(paths)
    msgs = _messages(paths)
    assert sorted(set(msgs["course_id"])) == ["a b", "a=b"]
    assert msgs.height == 6
    folders = sorted(p.name for p in paths.lake_messages.iterdir())
    assert all(f.startswith("course=") and f.count("=") == 1 for f in folders), folders


def test_things_that_are_not_exports_are_listed_and_the_rest_lands(paths):
    add_export(paths, "c1", "2024-01-01_good.txt", LECTURE)
    (paths.raw / "c1" / "2024-01-02_folder.txt").mkdir()
    os.mkfifo(paths.raw / "c1" / "2024-01-03_pipe.txt")
    (paths.raw / "c1" / "2024-01-04_dangling.txt").symlink_to(paths.raw / "c1" / "nowhere.txt")
    loop = paths.raw / "c1" / "2024-01-05_loop.txt"
    loop.symlink_to(loop)
    report = ingest(paths)  # a FIFO must not block: nothing opens it
    status = _status(paths)
    assert status["c1/2024-01-01_good.txt"] == ("landed", None)
    assert status["c1/2024-01-02_folder.txt"][0] == "failed" and "folder" in status["c1/2024-01-02_folder.txt"][1]
    assert "FIFO" in status["c1/2024-01-03_pipe.txt"][1]
    assert "link to nothing" in status["c1/2024-01-04_dangling.txt"][1]
    assert "cannot read" in status["c1/2024-01-05_loop.txt"][1]
    text = "\n".join(report.summary_lines())
    for name in ("folder", "pipe", "dangling", "loop"):
        assert any(line.startswith("  NOT LANDED c1/2024-01-0") and name in line for line in text.splitlines())
    assert _messages(paths).height == 3


def test_an_unreadable_file_does_not_stop_the_others(paths):
    add_export(paths, "c1", "2024-01-01_good.txt", LECTURE)
    bad = paths.raw / "c1" / "2024-01-02_secret.txt"
    if os.geteuid() == 0:  # root reads any file: use one whose read fails for everyone (EIO)
        bad.symlink_to("/proc/self/mem")
        ingest(paths)
    else:
        add_export(paths, "c1", bad.name, LECTURE.replace("one", "uno")).chmod(0)
        try:
            ingest(paths)
        finally:
            bad.chmod(0o644)
    status = _status(paths)
    assert status["c1/2024-01-01_good.txt"][0] == "landed"
    assert status["c1/2024-01-02_secret.txt"][0] == "failed"
    assert "cannot read" in status["c1/2024-01-02_secret.txt"][1]


def test_records_of_files_that_never_landed_go_with_the_file(paths):
    add_export(paths, "c1", "2024-01-01_good.txt", LECTURE)
    undated = add_export(paths, "c1", "nodate.txt", LECTURE.replace("two", "dos"))
    ingest(paths)
    assert _status(paths)["c1/nodate.txt"][0] == "needs_date"
    undated.rename(paths.raw / "c1" / "2024-01-09_dated.txt")
    report = ingest(paths)
    status = _status(paths)
    assert "c1/nodate.txt" not in status
    assert status["c1/2024-01-09_dated.txt"][0] == "landed"
    assert report.n_missing == 0


def test_a_rename_moves_the_session(paths):
    old = add_export(paths, "c1", "2024-01-01_x.txt", LECTURE)
    ingest(paths)
    old.rename(paths.raw / "c1" / "2024-01-01_intro.txt")
    report = ingest(paths)
    assert report.n_missing == 0
    assert _status(paths) == {"c1/2024-01-01_intro.txt": ("landed", None)}
    msgs = _messages(paths)
    assert msgs.height == 3 and set(msgs["session_id"]) == {"c1/2024-01-01_intro"}
    assert "no longer in raw" not in "\n".join(report.summary_lines())


def test_a_removed_export_stays_until_pruned(paths):
    add_export(paths, "c1", "2024-01-01_a.txt", LECTURE)
    gone = add_export(paths, "c1", "2024-01-02_b.txt", LECTURE.replace("one", "uno"))
    ingest(paths)
    gone.unlink()
    report = ingest(paths)
    assert report.n_missing == 1
    assert "--prune" in "\n".join(report.summary_lines())
    assert _messages(paths).height == 6
    report = ingest(paths, prune=True)
    assert report.n_pruned == 1
    assert set(_status(paths)) == {"c1/2024-01-01_a.txt"}
    assert _messages(paths).height == 3


def test_a_shorter_re_export_keeps_the_landed_version(paths):
    path = add_export(paths, "c1", "2024-01-01_x.txt", LECTURE)
    ingest(paths)
    path.write_text("10:00:00\t  a : one\n", encoding="utf-8")
    report = ingest(paths)
    text = "\n".join(report.summary_lines())
    assert "KEPT EARLIER VERSION c1/2024-01-01_x.txt" in text and "--accept-shorter" in text
    assert _messages(paths)["body"].to_list() == ["one", "two", "three"]
    # still said on the next run, until the user decides
    assert ingest(paths).kept
    ingest(paths, accept_shorter=True)
    assert _messages(paths)["body"].to_list() == ["one"]


def test_a_different_re_export_of_the_same_length_is_not_an_extension(paths):
    path = add_export(paths, "c1", "2024-01-01_x.txt", LECTURE)
    ingest(paths)
    path.write_text(LECTURE.replace("one", "uno") + "10:03:00\t  c : four\n", encoding="utf-8")
    report = ingest(paths)
    assert report.kept and "not an extension" in report.kept[0]
    assert _messages(paths)["body"].to_list() == ["one", "two", "three"]


def test_a_longer_re_export_replaces_without_asking(paths):
    path = add_export(paths, "c1", "2024-01-01_x.txt", LECTURE)
    ingest(paths)
    path.write_text(LECTURE + "10:03:00\t  c : four\n", encoding="utf-8")
    report = ingest(paths)
    assert report.kept == []
    assert _messages(paths)["body"].to_list() == ["one", "two", "three", "four"]


def _data_file(paths):
    return next(paths.lake_messages.rglob("*.parquet"))


def test_a_truncated_lake_file_is_named_and_re_landed_from_raw(paths):
    add_export(paths, "c1", "2024-01-01_x.txt", LECTURE)
    ingest(paths)
    data = _data_file(paths)
    data.write_bytes(data.read_bytes()[:100])
    report = ingest(paths)
    text = "\n".join(report.summary_lines())
    assert "REPAIRED c1/2024-01-01_x.txt" in text and "not a whole Parquet file" in text
    assert _messages(paths)["body"].to_list() == ["one", "two", "three"]
    assert not data.exists()  # the damaged file is no longer referenced, so it is removed


def test_verify_finds_a_flipped_byte_and_rebuild_lands_everything_again(paths):
    add_export(paths, "c1", "2024-01-01_x.txt", LECTURE)
    ingest(paths)
    data = _data_file(paths)
    raw = bytearray(data.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    data.write_bytes(bytes(raw))
    assert ingest(paths).repaired == []  # the cheap check sees a framed Parquet file
    report = ingest(paths, verify=True)
    assert report.repaired and "sha256" in report.repaired[0]
    assert _messages(paths)["body"].to_list() == ["one", "two", "three"]
    before = set(paths.lake_messages.rglob("*.parquet"))
    report = ingest(paths, rebuild=True)
    assert [r["status"] for r in report.landed] == ["landed"]
    assert set(paths.lake_messages.rglob("*.parquet")).isdisjoint(before)
    assert _messages(paths)["body"].to_list() == ["one", "two", "three"]


def test_one_date_per_session_the_file_wins_and_a_conflict_is_a_warning(paths):
    add_export(paths, "c1", "2024-03-04_x.txt", "2024-03-03 10:00:00 From Ann to Everyone:\n\thello\n")
    report = ingest(paths)
    row = read_manifest(paths).row(0, named=True)
    assert str(row["session_date"]) == "2024-03-03"
    assert any("2024-03-03" in w and "2024-03-04" in w for w in report.warnings)
    assert "WARNING c1/2024-03-04_x.txt" in "\n".join(report.summary_lines())


def test_a_cloud_export_without_a_start_keeps_offsets_and_says_so(paths):
    add_export(paths, "c1", "2024-03-06_cloud.txt", "00:58:04\tAnn:\thello\n00:59:00\tBo:\thi\n")
    add_export(paths, "c1", "GMT20240304-090000_Recording.txt", "00:01:00\tAnn:\thello\n")
    report = ingest(paths)
    basis = dict(read_manifest(paths).select("source_file", "time_basis").iter_rows())
    assert basis == {"c1/2024-03-06_cloud.txt": "offset", "c1/GMT20240304-090000_Recording.txt": "clock"}
    warning = next(w for w in report.warnings if "2024-03-06_cloud" in w)
    assert "offsets" in warning and "sessions.csv" in warning


def test_a_file_that_fits_its_layout_poorly_is_flagged_and_named(paths):
    from helpers import copy_fixture

    copy_fixture(paths, "c1", "zoom_2021/variants/2024-04-15_unindented.txt")
    copy_fixture(paths, "c1", "zoom_2021/2024-03-02_ru.txt")
    report = ingest(paths)
    flagged = dict(read_manifest(paths).select("source_file", "poor_fit").iter_rows())
    assert flagged == {"c1/2024-04-15_unindented.txt": True, "c1/2024-03-02_ru.txt": False}
    lines = [line for line in report.summary_lines() if "POOR FIT" in line]
    assert len(lines) == 1 and "c1/2024-04-15_unindented.txt" in lines[0] and "--explain" in lines[0]
