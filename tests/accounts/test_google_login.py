"""Google login end to end against a local fake of Google's OAuth endpoints (tests/support/fakes/google_oauth.py)."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from accounts.models import User
from tests.support.fakes.google_oauth import FakeGoogle

CLIENT_ID = "1234-nexochat.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-test-secret"


def _configure(settings, endpoints):
    settings.GOOGLE_CLIENT_ID = CLIENT_ID
    settings.GOOGLE_CLIENT_SECRET = CLIENT_SECRET
    settings.GOOGLE_LOGIN_ENABLED = True
    providers = {**settings.SOCIALACCOUNT_PROVIDERS}
    providers["google"] = {
        **providers["google"],
        "APPS": [{"client_id": CLIENT_ID, "secret": CLIENT_SECRET, "key": ""}],
    }
    settings.SOCIALACCOUNT_PROVIDERS = providers
    settings.GOOGLE_OAUTH_ENDPOINTS = endpoints


@pytest.fixture
def google(settings, db):
    with FakeGoogle(CLIENT_ID, CLIENT_SECRET) as fake:
        _configure(settings, fake.endpoints)
        yield fake


def _sign_in_with_google(client, google):
    """The browser's trip: our login view -> Google's consent -> our callback."""
    response = client.post(reverse("google_login"))
    assert response.status_code == 302
    authorize_url = response["Location"]
    consent = requests.get(authorize_url, allow_redirects=False, timeout=5)
    assert consent.status_code == 302, consent.text
    callback = urlsplit(consent.headers["Location"])
    assert callback.path == reverse("google_callback")
    return client.get(f"{callback.path}?{callback.query}")


def test_login_button_only_when_google_is_configured(client, settings, db):
    settings.GOOGLE_LOGIN_ENABLED = False
    assert "google-button" not in client.get(reverse("account_login")).content.decode()
    _configure(settings, settings.GOOGLE_OAUTH_ENDPOINTS)
    page = client.get(reverse("account_login")).content.decode()
    assert "google-button" in page
    assert reverse("google_login") in page


def test_redirect_to_google_carries_client_id_scopes_and_pkce(client, google, db):
    response = client.post(reverse("google_login"))
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == google.endpoints["authorize"]
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert params["client_id"] == CLIENT_ID
    assert sorted(params["scope"].split()) == ["email", "profile"]
    assert params["response_type"] == "code"
    assert params["redirect_uri"] == "http://testserver/accounts/google/login/callback/"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) >= 43
    assert params["state"]


def test_default_endpoints_are_googles(client, settings, db):
    _configure(
        settings,
        {
            "authorize": "https://accounts.google.com/o/oauth2/v2/auth",
            "token": "https://oauth2.googleapis.com/token",
            "userinfo": "https://www.googleapis.com/oauth2/v1/userinfo",
        },
    )
    response = client.post(reverse("google_login"))
    assert response["Location"].startswith("https://accounts.google.com/o/oauth2/v2/auth?")


def test_callback_creates_and_signs_in_a_new_user(client, google):
    google.add_user(sub="10769150350006150715113082367", email="jiwoo@gmail.com", name="Jiwoo Kim")

    response = _sign_in_with_google(client, google)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:create")  # a new user has no organization yet
    user = User.objects.get(email="jiwoo@gmail.com")
    assert user.name == "Jiwoo Kim"
    assert SocialAccount.objects.get(provider="google").user == user
    assert EmailAddress.objects.get(user=user).verified
    assert client.get(reverse("accounts:create")).context["user"] == user
    token_call = next(r for r in google.requests if r[1] == "/token")
    assert token_call[2]["code_verifier"]
    assert any(r[1] == "/oauth2/v2/userinfo" for r in google.requests)


def test_callback_with_id_token_signs_in(client, google):
    google.issue_id_token = True
    google.add_user(sub="4242", email="minji@gmail.com", name="Minji Lee")

    response = _sign_in_with_google(client, google)

    assert response.status_code == 302
    assert SocialAccount.objects.get(uid="4242").user.email == "minji@gmail.com"
    # The id_token carried the profile, so no userinfo call was needed.
    assert not any(r[1] == "/oauth2/v2/userinfo" for r in google.requests)


def test_existing_email_gets_connected(client, google, owner):
    google.add_user(sub="777", email="owner@example.com", name="Owner On Google")

    response = _sign_in_with_google(client, google)

    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:list")  # owner already belongs to an organization
    assert User.objects.filter(email="owner@example.com").count() == 1
    assert SocialAccount.objects.get(uid="777").user == owner
    assert int(client.session["_auth_user_id"]) == owner.pk


def test_tampered_state_is_refused(client, google):
    google.add_user(sub="1", email="x@gmail.com")
    client.post(reverse("google_login"))
    response = client.get(reverse("google_callback") + "?code=whatever&state=forged")
    assert response.status_code == 401
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email="x@gmail.com").exists()
