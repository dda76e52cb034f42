"""An organization's LLM base URL may not point the workers at internal addresses (SSRF) unless the
operator lists them in LLM_ALLOWED_HOSTS: checked when it is saved and again before each request, and
the connection goes to the address just checked. The operator's own LLM_BASE_URL is not subject to the rule."""

import datetime
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from rest_framework.test import APIClient

from ai_pipeline.llm import ConfigurationError, ProviderUnavailableError
from meetings.minutes.configuration import provider_for, update_ai_settings
from meetings.models import OrganizationAISettings
from nexochat import outbound
from nexochat.errors import ServiceError
from nexochat.outbound_transport import CheckedAddressTransport
from tests.support.fakes.openai_compat import FakeOpenAI

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
        "http://[4000::1]/v1",  # IPv6 reserved (is_global says True)
        "http://[fec0::1]/v1",  # IPv6 site-local (deprecated; is_global says True)
    ],
)
def test_internal_addresses_are_refused_at_save(org, owner, nothing_allowed, base_url):
    with pytest.raises(ServiceError, match="LLM_ALLOWED_HOSTS") as refused:
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
    with pytest.raises(ServiceError, match="cannot be resolved") as refused:
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


# --- the connection goes to the address that was checked ---------------------------------------


@pytest.fixture
def fake_dns(monkeypatch):
    """Names answered from `answers` (a list per name: each lookup takes the next, the last one stays);
    everything else from the real resolver. Both the check and the socket layer ask socket.getaddrinfo."""
    answers = {}
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            queue = answers[host]
            address = queue.pop(0) if len(queue) > 1 else queue[0]
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port or 0))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


@pytest.fixture
def internal_service():
    """Something listening on 127.0.0.2 (not allowed) at the port given: it records whether anyone connected."""
    listeners = []

    def listen(port):
        listener = socket.create_server(("127.0.0.2", port))
        listener.setblocking(False)
        listeners.append(listener)
        return listener

    yield listen
    for listener in listeners:
        listener.close()


def was_connected_to(listener):
    try:
        connection, _ = listener.accept()
    except BlockingIOError:
        return False
    connection.close()
    return True


@pytest.mark.parametrize("checked_before_rebinding", [1, 2])
def test_a_name_rebound_between_the_check_and_the_connect_never_reaches_the_new_address(
    org, owner, settings, fake_dns, internal_service, checked_before_rebinding
):
    """The first lookups answer the allowed fake server, later ones an internal address. One lookup
    before the change: the request's own check passes, the connect's lookup sees the internal address
    and refuses it. Two: the connect's check passes too, and the connection goes to the address that
    passed it, not to whatever another lookup would answer now."""
    settings.LLM_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.LLM_MAX_RETRIES = 0
    settings.LLM_TIMEOUT = 5
    with FakeOpenAI() as fake:
        port = int(fake.url.rpartition(":")[2])
        fake_dns["llm.example.test"] = ["127.0.0.1"]
        save_base_url(org, owner, f"http://llm.example.test:{port}/v1", api_key=fake.api_key)
        internal = internal_service(port)
        fake_dns["llm.example.test"] = ["127.0.0.1"] * checked_before_rebinding + ["127.0.0.2"]
        with provider_for(org) as provider:
            if checked_before_rebinding == 1:
                with pytest.raises(ProviderUnavailableError, match=r"internal address \(127\.0\.0\.2\)"):
                    provider.complete(MESSAGES, max_tokens=20)
                assert fake.requests == []
            else:
                assert provider.complete(MESSAGES, max_tokens=20).text
                assert fake.requests[0].header("Host") == f"llm.example.test:{port}"
    assert not was_connected_to(internal)


def test_a_host_allowed_by_name_is_reached_as_usual(org, owner, settings):
    settings.LLM_ALLOWED_HOSTS = ["localhost"]
    with FakeOpenAI() as fake:
        port = int(fake.url.rpartition(":")[2])
        save_base_url(org, owner, f"http://localhost:{port}/v1", api_key=fake.api_key)
        with provider_for(org) as provider:
            assert provider.complete(MESSAGES, max_tokens=20).text
            assert provider.stream_text(MESSAGES, max_tokens=20).text  # streaming goes the same way
    assert fake.requests[0].header("Host") == f"localhost:{port}"


def certificate_for(name, directory):
    """A self-signed certificate for `name` and its key, as files; the PEM to trust it."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    (directory / "cert.pem").write_bytes(pem)
    (directory / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return directory / "cert.pem", directory / "key.pem", pem.decode()


@pytest.fixture
def tls_server(tmp_path):
    """An HTTPS server on 127.0.0.1 with a certificate for llm.example.test; it records the SNI names
    it was sent and answers with the Host header it got."""
    cert_file, key_file, pem = certificate_for("llm.example.test", tmp_path)
    server_names = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    context.sni_callback = lambda _socket, name, _context: server_names.append(name)

    class EchoHost(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802
            body = self.headers["Host"].encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoHost)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server.server_address[1], pem, server_names
    server.shutdown()
    server.server_close()


def test_tls_is_verified_for_the_host_name_while_connecting_to_the_checked_address(settings, fake_dns, tls_server):
    settings.LLM_ALLOWED_HOSTS = ["127.0.0.1"]
    port, pem, server_names = tls_server
    fake_dns["llm.example.test"] = ["127.0.0.1"]
    trust = ssl.create_default_context(cadata=pem)
    with httpx.Client(transport=CheckedAddressTransport(verify=trust)) as client:
        response = client.get(f"https://llm.example.test:{port}/")
        assert response.status_code == 200 and response.text == f"llm.example.test:{port}"
        assert server_names == ["llm.example.test"]
        # The certificate names the host, not its address: verification is on, and for the URL's name.
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            client.get(f"https://127.0.0.1:{port}/")


def test_the_admin_applies_the_same_rule(org, other_org, owner, nothing_allowed):
    from django.test import Client

    from accounts.models import User

    config = save_base_url(org, owner, "https://8.8.8.8/v1")
    client = Client()
    client.force_login(User.objects.create_superuser(email="root@example.com", password="x"))
    refused = {"provider": "openai", "model": "changed", "base_url": "http://169.254.169.254/latest/meta-data/"}
    page = client.post(
        f"/admin/meetings/organizationaisettings/{config.pk}/change/",
        {"organization": org.pk, "default_template": "default", **refused},
    )
    text = page.content.decode()
    assert page.status_code == 200 and "169.254.169.254 is an internal address (169.254.169.254)" in text
    assert "must list it in LLM_ALLOWED_HOSTS" in text
    config.refresh_from_db()
    assert (config.model, config.base_url) == ("test-model", "https://8.8.8.8/v1")
    page = client.post(
        "/admin/meetings/organizationaisettings/add/",
        {"organization": other_org.pk, "default_template": "default", **refused},
    )
    assert page.status_code == 200 and "169.254.169.254 is an internal address" in page.content.decode()
    assert not OrganizationAISettings.objects.filter(organization=other_org).exists()
