"""The real exports in ../shared/samples, when present, land with their documented counts.

These files are not part of the project (tests never depend on them); the
test says it skipped when they are absent.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from classchat.ingest import ingest
from classchat.ingest.land import read_manifest

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"
# file: messages, distinct senders, private messages, reaction messages, layout (samples/README.md)
EXPECT = {
    "lecture_zh_2020.txt": (233, 49, 0, 0, "plain"),
    "zoom_01_z1_class.txt": (103, 8, 1, 0, "zoom_legacy"),
    "zoom_03_z1_multiline.txt": (112, 42, 0, 0, "zoom_legacy"),
    "zoom_07_z2_ru_code.txt": (18, 3, 2, 0, "zoom_2021"),
    "zoom_10_z2_ru_reactions.txt": (211, 10, 211, 11, "zoom_2021"),
    "zoom_11_z3_replies.txt": (85, 17, 7, 0, "zoom_2025"),
    "zoom_13_z3_code.txt": (15, 1, 0, 0, "zoom_2025"),
    "zoom_15_cloud.txt": (6, 2, 0, 1, "zoom_cloud"),
}

pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"real samples not present at {SAMPLES}")


def test_real_samples_land_with_their_documented_counts(paths):
    for i, name in enumerate(EXPECT):
        target = paths.raw / f"s{i}" / f"2024-02-{i + 1:02d}_{name}"
        target.parent.mkdir(parents=True)
        shutil.copyfile(SAMPLES / name, target)
    ingest(paths)
    manifest = read_manifest(paths).sort("course_id")
    assert manifest["status"].to_list() == ["landed"] * len(EXPECT)
    assert manifest["n_rejected_lines"].sum() == 0
    msgs = pl.read_parquet(paths.lake_messages / "*/*.parquet", hive_partitioning=True)
    got = (
        msgs.group_by("course_id")
        .agg(
            pl.len(),
            pl.col("sender_name").n_unique(),
            pl.col("is_private").sum(),
            (pl.col("message_kind") == "reaction").sum(),
        )
        .sort("course_id")
        .rows()
    )
    layouts = manifest["layout"].to_list()
    for (course, *counts), layout, (name, want) in zip(got, layouts, EXPECT.items(), strict=True):
        assert (*counts, layout) == want, name


def test_chinese_lecture_bodies_are_the_text_after_the_separator(paths):
    src = SAMPLES / "lecture_zh_2020.txt"
    target = paths.raw / "dl101" / "2020-03-14_lecture.txt"
    target.parent.mkdir(parents=True)
    shutil.copyfile(src, target)
    ingest(paths)
    msgs = pl.read_parquet(paths.lake_messages / "*/*.parquet").sort("seq")
    lines = [line for line in src.read_text(encoding="utf-8").split("\n") if line]
    assert msgs["body"].to_list() == [line.split(" : ", 1)[1] for line in lines]
    assert msgs["seq"].to_list() == list(range(1, 234))
    assert (str(msgs["sent_at"].min()), str(msgs["sent_at"].max())) == ("2020-03-14 10:05:42", "2020-03-14 12:45:07")


def test_chinese_lecture_re_encoded_gives_the_same_233_bodies(paths):
    text = (SAMPLES / "lecture_zh_2020.txt").read_text(encoding="utf-8")
    for enc in ("utf-8", "gb18030", "utf-16"):
        target = paths.raw / enc.replace("-", "") / "2020-03-14_lecture.txt"
        target.parent.mkdir(parents=True)
        target.write_bytes(text.encode(enc))
    ingest(paths)
    assert sorted(read_manifest(paths)["encoding"].to_list()) == ["gb18030", "utf-16", "utf-8"]
    msgs = pl.read_parquet(paths.lake_messages / "*/*.parquet", hive_partitioning=True)
    bodies = {c: g.sort("seq")["body"].to_list() for (c,), g in msgs.group_by("course_id")}
    assert len(bodies["utf8"]) == 233
    assert bodies["gb18030"] == bodies["utf8"] == bodies["utf16"]
