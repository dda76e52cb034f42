"""The chatbot with the search's relevance floor: a not-found answer that says what was searched and
offers near misses; offline answers written from the best few passages of the meeting that answers
(the answer and the condition said a few turns later, each cited); the same passages in a language
model's prompt (the fake CLOVA server records it)."""

import pytest

from ai_pipeline.chat import NOT_FOUND
from meetings.chat.ask import answer
from tests.support.chat import cited, clova_provider, prompt_of
from tests.support.search_archive import MOBILE, RELEASE, make_archive, make_meeting

QUESTION = "When will 4.2 ship, and what is the condition?"


@pytest.fixture
def archive(org, other_org):
    meetings = make_archive(org, other_org)
    meetings["release"] = make_meeting(org, "Weekly product sync", RELEASE, language="en")
    meetings["mobile"] = make_meeting(org, "Mobile app planning", MOBILE, language="en")
    return meetings


@pytest.fixture
def misheard(org, other_org):
    """ "launch" was only ever transcribed as "lunch"; no meeting talks about a release."""
    meetings = make_archive(org, other_org)
    meetings["mobile"] = make_meeting(org, "Mobile app planning", MOBILE, language="en")
    return meetings


def test_offline_answer_combines_the_answer_and_its_condition(archive, member, offline):
    result = answer(member, QUESTION, provider=offline)
    assert result.found and result.extractive
    release = archive["release"].pk
    assert (release, 1) in cited(result) and (release, 4) in cited(result)
    assert {c["meeting_id"] for c in result.citations} == {release}  # nothing from unrelated meetings
    lines = result.text.splitlines()[1:]
    said = [line for line in lines if "ship on Thursday" in line or "only if all three payment bugs" in line]
    assert len(said) == 2 and all(line.rstrip().endswith("]") for line in said)  # each quote cited
    assert result.text.index("ship on Thursday") < result.text.index("only if all three")  # as said


def test_a_language_model_gets_the_same_passages(archive, member, clova, offline):
    quoted = answer(member, QUESTION, provider=offline)
    clova.reply = "4.2 ships on Thursday [1], if the three payment bugs are fixed by Wednesday [2]."
    result = answer(member, QUESTION, provider=clova_provider(clova))
    _system, user = prompt_of(clova.requests[-1])
    assert RELEASE[1][1] in user and RELEASE[4][1] in user
    assert [s.passage_id for s in result.sources] == [s.passage_id for s in quoted.sources]
    assert "lunch" not in user  # the unrelated meeting is not in the prompt
    assert cited(result) == [(archive["release"].pk, s.position) for s in result.sources[:2]]


def test_not_found_says_what_was_searched_and_offers_near_misses(misheard, member, offline, clova):
    for provider in (offline, clova_provider(clova)):
        result = answer(member, "When is the launch?", provider=provider)
        assert not result.found and result.citations == []
        first, *rest = result.text.splitlines()
        assert first == f"{NOT_FOUND}."
        text = "\n".join(rest)
        assert "Searched for: “launch”." in text
        assert "Not an answer, but close to what you asked:" in text
        assert "Your meetings say “lunch”, not “launch”" in text and "Mobile app planning" in text
    assert clova.attempts == 0  # nothing cleared the floor: the model is not asked


def test_a_spoken_question_gets_the_same_help(misheard, member, offline):
    from meetings.chat.services import add_question, reply, start_conversation

    conversation = start_conversation(member, misheard["mobile"].organization)
    question = add_question(conversation, "When is the launch?", source="voice")
    message = reply(question, offline)
    assert message.content.startswith(NOT_FOUND) and "lunch" in message.content
    assert message.citations == []


HEARING = [
    ("위원장 김철수", "다음은 유아교육 안건입니다."),
    ("이영희 위원", "내년 공립유치원 확충 예산은 얼마로 편성했습니까?"),
    ("교육국장 박민호", "공립유치원 확충 예산은 120억 원으로 편성했습니다."),
    ("위원장 김철수", "다음 위원님 질의해 주십시오."),
]


def test_a_quoted_answer_comes_with_the_question_it_answers_each_cited(org, member, offline):
    meeting = make_meeting(org, "교육위원회 감사", HEARING)
    result = answer(member, "공립유치원 확충 예산은 얼마인가요?", provider=offline)
    assert [(m, p) for m, p in cited(result) if m == meeting.pk][:2] == [(meeting.pk, 1), (meeting.pk, 2)]
    lines = result.text.splitlines()[1:]
    assert lines[0].startswith(f"- “{HEARING[1][1]}” — 이영희 위원 [")
    assert lines[1].startswith(f"- “{HEARING[2][1]}” — 교육국장 박민호 [")
