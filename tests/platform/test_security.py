"""Security: headers (CSP without inline scripts, frame-ancestors, Permissions-Policy,
HSTS behind HTTPS), rate limits (login, upload), media only through permission-checked views,
script payloads in transcripts and model output rendered inert, and deleting a meeting removing
everything derived from it. `check --deploy` is covered by tests/platform/test_settings.py."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import models
from django.test import RequestFactory
from rest_framework.test import APIClient

from ai_pipeline.models import Passage, SearchIndexVersion, SegmentEmbedding
from meetings.models import ChatMessage, Conversation, Meeting, Recording
from nexochat.security import content_security_policy, parse_rate, rate_limit
from tests.support import factories
from tests.support.uploads import multipart
from tests.support.world import build_world

ROOT = Path(__file__).resolve().parents[2]
PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    '"><svg onload=alert(3)>',
    "javascript:alert(4)",
]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(org, owner, admin_user, member):
    return build_world(org, owner, admin_user, member)


# --- headers ---------------------------------------------------------------------------------


def _directives(header):
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_pages_send_a_strict_content_security_policy_and_friends(client, owner_client, world):
    for response in (client.get("/accounts/login/"), owner_client.get(f"/meetings/{world.shared.meeting.pk}/")):
        assert response.status_code == 200
        csp = _directives(response["Content-Security-Policy"])
        assert csp["script-src"] == ["'self'"], csp["script-src"]
        assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
        assert csp["base-uri"] == ["'self'"] and csp["default-src"] == ["'self'"]
        assert "'unsafe-eval'" not in response["Content-Security-Policy"]
        assert response["X-Frame-Options"] == "DENY"
        assert "camera=()" in response["Permissions-Policy"]
        # The microphone only for this site, and only on the meeting page (recorder, voice questions).
        microphone = "microphone=(self)" if "/meetings/" in response.request["PATH_INFO"] else "microphone=()"
        assert microphone in response["Permissions-Policy"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_google_sign_in_may_post_to_google_only_when_enabled(settings):
    settings.GOOGLE_LOGIN_ENABLED = False
    assert _directives(content_security_policy())["form-action"] == ["'self'"]
    settings.GOOGLE_LOGIN_ENABLED = True
    assert _directives(content_security_policy())["form-action"] == ["'self'", "https://accounts.google.com"]


def test_hsts_is_sent_over_https(client, settings, db):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in client.get("/accounts/login/")


def test_swagger_ui_inline_bootstrap_is_allowed_by_hash_only(client, db):
    response = client.get("/api/v1/docs/")
    scripts = _directives(response["Content-Security-Policy"])["script-src"]
    assert scripts[0] == "'self'" and all(s.startswith("'sha256-") for s in scripts[1:]) and len(scripts) >= 2
    assert "'unsafe-inline'" not in scripts


def test_recordings_are_sandboxed(owner_client, world):
    response = owner_client.get(f"/meetings/{world.shared.meeting.pk}/audio/")
    assert response.status_code == 200 and response["Content-Security-Policy"] == "sandbox"
    b"".join(response.streaming_content)


def test_no_template_has_an_inline_script_or_event_handler():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        if "emails" in path.parts:
            continue  # mail clients, not browsers under our CSP
        text = path.read_text()
        if INLINE_SCRIPT.search(text) or re.search(r"\son[a-z]+=\"", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"inline scripts or on*= handlers (blocked by the CSP): {offenders}"


def test_rendered_pages_have_no_inline_script(owner_client, world):
    pk = world.shared.meeting.pk
    for url in (
        "/dashboard/",
        "/meetings/",
        f"/meetings/{pk}/",
        f"/meetings/{pk}/transcript/",
        f"/meetings/{pk}/minutes/",
        f"/meetings/{pk}/sharing/",
        f"/orgs/{world.organization.pk}/members/",
        "/preferences/",
        "/search/?q=출시",
        "/chat/",
        f"/s/{world.shared.share_link.token}/",
    ):
        response = owner_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), url
        assert not INLINE_HANDLER.search(html), (url, INLINE_HANDLER.search(html).group(0)[:200])


# --- media -----------------------------------------------------------------------------------


def test_media_files_are_never_served_by_path(client, owner_client, outsider_client, world):
    name = world.shared.recording.file.name
    assert Path(world.shared.recording.file.path).exists()
    for c in (client, owner_client, outsider_client):
        for url in (f"/media/{name}", f"/{name}", f"/static/../media/{name}"):
            response = c.get(url)
            assert response.status_code in (302, 404), (url, response.status_code)
            assert b"RIFF" not in response.content


def test_share_audio_needs_an_active_link(client, world):
    assert client.get(f"/s/{world.shared.revoked_link.token}/audio/").status_code == 404
    response = client.get(f"/s/{world.shared.share_link.token}/audio/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"RIFF")


# --- rate limits -----------------------------------------------------------------------------


def test_failed_logins_are_rate_limited_per_account(client, owner):
    """allauth's login_failed limit (5 per account in 5 minutes here): the form refuses further
    tries, even with the right password, until the window passes."""
    pages = [
        client.post("/accounts/login/", {"login": owner.email, "password": "wrong-password"}).content.decode()
        for _ in range(6)
    ]
    assert "Too many failed login attempts" not in pages[0]
    assert "Too many failed login attempts" in pages[-1]
    response = client.post("/accounts/login/", {"login": owner.email, "password": "pw-Secret-123"})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logins_are_rate_limited_per_address(client, owner, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    statuses = [
        client.post("/accounts/login/", {"login": f"nobody{i}@example.com", "password": "x"}).status_code
        for i in range(5)
    ]
    assert statuses[:3] == [200, 200, 200] and statuses[-1] == 429, statuses


def test_uploads_are_rate_limited_per_user(settings, owner, world, tmp_path):
    settings.RATE_LIMITS = {"upload": "2/1000d"}  # a window no test run crosses
    api = APIClient()
    api.force_authenticate(owner)
    url = f"/api/v1/meetings/{world.shared.meeting.pk}/recording/"
    statuses = []
    for _ in range(3):
        body, ctype = multipart("x.wav", b"", "audio/wav")
        statuses.append(api.generic("POST", url, body, content_type=ctype))
    assert [r.status_code for r in statuses] == [400, 400, 429]
    assert statuses[-1].json()["code"] == "rate_limited" and int(statuses[-1]["Retry-After"]) >= 1
    # another user has a budget of their own
    other = APIClient()
    other.force_authenticate(world.admin)
    body, ctype = multipart("x.wav", b"", "audio/wav")
    assert other.generic("POST", url, body, content_type=ctype).status_code == 400


def test_chat_questions_and_searches_are_rate_limited(settings, owner_client, owner, org, db):
    settings.RATE_LIMITS = {"chat": "1/1000d", "search": "2/1000d"}  # a window no test run crosses
    first = owner_client.post("/chat/ask/", {"question": "예산은?"})
    assert first.status_code in (200, 302), first.status_code
    second = owner_client.post("/chat/ask/", {"question": "또 예산은?"})
    assert second.status_code == 429 and "Too many requests" in second.content.decode()
    assert ChatMessage.objects.filter(content="또 예산은?").count() == 0
    api = APIClient()
    api.force_authenticate(owner)
    conversation = api.post("/api/v1/chat/conversations/", {"organization": org.pk}, format="json").json()["id"]
    refused = api.post(f"/api/v1/chat/conversations/{conversation}/messages/", {"question": "x"}, format="json")
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    statuses = [owner_client.get("/search/", {"q": "예산"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert api.get("/api/v1/search/", {"q": "예산"}).status_code == 429


def test_rate_limit_decorator_on_a_page_and_its_rates(settings, owner):
    settings.RATE_LIMITS = {"chat": "1/1000d"}  # a window no test run crosses

    @rate_limit("chat")
    def view(request):
        from django.http import HttpResponse

        return HttpResponse("ok")

    request = RequestFactory().post("/chat/ask/")
    request.user = owner
    assert view(request).status_code == 200
    refused = view(request)
    assert refused.status_code == 429 and refused["Content-Type"].startswith("text/plain")
    get = RequestFactory().get("/chat/")
    get.user = owner
    assert view(get).status_code == 200  # only POSTs count
    assert parse_rate("30/h") == (30, 3600) and parse_rate("5/30s") == (5, 30)
    with pytest.raises(ValueError):
        parse_rate("lots")


# --- escaping --------------------------------------------------------------------------------


def _poison(world):
    ms = world.shared
    text = " ".join(PAYLOADS)
    ms.segment.text = ms.segment.original_text = f"출시 {text}"
    ms.segment.save()
    ms.speaker.name = PAYLOADS[1][:90]
    ms.speaker.save()
    ms.minutes.data = {
        "title": PAYLOADS[0],
        "overview": f"{text}\n\n[link](javascript:alert(5))",
        "key_points": PAYLOADS,
        "decisions": [{"text": PAYLOADS[1]}],
        "action_items": [{"text": PAYLOADS[2], "owner": PAYLOADS[0]}],
        "open_questions": PAYLOADS,
        "topics": [{"title": p, "start": 0.0, "end": 1.0} for p in PAYLOADS],
    }
    ms.minutes.save()
    ms.decision.text = PAYLOADS[1]
    ms.decision.save()
    ms.action_item.text = PAYLOADS[2]
    ms.action_item.save()
    ms.meeting.title = f"회의 {PAYLOADS[0]}"
    ms.meeting.save()
    from meetings.search.indexing import index_meeting

    index_meeting(ms.meeting)


def _assert_inert(html, where):
    assert "<script>alert" not in html, where
    assert not re.search(r"<img[^>]*onerror", html, re.I), where
    assert not re.search(r"<svg[^>]*onload", html, re.I), where
    assert 'href="javascript:' not in html.lower(), where
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "alert(1)" not in html, where


def test_script_payloads_in_transcripts_and_model_output_render_inert(owner_client, client, world):
    _poison(world)
    pk = world.shared.meeting.pk
    pages = {
        "meeting page": f"/meetings/{pk}/",
        "transcript panel": f"/meetings/{pk}/transcript/",
        "minutes panel": f"/meetings/{pk}/minutes/",
        "minutes page": f"/meetings/{pk}/minutes/?full=1",
        "search results": "/search/?q=출시",
        "meeting list": "/meetings/",
        "action items": "/action-items/",
        "decisions": "/decisions/",
        "dashboard": "/dashboard/",
        "series": f"/series/{world.series.pk}/",
    }
    for where, url in pages.items():
        response = owner_client.get(url)
        assert response.status_code == 200, where
        _assert_inert(response.content.decode(), where)
    guest = client.get(f"/s/{world.shared.share_link.token}/")
    assert guest.status_code == 200
    html = guest.content.decode()
    _assert_inert(html, "guest share page")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the text is there, shown as text
    search = owner_client.get("/search/?q=출시").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in search  # the poisoned passage is found, as text
    # a chat answer quoting the payload (model output) and the question that asked for it
    ms = world.shared
    ms.message.content = f"{PAYLOADS[0]} {PAYLOADS[1]} [1]"
    ms.message.save()
    ms.conversation.messages.filter(role="user").update(content=PAYLOADS[2])
    chat = owner_client.get(f"/chat/{ms.conversation.pk}/")
    assert chat.status_code == 200
    _assert_inert(chat.content.decode(), "chat thread")
    box = owner_client.get(f"/chat/meeting/{pk}/")
    assert box.status_code == 200
    _assert_inert(box.content.decode(), "meeting chat box")


def test_exports_of_poisoned_minutes_are_not_html(owner_client, world):
    _poison(world)
    pk = world.shared.meeting.pk
    for url in (f"/meetings/{pk}/minutes/export/md/", f"/meetings/{pk}/transcript/export/txt/"):
        response = owner_client.get(url)
        assert response.status_code == 200
        assert not response["Content-Type"].startswith("text/html"), url
        assert response["X-Content-Type-Options"] == "nosniff"


# --- deleting a meeting ----------------------------------------------------------------------


def _rows_pointing_at(meeting_id, segment_ids, speaker_ids, passage_ids):
    """Every row of every model with a foreign key to the meeting or anything inside it."""
    targets = {
        Meeting: {meeting_id},
        apps.get_model("meetings", "Segment"): set(segment_ids),
        apps.get_model("meetings", "Speaker"): set(speaker_ids),
        Passage: set(passage_ids),
    }
    found = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.ForeignKey | models.OneToOneField) and field.related_model in targets:
                ids = targets[field.related_model]
                count = model._default_manager.filter(**{f"{field.attname}__in": ids}).count() if ids else 0
                if count:
                    found[f"{model._meta.label}.{field.name}"] = count
    return found


@pytest.mark.parametrize("how", ["page", "api"])
def test_deleting_a_meeting_removes_everything_derived_from_it(
    how, owner, owner_client, world, django_capture_on_commit_callbacks
):
    ms = world.shared
    meeting_id = ms.meeting.pk
    path = Path(ms.recording.file.path)
    segment_ids = list(ms.meeting.segments.values_list("pk", flat=True))
    speaker_ids = list(ms.meeting.speakers.values_list("pk", flat=True))
    passage_ids = list(Passage.objects.filter(meeting_id=meeting_id).values_list("pk", flat=True))
    assert path.exists() and passage_ids and _rows_pointing_at(meeting_id, segment_ids, speaker_ids, passage_ids)
    version = SearchIndexVersion.objects.get(organization=world.organization).version
    private_before = _rows_pointing_at(world.private.meeting.pk, [], [], [])

    with django_capture_on_commit_callbacks(execute=True):
        if how == "page":
            response = owner_client.post(f"/meetings/{meeting_id}/delete/")
            assert response.status_code == 302
        else:
            api = APIClient()
            api.force_authenticate(owner)
            assert api.delete(f"/api/v1/meetings/{meeting_id}/").status_code == 204

    assert not Meeting.objects.filter(pk=meeting_id).exists()
    assert not path.exists(), "the audio file is still on disk"
    assert not Recording.objects.filter(meeting_id=meeting_id).exists()
    assert _rows_pointing_at(meeting_id, segment_ids, speaker_ids, passage_ids) == {}
    assert not Passage.objects.filter(pk__in=passage_ids).exists()
    assert not SegmentEmbedding.objects.filter(meeting_id=meeting_id).exists()
    assert SearchIndexVersion.objects.get(organization=world.organization).version > version
    # chat: the conversation about the meeting, and the archive answer that cited it
    assert not Conversation.objects.filter(meeting_id=meeting_id).exists()
    cited = [m for m in ChatMessage.objects.all() if any(c.get("meeting_id") == meeting_id for c in m.citations or [])]
    assert cited == []
    assert not ChatMessage.objects.filter(content__contains="ZETA").exists()
    # the other meeting is untouched
    assert _rows_pointing_at(world.private.meeting.pk, [], [], []) == private_before
    assert Path(world.private.recording.file.path).exists()
    assert world.private.meeting.title in Meeting.objects.values_list("title", flat=True)


def test_a_failed_delete_keeps_the_audio_file(owner, world, monkeypatch):
    from meetings import services

    path = Path(world.shared.recording.file.path)

    def explode(self, *args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Meeting, "delete", explode)
    with pytest.raises(RuntimeError):
        services.delete_meeting(world.shared.meeting, user=owner)
    monkeypatch.undo()
    assert path.exists() and Meeting.objects.filter(pk=world.shared.meeting.pk).exists()
    assert Passage.objects.filter(meeting=world.shared.meeting).exists()


# --- the policy in a real browser ------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_run_under_the_policy_without_violations(live_server, browser):
    """Chromium reports every blocked script or style as a console error; the main pages have none,
    the org switcher still submits (its handler lives in static/js/forms.js), and htmx still works."""
    from accounts.models import Role

    user = factories.user("csp@example.com", name="씨에스피")
    first = factories.organization("첫째 팀", members=[(user, Role.OWNER)])
    second = factories.organization("둘째 팀", members=[(user, Role.OWNER)])
    world = build_world(first, user, user, user)
    pk = world.shared.meeting.pk
    page = browser.new_page()
    page.set_default_timeout(20_000)
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", "pw-Secret-123")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    for url in (
        "/dashboard/",
        f"/meetings/{pk}/",
        f"/meetings/{pk}/transcript/",
        f"/meetings/{pk}/sharing/",
        f"/orgs/{first.pk}/members/",
        "/search/?q=출시",
        "/chat/",
        f"/s/{world.shared.share_link.token}/",
    ):
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/meetings/")
    page.select_option("select[name=organization]", str(second.pk))
    page.wait_for_load_state("networkidle")
    assert page.locator(".orgswitch select option:checked").inner_text().strip() == "둘째 팀"
    assert violations == []
