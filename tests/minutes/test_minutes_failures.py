"""Failures stay where they happen: a minutes regeneration that fails keeps the previous minutes and the
meeting's done state, and is explained on the minutes panel only, in the reader's language and without
setting names (those go to the job's reason and log for operators); a provider that is not set up is
refused before any job runs, shown disabled with the reason to owners and admins, and not offered to
members."""

import pytest
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import User
from meetings.minutes import configuration, services
from meetings.models import Job, JobState, MeetingStatus, Minutes, OrganizationAISettings
from meetings.processing import tasks
from meetings.processing.services import queue_processing
from tests.support.fakes.clova import FakeClova
from tests.support.minutes import generate, make_launch_meeting, url

SETTING_NAMES = ("LLM_API_KEY", "LLM_API_KEY_FILE", "LLM_BASE_URL", "LLM_MODEL")


@pytest.fixture(autouse=True)
def server(settings):
    settings.LANGUAGE_CODE = "ko"
    settings.LLM_PROVIDER = "offline"
    settings.LLM_API_KEY = ""
    settings.LLM_MAX_RETRIES = 0


@pytest.fixture
def processed(org, owner, member, inline, member_client):
    """A processed meeting (its recording job done) with offline minutes, version 1."""
    meeting = make_launch_meeting(org, owner, member)
    Job.objects.create(meeting=meeting, kind="process", state=JobState.DONE, percent=100)
    meeting.status = MeetingStatus.READY
    meeting.save(update_fields=["status"])
    inline(generate, member_client, meeting, provider="offline")
    assert services.current_minutes(meeting).version == 1
    return meeting


def _panel(client, meeting):
    return client.get(url(meeting), HTTP_HX_REQUEST="true").content.decode()


def test_a_failed_regeneration_keeps_the_minutes_and_the_meetings_done_state(
    processed, member, owner_client, member_client
):
    # A job queued for HyperCLOVA X, which has no API key on this server by the time it runs.
    job = queue_processing(processed, kind="minutes", options={"provider": "hyperclova", "template": ""})
    tasks.run_job(job.pk)
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.failure_code == "not_configured"
    assert "LLM_API_KEY" in job.reason and "LLM_API_KEY" in job.log  # for operators

    processed.refresh_from_db()
    assert processed.status == MeetingStatus.READY
    assert Minutes.objects.filter(meeting=processed).count() == 1  # the previous minutes stay current

    card = member_client.get(f"/meetings/{processed.pk}/status/").content.decode()
    assert "badge done" in card and "badge failed" not in card and "Retry" not in card and "재시도" not in card

    page = _panel(member_client, processed)
    with translation.override("ko"):
        expected = services.failure_message(job, has_minutes=True, admin=False)
    assert expected.startswith("HyperCLOVA X (CLOVA Studio)") and "이전 회의록은 그대로입니다." in expected
    assert expected in page and "출시는 다음 달 3일로 하기로 결정했습니다." in page
    assert not any(name in page for name in SETTING_NAMES) and "Minutes could not be written" not in page
    assert "minutes-settings" not in page  # members are told to ask an owner or admin instead
    assert "minutes-settings" in _panel(owner_client, processed)

    api = APIClient()
    api.force_authenticate(member)
    body = api.get(f"/api/v1/jobs/{job.pk}/").json()
    assert body["state"] == "failed" and body["failure_code"] == "not_configured"  # clients explain it themselves

    staff = Client()
    staff.force_login(User.objects.create_superuser(email="root@example.com", password="x"))
    assert "LLM_API_KEY" in staff.get(f"/admin/meetings/job/{job.pk}/change/").content.decode()


def test_a_refused_api_key_is_explained_on_the_minutes_panel(processed, org, owner_client, inline):
    with FakeClova() as fake:
        OrganizationAISettings.objects.create(organization=org, provider="hyperclova", base_url=fake.url)
        config = configuration.ai_settings(org)
        config.api_key = "nv-wrong"
        config.save()
        inline(generate, owner_client, processed)
    job = services.latest_minutes_job(processed)
    assert job.state == JobState.FAILED and job.failure_code == "auth" and fake.attempts == 1
    page = _panel(owner_client, processed)
    assert "API 키를 받아들이지 않아" in page and "이전 회의록은 그대로입니다." in page
    assert not any(name in page for name in SETTING_NAMES) and "HTTP 401" not in page
    processed.refresh_from_db()
    assert processed.status == MeetingStatus.READY and services.current_minutes(processed).version == 1


def test_a_provider_that_is_not_set_up_is_refused_before_any_job(processed, member, owner_client):
    response = owner_client.post(url(processed, "generate/"), {"provider": "hyperclova"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "HyperCLOVA X (CLOVA Studio) 제공자는 설정되지 않았습니다(API 키 없음)." in page
    assert not any(name in page for name in SETTING_NAMES)
    assert not Job.objects.filter(meeting=processed, kind="minutes").exclude(options__provider="offline").exists()

    client = APIClient()
    client.force_authenticate(member)
    refused = client.post(f"/api/v1/meetings/{processed.pk}/minutes/generate/", {"provider": "openai"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "provider_not_configured"
    assert "(모델 미지정)" in refused.json()["error"]


def test_providers_that_are_not_set_up_are_disabled_for_admins_and_hidden_from_members(
    processed, owner_client, member_client
):
    owner_page = _panel(owner_client, processed)
    assert '<option value="hyperclova" disabled>' in owner_page and "설정 안 됨: API 키 없음" in owner_page
    assert '<option value="openai" disabled>' in owner_page and '<option value="offline">' in owner_page
    member_page = _panel(member_client, processed)
    assert 'value="hyperclova"' not in member_page and 'value="openai"' not in member_page
    assert '<option value="offline">' in member_page


def test_the_minutes_job_api_explains_a_failure_in_the_readers_language(processed, member):
    job = queue_processing(processed, kind="minutes", options={"provider": "hyperclova", "template": ""})
    tasks.run_job(job.pk)
    client = APIClient()
    client.force_authenticate(member)
    body = client.get(f"/api/v1/meetings/{processed.pk}/minutes/job/", HTTP_ACCEPT_LANGUAGE="ko").json()
    assert body["job"]["state"] == "failed" and body["message"].startswith("HyperCLOVA X (CLOVA Studio)")
    assert not any(name in body["message"] for name in SETTING_NAMES)
