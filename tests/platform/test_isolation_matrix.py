"""Isolation matrix: every URL pattern from the resolver and every operation in the
OpenAPI schema, tried as an outsider (owner of another organization), as a signed-out visitor and
as a plain member (on a meeting only its creator may see, and on owner/admin-only actions).

Every route must have a case in CASES, and every URL kwarg an entry in the kwarg table: a new
route or kwarg fails this test with a message saying what to add. A refusal must be 401, 403,
404, 405 or 410 (or, signed out, a redirect to the login page), no body may contain any of the
organization's marker strings, and nothing in the organization may change."""

import json
import re

import pytest
from django.test import Client
from django.urls import resolve, reverse
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Membership, Organization, Role
from meetings.models import Meeting
from tests.support.routes import url_routes
from tests.support.world import build_world, fingerprint

# Skipped wholesale: Django's admin (staff only, its own permission system), allauth's pages,
# the language switch and the API's schema/docs (no data).
SKIP_PREFIXES = ("admin/", "accounts/", "i18n/", "api/v1/schema/", "api/v1/docs/")

# How each route is tried:
#   "object":     its URL names an object of organization A: everyone outside must be refused.
#   "collection": lists/creates within the caller's own organization: may answer 2xx, but
#                 never with organization A's data, and never changing organization A.
#   "public":     reachable signed out by design (token links, JWT endpoints): same rules as
#                 "collection"; token routes are tried with revoked/unknown tokens of A.
CASES = {
    "home": "collection",
    # accounts
    "accounts:list": "collection",
    "accounts:create": "collection",
    "accounts:switch": "collection",
    "accounts:members": "object",
    "accounts:member_role": "object",
    "accounts:member_remove": "object",
    "accounts:leave": "object",
    "accounts:invitation_create": "object",
    "accounts:invitation_revoke": "object",
    "accounts:invitation": "public",
    # meetings
    "meetings:list": "collection",
    "meetings:create": "collection",
    "meetings:detail": "object",
    "meetings:edit": "object",
    "meetings:delete": "object",
    "meetings:upload": "object",
    "meetings:audio": "object",
    "meetings:status": "object",
    "meetings:retry": "object",
    # minutes settings (the current organization's; templates by id)
    "minutes_settings:settings": "collection",
    "minutes_settings:template_create": "collection",
    "minutes_settings:template_edit": "object",
    "minutes_settings:template_delete": "object",
    # conference management
    "conference:dashboard": "collection",
    "conference:calendar": "collection",
    "conference:calendar_week": "collection",
    "conference:calendar_list": "collection",
    "conference:feed": "public",
    "conference:schedule": "collection",
    "conference:schedule_edit": "object",
    "conference:meeting_ics": "object",
    "conference:speakers": "object",
    "conference:sharing": "object",
    "conference:share_revoke": "object",
    "conference:recap": "object",
    "conference:recap_settings": "collection",
    "conference:action_items": "collection",
    "conference:action_item_status": "object",
    "conference:decisions": "collection",
    "conference:decision_supersede": "object",
    "conference:series_list": "collection",
    "conference:series_detail": "object",
    "conference:preferences": "collection",
    "conference:share_view": "public",
    "conference:share_audio": "public",
    # transcript pages
    "transcript:panel": "object",
    "transcript:export": "object",
    "transcript:speaker_rename": "object",
    "transcript:speaker_merge": "object",
    "transcript:speaker_member": "object",
    "transcript:segment": "object",
    "transcript:segment_edit": "object",
    "transcript:rediarize": "object",
    "transcript:retranscribe": "object",
    # minutes pages
    "minutes:panel": "object",
    "minutes:progress": "object",
    "minutes:generate": "object",
    "minutes:edit": "object",
    "minutes:review": "object",
    "minutes:export": "object",
    # API: transcript and minutes
    "transcript": "object",
    "transcript-export": "object",
    "transcript-speaker": "object",
    "transcript-speaker-merge": "object",
    "transcript-segment": "object",
    "transcript-rediarize": "object",
    "transcript-retranscribe": "object",
    "minutes": "object",
    "minutes-versions": "object",
    "minutes-generate": "object",
    "minutes-job": "object",
    "minutes-review": "object",
    "minutes-export": "object",
    "minutes-action-item": "object",
    "minutes-settings": "object",
    "minutes-templates": "object",
    "minutes-template": "object",
    # search and chat: conversations belong to one user
    "chat:search": "collection",
    "chat:home": "collection",
    "chat:ask": "collection",
    "chat:voice": "collection",
    "chat:voice_status": "object",
    "chat:conversation": "object",
    "chat:delete": "object",
    "chat:stream": "object",
    "chat:meeting_box": "object",
    "api:search": "collection",
    "api:conversation-list": "collection",
    "api:conversation-detail": "object",
    "api:conversation-ask": "object",
    "api:conversation-answer": "object",
    "api:conversation-voice": "object",
    "api:voice-status": "object",
    # API: auth, me, organizations, meetings, jobs
    "api:token_obtain_pair": "public",
    "api:token_refresh": "public",
    "api:token_verify": "public",
    "api:token_blacklist": "public",
    "api:me": "collection",
    "api:organization-list": "collection",
    "api:organization-detail": "object",
    "api:organization-members": "object",
    "api:meeting-list": "collection",
    "api:meeting-detail": "object",
    "api:meeting-jobs": "object",
    "api:meeting-recording": "object",
    "api:meeting-recording-file": "object",
    "api:job-detail": "object",
    "api:job-retry": "object",
    # API: conference management
    "api:conference-schedule-create": "collection",
    "api:conference-schedule": "object",
    "api:conference-speakers": "object",
    "api:conference-sharing": "object",
    "api:conference-share-links": "object",
    "api:conference-share-link-revoke": "object",
    "api:conference-recap": "object",
    "api:conference-recap-settings": "object",
    "api:conference-series": "collection",
    "api:conference-calendar": "collection",
    "api:conference-feed": "collection",
    "api:conference-action-items": "collection",
    "api:conference-action-item": "object",
    "api:conference-decisions": "collection",
    "api:conference-supersede": "object",
    "api:conference-dashboard": "collection",
    "api:conference-preferences": "collection",
}

