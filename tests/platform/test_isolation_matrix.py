"""Isolation matrix: every URL pattern from the resolver and every operation in the
OpenAPI schema, tried as an outsider (owner of another organization), as a signed-out visitor, as a
plain member and as the organization's owner, against what ACCESS says each of them may do.

Every route must have a line in ACCESS (its kind, and a role for every method it answers), and every
URL kwarg an entry in the kwarg table: a new route, method or kwarg fails this test with a message
saying what to add. The API's lines must list exactly the methods its OpenAPI schema publishes. An
outside refusal must be 401, 403, 404, 405 or 410 (or, signed out, a redirect to the login page), no body
may contain any of the organization's marker strings, and nothing in the organization may change."""

import json
import re

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import resolve, reverse
from rest_framework_simplejwt.tokens import RefreshToken

from meetings.models import Meeting
from tests.support.routes import url_routes
from tests.support.world import build_world, fingerprint

# Skipped wholesale: Django's admin (staff only, its own permission system), allauth's pages,
# the language switch and the API's schema/docs (no data).
SKIP_PREFIXES = ("admin/", "accounts/", "i18n/", "api/v1/schema/", "api/v1/docs/")

# Who may do what, route by route: (kind, {method: role}). Every route needs a line and every method it
# answers a role; a method not listed must answer 405. A new route, or a new method on one, fails CI until
# it is stated here.
#
# The kind says how outsiders (the owner of another organization) and signed-out visitors are tried:
#   "object":     its URL names an object of organization A: everyone outside must be refused.
#   "collection": lists/creates within the caller's own organization: may answer 2xx, but
#                 never with organization A's data, and never changing organization A.
#   "public":     reachable signed out by design (token links, JWT endpoints): same rules as
#                 "collection"; token routes are tried with revoked/unknown tokens of A.
#
# The role says who inside organization A may use the method (the owner may use every one, the member
# only MEMBER and ANYONE ones; the shared meeting was created by the owner):
ANYONE = "anyone"  # signed out too: the link's token, or the credentials in the body, are the key
MEMBER = "member"  # any member who may see the meeting (or any signed-in user, for their own account)
MANAGER = "manager"  # the meeting's creator or an admin (for an action item, also its assignee)
ADMIN = "admin"  # the organization's owners and admins
OWN = "own"  # only the user whose conversation (or spoken question) it is
ACCESS = {
    "favicon": ("public", {"GET": ANYONE}),
    "home": ("collection", {"GET": MEMBER}),
    "accounts:list": ("collection", {"GET": MEMBER}),
    "accounts:create": ("collection", {"GET": MEMBER, "POST": MEMBER}),
    "accounts:switch": ("collection", {"POST": MEMBER}),
    "accounts:members": ("object", {"GET": MEMBER}),
    "accounts:member_role": ("object", {"POST": ADMIN}),
    "accounts:member_remove": ("object", {"POST": ADMIN}),
    "accounts:leave": ("object", {"POST": MEMBER}),
    "accounts:invitation_create": ("object", {"POST": ADMIN}),
    "accounts:invitation_revoke": ("object", {"POST": ADMIN}),
    "accounts:invitation": ("public", {"GET": ANYONE, "POST": ANYONE}),
    "minutes_settings:settings": ("collection", {"GET": ADMIN, "POST": ADMIN}),
    "minutes_settings:template_create": ("collection", {"POST": ADMIN}),
    "minutes_settings:template_edit": ("object", {"GET": ADMIN, "POST": ADMIN}),
    "minutes_settings:template_delete": ("object", {"POST": ADMIN}),
    "meetings:list": ("collection", {"GET": MEMBER}),
    "meetings:create": ("collection", {"GET": MEMBER, "POST": MEMBER}),
    "meetings:detail": ("object", {"GET": MEMBER}),
    "meetings:edit": ("object", {"GET": MEMBER, "POST": MEMBER}),
    "meetings:delete": ("object", {"GET": MANAGER, "POST": MANAGER}),
    "meetings:upload": ("object", {"POST": MEMBER}),
    "meetings:audio": ("object", {"GET": MEMBER}),
    "meetings:status": ("object", {"GET": MEMBER}),
    "meetings:retry": ("object", {"POST": MEMBER}),
    "conference:dashboard": ("collection", {"GET": MEMBER}),
    "conference:calendar": ("collection", {"GET": MEMBER}),
    "conference:calendar_week": ("collection", {"GET": MEMBER}),
    "conference:calendar_list": ("collection", {"GET": MEMBER}),
    "conference:feed": ("public", {"GET": ANYONE}),
    "conference:schedule": ("collection", {"GET": MEMBER, "POST": MEMBER}),
    "conference:schedule_edit": ("object", {"GET": MEMBER, "POST": MEMBER}),
    "conference:meeting_ics": ("object", {"GET": MEMBER}),
    "conference:speakers": ("object", {"GET": MEMBER, "POST": MEMBER}),
    "conference:since_last_time": ("object", {"GET": MEMBER}),
    "conference:sharing": ("object", {"GET": MANAGER, "POST": MANAGER}),
    "conference:share_revoke": ("object", {"POST": MANAGER}),
    "conference:recap": ("object", {"GET": MANAGER, "POST": MANAGER}),
    "conference:recap_settings": ("collection", {"POST": ADMIN}),
    "conference:action_items": ("collection", {"GET": MEMBER}),
    "conference:action_item_status": ("object", {"POST": MANAGER}),
    "conference:decisions": ("collection", {"GET": MEMBER}),
    "conference:decision_supersede": ("object", {"POST": MANAGER}),
    "conference:series_list": ("collection", {"GET": MEMBER, "POST": MEMBER}),
    "conference:series_detail": ("object", {"GET": MEMBER}),
    "conference:preferences": ("collection", {"GET": MEMBER, "POST": MEMBER}),
    "conference:share_view": ("public", {"GET": ANYONE}),
    "conference:share_audio": ("public", {"GET": ANYONE}),
    "chat:search": ("collection", {"GET": MEMBER}),
    "chat:home": ("collection", {"GET": MEMBER}),
    "chat:ask": ("collection", {"POST": OWN}),
    "chat:voice": ("collection", {"POST": MEMBER}),
    "chat:voice_status": ("object", {"GET": OWN}),
    "chat:conversation": ("object", {"GET": OWN}),
    "chat:delete": ("object", {"POST": OWN}),
    "chat:stream": ("object", {"GET": OWN}),
    "chat:meeting_box": ("object", {"GET": MEMBER}),
    "transcript:panel": ("object", {"GET": MEMBER}),
    "transcript:export": ("object", {"GET": MEMBER}),
    "transcript:speaker_rename": ("object", {"GET": MEMBER, "POST": MEMBER}),
    "transcript:speaker_merge": ("object", {"POST": MEMBER}),
    "transcript:speaker_member": ("object", {"POST": MEMBER}),
    "transcript:segment": ("object", {"GET": MEMBER}),
    "transcript:segment_edit": ("object", {"GET": MEMBER, "POST": MEMBER}),
    "transcript:rediarize": ("object", {"POST": MEMBER}),
    "transcript:retranscribe": ("object", {"POST": MEMBER}),
    "voiceprints:enrol": ("object", {"POST": MEMBER}),
    "voiceprints:suggestion": ("object", {"POST": MEMBER}),
    "voiceprints:delete": ("object", {"POST": MEMBER}),
    "voiceprints:record": ("object", {"POST": MEMBER}),
    "voiceprints:recording_status": ("object", {"GET": MEMBER}),
    "minutes:panel": ("object", {"GET": MEMBER}),
    "minutes:progress": ("object", {"GET": MEMBER}),
    "minutes:generate": ("object", {"POST": MEMBER}),
    "minutes:edit": ("object", {"GET": MEMBER, "POST": MEMBER}),
    "minutes:review": ("object", {"POST": MEMBER}),
    "minutes:export": ("object", {"GET": MEMBER}),
    "transcript": ("object", {"GET": MEMBER}),
    "transcript-export": ("object", {"GET": MEMBER}),
    "transcript-speaker": ("object", {"PATCH": MEMBER}),
    "transcript-speaker-merge": ("object", {"POST": MEMBER}),
    "transcript-segment": ("object", {"PATCH": MEMBER}),
    "transcript-rediarize": ("object", {"POST": MEMBER}),
    "transcript-retranscribe": ("object", {"POST": MEMBER}),
    "minutes": ("object", {"GET": MEMBER, "PATCH": MEMBER}),
    "minutes-versions": ("object", {"GET": MEMBER}),
    "minutes-generate": ("object", {"POST": MEMBER}),
    "minutes-job": ("object", {"GET": MEMBER}),
    "minutes-review": ("object", {"POST": MEMBER}),
    "minutes-export": ("object", {"GET": MEMBER}),
    "minutes-action-item": ("object", {"PATCH": MANAGER}),
    "minutes-settings": ("object", {"GET": ADMIN, "PUT": ADMIN}),
    "minutes-templates": ("object", {"GET": MEMBER, "POST": ADMIN}),
    "minutes-template": ("object", {"PUT": ADMIN, "DELETE": ADMIN}),
    "api:token_obtain_pair": ("public", {"POST": ANYONE}),
    "api:token_refresh": ("public", {"POST": ANYONE}),
    "api:token_verify": ("public", {"POST": ANYONE}),
    "api:token_blacklist": ("public", {"POST": ANYONE}),
    "api:me": ("collection", {"GET": MEMBER}),
    "api:organization-list": ("collection", {"GET": MEMBER}),
    "api:organization-detail": ("object", {"GET": MEMBER}),
    "api:organization-members": ("object", {"GET": MEMBER}),
    "api:search": ("collection", {"GET": MEMBER}),
    "api:conversation-list": ("collection", {"GET": MEMBER, "POST": MEMBER}),
    "api:conversation-detail": ("object", {"GET": OWN, "DELETE": OWN}),
    "api:conversation-ask": ("object", {"POST": OWN}),
    "api:conversation-answer": ("object", {"GET": OWN, "POST": OWN}),
    "api:conversation-voice": ("object", {"POST": OWN}),
    "api:voice-status": ("object", {"GET": OWN}),
    "api:conference-schedule-create": ("collection", {"POST": MEMBER}),
    "api:conference-schedule": ("object", {"GET": MEMBER, "PATCH": MEMBER}),
    "api:conference-speakers": ("object", {"GET": MEMBER, "POST": MEMBER}),
    "api:conference-sharing": ("object", {"GET": MANAGER, "PUT": MANAGER}),
    "api:conference-share-links": ("object", {"GET": MANAGER, "POST": MANAGER}),
    "api:conference-share-link-revoke": ("object", {"POST": MANAGER}),
    "api:conference-recap": ("object", {"GET": MANAGER, "POST": MANAGER}),
    "api:conference-recap-settings": ("object", {"GET": ADMIN, "PUT": ADMIN}),
    "api:conference-series": ("collection", {"GET": MEMBER, "POST": MEMBER}),
    "api:conference-calendar": ("collection", {"GET": MEMBER}),
    "api:conference-feed": ("collection", {"GET": MEMBER, "POST": MEMBER, "DELETE": MEMBER}),
    "api:conference-action-items": ("collection", {"GET": MEMBER}),
    "api:conference-action-item": ("object", {"GET": MEMBER, "PATCH": MANAGER}),
    "api:conference-decisions": ("collection", {"GET": MEMBER}),
    "api:conference-supersede": ("object", {"POST": MANAGER}),
    "api:conference-dashboard": ("collection", {"GET": MEMBER}),
    "api:conference-preferences": ("collection", {"GET": MEMBER, "PATCH": MEMBER}),
    "api:meeting-list": ("collection", {"GET": MEMBER, "POST": MEMBER}),
    "api:meeting-detail": ("object", {"GET": MEMBER, "PUT": MEMBER, "PATCH": MEMBER, "DELETE": MANAGER}),
    "api:meeting-jobs": ("object", {"GET": MEMBER}),
    "api:meeting-recording": ("object", {"GET": MEMBER, "POST": MEMBER}),
    "api:meeting-recording-file": ("object", {"GET": MEMBER}),
    "api:job-detail": ("object", {"GET": MEMBER}),
    "api:job-retry": ("object", {"POST": MEMBER}),
    "api:live-open": ("object", {"POST": MEMBER}),
    "api:live-session": ("object", {"GET": MEMBER}),
    "api:live-chunk": ("object", {"PUT": OWN}),
    "api:live-finish": ("object", {"POST": OWN}),
    "api:speaker-voiceprint": ("object", {"POST": MEMBER}),
    "api:speaker-suggestion": ("object", {"POST": MEMBER}),
    "api:member-voiceprint": ("object", {"GET": MEMBER, "DELETE": MEMBER}),
    "api:member-voiceprint-recording": ("object", {"GET": MEMBER, "POST": MEMBER}),
}

