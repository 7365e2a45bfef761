"""Quality of question and answer detection against the hand labels (issue 10).

Runs the real pipeline (ingest + dbt build, no checks) over every labelled chat
in a temporary data directory, then compares the `messages` mart with the
labels in tests/fixtures/labels/ (guide: docs/labelling.md; definitions of the
figures: docs/answers.md, "Measuring"). Chats:
  - the five labelled real samples (the last two held out: labelled blind after the rules were written), when ../shared/samples exists (skipped otherwise);
  - zoom_11 again with its `Replying to "…":` lines removed, scored against the
    full labels and against the export's own reply threads;
  - the synthetic chats of tests/fixtures/labels/synthetic/ (one row each, and a total: SYNTHETIC_TOTAL).

Usage:
    .venv/bin/python bench/quality.py [--synthetic-only] [--markdown] [--details CHAT]
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "fixtures" / "labels"
SYNTHETIC = LABELS / "synthetic"
SAMPLES = ROOT.parent / "shared" / "samples"
REAL = ("lecture_zh_2020", "zoom_03_z1_multiline", "zoom_11_z3_replies", "zoom_01_z1_class", "zoom_10_z2_ru_reactions")
STRIPPED = "zoom_11_z3_replies"
SYNTHETIC_TOTAL = "synthetic (all)"  # the row of the whole synthetic set


@dataclass
class Chat:
    """One labelled chat as it is put into raw/: its text, and the label rows keyed by line."""

    name: str
    course: str
    file_name: str
    data: bytes
    labels: dict[int, dict]  # original header line -> label row
    line_map: list[int] | None = None  # new line (index 0 = line 1) -> original line, when lines were removed
    threads: dict[int, set[int]] = field(default_factory=dict)  # question line -> reply lines (threads scoring)


@dataclass
class Score:
    """Counts behind the figures of one chat (see docs/answers.md, "Measuring")."""

    tp: int = 0  # labelled question, detected question
    fp: int = 0
    fn: int = 0
    link_total: int = 0  # labelled questions that were detected as questions
    link_correct: int = 0
    un_tp: int = 0  # labelled unanswered, detected unanswered
    un_fp: int = 0
    un_fn: int = 0
    mistakes: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name in ("tp", "fp", "fn", "link_total", "link_correct", "un_tp", "un_fp", "un_fn"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @staticmethod
    def _ratio(a: int, b: int) -> float | None:
        return a / b if b else None

    @property
    def precision(self) -> float | None:
        return self._ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        return self._ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float | None:
        return self._ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn)

    @property
    def link_accuracy(self) -> float | None:
        return self._ratio(self.link_correct, self.link_total)

    @property
    def unanswered_precision(self) -> float | None:
        return self._ratio(self.un_tp, self.un_tp + self.un_fp)

    @property
    def unanswered_recall(self) -> float | None:
        return self._ratio(self.un_tp, self.un_tp + self.un_fn)

    def figures(self) -> dict[str, float | None]:
        return {
            "question_precision": self.precision,
            "question_recall": self.recall,
            "question_f1": self.f1,
            "link_accuracy": self.link_accuracy,
            "unanswered_precision": self.unanswered_precision,
            "unanswered_recall": self.unanswered_recall,
        }


def read_labels(path: Path) -> dict[int, dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {
        int(r["line"]): {
            "sender": r["sender"],
            "is_question": r["is_question"].strip() == "1",
            "answers": {int(x) for x in r["answer_lines"].split()},
            "note": r.get("note", ""),
        }
        for r in rows
    }


def strip_reply_lines(data: bytes) -> tuple[bytes, list[int]]:
    """The text without its `Replying to "…":` body lines, and new line -> original line."""
    kept: list[bytes] = []
    line_map: list[int] = []
    for number, line in enumerate(data.split(b"\n"), 1):
        if line.lstrip(b"\t ").startswith(b"Replying to "):
            continue
        kept.append(line)
        line_map.append(number)
    return b"\n".join(kept), line_map


def read_threads(labels: dict[int, dict]) -> dict[int, set[int]]:
    """Labelled question line -> the lines of the replies that quote it (the export's own ground truth)."""
    threads: dict[int, set[int]] = {}
    with (LABELS / f"{STRIPPED}.threads.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            target, reply = int(row["replied_to_line"]), int(row["reply_line"])
            if labels.get(target, {}).get("is_question"):
                threads.setdefault(target, set()).add(reply)
    return threads


def chats(synthetic_only: bool = False) -> list[Chat]:
    """Every labelled chat available here, with the file name it gets in raw/<course>/."""
    out: list[Chat] = []
    if not synthetic_only and SAMPLES.is_dir():
        for i, stem in enumerate(REAL, 1):
            src = SAMPLES / f"{stem}.txt"
            if not src.exists():
                continue
            labels = read_labels(LABELS / f"{stem}.csv")
            # the samples have no date in their names; the file name gives one (it is not scored)
            out.append(Chat(stem, f"real_{i}", f"2020-01-0{i}_{stem}.txt", src.read_bytes(), labels))
            if stem == STRIPPED:
                data, line_map = strip_reply_lines(src.read_bytes())
                out.append(
                    Chat(f"{stem} (no reply lines)", "stripped", f"2020-01-09_{stem}.txt", data, labels,
                         line_map=line_map)
                )
                out.append(
                    Chat(f"{stem} (no reply lines, threads)", "stripped", "", b"", labels,
                         line_map=line_map, threads=read_threads(labels))
                )
    for txt in sorted(SYNTHETIC.glob("*.txt")):
        out.append(Chat(txt.stem, "synthetic", txt.name, txt.read_bytes(), read_labels(txt.with_suffix(".csv"))))
    return out


def build(chat_list: list[Chat], data_dir: Path):
    """Ingest and build the chats in `data_dir`; the `messages` mart as a Polars frame."""
    import duckdb

    from classchat.config import Paths
    from classchat.pipeline import run_stages

    paths = Paths(data_dir)
    for chat in chat_list:
        if not chat.file_name:
            continue
        target = paths.raw / chat.course / chat.file_name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(chat.data)
    run_stages(paths, "quality", ingest=True, build=True, say=lambda _msg: None)
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        return con.sql(
            """select m.source_file, m.source_line, m.message_id, m.is_question, m.is_unanswered,
                      m.answered_by_message_id, a.source_line as answer_line
               from messages m left join messages a on m.answered_by_message_id = a.message_id"""
        ).pl()
    finally:
        con.close()


def score(chat: Chat, frame) -> Score:
    """Compare one chat's rows of the messages mart with its labels."""
    import polars as pl

    file_name = chat.file_name or next(c.file_name for c in CHATS_BY_COURSE[chat.course] if c.file_name)
    rows = frame.filter(pl.col("source_file").str.ends_with(f"{chat.course}/{file_name}"))
    if rows.is_empty():
        raise SystemExit(f"no messages of {chat.course}/{file_name} in the warehouse")

    def original(line: int | None) -> int | None:
        if line is None or chat.line_map is None:
            return line
        return chat.line_map[line - 1]

    got = {original(r["source_line"]): r for r in rows.iter_rows(named=True)}
    s = Score()
    if chat.threads:
        # only the questions that a reply thread answers, with the thread's replies as the answers
        for line, replies in sorted(chat.threads.items()):
            r = got.get(line)
            if r is None or not r["is_question"]:
                continue
            s.link_total += 1
            linked = original(r["answer_line"])
            if linked in replies:
                s.link_correct += 1
            else:
                s.mistakes.append(f"L{line}: linked to L{linked}, thread replies {sorted(replies)}")
        return s
    for line, label in sorted(chat.labels.items()):
        r = got.get(line)
        if r is None:
            s.mistakes.append(f"L{line}: no message starts at this line")
            continue
        detected = bool(r["is_question"])
        if label["is_question"] and detected:
            s.tp += 1
        elif detected:
            s.fp += 1
            s.mistakes.append(f"L{line}: detected as a question, labelled not")
        elif label["is_question"]:
            s.fn += 1
            s.mistakes.append(f"L{line}: labelled a question, not detected")
        if not (label["is_question"] and detected):
            continue
        truly_unanswered = not label["answers"]
        found_unanswered = bool(r["is_unanswered"])
        linked = original(r["answer_line"])
        s.link_total += 1
        if truly_unanswered and found_unanswered or (not truly_unanswered and linked in label["answers"]):
            s.link_correct += 1
        else:
            want = sorted(label["answers"]) or "unanswered"
            s.mistakes.append(f"L{line}: linked to {f'L{linked}' if linked else 'unanswered'}, labelled {want}")
        s.un_tp += truly_unanswered and found_unanswered
        s.un_fp += found_unanswered and not truly_unanswered
        s.un_fn += truly_unanswered and not found_unanswered
    return s


CHATS_BY_COURSE: dict[str, list[Chat]] = {}


def evaluate(synthetic_only: bool = False, data_dir: Path | None = None) -> dict[str, Score]:
    """Build every labelled chat once and score each; the synthetic set also as one total."""
    chat_list = chats(synthetic_only)
    CHATS_BY_COURSE.clear()
    for chat in chat_list:
        CHATS_BY_COURSE.setdefault(chat.course, []).append(chat)
    with tempfile.TemporaryDirectory(prefix="classchat-quality-") as tmp:
        frame = build(chat_list, data_dir or Path(tmp))
    results: dict[str, Score] = {}
    total = Score()
    for chat in chat_list:
        results[chat.name] = score(chat, frame)
        if chat.course == "synthetic":
            total.add(results[chat.name])
    results[SYNTHETIC_TOTAL] = total
    return results


def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def table(results: dict[str, Score], markdown: bool = False) -> str:
    head = ["chat", "q prec", "q rec", "q F1", "link acc", "unans prec", "unans rec", "questions"]
    rows = []
    for name, s in results.items():
        f = s.figures()
        rows.append([name, *(_fmt(v) for v in f.values()), str(s.link_total)])
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in [head, *rows])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synthetic-only", action="store_true", help="skip the real samples")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table (for the README)")
    ap.add_argument("--keep", type=Path, metavar="DIR", help="build in DIR (kept) instead of a temporary directory")
    ap.add_argument("--details", action="append", default=[], metavar="CHAT",
                    help="list the mistakes of chats whose name contains CHAT ('all' for every chat)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    results = evaluate(args.synthetic_only, args.keep)
    print(table(results, args.markdown))
    for name, s in results.items():
        if any(d == "all" or d in name for d in args.details) and s.mistakes:
            print(f"\n{name}:")
            for m in s.mistakes:
                print("  " + m)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
