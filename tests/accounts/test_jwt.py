"""JWT for API clients: obtain with email and password, refresh (rotating), verify, expiry, throttling."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

PASSWORD = "pw-Secret-123"


@pytest.fixture
def api():
    return APIClient()


def obtain(api, email, password=PASSWORD):
    return api.post("/api/v1/auth/token/", {"email": email, "password": password}, format="json")


def me(api, access):
    return api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {access}")


def test_obtain_pair_with_email_and_password_and_use_it(api, member):
    response = obtain(api, "member@example.com")
    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}
    data = me(api, response.json()["access"]).json()
    assert data["email"] == "member@example.com"
    assert data["memberships"][0]["role"] == "member"


def test_email_is_matched_whatever_its_case(api, member):
    assert obtain(api, " Member@Example.COM ").status_code == 200


@pytest.mark.parametrize(
    "payload",
    [
        {"email": "member@example.com", "password": "wrong"},
        {"email": "nobody@example.com", "password": PASSWORD},
    ],
)
def test_wrong_credentials_get_401(api, member, payload):
    response = api.post("/api/v1/auth/token/", payload, format="json")
    assert response.status_code == 401
    assert "access" not in response.json()


def test_missing_fields_get_400_with_field_errors(api, db):
    response = api.post("/api/v1/auth/token/", {"email": "x@example.com"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()


def test_inactive_user_gets_no_token(api, member):
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert obtain(api, "member@example.com").status_code == 401


def test_refresh_gives_new_access_and_rotates_the_refresh_token(api, member):
    tokens = obtain(api, "member@example.com").json()
    response = api.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 200
    refreshed = response.json()
    assert me(api, refreshed["access"]).status_code == 200
    assert refreshed["refresh"] != tokens["refresh"]
    # The old refresh token was revoked by the rotation.
    again = api.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert again.status_code == 401


def test_blacklisted_refresh_token_no_longer_refreshes(api, member):
    tokens = obtain(api, "member@example.com").json()
    assert api.post("/api/v1/auth/token/blacklist/", {"refresh": tokens["refresh"]}, format="json").status_code == 200
    assert api.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json").status_code == 401


def test_verify_accepts_valid_and_rejects_garbage(api, member):
    tokens = obtain(api, "member@example.com").json()
    assert api.post("/api/v1/auth/token/verify/", {"token": tokens["access"]}, format="json").status_code == 200
    assert api.post("/api/v1/auth/token/verify/", {"token": "not.a.jwt"}, format="json").status_code == 401


def test_expired_access_token_gets_401(api, member):
    token = AccessToken.for_user(member)
    token.set_exp(from_time=timezone.now() - timedelta(hours=2))
    response = me(api, str(token))
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert "memberships" not in response.json()
    assert api.post("/api/v1/auth/token/verify/", {"token": str(token)}, format="json").status_code == 401


def test_expired_refresh_token_cannot_refresh(api, member):
    refresh = RefreshToken.for_user(member)
    refresh.set_exp(from_time=timezone.now() - timedelta(days=30))
    response = api.post("/api/v1/auth/token/refresh/", {"refresh": str(refresh)}, format="json")
    assert response.status_code == 401


def test_access_token_carries_the_configured_lifetime(api, member, settings):
    tokens = obtain(api, "member@example.com").json()
    access = AccessToken(tokens["access"])
    assert access["exp"] - access["iat"] == settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()


def test_access_token_from_the_endpoint_stops_working_when_it_expires(api, member, monkeypatch):
    # Token classes read their lifetime when simplejwt loads, so shorten it on the class. Long enough for
    # the first request on a busy machine; then wait for the expiry itself instead of a fixed sleep.
    monkeypatch.setattr(AccessToken, "lifetime", timedelta(seconds=5))
    tokens = obtain(api, "member@example.com").json()
    assert me(api, tokens["access"]).status_code == 200
    deadline = time.monotonic() + 60
    while me(api, tokens["access"]).status_code == 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert me(api, tokens["access"]).status_code == 401
    refreshed = api.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert me(api, refreshed.json()["access"]).status_code == 200


def test_refresh_token_is_not_an_access_token(api, member):
    tokens = obtain(api, "member@example.com").json()
    assert me(api, tokens["refresh"]).status_code == 401


def test_no_token_gets_401(api, db):
    assert api.get("/api/v1/me/").status_code == 401
    assert api.get("/api/v1/meetings/").status_code == 401


def test_token_endpoints_are_throttled(api, member, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "3/min"})
    statuses = [obtain(api, "member@example.com", "wrong").status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    blocked = obtain(api, "member@example.com")
    assert blocked.status_code == 429
    assert "access" not in blocked.json()


def test_a_made_up_forwarded_for_address_does_not_dodge_the_throttle(api, member, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "3/min"})
    statuses = [
        api.post(
            "/api/v1/auth/token/",
            {"email": "member@example.com", "password": "wrong"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{i}",
        ).status_code
        for i in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