CASES = {name: kind for name, (kind, _methods) in ACCESS.items()}

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
REFUSED = {401, 403, 404, 405, 410}


def _kwarg_value(name, path, world, meeting_set, view_name, inside=False):
    """The object of organization A that a URL kwarg names. Add a line here for a new kwarg.

    Outside (outsiders, signed-out visitors) token routes get revoked or unknown tokens; inside (the
    organization's own owner and member) they get the live ones, and an answer is asked of its question."""
    ms = meeting_set
    if name in ("pk", "id"):
        before = re.findall(r"([a-z][\w-]*)/(?:<id:pk>|\(\?P<pk>|\{id\}|\{pk\})", path)
        noun = before[-1] if before else ""
        table = {
            "organizations": world.organization.pk,
            "jobs": ms.job.pk,
            "meetings": ms.meeting.pk,
            "chat": ms.conversation.pk,
            "conversations": ms.conversation.pk,
            "voice": ms.voice.pk,
        }
        if noun not in table:
            pytest.fail(f"{view_name}: no case for kwarg {name!r} after {noun!r} in {path!r}: add one to _kwarg_value")
        return table[noun]
    if name == "token":
        if inside:
            live = {
                "accounts:invitation": world.invitation.token,
                "conference:share_view": ms.share_link.token,
                "conference:share_audio": ms.share_link.token,
                "conference:feed": world.feed_token,
            }
            if view_name in live:
                return live[view_name]
        tokens = {
            "accounts:invitation": world.revoked_invitation.token,
            "conference:share_view": ms.revoked_link.token,
            "conference:share_audio": ms.revoked_link.token,
            "conference:feed": "not-" + world.feed_token,
        }
        if view_name not in tokens:
            pytest.fail(f"{view_name}: no case for its token kwarg: add one to _kwarg_value")
        return tokens[view_name]
    if name == "fmt":
        return "md" if "minutes" in view_name else "txt"
    table = {
        "format": "json",
        "org_id": world.organization.pk,
        "membership_id": world.memberships[world.owner.pk].pk,
        "invitation_id": world.invitation.pk,
        "speaker_id": ms.speaker.pk,
        "segment_id": ms.segment.pk,
        "link_id": ms.share_link.pk,
        "item_id": ms.action_item.pk,
        "decision_id": ms.decision.pk,
        "series_id": world.series.pk,
        "template_id": world.template.pk,
        "message_pk": ms.voice.question_id if inside else ms.message.pk,
        "meeting_pk": ms.meeting.pk,
        "session_id": ms.live_session.pk,
        "seq": 0,
    }
    if name not in table:
        pytest.fail(
            f"{view_name}: URL kwarg {name!r} has no case. Add the organization-A object it names to "
            f"_kwarg_value in tests/platform/test_isolation_matrix.py (and an ACCESS line for the route)."
        )
    return table[name]


