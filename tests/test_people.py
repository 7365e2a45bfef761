"""The name matcher (classchat/people.py): rules, scores, threshold and margin, on names seen in reports."""

from __future__ import annotations

import pytest

from classchat.people import MATCH_MARGIN, MATCH_THRESHOLD, Person, match_participant, normalise

PEOPLE = [
    Person("u1", "John Smith", "roster"),
    Person("u2", "Ana Maria Lopez", "roster"),
    Person("u3", "Li Wei", "chat"),
    Person("u4", "Li Na", "chat"),
    Person("u5", "Chidi Okafor", "roster"),
    Person("u5", "Chid", "roster_alias"),
]


@pytest.mark.parametrize(
    ("forms", "user_id", "rule", "score"),
    [
        (["Smith, John"], "u1", "exact", 100.0),  # word order and punctuation do not matter
        (["Jon Smith"], "u1", "fuzzy", 94.7),
        (["015_Li Wei (Laptop)"], "u3", "exact", 100.0),  # a leading number and a device suffix go
        (["[TA] Chidi Okafor"], "u5", "exact", 100.0),
        (["Benny (Chid)", "Benny", "Chid"], "u5", "exact", 100.0),  # the original name in brackets counts
        (["Ana"], None, "below_threshold", 50.0),  # a first name alone is not enough
        (["Maria Lopez"], None, "below_threshold", 84.6),
        (["Guest iPhone"], None, "below_threshold", 27.3),
    ],
)
def test_rules_and_scores(forms, user_id, rule, score):
    m = match_participant(forms, None, PEOPLE, {})
    assert (m.user_id, m.rule, m.score) == (user_id, rule, score)


def test_email_wins_and_no_candidates():
    m = match_participant(["Somebody Else"], "John@Uni.edu ", PEOPLE, {"john@uni.edu": "u1"})
    assert (m.user_id, m.rule, m.score, m.matched_name) == ("u1", "email", 100.0, "John Smith")
    assert match_participant(["Ann"], None, [], {}).rule == "no_candidates"


def test_two_people_too_close_is_ambiguous():
    twins = [Person("a", "Maria Garcia", "roster"), Person("b", "Mario Garcia", "roster")]
    m = match_participant(["Marie Garcia"], None, twins, {})
    assert m.rule == "ambiguous" and m.user_id is None
    assert m.score >= MATCH_THRESHOLD and m.score - m.runner_up_score < MATCH_MARGIN


def test_normalise():
    assert normalise("  015_Tomas  Brandt (iPhone) ") == "tomas brandt"
    assert normalise("Ｌｅｅ") == "lee"  # NFKC
    assert normalise("Zoë (she/her)") == "zoë"
    assert normalise(None) == ""
