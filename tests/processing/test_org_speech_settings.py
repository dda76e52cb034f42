"""Per-organization speech settings: engine, model and glossary reach the speech-to-text call.
Job options win over the organization's settings, which win over the server's (processing resolves
them into the job's options; the speech stages read only the options)."""

import numpy as np
import pytest

from nexochat.errors import ServiceError

pytestmark = pytest.mark.django_db


class RecordingEngine:
    """A stand-in engine plugged in through the engine registry that remembers how it was called."""

    name = "recording-test"
    default_batch_size = 1
    calls = []

    def __init__(self, model, device):
        self.model_name = model
        self.device = "cpu"

    def transcribe(
        self, audio, language=None, initial_prompt=None, progress=None, speech_regions=None, batch_size=None
    ):
        from ai_pipeline.stt import Transcript

        self.calls.append({"model": self.model_name, "prompt": initial_prompt, "language": language})
        return Transcript(language="ko", segments=[])


@pytest.fixture
def meeting(org, owner):
    from django.utils import timezone

    from meetings import services

    return services.create_meeting(org, owner, title="용어 회의", held_at=timezone.now())


@pytest.fixture
def recording_engine(monkeypatch):
    from ai_pipeline import stt

    monkeypatch.setitem(stt.ENGINES, "recording-test", f"{__name__}.RecordingEngine")
    RecordingEngine.calls = []
    stt.forget_engines()
    yield RecordingEngine
    stt.forget_engines()


def context_for(meeting, **options):
    """The context a processing job with these options runs its speech stages with."""
    from meetings.models import Job
    from meetings.processing.stages import job_context

    context = job_context(Job.objects.create(meeting=meeting, options=options))
    context.data["speech"] = [(0.0, 1.0)]
    return context


def test_without_organization_settings_the_server_settings_apply(meeting, settings):
    from ai_pipeline.stages import speech_settings

    assert speech_settings(context_for(meeting)) == (None, None, None)


def test_organization_engine_model_and_glossary_reach_the_engine(meeting, org, owner, recording_engine, settings):
    from ai_pipeline.stages import speech_settings, transcribe_with_fallback
    from meetings.models import OrganizationAISettings

    settings.STT_MODELS = ["org-whisper"]
    OrganizationAISettings.objects.create(
        organization=org,
        stt_engine="recording-test",
        stt_model="org-whisper",
        glossary="넥소챗\n\n  HyperCLOVA X \nKPI\n",
        updated_by=owner,
    )
    context = context_for(meeting)
    assert speech_settings(context) == ("recording-test", "org-whisper", "넥소챗, HyperCLOVA X, KPI")
    engine, _transcript = transcribe_with_fallback(context, np.zeros(16000, dtype=np.float32))
    assert engine.name == "recording-test"
    assert recording_engine.calls == [{"model": "org-whisper", "prompt": "넥소챗, HyperCLOVA X, KPI", "language": "ko"}]


def test_job_options_win_over_the_organization(meeting, org, recording_engine, settings):
    from ai_pipeline.stages import speech_settings, transcribe_with_fallback
    from meetings.models import OrganizationAISettings

    settings.STT_MODELS = ["org-model", "job-model"]
    OrganizationAISettings.objects.create(
        organization=org, stt_engine="faster-whisper", stt_model="org-model", glossary="조직 용어"
    )
    context = context_for(meeting, stt_engine="recording-test", stt_model="job-model", glossary=["작업", "용어"])
    assert speech_settings(context) == ("recording-test", "job-model", "작업, 용어")
    transcribe_with_fallback(context, np.zeros(16000, dtype=np.float32))
    assert recording_engine.calls == [{"model": "job-model", "prompt": "작업, 용어", "language": "ko"}]


def test_empty_organization_fields_fall_back_field_by_field(meeting, org, settings, recording_engine):
    from ai_pipeline.stages import speech_settings, transcribe_with_fallback
    from meetings.models import OrganizationAISettings

    settings.STT_ENGINE = "recording-test"
    settings.STT_MODEL = "server-model"
    OrganizationAISettings.objects.create(organization=org, glossary="회의록")
    context = context_for(meeting)
    assert speech_settings(context) == (None, None, "회의록")
    transcribe_with_fallback(context, np.zeros(16000, dtype=np.float32))
    assert recording_engine.calls == [{"model": "server-model", "prompt": "회의록", "language": "ko"}]


