"""Meetings for the search and chat tests: sample turns, meetings made from them and indexed, and a
record in the import_meetings format. The fixtures that load the models once and keep the search index
fresh are in tests/search_chat/conftest.py."""

import datetime as dt

from django.utils import timezone

from meetings.models import Tag
from meetings.search.indexing import index_meeting
from tests.support import factories

BUDGET = [
    ("김민수", "내년 전체 예산은 작년보다 10퍼센트 늘리기로 했습니다."),
    ("이지은", "마케팅 예산은 2억 원으로 확정되었습니다."),
    ("김민수", "채용 계획은 다음 회의에서 다시 논의합시다."),
]
LAUNCH = [
    ("박서준", "신제품 출시일은 3월 15일로 정했습니다."),
    ("한소희", "베타 테스트 참가자는 200명을 모집합니다."),
    ("박서준", "고객 지원팀은 출시 전에 상담 매뉴얼을 준비해 주세요."),
]
SECURITY = [
    ("최보안", "서버 비밀번호 유출 사고는 11월 3일 새벽에 발생했습니다."),
    ("정개발", "모든 관리자 계정의 비밀번호를 즉시 바꾸겠습니다."),
]

# An English product meeting: Brian says when 4.2 ships, and a few turns later on what condition.
RELEASE = [
    ("Alice", "Good morning everyone. Let's go over the release plan for version 4.2."),
    ("Brian", "Let's check whether version 4.2 can ship on Thursday."),
    ("Carla", "QA still has three open bugs in the payment screen."),
    ("Alice", "Marketing wants the announcement ready before the weekend."),
    ("Brian", "Then 4.2 ships on Thursday only if all three payment bugs are fixed by Wednesday night."),
    ("Carla", "Agreed. I will send the bug list to the team after this call."),
]
# Speech-to-text heard "launch" as "lunch".
MOBILE = [
    ("Alice", "The lunch of the new mobile app is planned for March third."),
    ("Brian", "We still need the store screenshots and the press kit."),
    ("Carla", "I will book the venue for the lunch event."),
]

# A weekly planning meeting in English (the chat's spoken-question tests ask about it).
ENGLISH = [
    ("Alice", "Welcome everyone, let us start the weekly planning meeting."),
    ("Bob", "We decided to increase the marketing budget to fifty thousand dollars next quarter."),
    ("Alice", "The website redesign will be finished by the end of March."),
    ("Carol", "I will send the hiring plan to the team on Friday."),
]

# One meeting of a committee, as the evaluation's corpus files hold them (one JSON object a line).
BUDGET_HEARING_RECORD = {
    "id": "demo-001",
    "title": "교육위원회 예산 심사",
    "date": "2024-05-02",
    "speakers": ["위원장 김생환", "교육감 조희연"],
    "turns": [
        {"speaker": "위원장 김생환", "text": "회의를 시작하겠습니다."},
        {"speaker": "교육감 조희연", "text": "내년 급식 예산은 320억 원으로 편성했습니다."},
        {"speaker": "위원장 김생환", "text": "학교 시설 안전 점검 결과도 보고해 주십시오."},
    ],
    "source": "test",
}


def make_meeting(organization, title, turns, held_at=None, tags=(), participants=(), language="ko", seconds=5.0):
    """An indexed meeting whose speakers say `turns` ((name, text) pairs), `seconds` each."""
    meeting = factories.meeting(
        organization, title, language=language, held_at=held_at or timezone.make_aware(dt.datetime(2024, 1, 10, 10, 0))
    )
    factories.transcript(meeting, turns, every=seconds)
    for tag in tags:
        meeting.tags.add(Tag.objects.get_or_create(organization=organization, name=tag)[0])
    meeting.participants.add(*participants)
    index_meeting(meeting)
    return meeting


def make_archive(org, other_org, budget_participants=()):
    """Two meetings of `org` (budget, launch) and one of `other_org` (security)."""
    return {
        "budget": make_meeting(org, "예산 회의", BUDGET, participants=budget_participants),
        "launch": make_meeting(
            org, "제품 출시 회의", LAUNCH, held_at=timezone.make_aware(dt.datetime(2024, 3, 1, 14, 0)), tags=["출시"]
        ),
        "security": make_meeting(other_org, "보안 사고 대응", SECURITY),
    }
