"""Question topics: the terms a session's questions are about, in Chinese and English.

Owns the tokenisation behind the `question_topics` mart (models/marts/question_topics.sql
calls it per session as the SQL function classchat_session_top_terms: classchat/functions.py). Chinese is cut with jieba (its bundled
dictionary only: no course's vocabulary is in code); Latin words are
lower-cased; stop words of both languages (and question words, which say
nothing about the topic) are dropped.

A course's vocabulary comes from the course:
  - an optional glossary, `raw/<course>/glossary.terms` (UTF-8, one term a line,
    `#` starts a comment; ingest reads only `*.txt`, so it is never taken for a
    chat export), whose terms jieba keeps whole (`read_glossary`, `terms(..., glossary)`);
  - compounds found in the questions themselves: jieba splits unknown compounds
    into pieces its own dictionary knows, so two adjacent Chinese pieces of at most
    MAX_PART characters each that follow each other in at least two questions,
    and in at least half the questions of their rarer part, are joined into one
    term and count instead of their parts. The rule is applied again to its own
    output, so a compound of three pieces is found too.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from functools import cache
from pathlib import Path

GLOSSARY_NAME = "glossary.terms"  # raw/<course>/glossary.terms; not *.txt, so ingest ignores it
MAX_PART = 3  # a piece of a discovered compound has at most this many characters

STOP_ZH = frozenset(
    "的 了 是 吗 呢 啊 吧 呀 哦 嗯 么 嘛 我 你 他 她 它 我们 你们 他们 这 那 这个 那个 这样 那样 这些 那些 "
    "什么 怎么 怎么样 为什么 为啥 如何 是否 是不是 能不能 可不可以 有没有 会不会 要不要 哪 哪个 哪里 谁 啥 咋 "
    "可以 一下 一个 一些 老师 同学 同学们 请问 问题 就是 还是 但是 所以 因为 如果 然后 现在 可能 应该 需要 "
    "知道 理解 感觉 觉得 不是 没有 也 都 就 还 在 有 和 与 或 或者 会 能 要 说 讲 看 用 做 到 得 地 着 过 "
    "又 再 很 太 更 最 比较 一般 时候 之前 之后 里面 上面 下面 东西 意思 一样 不同 区别 关系 具体 通常 "
    "还有 这里 那里 为什么会 怎么办 多少 几个 不会 不能 一直 已经 刚才 刚刚 大家 个人 自己".split()
)
STOP_EN = frozenset(
    "a an the and or but if then else of to in on at by for with from as is are was were be been being am "
    "do does did doing have has had having can could should would will shall may might must not no yes "
    "i me my we our you your he him his she her it its they them their this that these those there here "
    "what why how when where which who whom whose whats hows "
    "so very just also too only any some all more most other such than about into over under again "
    "get got go going make made use used using one two like well really please thanks thank ok okay "
    "question questions teacher professor prof sir maam mean means meaning example e.g i.e etc vs "
    "dont doesnt isnt arent cant wont didnt im ive youre thats theres lets same different difference".split()
)

_HAN = re.compile(r"^[\u3400-\u9fff]+$")
_LATIN_WORD = re.compile(r"[a-z][a-z0-9+#\-]*[a-z0-9+#]|[a-z]")
_URL = re.compile(r"(https?://|www\.)\S+")


@cache
def _jieba(glossary: frozenset[str] = frozenset()):
    """A jieba tokenizer with the bundled dictionary plus `glossary` (one per glossary, cached)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    if not glossary:
        return jieba.dt
    tokenizer = jieba.Tokenizer()
    for term in sorted(glossary):
        tokenizer.add_word(term)
    return tokenizer


def read_glossary(course_dir: Path) -> frozenset[str]:
    """The terms of `course_dir/glossary.terms` (lower case), or none when there is no such file."""
    path = Path(course_dir) / GLOSSARY_NAME
    if not path.is_file():
        return frozenset()
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    return frozenset(t for line in lines if (t := line.split("#", 1)[0].strip().lower()))


def terms(text: str, glossary: frozenset[str] = frozenset()) -> list[str]:
    """The content terms of one message, in order (duplicates kept); glossary terms stay whole."""
    text = _URL.sub(" ", text.lower())
    out: list[str] = []
    if any("\u3400" <= ch <= "\u9fff" for ch in text):
        pieces = _jieba(frozenset(glossary)).lcut(text)
    else:
        pieces = _LATIN_WORD.findall(text)
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        if piece in glossary:
            out.append(piece)
        elif _HAN.match(piece):
            if len(piece) >= 2 and piece not in STOP_ZH:
                out.append(piece)
        else:
            for word in _LATIN_WORD.findall(piece):
                if len(word) >= 2 and word not in STOP_EN and not word.isdigit():
                    out.append(word)
    return out


def _joinable(a: str, b: str) -> bool:
    """Two adjacent pieces that may be one compound jieba did not know (both short Chinese words)."""
    return bool(_HAN.match(a) and _HAN.match(b)) and len(a) <= MAX_PART and len(b) <= MAX_PART


def _compounds(docs: list[list[str]]) -> dict[str, tuple[str, str]]:
    """Adjacent piece pairs that recur together (see the module docstring): compound -> parts."""
    df: Counter[str] = Counter()
    pair_df: Counter[str] = Counter()
    parts: dict[str, tuple[str, str]] = {}
    for seq in docs:
        df.update(set(seq))
        pairs = {a + b: (a, b) for a, b in zip(seq, seq[1:], strict=False) if _joinable(a, b)}
        parts.update(pairs)
        pair_df.update(pairs.keys())
    return {
        pair: parts[pair]
        for pair, count in pair_df.items()
        if count >= 2 and count * 2 >= min(df[parts[pair][0]], df[parts[pair][1]])
    }


def _join(seq: list[str], compounds: dict[str, tuple[str, str]]) -> list[str]:
    """`seq` with every adjacent pair that is a compound joined (left to right)."""
    out: list[str] = []
    i = 0
    while i < len(seq):
        if i + 1 < len(seq) and seq[i] + seq[i + 1] in compounds:
            out.append(seq[i] + seq[i + 1])
            i += 2
        else:
            out.append(seq[i])
            i += 1
    return out


def top_terms(questions: Iterable[str], n: int = 10, glossary: frozenset[str] = frozenset()) -> list[tuple[str, int]]:
    """The `n` terms found in most questions, with the number of questions each is in.

    Compounds found in the questions count instead of their parts (two rounds,
    so three-piece compounds are found). A term must be in at least two
    questions, unless fewer than five questions were asked. Ties go to the
    term asked about first.
    """
    docs = [terms(q, glossary) for q in questions]
    for _ in range(2):
        compounds = _compounds(docs)
        if not compounds:
            break
        docs = [_join(seq, compounds) for seq in docs]
    return _rank(docs, n)


def _rank(docs: list[list[str]], n: int) -> list[tuple[str, int]]:
    first_seen: dict[str, int] = {}
    df: Counter[str] = Counter()
    for i, seq in enumerate(docs):
        for t in dict.fromkeys(seq):
            df[t] += 1
            first_seen.setdefault(t, i)
    floor = 1 if len(docs) < 5 else 2
    ranked = sorted((t for t, c in df.items() if c >= floor), key=lambda t: (-df[t], first_seen[t], t))
    return [(t, df[t]) for t in ranked[:n]]
