"""An organization's LLM base URL may not point the workers at internal addresses (SSRF) unless the
operator lists them in LLM_ALLOWED_HOSTS: checked when it is saved and again before each request.
The operator's own LLM_BASE_URL is not subject to the rule."""

import socket

import pytest
from rest_framework.test import APIClient

from ai_pipeline.llm import ConfigurationError
from meetings.minutes_services import MinutesError, provider_for, update_ai_settings
from meetings.models import OrganizationAISettings
from nexochat import outbound
from tests.fakes.openai_compat import FakeOpenAI

MESSAGES = [{"role": "user", "content": "회의 요약해 주세요"}]
SETTINGS_URL = "/meetings/minutes-settings/"


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def nothing_allowed(settings):
    settings.LLM_ALLOWED_HOSTS = []


def save_base_url(org, user, base_url, api_key="sk-test-key"):
    return update_ai_settings(org, user, provider="openai", model="test-model", base_url=base_url, api_key=api_key)


@pytest.mark.parametrize(
    "base_url",
    [
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
        "http://10.0.0.5:8000/v1",  # private
        "http://localhost:8000/v1",  # a name that resolves to loopback
        "http://127.0.0.1:5432/v1",
        "http://[::1]:8000/v1",
        "http://[::ffff:127.0.0.1]/v1",  # IPv4-mapped IPv6
        "http://2130706433/v1",  # 127.0.0.1 written as one number
        "http://0.0.0.0:8000/v1",
        "http://100.64.0.1/v1",  # shared address space
        "http://224.0.0.1/v1",  # multicast
    ],
)
def test_internal_addresses_are_refused_at_save(org, owner, nothing_allowed, base_url):
    with pytest.raises(MinutesError, match="LLM_ALLOWED_HOSTS") as refused:
        save_base_url(org, owner, base_url)
    assert refused.value.code == "url_not_allowed"
    assert not OrganizationAISettings.objects.filter(organization=org).exists()


def test_the_settings_page_and_the_api_explain_the_refusal(org, owner, owner_client, nothing_allowed):
    page = owner_client.post(
        SETTINGS_URL, {"provider": "openai", "base_url": "http://169.254.169.254/v1", "default_template": "default"}
    )
    text = page.content.decode()
    assert page.status_code == 400 and "169.254.169.254 is an internal address" in text
    assert "LLM_ALLOWED_HOSTS" in text
    api = APIClient()
    api.force_authenticate(owner)
    response = api.put(
        f"/api/v1/organizations/{org.pk}/minutes-settings/",
        {"provider": "openai", "base_url": "http://10.0.0.5/v1"},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "url_not_allowed"
    assert not OrganizationAISettings.objects.filter(organization=org).exists()


def test_public_addresses_are_allowed(org, owner, nothing_allowed):
    assert save_base_url(org, owner, "https://8.8.8.8/v1").base_url == "https://8.8.8.8/v1"
    assert save_base_url(org, owner, "http://[2001:4860:4860::8888]/v1").base_url.startswith("http://[2001")


@pytest.mark.parametrize(
    ("allowed", "base_url"),
    [
        (["10.0.0.5"], "http://10.0.0.5:8000/v1"),
        (["10.0.0.0/8"], "http://10.0.0.5:8000/v1"),
        (["LocalHost"], "http://localhost:8000/v1"),  # the name itself, in any case
        (["127.0.0.0/8"], "http://localhost:8000/v1"),  # or the network its address is in
        (["169.254.169.254"], "http://169.254.169.254/v1"),
        (["::1"], "http://[::1]:8000/v1"),
    ],
)
def test_listed_hosts_and_networks_are_allowed(org, owner, settings, allowed, base_url):
    settings.LLM_ALLOWED_HOSTS = allowed
    assert save_base_url(org, owner, base_url).base_url == base_url


def test_listing_one_address_does_not_open_its_neighbours(settings):
    settings.LLM_ALLOWED_HOSTS = ["10.0.0.5", "gpu.internal"]
    outbound.check_url("http://10.0.0.5/v1")
    outbound.check_url("http://gpu.internal:8000/v1")  # listed by name: not even resolved
    with pytest.raises(outbound.URLRefused):
        outbound.check_url("http://10.0.0.6/v1")


def test_a_host_that_does_not_resolve_is_refused(org, owner, nothing_allowed):
    with pytest.raises(MinutesError, match="cannot be resolved") as refused:
        save_base_url(org, owner, "http://no-such-host.invalid/v1")
    assert refused.value.code == "url_not_allowed"


def test_a_url_allowed_when_saved_is_refused_before_the_request_once_the_operator_removes_it(org, owner, settings):
    settings.LLM_ALLOWED_HOSTS = ["127.0.0.1"]
    with FakeOpenAI() as fake:
        save_base_url(org, owner, fake.url + "/v1", api_key=fake.api_key)
        with provider_for(org) as provider:
            assert provider.complete(MESSAGES, max_tokens=20).text  # allowed: it reaches the server
        settings.LLM_ALLOWED_HOSTS = []
        with provider_for(org) as provider:
            with pytest.raises(ConfigurationError, match="127.0.0.1 is an internal address") as refused:
                provider.complete(MESSAGES, max_tokens=20)
            with pytest.raises(ConfigurationError):
                list(provider.stream(MESSAGES, max_tokens=20))
    assert not refused.value.retryable
    assert len(fake.requests) == 1  # the refused ones never left


def test_a_name_that_resolves_elsewhere_after_saving_is_refused_before_the_request(
    org, owner, nothing_allowed, monkeypatch
):
    answers = {"llm.example.com": "93.184.215.14"}
    real_getaddrinfo = socket.getaddrinfo

    def dns(host, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (answers[host], 0))]
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", dns)
    save_base_url(org, owner, "http://llm.example.com/v1")
    answers["llm.example.com"] = "169.254.169.254"  # DNS rebinding
    with provider_for(org) as provider, pytest.raises(ConfigurationError, match="169.254.169.254"):
        provider.complete(MESSAGES, max_tokens=20)


def test_the_operators_own_base_url_is_not_checked(org, settings, nothing_allowed):
    with FakeOpenAI() as fake:
        settings.LLM_PROVIDER = "openai"
        settings.LLM_MODEL = "test-model"
        settings.LLM_BASE_URL = fake.url + "/v1"
        settings.LLM_API_KEY = fake.api_key
        with provider_for(org) as provider:
            assert provider.complete(MESSAGES, max_tokens=20).text
    assert fake.requests[0].header("Authorization") == f"Bearer {fake.api_key}"
