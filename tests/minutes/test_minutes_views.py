"""Minutes through the web pages and the API: generation as a job (inline), versions, edit, review,
exports, the organization's provider settings (keys never shown back), and access for owner, member
and outsider (404)."""

import datetime
import io
import json

import pytest
from docx import Document
from rest_framework.test import APIClient

from ai_pipeline.pipeline import run_stages
from meetings.minutes.services import markdown_of
from meetings.models import (
    ActionItem,
    Decision,
    Job,
    JobState,
    Meeting,
    Minutes,
    MinutesTemplate,
    OrganizationAISettings,
)
from meetings.processing import tasks
from meetings.processing.stages import JobContext, stages_for
from tests.support.fakes.openai_compat import FakeOpenAI
from tests.support.minutes import generate, make_launch_meeting, url


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def meeting(org, owner, member):
    return make_launch_meeting(org, owner, member)


def api(meeting, name=""):
    return f"/api/v1/meetings/{meeting.pk}/minutes/{name}"


def api_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- generation ------------------------------------------------------------------------------


def test_generate_offline_minutes_as_a_job(member_client, meeting, member, owner, inline):
    response = inline(generate, member_client, meeting, template="default", provider="offline")
    assert response.status_code == 200
    job = Job.objects.get(meeting=meeting, kind="minutes")
    assert job.state == JobState.DONE, job.reason
    minutes = Minutes.objects.get(meeting=meeting)
    assert minutes.version == 1 and minutes.is_extractive and minutes.provider == "offline"
    assert minutes.created_by == member and minutes.job == job
    decision = Decision.objects.get(meeting=meeting)
    assert decision.speaker.label == "S1" and decision.member == owner and decision.start == 20.0
    action = ActionItem.objects.get(meeting=meeting, text__contains="마케팅")
    assert action.due_date == datetime.date(2026, 12, 4) and action.due_text == "다음 주 금요일까지"
    assert action.assignee == member and action.segment.position == 3 and action.status == "open"

    page = member_client.get(url(meeting), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="minutes-panel"' in page and "Extractive (no AI model)" in page
    assert 'data-seek="20.0"' in page and "2026-12-04" in page
    assert "박팀원: 개발은 거의 끝났고 결제 모듈 테스트만 남았습니다." in page  # key point, with who said it


def test_regenerating_keeps_versions_and_carries_item_status(member_client, meeting, inline):
    inline(generate, member_client, meeting, provider="offline")
    ActionItem.objects.filter(meeting=meeting).update(status="done")
    inline(generate, member_client, meeting, provider="offline", template="report")
    assert list(Minutes.objects.filter(meeting=meeting).values_list("version", flat=True)) == [2, 1]
    assert set(ActionItem.objects.filter(meeting=meeting).values_list("status", flat=True)) == {"done"}
    old = member_client.get(url(meeting) + "?version=1", HTTP_HX_REQUEST="true").content.decode()
    assert "Earlier version" in old
    assert member_client.get(url(meeting) + "?version=9").status_code == 404


def test_generation_with_an_llm_streams_and_stores_validated_minutes(owner_client, owner, org, meeting, inline):
    def reply(body):
        return json.dumps(
            {
                "title": "출시 일정 회의",
                "overview": "출시일과 마케팅 계획을 정했다.",
                "key_points": ["출시일 확정"],
                "decisions": [{"text": "출시일은 다음 달 3일", "speaker": "김대표", "line": 2}],
                "action_items": [{"text": "마케팅 계획안 작성", "owner": "박팀원", "due": "다음 주 금요일", "line": 3}],
                "open_questions": ["서버 증설 비용"],
                "topics": [{"title": "출시 일정", "from_line": 0, "to_line": 4}],
                "leak": "secret",
            },
            ensure_ascii=False,
        )

    with FakeOpenAI(reply=reply, context_window=32000) as fake:
        OrganizationAISettings.objects.create(
            organization=org, provider="openai", model="test-model", base_url=fake.url + "/v1", api_key=fake.api_key
        )
        inline(generate, owner_client, meeting)
    minutes = Minutes.objects.get(meeting=meeting)
    assert minutes.provider == "openai" and minutes.model == "test-model" and not minutes.is_extractive
    assert "leak" not in minutes.data and minutes.data["topics"][0]["end"] == 48.0
    # The key reaches the server decrypted, while the database holds only its token.
    assert fake.requests[0].header("Authorization") == f"Bearer {fake.api_key}"
    assert fake.api_key not in OrganizationAISettings.objects.values_list("encrypted_api_key", flat=True).get()
    markdown = markdown_of(minutes)
    assert "## 결정 사항" in markdown and "출시일은 다음 달 3일 — 김대표 (00:20)" in markdown
    action = ActionItem.objects.get(meeting=meeting)
    assert action.due_date == datetime.date(2026, 12, 4) and action.assignee.name == "박팀원"


def test_a_failing_provider_fails_the_job_and_stores_nothing(owner_client, org, meeting, inline):
    with FakeOpenAI(reply="not json at all", context_window=32000) as fake:
        OrganizationAISettings.objects.create(
            organization=org, provider="openai", model="test-model", base_url=fake.url + "/v1", api_key=fake.api_key
        )
        inline(generate, owner_client, meeting)
    job = Job.objects.get(meeting=meeting, kind="minutes")
    assert job.state == JobState.FAILED and "valid minutes" in job.reason and job.failure_code == "invalid_output"
    assert not Minutes.objects.filter(meeting=meeting).exists()
    page = owner_client.get(url(meeting), HTTP_HX_REQUEST="true").content.decode()
    assert "did not answer with usable minutes" in page and "valid minutes" not in page


def test_after_transcription_a_failing_provider_falls_back_to_extractive(org, meeting, settings):
    OrganizationAISettings.objects.create(
        organization=org, provider="openai", model="m", base_url="http://127.0.0.1:9/v1", api_key="k"
    )
    settings.LLM_MAX_RETRIES = 0
    job = Job.objects.create(meeting=meeting, kind="process")
    stages = [s for s in stages_for("process", {}) if s.name == "minutes"]
    assert stages and stages[0].automatic
    run_stages(JobContext(job=job, meeting=meeting, recording=None), stages)
    minutes = Minutes.objects.get(meeting=meeting)
    assert minutes.is_extractive and "extractive" in Job.objects.get(pk=job.pk).log


def test_minutes_auto_setting_controls_the_process_stage(settings):
    settings.MINUTES_AUTO = False
    assert "minutes" not in [s.name for s in stages_for("process", {})]
    assert [s.name for s in stages_for("minutes", {})] == ["minutes"]


def test_minutes_job_runs_without_a_recording(meeting):
    job = Job.objects.create(meeting=meeting, kind="minutes", options={"provider": "offline"})
    assert tasks.run_job(job.pk) == JobState.DONE
    assert Minutes.objects.filter(meeting=meeting).count() == 1


def test_generate_is_refused_without_a_transcript_or_while_running(owner_client, org, owner):
    empty = Meeting.objects.create(organization=org, title="빈 회의", created_by=owner)
    page = generate(owner_client, empty).content.decode()
    assert "no transcript" in page.lower() and not Job.objects.filter(meeting=empty).exists()
    response = api_client(owner).post(api(empty, "generate/"), {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "no_transcript"


def test_progress_shows_percent_and_partial_text_then_the_panel(owner_client, meeting):
    from meetings.models import MinutesDraft

    job = Job.objects.create(meeting=meeting, kind="minutes", state=JobState.RUNNING, stage="minutes", percent=40)
    MinutesDraft.objects.create(job=job, text="출시일은 다음 달 3일")
    page = owner_client.get(url(meeting, "progress/"), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="minutes-progress"' in page and "40%" in page and "출시일은 다음 달 3일" in page
    assert 'hx-trigger="every 2s"' in page
    response = api_client(meeting.created_by).get(api(meeting, "job/"))
    assert response.json()["partial_text"] == "출시일은 다음 달 3일" and response.json()["job"]["percent"] == 40
    job.mark_done()
    page = owner_client.get(url(meeting, "progress/"), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="minutes-panel"' in page and "every 2s" not in page


# --- edit, review, export --------------------------------------------------------------------


def test_edit_review_and_export(member_client, member, meeting, inline):
    inline(generate, member_client, meeting, provider="offline")
    form = member_client.get(url(meeting, "edit/"), HTTP_HX_REQUEST="true").content.decode()
    assert "<textarea" in form and "## 결정 사항" in form
    edited = "# 출시 회의\n\n## 개요\n\n출시 준비 회의\n\n## 결정 사항\n\n- **출시일** 확정\n\n"
    edited += "## 할 일\n\n- [ ] 계획안 작성\n"
    response = member_client.post(url(meeting, "edit/"), {"markdown": edited, "version": 1}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200 and "Edited" in page and "version 2" in page
    minutes = Minutes.objects.get(meeting=meeting, version=2)
    assert minutes.edited_by == member and minutes.edited_from == 1 and minutes.data["overview"] == "출시 준비 회의"
    assert [d["text"] for d in minutes.data["decisions"]] == ["**출시일** 확정"]
    empty = member_client.post(url(meeting, "edit/"), {"markdown": "  ", "version": 2}, HTTP_HX_REQUEST="true")
    assert empty.status_code == 200 and "cannot be empty" in empty.content.decode()
    assert Minutes.objects.filter(meeting=meeting).count() == 2

    member_client.post(url(meeting, "review/"), {"reviewed": "1"}, HTTP_HX_REQUEST="true")
    minutes.refresh_from_db()
    assert minutes.reviewed_by == member and minutes.reviewed_at is not None

    markdown = member_client.get(url(meeting, "export/md/"))
    assert markdown["Content-Type"].startswith("text/markdown")
    assert "- **출시일** 확정" in markdown.content.decode() and "- [ ] 계획안 작성" in markdown.content.decode()
    assert "filename*=UTF-8''" in markdown["Content-Disposition"]
    docx = member_client.get(url(meeting, "export/docx/"))
    document = Document(io.BytesIO(docx.content))
    texts = [p.text for p in document.paragraphs]
    assert "출시 회의" in texts and "출시일 확정" in texts and "☐ 계획안 작성" in texts
    assert member_client.get(url(meeting, "export/pdf/")).status_code == 404


# --- API -------------------------------------------------------------------------------------


def test_api_generate_read_edit_review_export(member, meeting, inline):
    client = api_client(member)
    assert client.get(api(meeting)).status_code == 404
    response = inline(
        client.post, api(meeting, "generate/"), {"provider": "offline", "template": "report"}, format="json"
    )
    assert response.status_code == 202 and response.json()["kind"] == "minutes"
    body = client.get(api(meeting)).json()
    assert body["version"] == 1 and body["latest"] and body["is_extractive"] and body["template"] == "report"
    assert set(body["data"]) >= {
        "title",
        "overview",
        "key_points",
        "decisions",
        "action_items",
        "open_questions",
        "topics",
    }
    assert body["decisions"][0]["start"] == 20.0 and body["action_items"]
    item = body["action_items"][0]["id"]
    assert (
        client.patch(api(meeting, f"action-items/{item}/"), {"status": "done"}, format="json").json()["status"]
        == "done"
    )
    markdown = client.get(api(meeting)).json()["markdown"]
    assert markdown.count("- [x] ") == 1  # the tracker's status shows in the text
    markdown = markdown.replace("- [x] ", "- [ ] ") + "- 출시 일정\n"  # the last section is "Topics"
    edited = client.patch(api(meeting), {"markdown": markdown}, format="json").json()
    assert edited["version"] == 2 and edited["edited_from"] == 1 and edited["edited_at"] and edited["latest"]
    assert [t["title"] for t in edited["data"]["topics"]] == ["출시 일정"]
    assert ActionItem.objects.get(pk=item).status == "open"  # unticked in the text: open again, same row
    refused = client.patch(api(meeting), {"markdown": "# 새 회의록\n\n회의 메모\n"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_markdown" and refused.json()["line"] == 3
    assert client.post(api(meeting, "review/"), {"reviewed": True}, format="json").json()["reviewed_by"] == member.pk
    assert client.get(api(meeting, "export/md/")).content.decode() == client.get(api(meeting)).json()["markdown"]
    assert client.get(api(meeting, "export/docx/"))["Content-Type"].startswith("application/vnd.openxml")
    assert [v["version"] for v in client.get(api(meeting, "versions/")).json()] == [2, 1]
    bad = client.post(api(meeting, "generate/"), {"template": "org:999"}, format="json")
    assert bad.status_code == 404 and bad.json()["code"] == "unknown_template"


def test_api_schema_documents_the_minutes_endpoints(owner):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(urlconf="nexochat.urls").get_schema(request=None, public=True)
    assert "/api/v1/meetings/{id}/minutes/generate/" in schema["paths"]
    assert "/api/v1/meetings/{id}/minutes/export/{fmt}/" in schema["paths"]


# --- permissions -----------------------------------------------------------------------------


def test_outsiders_get_404_everywhere(outsider_client, outsider, meeting, member_client, inline):
    inline(generate, member_client, meeting, provider="offline")
    item = ActionItem.objects.filter(meeting=meeting).first()
    for method, path_ in [
        ("get", url(meeting)),
        ("get", url(meeting, "progress/")),
        ("post", url(meeting, "generate/")),
        ("get", url(meeting, "edit/")),
        ("post", url(meeting, "edit/")),
        ("post", url(meeting, "review/")),
        ("get", url(meeting, "export/md/")),
        ("get", url(meeting, "export/docx/")),
    ]:
        assert getattr(outsider_client, method)(path_).status_code == 404, path_
    client = api_client(outsider)
    for method, path_ in [
        ("get", api(meeting)),
        ("patch", api(meeting)),
        ("get", api(meeting, "versions/")),
        ("post", api(meeting, "generate/")),
        ("get", api(meeting, "job/")),
        ("post", api(meeting, "review/")),
        ("get", api(meeting, "export/md/")),
        ("patch", api(meeting, f"action-items/{item.pk}/")),
    ]:
        assert getattr(client, method)(path_, {}, format="json").status_code == 404, path_
    assert Minutes.objects.filter(meeting=meeting).count() == 1
    assert Minutes.objects.get(meeting=meeting).reviewed_at is None


def test_anonymous_users_are_sent_to_log_in(client, meeting):
    assert client.get(url(meeting)).status_code == 302
    assert APIClient().get(api(meeting)).status_code == 401


# --- organization settings -------------------------------------------------------------------

SETTINGS_URL = "/meetings/minutes-settings/"


def test_admin_sets_provider_and_the_key_is_never_shown_back(owner_client, org):
    response = owner_client.post(
        SETTINGS_URL,
        {
            "provider": "hyperclova",
            "model": "HCX-005",
            "base_url": "",
            "api_key": "nv-super-secret-key",
            "context_window": "",
            "default_template": "report",
        },
    )
    assert response.status_code == 302
    config = OrganizationAISettings.objects.get(organization=org)
    assert config.api_key == "nv-super-secret-key" and config.default_template == "report"
    page = owner_client.get(SETTINGS_URL).content.decode()
    assert "nv-super-secret-key" not in page and "A key is stored." in page
    # A blank key keeps the stored one; "remove" clears it.
    owner_client.post(SETTINGS_URL, {"provider": "hyperclova", "model": "HCX-007", "default_template": "default"})
    config.refresh_from_db()
    assert config.api_key == "nv-super-secret-key" and config.model == "HCX-007"
    bad = owner_client.post(SETTINGS_URL, {"provider": "openai", "base_url": "ftp://x", "default_template": "default"})
    assert bad.status_code == 400 and "http://" in bad.content.decode()
    owner_client.post(SETTINGS_URL, {"provider": "offline", "default_template": "default", "clear_api_key": "on"})
    config.refresh_from_db()
    assert config.api_key == "" and config.provider == "offline"


def test_org_templates_are_managed_by_admins_and_used_in_prompts(owner_client, org, meeting, inline):
    assert (
        owner_client.post(
            SETTINGS_URL + "templates/", {"name": "경영진 보고", "prompt": "비용 영향을 먼저 쓰세요."}
        ).status_code
        == 302
    )
    template = MinutesTemplate.objects.get(organization=org)
    assert owner_client.post(SETTINGS_URL + "templates/", {"name": "경영진 보고", "prompt": "x"}).status_code == 400
    owner_client.post(
        f"{SETTINGS_URL}templates/{template.pk}/", {"name": "경영진 보고", "prompt": "리스크를 먼저 쓰세요."}
    )
    template.refresh_from_db()
    assert template.prompt == "리스크를 먼저 쓰세요."

    seen = []

    def reply(body):
        seen.append(body["messages"][0]["content"])
        return json.dumps({"title": "t", "overview": "o", "key_points": ["k"]})

    with FakeOpenAI(reply=reply, context_window=32000) as fake:
        OrganizationAISettings.objects.create(
            organization=org, provider="openai", model="test-model", base_url=fake.url + "/v1", api_key=fake.api_key
        )
        inline(generate, owner_client, meeting, template=template.key)
    assert "리스크를 먼저 쓰세요." in seen[0]
    assert Minutes.objects.get(meeting=meeting).template == template.key
    assert (
        "offline writer wrote these minutes"
        not in owner_client.get(url(meeting), HTTP_HX_REQUEST="true").content.decode()
    )
    inline(generate, owner_client, meeting, template=template.key, provider="offline")  # no model to follow it
    page = owner_client.get(url(meeting), HTTP_HX_REQUEST="true").content.decode()
    assert "instructions need a language model: the offline writer wrote these minutes" in page
    owner_client.post(f"{SETTINGS_URL}templates/{template.pk}/delete/")
    assert not MinutesTemplate.objects.filter(pk=template.pk).exists()


def test_members_cannot_change_settings_and_outsiders_cannot_touch_other_templates(member_client, outsider_client, org):
    template = MinutesTemplate.objects.create(organization=org, name="T", prompt="p")
    assert member_client.get(SETTINGS_URL).status_code == 403
    assert member_client.post(SETTINGS_URL, {"provider": "openai", "default_template": "default"}).status_code == 403
    assert member_client.post(SETTINGS_URL + "templates/", {"name": "x", "prompt": "y"}).status_code == 403
    assert not OrganizationAISettings.objects.filter(organization=org).exists()
    # The outsider is an owner of another organization: its own settings page, never this one's template.
    assert outsider_client.get(SETTINGS_URL).status_code == 200
    assert outsider_client.get(f"{SETTINGS_URL}templates/{template.pk}/").status_code == 404
    assert outsider_client.post(f"{SETTINGS_URL}templates/{template.pk}/delete/").status_code == 404
    assert MinutesTemplate.objects.filter(pk=template.pk).exists()


def test_full_page_and_lazy_include(owner_client, meeting, inline):
    from django.template.loader import render_to_string

    inline(generate, owner_client, meeting, provider="offline")
    page = owner_client.get(url(meeting)).content.decode()
    assert "<html" in page and 'id="minutes-panel"' in page and "js/minutes.js" in page
    placeholder = render_to_string("meetings/minutes/panel.html", {"meeting": meeting})
    assert f'hx-get="/meetings/{meeting.pk}/minutes/"' in placeholder and 'hx-trigger="load"' in placeholder


def test_settings_api_admin_only_and_key_write_only(owner, member, outsider, org):
    base = f"/api/v1/organizations/{org.pk}/minutes-settings/"
    admin = api_client(owner)
    body = {"provider": "openai", "model": "qwen", "base_url": "http://gpu:8000/v1", "api_key": "sk-secret"}
    response = admin.put(base, body, format="json")
    assert response.status_code == 200 and response.json()["has_api_key"] is True
    assert "sk-secret" not in response.content.decode() and "sk-secret" not in admin.get(base).content.decode()
    assert OrganizationAISettings.objects.get(organization=org).api_key == "sk-secret"
    assert api_client(member).get(base).status_code == 403
    assert api_client(member).put(base, {"provider": "offline"}, format="json").status_code == 403
    assert api_client(outsider).get(base).status_code == 404

    created = admin.post(base + "templates/", {"name": "임원 보고", "prompt": "비용 먼저"}, format="json")
    assert created.status_code == 201 and created.json()["key"].startswith("org:")
    template_id = created.json()["id"]
    assert [t["name"] for t in api_client(member).get(base + "templates/").json()] == ["임원 보고"]
    assert api_client(member).post(base + "templates/", {"name": "x", "prompt": "y"}, format="json").status_code == 403
    assert api_client(outsider).get(base + "templates/").status_code == 404
    assert (
        admin.put(base + f"templates/{template_id}/", {"name": "임원", "prompt": "p"}, format="json").json()["name"]
        == "임원"
    )
    assert api_client(outsider).delete(base + f"templates/{template_id}/").status_code == 404
    assert admin.delete(base + f"templates/{template_id}/").status_code == 204
