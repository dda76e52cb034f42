"""Meeting pages: the list (filters, paging), create (with an optional recording), the meeting page,
edit and delete. Recording uploads and playback are meetings/recordings/views.py; the processing card
meetings/processing/views.py."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.access import get_membership
from meetings.processing.views import status_context
from meetings.recordings import services as recording_services
from nexochat.errors import ServiceError
from nexochat.htmx import wants_fragment
from nexochat.security import PERMISSIONS_POLICY

from . import services
from .access import get_meeting_for, meetings_for
from .forms import MeetingCreateForm, MeetingFilterForm, MeetingForm

PAGE_SIZE = 25


@login_required
@require_safe
def meeting_list(request: HttpRequest) -> HttpResponse:
    if request.organization is None:
        return redirect("accounts:create")
    filters = MeetingFilterForm(request.GET or None, organization=request.organization)
    meetings = filters.filter(meetings_for(request.user, request.organization))
    # to_attr gives each row a plain list: a per-row `tags.all()` would build a queryset 25 times.
    meetings = meetings.select_related("_recording").prefetch_related(Prefetch("tags", to_attr="tag_list"))
    page = Paginator(meetings, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "meetings/list.html#results" if wants_fragment(request) else "meetings/list.html"
    response = render(request, template, {"filters": filters, "page": page})
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    if request.organization is None:
        return redirect("accounts:create")
    form = MeetingCreateForm(request.POST or None, request.FILES or None, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        meeting = services.create_meeting(request.organization, request.user, **form.service_kwargs())
        messages.success(request, _("The meeting was created."))
        try:
            upload = recording_services.uploaded_file(request, "recording")
            if upload is not None:
                recording_services.attach_recording(meeting, upload, request.user)
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/form.html", {"form": form, "creating": True})


@login_required
@require_safe
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    membership = get_membership(request.user, meeting.organization_id)
    context = {
        "meeting": meeting,
        "participants": meeting.participants.all(),
        "tags": meeting.tags.all(),
        "can_delete": services.can_delete_meeting(request.user, membership, meeting),
        "max_upload_size": settings.MAX_UPLOAD_SIZE,
        **status_context(meeting),
    }
    response = render(request, "meetings/detail.html", context)
    # The microphone is off everywhere else; this page records a meeting (recorder.js, before there is
    # a recording) and voice questions to its chat box.
    response["Permissions-Policy"] = PERMISSIONS_POLICY.replace("microphone=()", "microphone=(self)")
    return response


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    form = MeetingForm(request.POST or None, organization=meeting.organization, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        services.update_meeting(meeting, **form.service_kwargs())
        messages.success(request, _("The meeting was saved."))
        return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/form.html", {"form": form, "meeting": meeting, "creating": False})


@login_required
@require_http_methods(["GET", "POST"])
def meeting_delete(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    membership = get_membership(request.user, meeting.organization_id)
    if not services.can_delete_meeting(request.user, membership, meeting):
        raise PermissionDenied(_("Only the meeting's creator or an organization admin can delete it."))
    if request.method == "POST":
        title = meeting.title
        services.delete_meeting(meeting, user=request.user)
        messages.success(request, _("The meeting “%(title)s” was deleted.") % {"title": title})
        return redirect("meetings:list")
    return render(request, "meetings/confirm_delete.html", {"meeting": meeting})