def routes():
    return url_routes(skip=SKIP_PREFIXES)


def _url(name, kwargs, route, world, meeting_set, inside=False):
    if name is None:
        pytest.fail(f"The route {route!r} has no name: name it and add a line to ACCESS.")
    values = {k: _kwarg_value(k, route, world, meeting_set, name, inside) for k in kwargs}
    return reverse(name, kwargs=values)


def _body(response):
    # Streaming bodies are closed by the test client's wrapper once consumed; closing a plain
    # response here would fire request_finished and close the test database connection.
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _payload(world, ms):
    a, m = world.organization.pk, ms.meeting.pk
    return {
        "organization": a,
        "organization_id": a,
        "meeting": m,
        "meeting_id": m,
        "title": "hijack",
        "name": "hijack",
        "text": "hijack",
        "markdown": "hijack",
        "prompt": "hijack",
        "role": "owner",
        "visibility": "organization",
        "status": "done",
        "action": "link",
        "days": 7,
        "series": world.series.pk,
        "later": ms.decision.pk,
        "target": ms.speaker.pk,
        "member": world.owner.pk,
        "provider": "offline",
        "held_at": "2030-01-01T10:00:00+09:00",
        "start": "2030-01-01T10:00:00+09:00",
        "language": "ko",
        "email": "hijack@example.com",
        "reviewed": True,
        "conversation": ms.conversation.pk,
        "question": "출시 일정은?",
        "q": "출시 일정",
        "refresh": "x",
        "token": "x",
    }


