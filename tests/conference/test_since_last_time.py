"""Since last time: three meetings of a weekly series with known minutes (an action item closed, one left open
and overdue, a decision replaced, a topic that comes back, one that is dropped, questions answered or not),
and a fourth still to come. The meeting card, the agenda of the coming meeting, the API and the recap email
all show exactly those changes."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ai_pipeline.minutes.continuity import checked_phrasing, compare
from meetings.conference.calendars import local_today
from meetings.conference.continuity import since_last_time
from meetings.conference.items import supersede
from meetings.conference.recap import send_recap
from meetings.conference.scheduling import create_series
from meetings.models import Attendee, Decision, ItemStatus, OrganizationAISettings
from tests.support import factories
from tests.support.chat import prompt_of
from tests.support.fakes.clova import FakeClova

pytestmark = pytest.mark.django_db

LAUNCH_DECIDED = "출시 일정은 3월 둘째 주로 확정한다"
DESIGN_AGENCY = "디자인 외주 업체는 어디로 할까?"


def minutes_data(topics, decisions=(), open_questions=()):
    return {
        "topics": [{"title": title} for title in topics],
        "decisions": [{"text": text} for text in decisions],
        "open_questions": list(open_questions),
    }


@pytest.fixture
def series(org, owner, member, settings):
    settings.LANGUAGE_CODE = "en"
    weekly = create_series(org, owner, name="주간 제품 회의")
    now = timezone.now()
    held = [now - datetime.timedelta(days=d) for d in (14, 7)] + [now + datetime.timedelta(days=7)]

    first = factories.meeting(org, "1주차 제품 회의", creator=owner, series=weekly, held_at=held[0])
    factories.minutes(
        first,
        minutes_data(["마케팅 예산 배분"], ["마케팅 예산은 1억 원으로 한다"]),
        decisions=["마케팅 예산은 1억 원으로 한다"],
    )

    second = factories.meeting(org, "2주차 제품 회의", creator=owner, series=weekly, held_at=held[1])
    factories.minutes(
        second,
        minutes_data(
            ["신제품 출시 일정", "채용 계획"],
            ["마케팅 예산은 2억 원으로 늘린다"],
            ["출시 일정을 3월로 확정할 수 있는가?", DESIGN_AGENCY],
        ),
        decisions=["마케팅 예산은 2억 원으로 늘린다"],
        action_items=[
            {"text": "출시 체크리스트 작성", "assignee": member, "status": ItemStatus.DONE},
            {
                "text": "채용 공고 초안",
                "owner_name": "박팀원",
                "due_date": local_today(owner) - datetime.timedelta(days=2),
            },
        ],
    )
    earlier = Decision.objects.get(meeting=first)
    later = Decision.objects.get(meeting=second)
    supersede(earlier, later)

    third = factories.meeting(org, "3주차 제품 회의", creator=owner, series=weekly, held_at=now)
    factories.minutes(
        third,
        minutes_data(
            ["신제품 출시 일정 재검토"], ["출시 일정은 3월 둘째 주로 확정한다"], ["디자인 외주 업체는 어디로 할까?"]
        ),
        decisions=[LAUNCH_DECIDED],
    )
    coming = factories.meeting(org, "4주차 제품 회의", creator=owner, series=weekly, held_at=held[2])
    return {"first": first, "second": second, "third": third, "coming": coming}


def test_the_third_meeting_sees_what_changed_since_the_second(series, owner):
    since = since_last_time(series["third"], owner, local_today(owner))
    assert since.previous == series["second"]
    assert [(now.item.text, now.state) for now in since.action_items] == [
        ("출시 체크리스트 작성", "done"),
        ("채용 공고 초안", "overdue"),
    ]
    assert since.replaced == []  # replaced in the second meeting: news for the second, not the third
    assert since.topics_returned == [("신제품 출시 일정", "신제품 출시 일정 재검토")]
    assert since.topics_dropped == ["채용 계획"]
    assert since.open_questions == [
        {
            "text": "출시 일정을 3월로 확정할 수 있는가?",
            "status": "answered",
            "by": "출시 일정은 3월 둘째 주로 확정한다",
        },
        {"text": "디자인 외주 업체는 어디로 할까?", "status": "still_open", "by": "디자인 외주 업체는 어디로 할까?"},
    ]


def test_a_decision_replaced_between_the_two_meetings_is_listed_on_the_later_one(series, owner):
    # The budget decision of the first meeting was replaced in the second: news for the second meeting,
    # not for the third (it happened before the third's previous meeting ended).
    second = since_last_time(series["second"], owner, local_today(owner))
    assert [(e.text, later.text) for e, later in second.replaced] == [
        ("마케팅 예산은 1억 원으로 한다", "마케팅 예산은 2억 원으로 늘린다")
    ]
    assert since_last_time(series["third"], owner, local_today(owner)).replaced == []


def test_the_coming_meeting_claims_nothing_it_cannot_know(series, owner):
    since = since_last_time(series["coming"], owner, local_today(owner))
    assert since.previous == series["third"]
    assert since.topics_dropped is None  # no minutes yet: not "dropped"
    assert since.open_questions == [{"text": "디자인 외주 업체는 어디로 할까?", "status": "unknown", "by": ""}]


def test_the_first_meeting_and_meetings_outside_a_series_have_nothing_to_compare(series, org, owner):
    assert since_last_time(series["first"], owner, local_today(owner)) is None
    alone = factories.meeting(org, "단독 회의", creator=owner)
    assert since_last_time(alone, owner, local_today(owner)) is None


def test_a_previous_meeting_the_reader_may_not_see_is_skipped(series, owner, member):
    series["second"].visibility = "selected"
    series["second"].save(update_fields=["visibility"])
    assert since_last_time(series["third"], member, local_today(member)).previous == series["first"]
    assert since_last_time(series["third"], owner, local_today(owner)).previous == series["second"]


def test_the_meeting_page_shows_the_changes_and_the_coming_meetings_agenda_too(series, member_client):
    page = member_client.get(reverse("meetings:detail", args=[series["third"].pk])).content.decode()
    assert "Since last time" in page
    assert "출시 체크리스트 작성" in page and 'data-state="done"' in page and 'data-state="overdue"' in page
    assert "채용 계획" in page  # dropped
    assert 'data-status="answered"' in page and 'data-status="still_open"' in page
    agenda = member_client.get(reverse("meetings:detail", args=[series["coming"].pk])).content.decode()
    assert "Since last time" in agenda and 'data-status="unknown"' in agenda
    first = member_client.get(reverse("meetings:detail", args=[series["first"].pk])).content.decode()
    assert "Since last time" not in first


def test_the_api_carries_the_same_changes(series, member):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(member)
    body = api.get(f"/api/v1/meetings/{series['third'].pk}/schedule/").json()["since_last_time"]
    assert body["previous_meeting"] == series["second"].pk
    assert [(i["text"], i["state"]) for i in body["action_items"]] == [
        ("출시 체크리스트 작성", "done"),
        ("채용 공고 초안", "overdue"),
    ]
    assert body["topics_returned"] == [{"earlier": "신제품 출시 일정", "later": "신제품 출시 일정 재검토"}]
    assert body["topics_dropped"] == ["채용 계획"]
    assert [q["outcome"] for q in body["open_questions"]] == ["answered", "still_open"]
    second = api.get(f"/api/v1/meetings/{series['second'].pk}/schedule/").json()["since_last_time"]
    assert second["replaced_decisions"][0]["earlier"]["text"] == "마케팅 예산은 1억 원으로 한다"
    first = api.get(f"/api/v1/meetings/{series['first'].pk}/schedule/").json()
    assert first["since_last_time"] is None


def test_the_recap_email_tells_members_what_changed(series, org, member, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Attendee.objects.create(meeting=series["third"], user=member)
    send_recap(series["third"])
    (message,) = [m for m in mail.outbox if member.email in m.to]
    assert "Since last time" in message.body
    assert "출시 체크리스트 작성" in message.body and "채용 공고 초안" in message.body
    assert "출시 일정을 3월로 확정할 수 있는가?" in message.body


def test_subjects_are_compared_by_their_words_not_their_wording():
    changes = compare(
        minutes_data(["Hiring plan", "Launch date"], open_questions=["Which agency designs the logo?"]),
        minutes_data(["The launch date, again"], decisions=["The logo agency is Studio K"]),
    )
    assert changes["topics_returned"] == [("Launch date", "The launch date, again")]
    assert changes["topics_dropped"] == ["Hiring plan"]
    assert changes["open_questions"][0]["status"] == "answered"


# --- phrased by the organization's language model ---------------------------------------------------


def phrased(client, meeting):
    return client.get(reverse("conference:since_last_time", args=[meeting.pk]), headers={"HX-Request": "true"})


def test_without_a_language_model_the_list_stands_alone(series, member_client):
    page = member_client.get(reverse("meetings:detail", args=[series["third"].pk])).content.decode()
    assert "since-phrased-slot" not in page
    response = phrased(member_client, series["third"])
    assert response.status_code == 200 and response.content == b""


def test_the_model_phrases_the_changes_and_every_sentence_names_its_meeting(series, org, member_client):
    reply = (
        "출시 체크리스트는 끝났고 채용 공고 초안은 기한이 지났습니다 [1]. "
        "출시 일정 질문은 이번 회의에서 답이 나왔습니다. [2] "
        "예산은 곧 다시 늘어날 것입니다 [7]. 근거 없이 덧붙인 문장입니다."
    )
    with FakeClova(reply=reply) as fake:
        OrganizationAISettings.objects.create(
            organization=org, provider="hyperclova", base_url=fake.url, api_key=fake.api_key, model="HCX-005"
        )
        page = member_client.get(reverse("meetings:detail", args=[series["third"].pk])).content.decode()
        assert "since-phrased-slot" in page
        html = phrased(member_client, series["third"]).content.decode()
        again = phrased(member_client, series["third"]).content.decode()
        assert fake.attempts == 1  # the same question is answered from the cache
    assert again == html
    system, facts = prompt_of(fake.requests[0])
    assert "in English" in system  # the reader's language (the page is in English here)
    assert "채용 공고 초안" in facts and "overdue" in facts and "채용 계획" in facts
    assert "[1] 2주차 제품 회의" in facts and "[2] 3주차 제품 회의" in facts
    second, third = series["second"], series["third"]
    assert "출시 체크리스트는 끝났고 채용 공고 초안은 기한이 지났습니다" in html
    assert f'href="{reverse("meetings:detail", args=[second.pk])}"' in html
    assert "출시 일정 질문은 이번 회의에서 답이 나왔습니다" in html  # the marker after the full stop counts
    assert f'href="{reverse("meetings:detail", args=[third.pk])}"' in html
    assert "다시 늘어날" not in html and "덧붙인" not in html  # cites no meeting it was given: left out
    assert "2 sentences were left out because they named no meeting." in html


def test_a_failing_model_says_so_and_the_list_stays(series, org, member_client, settings):
    settings.LLM_MAX_RETRIES = 0
    with FakeClova() as fake:
        fake.fail(500, 50000, times=5)
        OrganizationAISettings.objects.create(
            organization=org, provider="hyperclova", base_url=fake.url, api_key=fake.api_key, model="HCX-005"
        )
        response = phrased(member_client, series["third"])
    assert response.status_code == 200
    assert "The language model could not write this summary" in response.content.decode()
    assert "The list below is complete." in response.content.decode()


def test_an_outsider_gets_nothing_phrased(series, org, outsider_client):
    assert phrased(outsider_client, series["third"]).status_code == 404


def test_phrasing_keeps_only_sentences_citing_a_given_meeting():
    sources = [{"number": 1}, {"number": 2}]
    kept, dropped = checked_phrasing("가 [1]. 나. [2] 다 [3]. 라 [1][2].", sources)
    assert kept == [
        {"text": "가.", "sources": [1]},
        {"text": "나.", "sources": [2]},
        {"text": "라.", "sources": [1, 2]},
    ]
    assert dropped == 1
