"""/search/: the archive search page. Ranked passages of the meetings the user may see in
the current organization, each opening the meeting at that moment. Retrieval is meetings.search
(scoped to the user before ranking)."""

import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from accounts.access import members_of
from accounts.decorators import organization_required
from meetings.access import meetings_for
from meetings.models import Tag
from nexochat.errors import ServiceError
from nexochat.security import rate_limit

logger = logging.getLogger(__name__)

RESULTS = 20
RECENT_MEETINGS = 50


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=500, required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    speaker = forms.CharField(label=_("Speaker"), max_length=100, required=False)
    participant = forms.TypedChoiceField(label=_("Participant"), required=False, coerce=int, empty_value=None)
    tag = forms.ChoiceField(label=_("Tag"), required=False)
    meeting = forms.TypedChoiceField(label=_("Meeting"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, user, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.visible = meetings_for(user, organization)
        self.fields["participant"].choices = [("", _("Anyone"))] + [
            (u.pk, u.display_name) for u in members_of(organization)
        ]
        self.fields["tag"].choices = [("", _("Any tag"))] + [
            (name, name) for name in Tag.objects.filter(organization=organization).values_list("name", flat=True)
        ]
        # The most recent meetings, plus the chosen one (a meeting page links here with ?meeting=<id>):
        # a choice of thousands would be a slow page nobody scrolls.
        recent = list(self.visible.order_by("-held_at").only("pk", "title", "held_at")[:RECENT_MEETINGS])
        chosen = str(self.data.get("meeting", ""))
        if chosen.isdigit() and all(m.pk != int(chosen) for m in recent):
            recent += list(self.visible.filter(pk=int(chosen)).only("pk", "title", "held_at"))
        self.fields["meeting"].choices = [("", _("All meetings"))] + [
            (m.pk, f"{timezone.localtime(m.held_at):%Y-%m-%d} {m.title}") for m in recent
        ]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def search_filters(self):
        """The core's filters, kept inside this organization (the core scopes to the user before ranking;
        a chosen meeting was checked against the visible ones by the field's choices)."""
        data = self.cleaned_data
        filters = {key: data[key] for key in ("date_from", "date_to", "speaker", "participant", "tag") if data.get(key)}
        filters["organization"] = self.organization.pk
        if data.get("meeting"):
            filters["meeting"] = [data["meeting"]]
        return filters


@dataclass
class Result:
    hit: object
    meeting: object

    @property
    def url(self):
        return reverse("meetings:detail", args=[self.meeting.pk]) + f"?t={int(self.hit.start)}"

    @property
    def timestamp(self):
        seconds = int(self.hit.start)
        return f"{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


@dataclass
class NearMiss:
    """A suggestion shown when nothing was found, with its meeting (one the user may see)."""

    suggestion: object
    meeting: object

    @property
    def url(self):
        """The meeting, opened where the suggested word occurs."""
        hit = self.suggestion.hit
        return reverse("meetings:detail", args=[self.meeting.pk]) + (f"?t={int(hit.start)}" if hit else "")

    @property
    def search_url(self):
        return reverse("chat:search") + "?" + urlencode({"q": self.suggestion.query})


@dataclass
class Explained:
    """A search the page or the API shows: results paired with their meetings, and, when nothing
    cleared the relevance floor, what was searched and the near misses (not answers)."""

    results: list
    outcome: object
    filters: dict
    near_misses: list

    @property
    def searched(self):
        from ai_pipeline.search.present import searched_lines

        return searched_lines(self.outcome, self.filters)


def run_search(user, query, filters, limit=RESULTS):
    """Search hits paired with their meetings (a meeting the user may not see never appears: the
    core scopes before ranking, and the pairing goes through meetings_for again, for the near
    misses too)."""
    from ai_pipeline.search.engine import SearchUnavailable
    from meetings.search import explain_search

    try:
        outcome = explain_search(user, query, filters=filters, limit=limit)
    except SearchUnavailable as exc:
        logger.warning("search unavailable: %s", exc)
        raise ServiceError(
            _("Search is unavailable right now: the search index did not answer. Please try again in a moment."),
            "search_unavailable",
        ) from exc
    wanted = {h.meeting_id for h in outcome.hits} | {s.meeting_id for s in outcome.suggestions}
    meetings = meetings_for(user).in_bulk(list(wanted))
    outcome.suggestions = [s for s in outcome.suggestions if s.meeting_id in meetings]
    near = [NearMiss(s, meetings[s.meeting_id]) for s in outcome.suggestions]
    results = [Result(hit, meetings[hit.meeting_id]) for hit in outcome.hits if hit.meeting_id in meetings]
    return Explained(results, outcome, filters, near)


@organization_required
@rate_limit("search", methods=("GET",))
@require_safe
def search_page(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None, user=request.user, organization=request.organization)
    explained, query, search_error = None, "", ""
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"].strip()
        if query:
            try:
                explained = run_search(request.user, query, form.search_filters())
            except ServiceError as exc:
                search_error = exc.message
    template = "meetings/search/page.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#results"
    context = {
        "form": form,
        "results": explained.results if explained else [],
        "explained": explained,
        "query": query,
        "search_error": search_error,
    }
    response = render(request, template, context, status=503 if search_error else 200)
    patch_vary_headers(response, ["HX-Request"])
    return response