def test_a_model_taken_off_the_servers_list_fails_the_job_before_anything_loads(
    meeting, org, recording_engine, settings
):
    from ai_pipeline.pipeline import PipelineError
    from meetings.models import OrganizationAISettings

    settings.STT_MODELS = []  # the organization chose it while the operator still offered it
    OrganizationAISettings.objects.create(organization=org, stt_engine="recording-test", stt_model="retired-model")
    with pytest.raises(PipelineError) as failed:
        context_for(meeting)
    assert failed.value.code == "model_not_allowed" and "retired-model" in str(failed.value)
    assert recording_engine.calls == []


def test_another_organizations_settings_do_not_apply(meeting, other_org):
    from ai_pipeline.stages import speech_settings
    from meetings.models import OrganizationAISettings

    OrganizationAISettings.objects.create(organization=other_org, stt_engine="transformers", glossary="남의 용어")
    assert speech_settings(context_for(meeting)) == (None, None, None)


def test_admin_edits_the_speech_settings(client, org, owner, recording_engine):
    from django.urls import reverse

    from accounts.models import User
    from meetings.models import OrganizationAISettings

    staff = User.objects.create_superuser(email="root@example.com", password="a-Long-pass-phrase-42")
    client.force_login(staff)
    response = client.get(reverse("admin:meetings_organizationaisettings_add"))
    assert response.status_code == 200
    assert b'name="glossary"' in response.content and b'name="stt_engine"' in response.content
    assert b'name="api_key"' not in response.content
    response = client.post(
        reverse("admin:meetings_organizationaisettings_add"),
        {
            "organization": org.pk,
            "provider": "",
            "model": "",
            "base_url": "",
            "default_template": "default",
            "stt_engine": "transformers",
            "stt_model": "openai/whisper-large-v3",
            "glossary": "넥소챗\nKPI",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    config = OrganizationAISettings.objects.get(organization=org)
    assert (config.stt_engine, config.stt_model, config.glossary_terms) == (
        "transformers",
        "openai/whisper-large-v3",
        ["넥소챗", "KPI"],
    )


SETTINGS_URL = "/meetings/minutes-settings/"


def test_owner_sets_speech_settings_on_the_settings_page_and_the_api_keeps_them(
    owner_client, member_client, org, settings
):
    from meetings.minutes.configuration import update_ai_settings
    from meetings.models import OrganizationAISettings

    settings.STT_MODELS = ["openai/whisper-large-v3-turbo"]
    assert member_client.get(SETTINGS_URL).status_code in (403, 404)
    page = owner_client.get(SETTINGS_URL).content.decode()
    assert 'name="glossary"' in page and 'name="stt_engine"' in page
    response = owner_client.post(
        SETTINGS_URL,
        {
            "provider": "",
            "default_template": "default",
            "stt_engine": "transformers",
            "stt_model": "openai/whisper-large-v3-turbo",
            "glossary": "넥소챗\r\n\r\n 온보딩 \r\n",
        },
    )
    assert response.status_code == 302
    config = OrganizationAISettings.objects.get(organization=org)
    assert (config.stt_engine, config.stt_model, config.glossary) == (
        "transformers",
        "openai/whisper-large-v3-turbo",
        "넥소챗\n온보딩",
    )
    assert "온보딩" in owner_client.get(SETTINGS_URL).content.decode()
    assert owner_client.post(SETTINGS_URL, {"default_template": "default", "stt_engine": "nope"}).status_code == 400
    refused = owner_client.post(SETTINGS_URL, {"default_template": "default", "stt_model": "someone/any-model"})
    assert refused.status_code == 400
    with pytest.raises(ServiceError) as not_offered:
        update_ai_settings(org, None, stt_model="someone/any-model")
    assert not_offered.value.details["allowed"] == ["", "openai/whisper-large-v3-turbo"]
    config.refresh_from_db()
    assert config.stt_model == "openai/whisper-large-v3-turbo"

    # Callers that know nothing of speech settings (the minutes-settings API) leave them alone.
    update_ai_settings(org, None, provider="offline")
    config.refresh_from_db()
    assert config.provider == "offline" and config.glossary == "넥소챗\n온보딩" and config.stt_engine == "transformers"