class Actor:
    def __init__(self, user):
        self.user = user
        self.web = Client()
        self.api = Client()
        if user is not None:
            self.web.force_login(user)
            token = str(RefreshToken.for_user(user).access_token)
            self.api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def request(self, method, url, data):
        is_api = url.startswith("/api/")
        client = self.api if is_api else self.web
        if method == "GET":
            return client.get(url, data)
        if is_api:
            return client.generic(method, url, json.dumps(data), content_type="application/json")
        if method == "POST":
            return client.post(url, data)
        return client.generic(method, url, "", content_type="application/x-www-form-urlencoded")


@pytest.fixture
def world(org, owner, admin_user, member, outsider, other_org, settings):
    settings.LANGUAGE_CODE = "en"
    settings.RATE_LIMITS = {}
    Meeting.objects.create(organization=other_org, title="Outsider's own meeting", created_by=outsider)
    return build_world(org, owner, admin_user, member)


def _query(world, ms):
    return {
        "organization": world.organization.pk,
        "org": world.organization.pk,
        "meeting": ms.meeting.pk,
        "series": world.series.pk,
        "q": "출시 일정",
    }


def test_every_route_has_a_case():
    missing = sorted({name or route for name, _kwargs, route in routes()} - set(ACCESS))
    assert not missing, (
        "Routes without an isolation case: add each to ACCESS in tests/platform/test_isolation_matrix.py "
        f"(its kind, and who may use each method it answers): {missing}"
    )
    stale = sorted(set(ACCESS) - {name for name, _kwargs, _route in routes()})
    assert not stale, f"ACCESS names routes that no longer exist: {stale}"
    for name, (kind, methods) in ACCESS.items():
        assert kind in ("object", "collection", "public"), f"{name}: kind {kind!r}"
        assert methods and set(methods) <= set(METHODS), f"{name}: methods {sorted(methods)}"
        assert set(methods.values()) <= {ANYONE, MEMBER, MANAGER, ADMIN, OWN}, f"{name}: roles {methods}"
        assert (kind == "public") == (set(methods.values()) == {ANYONE}), (
            f"{name}: public routes, and only they, are ANYONE's"
        )