# Unsafe methods a plain member must be refused (403/404) on, with nothing changed. The member
# neither created the meeting nor administers the organization.
ADMIN_ONLY = {
    "accounts:member_role": {"POST"},
    "accounts:member_remove": {"POST"},
    "accounts:invitation_create": {"POST"},
    "accounts:invitation_revoke": {"POST"},
    "minutes_settings:settings": {"POST"},
    "minutes_settings:template_create": {"POST"},
    "minutes_settings:template_edit": {"POST"},
    "minutes_settings:template_delete": {"POST"},
    "minutes-settings": {"PUT"},
    "minutes-templates": {"POST"},
    "minutes-template": {"PUT", "DELETE"},
    "meetings:delete": {"POST"},
    "api:meeting-detail": {"DELETE"},
    "conference:sharing": {"POST"},
    "conference:share_revoke": {"POST"},
    "api:conference-sharing": {"PUT"},
    "api:conference-share-links": {"POST"},
    "api:conference-share-link-revoke": {"POST"},
    "conference:recap_settings": {"POST"},
    "api:conference-recap-settings": {"PUT"},
}

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
REFUSED = {401, 403, 404, 405, 410}


def _kwarg_value(name, path, world, meeting_set, view_name):
    """The object of organization A that a URL kwarg names. Add a line here for a new kwarg."""
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
        "message_pk": ms.message.pk,
        "meeting_pk": ms.meeting.pk,
    }
    if name not in table:
        pytest.fail(
            f"{view_name}: URL kwarg {name!r} has no case. Add the organization-A object it names to "
            f"_kwarg_value in tests/platform/test_isolation_matrix.py (and a CASES entry for the route)."
        )
    return table[name]


def routes():
    return url_routes(skip=SKIP_PREFIXES)


def _url(name, kwargs, route, world, meeting_set):
    if name is None:
        pytest.fail(f"The route {route!r} has no name: name it and add a case to CASES.")
    values = {k: _kwarg_value(k, route, world, meeting_set, name) for k in kwargs}
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
    missing = sorted({name or route for name, _kwargs, route in routes()} - set(CASES))
    assert not missing, (
        "Routes without an isolation case: add each to CASES in tests/platform/test_isolation_matrix.py "
        f"('object', 'collection' or 'public'): {missing}"
    )
    stale = sorted(set(CASES) - {name for name, _kwargs, _route in routes()})
    assert not stale, f"CASES names routes that no longer exist: {stale}"


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


def test_member_is_refused_owner_and_admin_actions(world, member):
    before = fingerprint(world.organization)
    actor = Actor(member)
    # The member did not create the shared meeting; targets are the owner's/admin's rows.
    found = {name for name, _k, _r in routes()}
    assert set(ADMIN_ONLY) <= found, f"ADMIN_ONLY names unknown routes: {set(ADMIN_ONLY) - found}"
    for name, kwargs, route in routes():
        if name not in ADMIN_ONLY:
            continue
        url = _url(name, kwargs, route, world, world.shared)
        for method in ADMIN_ONLY[name]:
            response = actor.request(method, url, _payload(world, world.shared))
            body = _body(response)
            where = f"member {method} {url} ({name})"
            assert response.status_code in (403, 404), f"{where}: {response.status_code} {body[:300]!r}"
            assert b"ZETA-api-key" not in body and b"ZETA-prompt" not in body or method == "GET", where
            assert fingerprint(world.organization) == before, f"{where} changed organization A"
    # and the world the member is refused is really there for its owner
    assert Membership.objects.filter(organization=world.organization, role=Role.OWNER).exists()
    assert Organization.objects.filter(pk=world.organization.pk).exists()


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
