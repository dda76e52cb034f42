"""Korean first: Korean unless the user picks English, whatever the browser says."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def korean_default(settings):
    settings.LANGUAGE_CODE = "ko"


def test_pages_are_korean_by_default_even_for_an_english_browser(client):
    response = client.get("/accounts/login/", headers={"accept-language": "en-US,en;q=0.9"})
    assert response.status_code == 200
    assert 'lang="ko"' in response.text
    assert "로그인" in response.text


def test_the_language_menu_switches_to_english_and_back(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    english = client.get("/accounts/login/")
    assert 'lang="en"' in english.text and "Log in" in english.text
    client.post("/i18n/setlang/", {"language": "ko", "next": "/accounts/login/"})
    assert "로그인" in client.get("/accounts/login/").text


def test_signed_in_pages_are_translated(owner_client):
    text = owner_client.get("/meetings/").text
    assert "회의" in text
    assert "Meetings" not in text.split("<main", 1)[0]  # the navigation too


def test_times_default_to_asia_seoul(settings):
    assert settings.TIME_ZONE == "Asia/Seoul"
