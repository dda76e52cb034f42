"""Dates and periods named in a search or a question, Korean and English, read against a given today;
whether they name when a meeting was held; near-miss words one or two edits away."""

from datetime import date

import pytest

from ai_pipeline.search.text import NeighbourIndex, edit_distance, jamo
from ai_pipeline.search.when import parse_when, without_when

TODAY = date(2024, 5, 15)  # a Wednesday


@pytest.mark.parametrize(
    ("question", "start", "end", "meeting"),
    [
        ("2018년 11월 12일 회의에서 예산은 얼마였나요?", date(2018, 11, 12), date(2018, 11, 12), True),
        ("2020년 11월 13일 교육위원회 감사는 몇 시에 멈췄나요?", date(2020, 11, 13), date(2020, 11, 13), True),
        ("2018.11.12 회의 내용", date(2018, 11, 12), date(2018, 11, 12), True),
        ("2018-11-12 회의 내용", date(2018, 11, 12), date(2018, 11, 12), True),
        ("2018년 11월 감사에서 나온 얘기", date(2018, 11, 1), date(2018, 11, 30), True),
        ("11월 회의", date(2023, 11, 1), date(2023, 11, 30), True),  # the last November that has begun
        ("3월 4일 회의에서", date(2024, 3, 4), date(2024, 3, 4), True),
        ("12월 4일 회의에서", date(2023, 12, 4), date(2023, 12, 4), True),  # not a day still to come
        ("지난주 예산 회의", date(2024, 5, 6), date(2024, 5, 12), True),
        ("이번 주 회의", date(2024, 5, 13), date(2024, 5, 19), True),
        ("어제 회의에서 정한 것", date(2024, 5, 14), date(2024, 5, 14), True),
        ("지난달 회의", date(2024, 4, 1), date(2024, 4, 30), True),
        ("작년 회의", date(2023, 1, 1), date(2023, 12, 31), True),
        ("지난 월요일 회의", date(2024, 5, 13), date(2024, 5, 13), True),
        ("3일 전 회의", date(2024, 5, 12), date(2024, 5, 12), True),
        ("the budget meeting last week", date(2024, 5, 6), date(2024, 5, 12), True),
        ("What did we decide in the meeting on November 12, 2018?", date(2018, 11, 12), date(2018, 11, 12), True),
        ("12 November 2018 meeting", date(2018, 11, 12), date(2018, 11, 12), True),
        ("the 11/12/2018 standup", date(2018, 11, 12), date(2018, 11, 12), True),
        ("yesterday's call", date(2024, 5, 14), date(2024, 5, 14), True),
        ("the sync last month", date(2024, 4, 1), date(2024, 4, 30), True),
        ("What came up on Monday?", date(2024, 5, 13), date(2024, 5, 13), True),
        ("2 weeks ago", date(2024, 4, 29), date(2024, 5, 5), True),
        # a day talked about in a meeting, not the meeting's: lifts, never restricts
        ("서버 유출 사고는 11월 3일 새벽에 발생했나요?", date(2023, 11, 3), date(2023, 11, 3), False),
    ],
)
def test_dates_and_periods(question, start, end, meeting):
    when = parse_when(question, TODAY)
    assert when is not None, question
    assert (when.start, when.end, when.meeting) == (start, end, meeting)


@pytest.mark.parametrize(
    "question",
    [
        "2018년에 새로 여는 병설유치원은 몇 곳인가요?",  # a year someone talked about
        "2016년 공립유치원 점검에서 문제로 지적된 비율은?",
        "4.2 버전 출시일은 언제로 결정됐나요?",
        "When will 4.2 ship?",
        "마케팅 예산은 2억 원으로 확정됐나요?",
        "2월 30일 회의",  # no such day
    ],
)
def test_no_meeting_date(question):
    assert parse_when(question, TODAY) is None


def test_the_date_leaves_the_words_searched():
    when = parse_when("2018년 11월 12일 회의에서 예산은?", TODAY)
    assert when.text == "2018년 11월 12일" and when.label == "2018-11-12"
    assert without_when("2018년 11월 12일 회의에서 예산은?", when) == "회의에서 예산은?"
    when = parse_when("What did we decide in the meeting on November 12, 2018?", TODAY)
    assert without_when("What did we decide in the meeting on November 12, 2018?", when) == (
        "What did we decide in the meeting?"
    )
    when = parse_when("지난주 예산 회의", TODAY)
    assert without_when("지난주 예산 회의", when) == "예산 회의"
    assert when.label == "2024-05-06 – 2024-05-12"


def test_a_year_without_a_meeting_word_is_ignored_but_with_one_is_taken():
    assert parse_when("2018년 회의록", TODAY).start == date(2018, 1, 1)
    assert parse_when("2018년에 바뀐 규정", TODAY) is None


def test_words_one_or_two_edits_away():
    assert jamo("예산") == "ㅇㅖㅅㅏㄴ"
    assert edit_distance("launch", "lunch", 2) == 1
    assert edit_distance("budget", "budgte", 2) == 1  # a transposition is one edit
    assert edit_distance("meeting", "banana", 2) == 3  # past the limit: limit + 1
    index = NeighbourIndex(["lunch", "budget", "예상", "출석", "회의", "2024", "ship", "a"])
    assert index.near("launch") == [(1, "lunch")]
    assert index.near("예산") == [(1, "예상")]  # a misheard final consonant
    assert index.near("출시") == []  # ㅅㅣ -> ㅅㅓㄱ is two letters: too far for a two-syllable word
    assert index.near("회의") == []  # the word itself is not its own neighbour
    assert index.near("2025") == []  # numbers are never suggested
