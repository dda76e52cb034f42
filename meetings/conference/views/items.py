"""Pages: the action-item tracker (with status changes in place) and the decision log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.access import members_of
from accounts.decorators import organization_required
from meetings.conference.calendars import local_today
from meetings.conference.forms import ActionFilterForm
from meetings.conference.items import (
    action_items_for,
    clear_supersede,
    decisions_for,
    filter_action_items,
    filter_decisions,
    is_overdue,
    moment_url,
    replacement_choices,
    set_item_status,
    supersede,
)
from meetings.conference.permissions import can_change_item, require_item_change, require_manage
from meetings.conference.scheduling import series_for
from meetings.conference.views import PAGE_SIZE
from meetings.models import ItemStatus
from meetings.params import int_or_none
from nexochat.errors import ServiceError
from nexochat.htmx import wants_fragment


def item_rows(request, items):
    """Action items as the tracker's rows show them: overdue or not, and whether the user may change them."""
    today = local_today(request.user)
    return [
        {
            "item": item,
            "overdue": is_overdue(item, today),
            "can_change": can_change_item(request.user, item),
        }
        for item in items
    ]


@organization_required
@require_safe
def action_items(request: HttpRequest) -> HttpResponse:
    form = ActionFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    queryset = filter_action_items(
        action_items_for(request.user, request.organization),
        request.user,
        **{k: v for k, v in filters.items() if v},
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": item_rows(request, page.object_list),
        "filters": filters,
        "members": members_of(request.organization),
        "series_list": series_for(request.user, request.organization),
        "statuses": ItemStatus.choices,
    }
    template = "meetings/conference/action_items.html"
    return render(request, f"{template}#results" if wants_fragment(request) else template, context)


def _safe_next(request):
    target = request.POST.get("next", "")
    return bool(target) and url_has_allowed_host_and_scheme(target, {request.get_host()})


@login_required
@require_POST
def action_item_status(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(action_items_for(request.user), pk=item_id)
    require_item_change(request.user, item)
    try:
        set_item_status(item, request.POST.get("status", ""))
    except ServiceError as exc:
        return HttpResponse(str(exc), status=400)
    if request.htmx:
        return render(request, "meetings/conference/action_items.html#row", {"row": item_rows(request, [item])[0]})
    messages.success(request, _("The action item was updated."))
    return redirect(request.POST.get("next") if _safe_next(request) else "conference:action_items")


@organization_required
@require_safe
def decision_log(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:200]
    current_only = request.GET.get("current") == "1"
    queryset = filter_decisions(
        decisions_for(request.user, request.organization),
        q=q,
        series=int_or_none(request.GET.get("series")),
        meeting=int_or_none(request.GET.get("meeting")),
        include_superseded=not current_only,
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    later = replacement_choices(request.user, request.organization, page.object_list)
    rows = [{"decision": d, "url": moment_url(d), "later": later[d.pk]} for d in page.object_list]
    context = {
        "page": page,
        "rows": rows,
        "q": q,
        "current_only": current_only,
        "series_list": series_for(request.user, request.organization),
        "selected_series": int_or_none(request.GET.get("series")),
    }
    template = "meetings/conference/decisions.html"
    return render(request, f"{template}#results" if wants_fragment(request) else template, context)


@login_required
@require_POST
def decision_supersede(request: HttpRequest, decision_id: int) -> HttpResponse:
    earlier = get_object_or_404(decisions_for(request.user), pk=decision_id)
    require_manage(request.user, earlier.meeting)
    later_id = int_or_none(request.POST.get("superseded_by"))
    try:
        if later_id:
            supersede(earlier, get_object_or_404(decisions_for(request.user), pk=later_id))
            messages.success(request, _("The decision was marked as superseded."))
        else:
            clear_supersede(earlier)
            messages.success(request, _("The decision is current again."))
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect(reverse("conference:decisions") + f"#decision-{earlier.pk}")
