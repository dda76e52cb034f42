"""Archive search as the app offers it: who may search what, turned into plain data for the engine.

The engine (ai_pipeline/search/engine.py) ranks the passages of the organizations it is given, minus
the meetings it is told to leave out; it knows nothing of users or meeting rows. This module decides
that scope on every search, from the database: the caller's organizations (organizations_for), the
meetings withheld from them (meetings shared with selected members), the filters on meeting rows
(dates, tags, participants, a meeting), and, when the question names a date, when each of those
meetings was held. Hits are re-read from the database by the engine, which checks the organization
and the withheld meetings again; the near misses it offers get their meeting's title and date here.

    from meetings.search import search, explain_search
    hits = search(request.user, "예산 확정", filters={"date_from": "2024-01-01"}, limit=10)
"""

from datetime import date, datetime

from django.db.models import Q
from django.utils import timezone

from accounts.access import organizations_for
from ai_pipeline.search import engine
from ai_pipeline.search.when import parse_when
from meetings.access import withheld_meeting_ids
from meetings.models import Meeting


def organization_ids(caller):
    """A user (their organizations), an Organization, or ids -> a list of organization ids."""
    if caller is None:
        return []
    if hasattr(caller, "is_authenticated"):
        return list(organizations_for(caller).values_list("pk", flat=True))
    if hasattr(caller, "pk"):
        return [caller.pk]
    if isinstance(caller, int):
        return [caller]
    return [getattr(o, "pk", o) for o in caller]


def _as_date(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _listify(value):
    if value in (None, "", []):
        return []
    return list(value) if isinstance(value, (list, tuple, set)) else [value]


def filtered_meeting_ids(org_ids, filters):
    """Meeting ids allowed by the meeting-level filters, or None when there are none."""
    filters = filters or {}
    queryset = Meeting.objects.filter(organization_id__in=org_ids)
    used = False
    if (start := _as_date(filters.get("date_from"))) is not None:
        queryset, used = queryset.filter(held_at__date__gte=start), True
    if (end := _as_date(filters.get("date_to"))) is not None:
        queryset, used = queryset.filter(held_at__date__lte=end), True
    if meetings := _listify(filters.get("meeting")):
        queryset, used = queryset.filter(pk__in=[getattr(m, "pk", m) for m in meetings]), True
    for tag in _listify(filters.get("tag")):
        tag = getattr(tag, "pk", tag)
        condition = Q(tags__pk=tag) if isinstance(tag, int) else Q(tags__name=tag)
        queryset, used = queryset.filter(condition), True
    for person in _listify(filters.get("participant")):
        person = getattr(person, "pk", person)
        if isinstance(person, int):
            condition = Q(participants__pk=person) | Q(speakers__member_id=person)
        else:
            condition = (
                Q(participants__name__icontains=person)
                | Q(external_participants__icontains=person)
                | Q(speakers__name__icontains=person)
            )
        queryset, used = queryset.filter(condition), True
    if not used:
        return None
    return set(queryset.values_list("pk", flat=True))


def meeting_times(org_ids):
    """{meeting id: held_at} of the organizations' meetings (for a question that names a date)."""
    return dict(Meeting.objects.filter(organization_id__in=org_ids).values_list("pk", "held_at"))


def search_scope(caller, query, filters, today):
    """The engine's Scope for `caller` (see organization_ids) and the filters: organization (id or ids:
    only these of the caller's organizations), date_from, date_to (dates or ISO strings), speaker (name
    or label), participant (user id or name), tag (id or name), meeting (id or ids)."""
    filters = filters or {}
    org_ids = organization_ids(caller)
    if only := _listify(filters.get("organization")):
        wanted = {getattr(o, "pk", o) for o in only}
        org_ids = [org_id for org_id in org_ids if org_id in wanted]
    if not org_ids:
        return engine.Scope([])
    # Meetings in the caller's organizations that meetings_for(user) still withholds (shared with
    # selected members only): usually none, so this is one cheap query.
    hidden = withheld_meeting_ids(caller, org_ids) if hasattr(caller, "is_authenticated") else None
    return engine.Scope(
        org_ids,
        meeting_ids=filtered_meeting_ids(org_ids, filters),
        hidden_meeting_ids=hidden,
        speakers=[getattr(speaker, "display_name", speaker) for speaker in _listify(filters.get("speaker"))],
        meeting_times=meeting_times(org_ids) if parse_when(query, today) is not None else None,
    )


def with_meetings(suggestions):
    """Each suggestion with its meeting's title and date (one query); one whose meeting was deleted
    meanwhile is left out."""
    ids = {s.meeting_id for s in suggestions}
    meetings = Meeting.objects.filter(pk__in=ids).only("title", "held_at").in_bulk() if ids else {}
    kept = []
    for suggestion in suggestions:
        meeting = meetings.get(suggestion.meeting_id)
        if meeting is None:
            continue
        suggestion.meeting_title, suggestion.held_at = meeting.title, meeting.held_at
        kept.append(suggestion)
    return kept


def explain_search(
    caller, query, filters=None, limit=10, mode="hybrid", params=None, *, relevance=None, today=None, suggest=True
):
    """A SearchOutcome for `query` among the passages `caller` may see (see search_scope for the
    filters). mode: hybrid, lexical or dense. A date or period in the query ("2018년 11월 12일 회의",
    "last week") is read against `today` (default: today in the server's time zone): one that names the
    meeting keeps the search to the meetings held then (when there are any), another lifts them.
    relevance: overrides of the relevance floor. suggest: look for near misses when nothing clears it."""
    query = (query or "").strip()
    if not query:
        return engine.SearchOutcome(query)
    today = today or timezone.localdate()
    outcome = engine.explain_search(
        search_scope(caller, query, filters, today),
        query,
        limit,
        mode,
        params,
        relevance=relevance,
        today=today,
        suggest=suggest,
    )
    outcome.suggestions = with_meetings(outcome.suggestions)
    return outcome


def search(caller, query, filters=None, limit=10, mode="hybrid", params=None, today=None):
    """Ranked SearchHits for `query` among the passages `caller` may see that clear the relevance
    floor; see explain_search."""
    return explain_search(caller, query, filters, limit, mode, params, today=today, suggest=False).hits
