"""The dashboard of an organization without meetings shows what to do first: a meeting to upload or record,
colleagues to invite, a language model to connect (with the note that the offline writer is used until then).
Owners and admins get links; members are told whom to ask."""

import pytest
from django.test import Client

from tests.support import factories


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    settings.LLM_PROVIDER = "offline"


def first_steps(client):
    page = client.get("/").content.decode()
    if 'id="first-steps"' not in page:
        return None
    return page.split('id="first-steps"')[1].split("</section>")[0]


def step(section, name):
    return section.split(f'id="step-{name}"')[1].split("</li>")[0]


def test_admin_of_a_new_organization_gets_the_three_first_steps_as_links(org, owner_client):
    section = first_steps(owner_client)
    assert section is not None
    assert 'href="/meetings/new/"' in step(section, "meeting")
    assert f'href="/orgs/{org.pk}/members/"' in step(section, "invite")
    llm = step(section, "llm")
    assert 'href="/meetings/minutes-settings/"' in llm
    assert "Until then, the offline writer makes the minutes" in llm


def test_member_sees_what_they_can_do_and_whom_to_ask(org, member_client):
    section = first_steps(member_client)
    assert 'href="/meetings/new/"' in step(section, "meeting")
    invite, llm = step(section, "invite"), step(section, "llm")
    assert "href=" not in invite and "Ask an owner or admin" in invite
    assert "href=" not in llm and "minutes settings" in llm and "offline writer" in llm


def test_the_first_steps_go_once_the_organization_has_a_meeting(org, owner, owner_client):
    factories.meeting(org, "첫 회의", creator=owner)
    assert first_steps(owner_client) is None


def test_a_connected_language_model_is_shown_as_done(settings, owner_client):
    settings.LLM_PROVIDER, settings.LLM_MODEL = "openai", "gpt-4o-mini"
    settings.LLM_BASE_URL, settings.LLM_API_KEY = "https://llm.example.com/v1", "sk-test"
    llm = step(first_steps(owner_client), "llm")
    assert "Connected" in llm and "offline writer" not in llm


def test_first_steps_in_korean(org, owner, settings):
    settings.LANGUAGE_CODE = "ko"
    client = Client()
    client.force_login(owner)
    section = first_steps(client)
    assert "시작하기" in section and "동료 초대하기" in section and "추출 요약" in section
