"""Question topics: tokenising Chinese and English questions and ranking their terms."""

import inspect

import classchat.topics as topics
from classchat.topics import GLOSSARY_NAME, read_glossary, terms, top_terms


def test_chinese_terms_drop_question_words_and_keep_glossary_terms_whole():
    got = terms("relu 的输出始终大于等于0，是否也有 偏置现象？")
    assert "relu" in got and {"偏置", "现象"} <= set(got)  # jieba alone splits the unknown compound
    assert not {"是否", "的", "也", "0"} & set(got)
    assert "偏置现象" in terms("relu 的输出始终大于等于0，是否也有 偏置现象？", frozenset({"偏置现象"}))
    assert "偏置现象" not in terms("偏置现象是啥")  # a glossary does not leak into other calls


def test_no_course_vocabulary_in_code():
    source = inspect.getsource(topics)
    assert "USER_TERMS" not in source
    for term in ("激活函数", "卷积核", "偏置现象", "梯度消失", "置信区间"):
        assert term not in source.split('"""', 2)[2]  # (the docstring may name an example)


def test_glossary_file_one_term_a_line_and_never_an_export(tmp_path):
    (tmp_path / GLOSSARY_NAME).write_text("# course terms\n卷积核\n\nBatch Norm  # spaced\n", encoding="utf-8")
    assert read_glossary(tmp_path) == {"卷积核", "batch norm"}
    assert read_glossary(tmp_path / "missing") == frozenset()
    from classchat.ingest.land import EXPORT_SUFFIXES

    assert not GLOSSARY_NAME.endswith(tuple(EXPORT_SUFFIXES))  # ingest reads only chat exports (*.txt)


def test_compounds_are_found_in_the_questions_without_a_glossary():
    questions = ["偏置现象是啥", "偏置现象的坏处", "relu有偏置现象吗", "为什么会有偏置现象", "sigmoid呢"]
    assert top_terms(questions)[0] == ("偏置现象", 4)
    # three pieces that recur together are one term (two rounds of the rule)
    three = ["反向传播算法怎么推导", "反向传播算法和链式法则", "反向传播算法的复杂度", "梯度是什么"]
    assert top_terms(three)[0][0] in {"反向传播算法", "反向传播"}


def test_english_terms_drop_stop_words_and_urls():
    assert terms("What is a p-value, and why does it matter? see https://x.org/p?q=1") == ["p-value", "matter", "see"]


def test_adjacent_short_terms_that_recur_together_are_one_topic():
    questions = ["位置编码为什么用正弦", "位置编码可以学习吗", "位置编码和词向量怎么相加", "正弦函数是什么", "sigmoid呢"]
    assert top_terms(questions) == [("位置编码", 3), ("正弦", 2)]


def test_a_term_needs_two_questions_once_five_were_asked():
    questions = ["what is relu?", "relu or tanh?", "why dropout?", "how big is the batch?", "is lr decay needed?"]
    assert top_terms(questions) == [("relu", 2)]


def test_few_questions_keep_single_terms_in_order_of_asking():
    assert top_terms(["what is dropout?", "and batchnorm?"]) == [("dropout", 1), ("batchnorm", 1)]