def _check(actor_name, name, method, url, response, body, markers, kind, signed_out):
    where = f"{actor_name} {method} {url} ({name})"
    assert response.status_code < 500, f"{where}: server error {response.status_code}"
    for marker in markers:
        assert marker.encode() not in body, f"{where}: the body contains organization A's {marker!r}"
    if signed_out and kind != "public":
        if response.status_code in (301, 302):
            assert response["Location"].startswith(reverse("account_login")), (
                f"{where}: redirect to {response['Location']}"
            )
        else:
            assert response.status_code in REFUSED, f"{where}: {response.status_code} for a signed-out visitor"
    elif kind == "object":
        assert response.status_code in REFUSED, f"{where}: {response.status_code}, expected a refusal"


def test_outsider_and_anonymous_are_refused_everywhere(world, outsider):
    before = fingerprint(world.organization)
    ms = world.shared
    tried = 0
    for actor_name, actor in (("outsider", Actor(outsider)), ("anonymous", Actor(None))):
        for name, kwargs, route in routes():
            kind = CASES.get(name)
            assert kind, f"{name}: no case in CASES"
            url = _url(name, kwargs, route, world, ms)
            for method in METHODS:
                data = _query(world, ms) if method == "GET" and kind != "object" else _payload(world, ms)
                response = actor.request(method, url, data if method != "GET" or kind != "object" else {})
                body = _body(response)
                _check(actor_name, name, method, url, response, body, world.markers, kind, actor.user is None)
                after = fingerprint(world.organization)
                assert after == before, f"{actor_name} {method} {url} changed organization A: {_diff(before, after)}"
                tried += 1
    assert tried >= 2 * 5 * 100


