"""Question topics: tokenising Chinese and English questions and ranking their terms."""

from classchat.topics import terms, top_terms


def test_chinese_terms_keep_course_vocabulary_and_drop_question_words():
    got = terms("relu 的输出始终大于等于0，是否也有 偏置现象？")
    assert "relu" in got and "偏置现象" in got
    assert not {"是否", "的", "也", "0"} & set(got)


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
