"""The launch meeting most minutes tests start from, and the minutes panel's URLs."""

import datetime

from django.utils import timezone

from tests.support import factories

LINES = [
    ("S1", "오늘은 신규 서비스 출시 일정을 논의하겠습니다."),
    ("S2", "개발은 거의 끝났고 결제 모듈 테스트만 남았습니다."),
    ("S1", "출시는 다음 달 3일로 하기로 결정했습니다."),
    ("S2", "제가 다음 주 금요일까지 마케팅 계획안을 작성하겠습니다."),
    ("S1", "서버 증설 비용은 누가 확인할까요?"),
]


def make_launch_meeting(org, owner, member):
    """The launch meeting of LINES, its two speakers linked to the owner and the member."""
    meeting = factories.meeting(
        org, "출시 회의", creator=owner, held_at=timezone.make_aware(datetime.datetime(2026, 11, 25, 10, 0))
    )
    speakers = {"S1": {"name": "김대표", "member": owner}, "S2": {"name": "박팀원", "member": member}}
    factories.transcript(meeting, LINES, every=10.0, length=8.0, speakers=speakers)
    return meeting


def url(meeting, name="", **kwargs):
    return f"/meetings/{meeting.pk}/minutes/{name}"


def generate(client, meeting, **data):
    return client.post(url(meeting, "generate/"), data, HTTP_HX_REQUEST="true")
