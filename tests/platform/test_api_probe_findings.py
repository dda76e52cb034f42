"""What an outside probe of the API found, one test per finding: an action item's status changed by any
member through the minutes API, the password lockout skipped through the token endpoint, a meeting title
that forged calendar lines, ids and integers beyond what a database column holds (500), JSON bodies nested
or sized without limit, and model ids that users could name freely."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role
from meetings.models import ActionItem, ItemStatus
from tests.support import factories
from tests.support.routes import url_routes

PASSWORD = factories.PASSWORD
HUGE = (2**63, 2**64, 10**30)
STAND_IN = 424242424242


def api_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def meeting_with_item(org, owner, member):
    """A meeting the owner created, with an action item assigned to the owner; `member` is a plain member."""
    meeting = factories.meeting(org, "분기 회의", creator=owner, status="ready")
    factories.minutes(meeting, action_items=[{"text": "예산표 작성", "assignee": owner}])
    return meeting, ActionItem.objects.get(meeting=meeting)


# --- an action item's status: its assignee, the meeting's creator or an admin --------------------------------


def test_a_plain_member_cannot_change_an_action_item_through_the_minutes_api(meeting_with_item, member):
    meeting, item = meeting_with_item
    url = f"/api/v1/meetings/{meeting.pk}/minutes/action-items/{item.pk}/"
    response = api_client(member).patch(url, {"status": "done"}, format="json")
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


def test_the_assignee_and_an_admin_can_change_it(meeting_with_item, org, owner, make_user):
    meeting, item = meeting_with_item
    url = f"/api/v1/meetings/{meeting.pk}/minutes/action-items/{item.pk}/"
    assert api_client(owner).patch(url, {"status": "done"}, format="json").json()["status"] == "done"
    admin = make_user("second-admin@example.com", org, Role.ADMIN)
    assert api_client(admin).patch(url, {"status": "open"}, format="json").status_code == 200
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


# --- the lockout after wrong passwords holds for tokens too ----------------------------------------------


def _token(client, email, password):
    return client.post("/api/v1/auth/token/", {"email": email, "password": password}, format="json")


def test_an_account_locked_on_the_sign_in_page_gets_no_token(client, owner):
    for _ in range(5):
        client.post("/accounts/login/", {"login": owner.email, "password": "wrong-password"})
    response = _token(APIClient(), owner.email, PASSWORD)
    assert response.status_code == 429 and "access" not in response.json()
    assert "Too many failed sign-ins" in response.json()["detail"]


def test_wrong_passwords_on_the_token_endpoint_lock_the_account_everywhere(owner):
    api = APIClient()
    assert [_token(api, owner.email, "wrong").status_code for _ in range(5)] == [401] * 5
    assert _token(api, owner.email, PASSWORD).status_code == 429
    page = Client().post("/accounts/login/", {"login": owner.email, "password": PASSWORD})
    assert "Too many failed login attempts" in page.content.decode()


def test_a_right_password_does_not_count_as_a_failure(owner):
    api = APIClient()
    for _ in range(8):
        assert _token(api, owner.email, PASSWORD).status_code == 200


# --- a meeting title cannot forge calendar lines -----------------------------------------------------------

FORGED = "ics\r\nATTENDEE:mailto:evil@example.com\r\nX-INJ:1"


@pytest.mark.parametrize("title", [FORGED, "ics\rATTENDEE:mailto:evil@example.com", "a\x0bb\x00c"])
def test_an_ics_file_keeps_a_stored_title_on_one_line(org, owner, owner_client, title):
    meeting = factories.meeting(org, title, creator=owner)
    response = owner_client.get(f"/meetings/{meeting.pk}/meeting.ics")
    assert response.status_code == 200
    body = response.content.decode()
    lines = body.split("\r\n")
    assert not any(line.startswith(("ATTENDEE:mailto:evil", "X-INJ")) for line in lines)
    assert "\r" not in body.replace("\r\n", "") and "\n" not in body.replace("\r\n", "")
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", body)
    calname = next(line for line in lines if line.startswith("X-WR-CALNAME:"))
    assert calname.startswith("X-WR-CALNAME:ics ") or calname.startswith("X-WR-CALNAME:a b c")


@pytest.mark.parametrize("title", [FORGED, "one\rtwo", "tab\tinside"])
def test_titles_with_line_breaks_or_control_characters_are_refused(org, owner, title):
    api = api_client(owner)
    response = api.post("/api/v1/meetings/", {"title": title, "organization": org.pk}, format="json")
    assert response.status_code == 400 and "title" in response.json()
    page = Client()
    page.force_login(owner)
    form = page.post("/meetings/new/", {"title": title, "held_at": "2026-12-01T10:00", "language": "ko"})
    assert form.status_code == 200 and ("줄바꿈" in form.content.decode() or "line breaks" in form.content.decode())


# --- ids and integers beyond a database column: 404 or 400, never 500 ---------------------------------------


def _huge_value(kwarg, number):
    return {"token": "x" * 20, "fmt": "md", "format": "json"}.get(kwarg, number)


def test_every_route_answers_ids_out_of_range_without_a_server_error(owner):
    """Each URL kwarg that takes an id, set to numbers past 64 bits, on every route, by its owner."""
    client = Client()
    client.force_login(owner)
    tried = 0
    failures = []
    for name, kwargs, _route in url_routes(skip=("admin/", "i18n/", "api/v1/schema", "api/v1/docs")):
        if not kwargs or name is None:
            continue
        for number in HUGE:
            # Reversed with a stand-in, then replaced: some patterns refuse long numbers themselves (a 404).
            url = reverse(name, kwargs={k: _huge_value(k, STAND_IN) for k in kwargs}).replace(
                str(STAND_IN), str(number)
            )
            for method in ("GET", "POST", "PATCH", "DELETE"):
                response = client.generic(method, url, "{}", content_type="application/json")
                tried += 1
                if response.status_code >= 500:
                    failures.append(f"{method.upper()} {url}: {response.status_code}")
    assert tried > 300
    assert not failures, failures


QUERY_PARAMETERS = [
    "/api/v1/search/?q=예산&participant={n}",
    "/api/v1/search/?q=예산&meeting={n}",
    "/api/v1/action-items/?assignee={n}",
    "/api/v1/action-items/?meeting={n}",
    "/api/v1/action-items/?series={n}",
    "/api/v1/decisions/?meeting={n}",
    "/api/v1/decisions/?series={n}",
    "/api/v1/chat/conversations/?meeting={n}",
    "/api/v1/meetings/?participant={n}",
    "/api/v1/meetings/?organization={n}",
    "/api/v1/meetings/?page={n}",
    "/action-items/?meeting={n}",
    "/action-items/?assignee={n}",
    "/action-items/?series={n}",
    "/decisions/?meeting={n}",
    "/search/?q=예산&participant={n}",
    "/chat/?meeting={n}",
    "/meetings/?participant={n}",
    "/meetings/?page={n}",
]


@pytest.mark.parametrize("template", QUERY_PARAMETERS)
def test_query_parameters_out_of_range_are_not_a_server_error(owner, template):
    client = Client()
    client.force_login(owner)
    for number in (*HUGE, -(2**63) - 1, "1e400", "abc"):
        response = client.get(template.format(n=number))
        assert response.status_code < 500, (template.format(n=number), response.status_code)
        if template.startswith("/api/") and response.status_code == 400:
            assert response.json(), "a 400 says which parameter"


# --- API bodies: bounded in size and nesting ------------------------------------------------------------------


def test_json_nested_past_the_limit_is_a_400_that_says_so(owner, settings):
    api = api_client(owner)
    for depth in (5000, settings.API_MAX_JSON_DEPTH + 1):
        body = "[" * depth + "]" * depth
        response = api.generic("POST", "/api/v1/meetings/", body, content_type="application/json")
        assert response.status_code == 400, depth
        assert "nests deeper than" in response.json()["detail"]
    fine = api.post("/api/v1/meetings/", {"title": "얕은 본문", "tags": ["a"]}, format="json")
    assert fine.status_code == 201


def test_a_json_body_over_the_limit_is_refused_with_413(owner, settings):
    settings.API_MAX_BODY_BYTES = 64 * 1024
    api = api_client(owner)
    body = '{"title": "big", "description": "' + "x" * (100 * 1024) + '"}'
    response = api.generic("POST", "/api/v1/meetings/", body, content_type="application/json")
    assert response.status_code == 413 and "larger than the limit" in response.json()["detail"]
    form = api.generic("POST", "/api/v1/meetings/", "title=form", "application/x-www-form-urlencoded")
    assert form.status_code == 415 and form.json()["code"] == "unsupported_media_type"  # bodies are JSON


# --- models: only those the operator offers ---------------------------------------------------------------


def test_an_admin_cannot_point_the_local_provider_at_any_model(org, owner, settings):
    settings.LLM_LOCAL_MODELS = ["/models/qwen2.5-7b-instruct"]
    api = api_client(owner)
    url = f"/api/v1/organizations/{org.pk}/minutes-settings/"
    response = api.put(url, {"provider": "local", "model": "attacker/remote-code"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "model_not_allowed"
    assert response.json()["allowed"] == ["", "/models/qwen2.5-7b-instruct"]
    assert api.get(url).json()["model"] == ""
    accepted = api.put(url, {"provider": "local", "model": "/models/qwen2.5-7b-instruct"}, format="json")
    assert accepted.status_code == 200 and accepted.json()["model"] == "/models/qwen2.5-7b-instruct"
    # A remote provider loads nothing here: its model names are the provider's business.
    assert api.put(url, {"provider": "openai", "model": "gpt-anything"}, format="json").status_code == 200


def test_a_stored_local_model_the_operator_took_off_the_list_is_not_loaded(org, owner, settings):
    from ai_pipeline.llm import ConfigurationError
    from meetings.minutes.configuration import provider_for
    from meetings.models import OrganizationAISettings

    OrganizationAISettings.objects.create(organization=org, provider="local", model="/models/retired")
    settings.LLM_LOCAL_MODELS = []
    with pytest.raises(ConfigurationError) as refused:
        provider_for(org)
    assert refused.value.missing == "model_not_allowed"


# --- the schema is the truth: what the probe found declared one way and answered another -------------------


@pytest.fixture
def schema(owner):
    return api_client(owner).get("/api/v1/schema/?format=json").json()


def _response(schema, path, method, status="200"):
    return schema["paths"][path][method]["responses"][status]


def test_lists_are_declared_as_they_are_answered(schema, meeting_with_item, owner):
    api = api_client(owner)
    meeting, _item = meeting_with_item
    for path in ("/api/v1/action-items/", "/api/v1/decisions/", "/api/v1/meetings/"):
        declared = _response(schema, path, "get")["content"]["application/json"]["schema"]["$ref"]
        assert declared.split("/")[-1].startswith("Paginated"), path
        assert {"count", "next", "previous", "results"} <= set(api.get(path).json()), path
    jobs = "/api/v1/meetings/{id}/jobs/"
    assert _response(schema, jobs, "get")["content"]["application/json"]["schema"]["type"] == "array"
    assert isinstance(api.get(f"/api/v1/meetings/{meeting.pk}/jobs/").json(), list)


def test_every_refusal_is_declared_with_the_one_error_body(schema, owner, org):
    refusals = 0
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for status, response in operation.get("responses", {}).items():
                if status.startswith("4"):
                    assert response["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Error"
                    }, (method, path, status)
                    refusals += 1
    assert refusals > 300
    api = api_client(owner)
    for response in (
        api.post("/api/v1/meetings/schedule/", {"title": ""}, format="json"),  # a field error
        api.put(f"/api/v1/meetings/{10**6}/sharing/", {"visibility": "selected"}, format="json"),  # missing
        api.post("/api/v1/series/", {"name": "x", "organization": 10**6}, format="json"),  # another's id
    ):
        assert response.status_code in (400, 404) and {"code", "detail"} <= set(response.json()), response.json()


def test_exports_declare_the_types_they_send(schema, org, owner):
    meeting = factories.meeting(org, "내보내기", creator=owner, status="ready")
    factories.transcript(meeting, [("김대표", "예산은 십 퍼센트 늘립니다.")])
    factories.minutes(meeting)
    api = api_client(owner)
    for path, formats in (
        ("/api/v1/meetings/{id}/transcript/export/{fmt}/", ("txt", "srt", "vtt", "json", "md", "docx")),
        ("/api/v1/meetings/{id}/minutes/export/{fmt}/", ("md", "docx")),
    ):
        declared = set(_response(schema, path, "get")["content"])
        for fmt in formats:
            response = api.get(path.replace("{id}", str(meeting.pk)).replace("{fmt}", fmt))
            assert response.status_code == 200 and response["Content-Type"].split(";")[0] in declared, (path, fmt)


def test_limits_are_stated_where_the_api_applies_them(schema):
    components = schema["components"]["schemas"]
    held_at = components["MeetingDetailRequest"]["properties"]["held_at"]
    assert held_at["pattern"] == "^(19[0-9]{2}|2[0-9]{3})-"  # years 1900-2999
    assert "pattern" in components["MeetingDetailRequest"]["properties"]["title"]  # one line
    engines = components["RetranscribeRequest"]["properties"]["stt"]
    assert engines["allOf"][0]["$ref"].endswith("SttEnum")
    assert components["SttEnum"]["enum"] == ["faster-whisper", "transformers"]
    upload = schema["paths"]["/api/v1/meetings/{id}/recording/"]["post"]["requestBody"]["content"]
    assert list(upload) == ["multipart/form-data"]
    body = schema["paths"]["/api/v1/meetings/"]["post"]["requestBody"]["content"]
    assert list(body) == ["application/json"]


def test_a_string_is_measured_as_it_was_sent_not_after_trimming(owner, org):
    """Found by the fuzzer in CI: " " + 200 characters passed the 200-character title limit, because DRF trims
    the space before it measures; the schema states the limit for the string as sent."""
    api = api_client(owner)
    url = "/api/v1/chat/conversations/"
    refused = api.post(url, {"organization": org.pk, "title": " " + "가" * 200}, format="json")
    assert refused.status_code == 400 and "title" in refused.json()
    kept = api.post(url, {"organization": org.pk, "title": "  회의 질문  "}, format="json")
    assert kept.status_code == 201 and kept.json()["title"] == "회의 질문"  # trimming itself still happens