def _diff(before, after):
    return {k: (before[k], after[k]) for k in before if before[k] != after[k]}


def test_openapi_operations_are_refused_to_outsiders(world, outsider):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    before = fingerprint(world.organization)
    ms = world.shared
    actor = Actor(outsider)
    anonymous = Actor(None)
    operations = 0
    for path, item in schema["paths"].items():
        for method in item:
            if method.upper() not in METHODS:
                continue
            params = re.findall(r"\{(\w+)\}", path)
            values = {p: _kwarg_value(p, path, world, ms, f"{method.upper()} {path}") for p in params}
            url = re.sub(r"\{(\w+)\}", lambda m, values=values: str(values[m.group(1)]), path)
            match = resolve(url)
            kind = CASES.get(match.view_name)
            assert kind, f"{method.upper()} {path} resolves to {match.view_name}, which has no case in CASES"
            for name, who in (("outsider", actor), ("anonymous", anonymous)):
                data = _query(world, ms) if method == "get" else _payload(world, ms)
                response = who.request(method.upper(), url, data)
                body = _body(response)
                _check(
                    name, match.view_name, method.upper(), url, response, body, world.markers, kind, who.user is None
                )
                assert fingerprint(world.organization) == before, (
                    f"{name} {method.upper()} {url} changed organization A"
                )
            operations += 1
    assert operations >= 40, f"only {operations} operations in the schema?"


def test_member_cannot_reach_a_meeting_shared_with_selected_members_only(world, member):
    """The private meeting is visible to its creator and admins; a plain member gets 404 on every
    route that names it or anything in it, and sees it in no list, search, calendar or feed."""
    before = fingerprint(world.organization)
    ms = world.private
    actor = Actor(member)
    meeting_kwargs = {
        "pk",
        "id",
        "speaker_id",
        "segment_id",
        "link_id",
        "item_id",
        "decision_id",
        "message_pk",
        "meeting_pk",
    }
    for name, kwargs, route in routes():
        kind = CASES[name]
        url = _url(name, kwargs, route, world, ms)
        names_meeting = bool(meeting_kwargs & set(kwargs)) and not re.search(r"organizations/", route)
        methods = METHODS if names_meeting else ("GET",)
        for method in methods:
            data = _payload(world, ms) if method != "GET" else ({} if names_meeting else _query(world, ms))
            response = actor.request(method, url, data)
            body = _body(response)
            where = f"member {method} {url} ({name})"
            assert response.status_code < 500, where
            assert b"PRIV" not in body, f"{where}: shows the private meeting"
            if names_meeting and kind == "object":
                assert response.status_code in REFUSED, f"{where}: {response.status_code}"
            assert fingerprint(world.organization) == before, f"{where} changed organization A"


class _Undo(Exception):
    """Raised inside a savepoint so that each inside request leaves the world as it found it."""


def _try_inside(actor, method, url, data):
    try:
        with transaction.atomic():
            response = actor.request(method, url, data)
            body = _body(response)
            raise _Undo
    except _Undo:
        return response, body


def _inside_data(world, ms, kind, method):
    if method != "GET":
        return _payload(world, ms)
    return {} if kind == "object" else _query(world, ms)


