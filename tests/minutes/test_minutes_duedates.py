"""Due dates follow one rule (ai_pipeline/minutes/duedates.py) for every weekday phrase, Korean and English,
whatever day of the week the meeting was held, and whether the phrase comes from the extractive writer's
cue (due_text), a model's answer or an edit (parse_due)."""

import datetime

import pytest

from ai_pipeline.llm.sentences import due_text
from ai_pipeline.minutes import parse_due

MONDAY = datetime.date(2026, 11, 23)
MEETING_DAYS = [MONDAY + datetime.timedelta(days=n) for n in range(7)]  # Monday ... Sunday
KO = "월화수목금토일"
EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# A weekday alone or with "this" is the first such day on or after the meeting day (0-6 days later).
THIS_WEEK_PHRASES = [
    "{en}",
    "by {en}",
    "on {en}",
    "by {en} afternoon",
    "{en} morning",
    "by {en} EOD",
    "this {en}",
    "this coming {en}",
    "{ko}요일",
    "{ko}요일까지",
    "{ko}요일 오후까지",
    "{ko}요일 오전 중으로",
    "{ko}요일 퇴근 전까지",
    "{ko}욜까지",
    "이번 주 {ko}요일",
    "이번 주 {ko}요일까지",
    "이번주 {ko}요일 오후",
    "금주 {ko}요일까지",
]
# "next X" is X in the following calendar week (Monday to Sunday).
NEXT_WEEK_PHRASES = [
    "next {en}",
    "by next {en}",
    "next {en} afternoon",
    "다음 주 {ko}요일",
    "다음 주 {ko}요일까지",
    "다음주 {ko}요일 오후까지",
    "차주 {ko}요일",
]


def _first_on_or_after(day, weekday):
    return day + datetime.timedelta(days=(weekday - day.weekday()) % 7)


def _in_following_week(day, weekday):
    return day - datetime.timedelta(days=day.weekday()) + datetime.timedelta(days=7 + weekday)


@pytest.mark.parametrize("phrase", THIS_WEEK_PHRASES)
@pytest.mark.parametrize("meeting_day", MEETING_DAYS, ids=lambda d: d.strftime("%a"))
def test_a_weekday_alone_or_this_week_is_the_first_such_day_on_or_after_the_meeting(phrase, meeting_day):
    for weekday in range(7):
        text = phrase.format(en=EN[weekday], ko=KO[weekday])
        assert parse_due(text, meeting_day) == _first_on_or_after(meeting_day, weekday), text


@pytest.mark.parametrize("phrase", NEXT_WEEK_PHRASES)
@pytest.mark.parametrize("meeting_day", MEETING_DAYS, ids=lambda d: d.strftime("%a"))
def test_next_weekday_is_that_day_of_the_following_calendar_week(phrase, meeting_day):
    for weekday in range(7):
        text = phrase.format(en=EN[weekday], ko=KO[weekday])
        assert parse_due(text, meeting_day) == _in_following_week(meeting_day, weekday), text


TUESDAY = datetime.date(2026, 11, 24)
WEDNESDAY = datetime.date(2026, 11, 25)


@pytest.mark.parametrize(
    ("sentence", "spoken", "meeting_day", "expected"),
    [
        # The reported case: in a Tuesday meeting both deadlines fall in the same week.
        ("I'll send the draft by Wednesday.", "by Wednesday", TUESDAY, datetime.date(2026, 11, 25)),
        ("I'll fix the build by Tuesday afternoon.", "by Tuesday afternoon", TUESDAY, TUESDAY),
        ("제가 화요일 오후까지 보내겠습니다.", "화요일 오후까지", TUESDAY, TUESDAY),
        ("수요일까지 검토해 주세요.", "수요일까지", TUESDAY, datetime.date(2026, 11, 25)),
        ("이번 주 수요일까지 정리해 주세요.", "이번 주 수요일까지", WEDNESDAY, WEDNESDAY),
        ("다음 주 금요일까지 계획안을 작성하겠습니다.", "다음 주 금요일까지", WEDNESDAY, datetime.date(2026, 12, 4)),
        ("Alice will review it by next Friday.", "by next Friday", WEDNESDAY, datetime.date(2026, 12, 4)),
        ("금요일 퇴근 전까지 올려 주세요.", "금요일 퇴근 전까지", WEDNESDAY, datetime.date(2026, 11, 27)),
        ("Please send it by Friday EOD.", "by Friday EOD", WEDNESDAY, datetime.date(2026, 11, 27)),
        ("다음 달 3일까지 마감하겠습니다.", "다음 달 3일까지", WEDNESDAY, datetime.date(2026, 12, 3)),
        ("오후까지 공유해 주세요.", "오후까지", WEDNESDAY, WEDNESDAY),
    ],
)
def test_the_spoken_deadline_is_found_in_the_sentence_and_resolved_by_the_same_rule(
    sentence, spoken, meeting_day, expected
):
    assert due_text(sentence) == spoken
    assert parse_due(spoken, meeting_day) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("이번 주까지", datetime.date(2026, 11, 27)),  # the week's Friday
        ("다음 주까지", datetime.date(2026, 12, 4)),
        ("this week", datetime.date(2026, 11, 27)),
        ("end of the week", datetime.date(2026, 11, 27)),
        ("next week", datetime.date(2026, 12, 4)),
        ("주말까지", datetime.date(2026, 11, 29)),
        ("다음 주말까지", datetime.date(2026, 12, 6)),
        ("next weekend", datetime.date(2026, 12, 6)),
        ("내일 오전까지", datetime.date(2026, 11, 26)),
        ("tomorrow afternoon", datetime.date(2026, 11, 26)),
        ("내일모레", datetime.date(2026, 11, 27)),
        ("내년 연말까지", datetime.date(2027, 12, 31)),
        ("내년 3월 2일까지", datetime.date(2027, 3, 2)),
    ],
)
def test_week_words_and_times_of_day(text, expected):
    assert parse_due(text, WEDNESDAY) == expected


def test_the_end_of_this_week_is_never_before_a_weekend_meeting():
    saturday = datetime.date(2026, 11, 28)
    assert parse_due("이번 주까지", saturday) == saturday
    assert parse_due("by the end of the week", saturday) == saturday


def test_abbreviated_english_weekdays_need_a_preposition():
    assert parse_due("by Wed", TUESDAY) == WEDNESDAY
    assert parse_due("I sat down with them", TUESDAY) is None
