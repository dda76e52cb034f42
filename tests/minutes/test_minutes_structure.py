"""Minutes are one structure, end to end: an edit (Markdown read back into the structure) reaches the page,
the exports, the share page, the recap email, the API and the action-item and decision tracker, which keeps
its status and assignee; earlier versions are kept; a renamed speaker shows under the new name everywhere
without writing the minutes again; and the migration reads edits made before this into the structure."""

import datetime
import io

import pytest
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from docx import Document
from rest_framework.test import APIClient

from meetings.conference.attendees import Guest, set_attendees
from meetings.conference.items import set_item_status
from meetings.conference.recap import send_recap
from meetings.conference.sharing import create_share_link
from meetings.minutes import services
from meetings.models import ActionItem, Decision, ItemStatus, Minutes
from meetings.transcript import services as transcript_services
from tests.support import factories
from tests.support.minutes import generate, make_launch_meeting, url


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def meeting(org, owner, member):
    return make_launch_meeting(org, owner, member)


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _docx_text(content):
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


def test_an_edit_reaches_every_reader_and_the_tracker_keeps_its_work(
    meeting, owner, member, owner_client, member_client, client, inline
):
    inline(generate, member_client, meeting, provider="offline")
    generated = Minutes.objects.get(meeting=meeting)
    task = ActionItem.objects.get(meeting=meeting, text__contains="마케팅")
    decision = Decision.objects.get(meeting=meeting)
    set_item_status(task, ItemStatus.IN_PROGRESS)
    ActionItem.objects.filter(pk=task.pk).update(assignee=owner)  # reassigned on the tracker

    markdown = services.markdown_of(generated)
    old_task = "제가 다음 주 금요일까지 마케팅 계획안을 작성하겠습니다."
    old_decision = "출시는 다음 달 3일로 하기로 결정했습니다. — 김대표 (00:20)"
    assert old_task in markdown and old_decision in markdown
    edited = markdown.replace(old_task, "제가 다음 주 금요일까지 마케팅 계획안과 예산안을 작성하겠습니다.")
    edited = edited.replace(
        old_decision, "출시는 12월 3일로 확정 — 김대표 (00:20)\n- 결제 테스트는 이번 주에 마친다 (00:10)"
    )
    response = member_client.post(url(meeting, "edit/"), {"markdown": edited, "version": 1}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "saved as version 2" in response.content.decode()

    current = services.current_minutes(meeting)
    assert current.version == 2 and current.edited_from == 1
    generated.refresh_from_db()  # the generated version is kept as it was
    assert generated.data["decisions"][0]["text"] == "출시는 다음 달 3일로 하기로 결정했습니다."

    # The tracker: the same row, edited, with its status and assignee; decisions follow the edit.
    task.refresh_from_db()
    assert task.text == "제가 다음 주 금요일까지 마케팅 계획안과 예산안을 작성하겠습니다."
    assert task.status == ItemStatus.IN_PROGRESS and task.assignee == owner and task.minutes == current
    assert task.due_date == datetime.date(2026, 12, 4)
    rows = list(Decision.objects.filter(meeting=meeting).order_by("position"))
    assert [row.text for row in rows] == ["출시는 12월 3일로 확정", "결제 테스트는 이번 주에 마친다"]
    assert rows[0].pk == decision.pk and rows[0].start == 20.0  # the time written after it: the same moment
    assert rows[1].start == 10.0 and rows[1].speaker.label == "S2"  # a new decision links to 00:10

    page = member_client.get(url(meeting), HTTP_HX_REQUEST="true").content.decode()
    assert "마케팅 계획안과 예산안을" in page and 'data-seek="10.0"' in page and "## " not in page
    assert "In progress" in page and old_task not in page

    export = member_client.get(url(meeting, "export/md/")).content.decode()
    assert "- 결제 테스트는 이번 주에 마친다 (00:10)" in export and "마케팅 계획안과 예산안을" in export
    docx = _docx_text(member_client.get(url(meeting, "export/docx/")).content)
    assert "출시는 12월 3일로 확정 — 김대표 (00:20)" in docx and old_task not in docx

    link = create_share_link(meeting, owner, days=7)
    guest = client.get(f"/s/{link.token}/").content.decode().split('id="transcript"')[0]  # the minutes part
    assert "마케팅 계획안과 예산안을" in guest and "출시는 12월 3일로 확정" in guest
    assert old_task not in guest and "출시는 다음 달 3일로" not in guest

    api = _api(member).get(f"/api/v1/meetings/{meeting.pk}/minutes/").json()
    assert api["version"] == 2 and api["data"]["action_items"][-1]["text"].endswith("예산안을 작성하겠습니다.")

    tracker = owner_client.get("/action-items/").content.decode()
    assert "마케팅 계획안과 예산안을" in tracker and old_task not in tracker

    set_attendees(meeting, [owner.pk, member.pk], [Guest("jane@partner.com", "Jane")])
    mail.outbox.clear()
    send_recap(meeting)
    bodies = [message.body for message in mail.outbox]
    assert len(bodies) == 3 and all("마케팅 계획안과 예산안을" in body and old_task not in body for body in bodies)
    html = mail.outbox[0].alternatives[0][0]
    assert "결제 테스트는 이번 주에 마친다" in html and "## " not in html


def test_an_unreadable_edit_points_at_the_line_and_saves_nothing(meeting, member_client, inline):
    inline(generate, member_client, meeting, provider="offline")
    text = "# 출시 회의\n\n## 개요\n\n출시 회의\n\n## 결론\n\n- 다음 달 출시\n"
    response = member_client.post(url(meeting, "edit/"), {"markdown": text, "version": 1}, HTTP_HX_REQUEST="true")
    form = response.content.decode()
    assert response.status_code == 200 and response["HX-Retarget"] == "#minutes-edit"
    assert "Line 7: “결론” is not a section of the minutes." in form and 'data-error-line="7"' in form
    assert "## 결론" in form  # the text comes back as typed
    assert Minutes.objects.filter(meeting=meeting).count() == 1

    page = member_client.post(url(meeting, "edit/"), {"markdown": text, "version": 1})  # without htmx
    assert page.status_code == 400 and "## 결론" in page.content.decode()


def test_a_renamed_speaker_is_renamed_in_the_minutes_everywhere(org, owner, member_client, client, member, inline):
    meeting = factories.meeting(
        org, "출시 회의", creator=owner, held_at=timezone.make_aware(datetime.datetime(2026, 11, 25, 10, 0))
    )
    lines = [
        ("S1", "오늘은 신규 서비스 출시 일정을 논의하겠습니다."),
        ("S2", "개발은 거의 끝났고 결제 모듈 테스트만 남았습니다."),
        ("S1", "출시는 다음 달 3일로 하기로 결정했습니다."),
        ("S2", "제가 다음 주 금요일까지 마케팅 계획안을 작성하겠습니다."),
    ]
    speakers = factories.transcript(meeting, lines, every=10.0, length=8.0, names=False)
    s1, s2 = speakers["S1"], speakers["S2"]
    inline(generate, member_client, meeting, provider="offline")
    minutes = services.current_minutes(meeting)
    assert minutes.data["speakers"] == {str(s1.pk): "S1", str(s2.pk): "S2"}
    assert "S2: 개발은" in minutes.data["key_points"][0] and minutes.data["decisions"][0]["speaker"] == "S1"

    transcript_services.rename_speaker(s1, "김대표")
    transcript_services.rename_speaker(s2, "박팀원")

    page = member_client.get(url(meeting), HTTP_HX_REQUEST="true").content.decode()
    assert "박팀원: 개발은" in page and "— 김대표" in page and "S1" not in page and "S2:" not in page
    export = member_client.get(url(meeting, "export/md/")).content.decode()
    assert "- 박팀원: 개발은 거의 끝났고" in export and "결정했습니다. — 김대표 (00:20)" in export
    assert "담당: 박팀원" in export and "S1" not in export and "S2" not in export
    assert "— 김대표" in _docx_text(member_client.get(url(meeting, "export/docx/")).content)
    guest = client.get(f"/s/{create_share_link(meeting, owner, days=1).token}/").content.decode()
    assert "박팀원: 개발은" in guest and "— 김대표" in guest
    data = _api(member).get(f"/api/v1/meetings/{meeting.pk}/minutes/").json()["data"]
    assert data["decisions"][0]["speaker"] == "김대표" and data["action_items"][0]["owner"] == "박팀원"
    assert Minutes.objects.filter(meeting=meeting).count() == 1  # nothing was written again

    # Names given in an edit are kept by id too: the next rename still shows through.
    edited = services.edit_minutes(minutes, services.markdown_of(minutes), member)
    assert edited.data["decisions"][0]["speaker_id"] == s1.pk
    transcript_services.rename_speaker(s1, "김민수 대표")
    assert services.presented(edited)["decisions"][0]["speaker"] == "김민수 대표"


def test_names_change_only_where_they_stand_as_names():
    from ai_pipeline.minutes import with_names

    data = {
        "overview": "S1과 S2가 논의했다. S10은 불참. BS1 규격은 유지.",
        "key_points": ["S2: 예산 확정"],
        "decisions": [{"text": "S1의 안 채택", "speaker": "S1", "speaker_id": 1}],
        "action_items": [{"text": "자료 정리", "owner": "S2", "owner_speaker_id": 2, "speaker_id": 2}],
        "open_questions": [],
        "topics": [],
        "speakers": {"1": "S1", "2": "S2"},
    }
    swapped = with_names(data, {1: "S2", 2: "S1"})  # two speakers swapped
    assert swapped["overview"] == "S2과 S1가 논의했다. S10은 불참. BS1 규격은 유지."
    assert swapped["key_points"] == ["S1: 예산 확정"] and swapped["decisions"][0]["text"] == "S2의 안 채택"
    assert swapped["decisions"][0]["speaker"] == "S2" and swapped["action_items"][0]["owner"] == "S1"
    assert data["overview"].startswith("S1과")  # the stored structure is left as written


def test_a_regeneration_updates_the_tracker_rows_in_place(meeting, member_client, inline):
    inline(generate, member_client, meeting, provider="offline")
    task = ActionItem.objects.get(meeting=meeting, text__contains="마케팅")
    decision = Decision.objects.get(meeting=meeting)
    later = Decision.objects.create(meeting=meeting, text="나중 결정", position=9)
    Decision.objects.filter(pk=decision.pk).update(superseded_by=later)
    set_item_status(task, ItemStatus.DONE)
    inline(generate, member_client, meeting, provider="offline", template="report")
    task.refresh_from_db()
    decision.refresh_from_db()
    assert task.status == ItemStatus.DONE and task.text == "다음 주 금요일까지 마케팅 계획안을 작성 예정"
    assert decision.text == "출시는 다음 달 3일로 하기로 결정함"
    assert not Decision.objects.filter(pk=later.pk).exists() and decision.superseded_by is None  # not in v2
    assert "- [x] 다음 주 금요일까지 마케팅 계획안을 작성 예정" in services.markdown_of(
        services.current_minutes(meeting)
    )


@pytest.mark.django_db(transaction=True)
def test_the_migration_reads_edits_made_before_it_into_the_structure(org, owner):
    executor = MigrationExecutor(connection)
    before, after = (
        ("meetings", "0010_voice_question_expired_state"),
        ("meetings", "0011_minutes_structure_is_the_only_copy"),
    )
    executor.migrate([before])
    apps = executor.loader.project_state([before]).apps
    OldMeeting, OldSpeaker = apps.get_model("meetings", "Meeting"), apps.get_model("meetings", "Speaker")
    OldMinutes = apps.get_model("meetings", "Minutes")
    meeting = OldMeeting.objects.create(organization_id=org.pk, title="예전 회의")
    speaker = OldSpeaker.objects.create(meeting=meeting, label="S1", name="김대표")
    generated = {
        "title": "예전 회의",
        "overview": "생성된 개요",
        "key_points": ["생성된 요점"],
        "decisions": [{"text": "생성된 결정", "speaker": "김대표", "line": 0, "start": 0.0}],
        "action_items": [],
        "open_questions": [],
        "topics": [],
        "language": "ko",
    }
    edited = "# 예전 회의\n\n## 개요\n\n고친 개요\n\n## 결정 사항\n\n- 고친 결정 — 김대표 (00:00)\n"
    common = {"meeting": meeting, "provider": "offline", "data": generated}
    OldMinutes.objects.create(version=1, markdown=edited, edited_at=timezone.now(), **common)
    OldMinutes.objects.create(version=2, markdown="아무 형식도 아닌 메모", edited_at=timezone.now(), **common)
    OldMinutes.objects.create(version=3, markdown="(not edited)", **common)

    executor = MigrationExecutor(connection)
    executor.migrate([after])
    NewMinutes = executor.loader.project_state([after]).apps.get_model("meetings", "Minutes")
    first, second, third = (NewMinutes.objects.get(meeting_id=meeting.pk, version=v).data for v in (1, 2, 3))
    assert first["overview"] == "고친 개요" and first["decisions"][0]["text"] == "고친 결정"
    assert first["decisions"][0]["speaker_id"] == speaker.pk and first["key_points"] == []
    assert second["overview"] == "아무 형식도 아닌 메모"  # unreadable: kept whole as the overview
    assert third["overview"] == "생성된 개요" and third["speakers"] == {str(speaker.pk): "김대표"}
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_only_an_edit_of_the_current_version_changes_done_marks(meeting, member, member_client, inline):
    inline(generate, member_client, meeting, provider="offline")
    first = services.current_minutes(meeting)
    task = ActionItem.objects.get(meeting=meeting, text__contains="마케팅")
    set_item_status(task, ItemStatus.DONE)
    assert "- [x] 제가 다음 주 금요일까지" in services.markdown_of(first)
    second = services.edit_minutes(first, services.markdown_of(first), member)
    assert "- [ ] 제가 다음 주 금요일까지" in services.markdown_of(first)  # an earlier version shows no status
    third = services.edit_minutes(first, services.markdown_of(first), member)  # restoring the earlier text
    task.refresh_from_db()
    assert third.version == 3 and task.status == ItemStatus.DONE and task.minutes == third
    services.edit_minutes(third, services.markdown_of(third).replace("- [x] ", "- [ ] "), member)
    task.refresh_from_db()
    assert task.status == ItemStatus.OPEN and second.version == 2