ALLOWED = {MEMBER: {"owner", "member"}, MANAGER: {"owner"}, ADMIN: {"owner"}, OWN: {"owner"}}


@pytest.fixture
def queued_not_run(monkeypatch):
    """Jobs an inside request queues wait in the (rolled back) broker instead of running in the test."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)


@pytest.mark.parametrize("who", ["owner", "member"])
def test_inside_the_organization_each_role_gets_what_access_says(world, who, queued_not_run):
    """The owner (creator of the shared meeting) may use every method ACCESS lists; the member only the
    MEMBER and ANYONE ones, and is refused (403 or 404, nothing changed) the others. A method ACCESS does
    not list answers 405 to both: the table is the whole truth about each route."""
    actor = Actor(getattr(world, who))
    ms = world.shared
    before = fingerprint(world.organization)
    tried = 0
    for name, kwargs, route in routes():
        kind, methods = ACCESS[name]
        url = _url(name, kwargs, route, world, ms, inside=True)
        for method in METHODS:
            cache.clear()  # the per-address limits of the token endpoints count every actor's tries
            response, body = _try_inside(actor, method, url, _inside_data(world, ms, kind, method))
            status = response.status_code
            where = f"{who} {method} {url} ({name})"
            assert status < 500, f"{where}: server error {status}"
            role = methods.get(method)
            if role is None:
                assert status == 405, f"{where}: {status}; a method ACCESS does not list must answer 405"
            elif role == ANYONE:
                assert status != 405, f"{where}: 405, but ACCESS lists it"
            elif who in ALLOWED[role]:
                assert status not in (401, 403, 404, 405), f"{where}: {status}, but ACCESS gives it to {role}"
            else:
                assert status in (403, 404), f"{where}: {status}, but ACCESS keeps it for {role}"
                assert b"ZETA-api-key" not in body and b"ZETA-prompt" not in body, where
            tried += 1
    assert fingerprint(world.organization) == before, "an inside request was not rolled back"
    assert tried >= 5 * 120


def test_the_api_lines_of_access_are_the_methods_the_schema_publishes(world):
    """ACCESS and /api/v1/schema/ agree: every operation the schema lists is in ACCESS for its route,
    and every API method in ACCESS is published (Schemathesis fuzzes exactly these)."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    published = {}
    for path, item in schema["paths"].items():
        values = {p: _kwarg_value(p, path, world, world.shared, path) for p in re.findall(r"\{(\w+)\}", path)}
        url = re.sub(r"\{(\w+)\}", lambda m, values=values: str(values[m.group(1)]), path)
        name = resolve(url).view_name
        published.setdefault(name, set()).update(m.upper() for m in item if m.upper() in METHODS)
    for name, methods in published.items():
        assert name in ACCESS, f"the schema publishes {name}, which has no line in ACCESS"
        stated = set(ACCESS[name][1])
        assert methods == stated, f"{name}: the schema publishes {sorted(methods)}, ACCESS lists {sorted(stated)}"
    api_routes = {name for name, _kwargs, route in routes() if route.startswith("api/v1/")}
    unpublished = sorted(
        api_routes
        - set(published)
        - {"api:token_obtain_pair", "api:token_refresh", "api:token_verify", "api:token_blacklist"}
    )
    assert not unpublished, f"API routes missing from the schema: {unpublished}"


def test_conversations_belong_to_their_user_even_inside_the_organization(world, member):
    """The owner's chat about a meeting the member may see is still the owner's alone."""
    actor = Actor(member)
    ms = world.shared
    for name, kwargs, route in routes():
        if not name.startswith(("chat:", "api:conversation", "api:voice")) or not set(kwargs) & {"pk", "message_pk"}:
            continue
        url = _url(name, kwargs, route, world, ms)
        for method in METHODS:
            response = actor.request(method, url, _payload(world, ms))
            body = _body(response)
            assert response.status_code in REFUSED, f"member {method} {url}: {response.status_code}"
            assert b"ZETA-question" not in body and b"ZETA-answer" not in body
    assert ms.conversation.messages.count() == 2
