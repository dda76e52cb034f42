"""Minutes pages: the panel on the meeting page (HTMX), generating and regenerating, the live progress
while a job streams, Markdown editing, review, exports, and the organization admin's provider and
template settings. Meetings are found through get_meeting_for (outsiders get 404); the rules live in
meetings.minutes.services."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from accounts.access import get_membership, require_admin
from accounts.decorators import organization_required
from meetings.access import get_meeting_for
from meetings.minutes import configuration, services
from meetings.model_choices import stt_models
from meetings.models import JobState, MinutesTemplate, OrganizationAISettings
from meetings.params import int_or_none
from nexochat.errors import ServiceError

PANEL = "meetings/minutes/panel.html"
SETTINGS = "meetings/minutes/settings.html"


# --- context ---------------------------------------------------------------------------------


def _selected_version(meeting, request):
    version = int_or_none(request.GET.get("version") or request.POST.get("version"))
    if version is None:
        return services.current_minutes(meeting)
    minutes = services.get_version(meeting, version)
    if minutes is None:
        raise Http404("No such minutes version.")
    return minutes


def _stage_label(job):
    from meetings.processing.stages import STAGE_LABELS

    return _(STAGE_LABELS[job.stage]) if job and job.stage in STAGE_LABELS else (job.stage if job else "")


def panel_context(meeting, minutes=None, *, user, **extra):
    current = services.current_minutes(meeting)
    minutes = minutes or current
    active = services.active_minutes_job(meeting)
    latest = services.latest_minutes_job(meeting)
    failed = (
        latest
        if latest and latest.state == JobState.FAILED and (current is None or latest.created_at > current.created_at)
        else None
    )
    is_current = minutes is not None and current is not None and minutes.pk == current.pk
    has_transcript = services.has_transcript(meeting)
    admin = get_membership(user, meeting.organization_id).is_admin
    context = {
        **services.display(minutes),
        "meeting": meeting,
        "minutes_loaded": True,
        "minutes": minutes,
        "is_current": is_current,
        "versions": list(
            services.versions_of(meeting).values("version", "created_at", "provider", "template", "edited_at")
        ),
        "active_job": active,
        "failed_job": failed,
        "failure_message": (
            services.failure_message(failed, has_minutes=current is not None, admin=admin) if failed else ""
        ),
        "can_change_settings": admin,
        "stage_label": _stage_label(active),
        "partial_text": services.draft_text(active),
        "has_transcript": has_transcript,
        "templates": configuration.templates_for(meeting.organization),
        # What the generate form offers; it is shown only with a transcript and no job running.
        "providers": configuration.provider_options(meeting.organization, admin=admin)
        if has_transcript and not active
        else [],
        "configured_provider": configuration.provider_label(
            configuration.configured_provider_name(meeting.organization)
        ),
        "formats": list(services.EXPORT_FORMATS.items()),
    }
    context.update(extra)
    return context


def _panel_response(request, meeting, *, error=None, notice=None, minutes=None):
    if request.htmx:
        return render(request, PANEL, panel_context(meeting, minutes, user=request.user, error=error, notice=notice))
    if error:
        messages.error(request, error)
    elif notice:
        messages.success(request, notice)
    return redirect(reverse("meetings:detail", args=[meeting.pk]) + "#minutes")


# --- meeting views ---------------------------------------------------------------------------


@login_required
@require_GET
def minutes_panel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    context = panel_context(meeting, _selected_version(meeting, request), user=request.user)
    return render(request, PANEL if request.htmx else "meetings/minutes/page.html", context)


@login_required
@require_GET
def minutes_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """While a job runs: its percent and the text so far. Once it ends: the whole panel (polling stops)."""
    meeting = get_meeting_for(request.user, pk)
    active = services.active_minutes_job(meeting)
    if active is None:
        return render(request, PANEL, panel_context(meeting, user=request.user))
    context = {"meeting": meeting, "active_job": active, "stage_label": _stage_label(active)}
    return render(request, f"{PANEL}#progress", {**context, "partial_text": services.draft_text(active)})


@login_required
@require_POST
def minutes_generate(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    try:
        job = services.queue_minutes(
            meeting, request.user, template=request.POST.get("template", ""), provider=request.POST.get("provider", "")
        )
    except ServiceError as exc:
        return _panel_response(request, meeting, error=str(exc))
    job.refresh_from_db(fields=["state"])  # a worker in sync mode has already run it
    if job.state == JobState.DONE:
        return _panel_response(request, meeting, notice=_("The minutes were written."))
    if job.state == JobState.FAILED:
        return _panel_response(request, meeting)
    return _panel_response(request, meeting, notice=_("Minutes generation was queued."))


@login_required
@require_http_methods(["GET", "POST"])
def minutes_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    minutes = _selected_version(meeting, request)
    if minutes is None:
        raise Http404("No minutes yet.")
    if request.method == "GET":
        context = {"meeting": meeting, "minutes": minutes, "draft": services.markdown_of(minutes)}
        return render(request, f"{PANEL}#edit", context)
    text = request.POST.get("markdown", "")
    try:
        saved = services.edit_minutes(minutes, text, request.user)
    except ServiceError as exc:
        # The text comes back as typed, with the line at fault: nothing is lost.
        form = {"draft": text, "error": str(exc), "error_line": exc.details.get("line")}
        if request.htmx:  # htmx swaps only 2xx answers; the form replaces itself, the panel stays
            response = render(request, f"{PANEL}#edit", {"meeting": meeting, "minutes": minutes, **form})
            return reswap(retarget(response, "#minutes-edit"), "outerHTML")
        context = panel_context(meeting, minutes, user=request.user, editing=True, **form)
        return render(request, "meetings/minutes/page.html", context, status=400)
    notice = _("The minutes were saved as version %(version)s.") % {"version": saved.version}
    return _panel_response(request, meeting, notice=notice, minutes=saved)


@login_required
@require_POST
def minutes_review(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    minutes = _selected_version(meeting, request)
    if minutes is None:
        raise Http404("No minutes yet.")
    reviewed = request.POST.get("reviewed", "1") not in ("0", "false", "")
    services.set_reviewed(minutes, request.user, reviewed)
    notice = _("The minutes were marked as reviewed.") if reviewed else _("The review mark was removed.")
    return _panel_response(request, meeting, notice=notice, minutes=minutes)


@login_required
@require_GET
def minutes_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    minutes = _selected_version(meeting, request)
    if minutes is None:
        raise Http404("No minutes yet.")
    try:
        export = services.export_minutes(minutes, fmt)
    except ServiceError:
        raise Http404("No such export format.") from None
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = export.content_disposition()
    return response


# --- organization settings (owners and admins) -----------------------------------------------


class AISettingsForm(forms.Form):
    provider = forms.ChoiceField(label=gettext_lazy("Provider"), required=False)
    model = forms.CharField(label=gettext_lazy("Model"), required=False, max_length=200)
    base_url = forms.CharField(label=gettext_lazy("Base URL"), required=False, max_length=300)
    api_key = forms.CharField(
        label=gettext_lazy("API key"),
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("Stored and never shown again. Leave blank to keep the current key."),
    )
    apigw_api_key = forms.CharField(
        label=gettext_lazy("API gateway key (legacy CLOVA keys only)"),
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    clear_api_key = forms.BooleanField(label=gettext_lazy("Remove the stored keys"), required=False)
    context_window = forms.IntegerField(
        label=gettext_lazy("Context window (tokens)"),
        required=False,
        min_value=512,
        max_value=10_000_000,
        help_text=gettext_lazy("Only for servers whose model the application does not know (vLLM, Ollama)."),
    )
    default_template = forms.ChoiceField(label=gettext_lazy("Default template"))
    stt_engine = forms.ChoiceField(
        label=gettext_lazy("Speech-to-text engine"), required=False, choices=OrganizationAISettings.STT_ENGINES
    )
    stt_model = forms.ChoiceField(
        label=gettext_lazy("Speech-to-text model"),
        required=False,
        help_text=gettext_lazy("The models this server offers (its operators choose them)."),
    )
    glossary = forms.CharField(
        label=gettext_lazy("Glossary"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Names and terms the transcript should spell correctly, one per line."),
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = OrganizationAISettings.PROVIDERS
        self.fields["default_template"].choices = configuration.templates_for(organization)
        self.fields["stt_model"].choices = [("", _("Server default")), *((m, m) for m in stt_models())]


class TemplateForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    prompt = forms.CharField(
        label=gettext_lazy("Instructions"),
        max_length=configuration.MAX_PROMPT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "How the minutes should be written (style, emphasis, wording). The sections stay the same."
        ),
    )


def _admin_organization(request):
    membership = get_membership(request.user, request.organization.pk)
    require_admin(membership)
    return request.organization


def _settings_page(request, organization, form=None, template_form=None, status=200):
    config = configuration.ai_settings(organization)
    if form is None:
        initial = {"default_template": "default"}
        if config:
            initial = {
                "provider": config.provider,
                "model": config.model,
                "base_url": config.base_url,
                "context_window": config.context_window,
                "default_template": config.default_template,
                "stt_engine": config.stt_engine,
                "stt_model": config.stt_model,
                "glossary": config.glossary,
            }
        form = AISettingsForm(initial=initial, organization=organization)
    context = {
        "organization": organization,
        "form": form,
        "template_form": template_form or TemplateForm(),
        "config": config,
        "org_templates": MinutesTemplate.objects.filter(organization=organization),
    }
    return render(request, SETTINGS, context, status=status)


@organization_required
@require_http_methods(["GET", "POST"])
def minutes_settings(request: HttpRequest) -> HttpResponse:
    organization = _admin_organization(request)
    if request.method == "GET":
        return _settings_page(request, organization)
    form = AISettingsForm(request.POST, organization=organization)
    if not form.is_valid():
        return _settings_page(request, organization, form=form, status=400)
    try:
        configuration.update_ai_settings(organization, request.user, **form.cleaned_data)
    except ServiceError as exc:
        form.add_error(None, str(exc))
        return _settings_page(request, organization, form=form, status=400)
    messages.success(request, _("The minutes settings were saved."))
    return redirect("minutes_settings:settings")


@organization_required
@require_POST
def template_create(request: HttpRequest) -> HttpResponse:
    organization = _admin_organization(request)
    form = TemplateForm(request.POST)
    if form.is_valid():
        try:
            configuration.save_template(organization, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(None, str(exc))
    if form.errors:
        return _settings_page(request, organization, template_form=form, status=400)
    messages.success(request, _("The template was saved."))
    return redirect("minutes_settings:settings")


def _org_template(organization, template_id):
    template = MinutesTemplate.objects.filter(organization=organization, pk=template_id).first()
    if template is None:
        raise Http404("No such template.")
    return template


@organization_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, template_id: int) -> HttpResponse:
    organization = _admin_organization(request)
    template = _org_template(organization, template_id)
    form = TemplateForm(request.POST or None, initial={"name": template.name, "prompt": template.prompt})
    if request.method == "POST" and form.is_valid():
        try:
            configuration.save_template(organization, template=template, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The template was saved."))
            return redirect("minutes_settings:settings")
    status = 400 if form.errors else 200
    return render(request, "meetings/minutes/template_form.html", {"form": form, "template": template}, status=status)


@organization_required
@require_POST
def template_delete(request: HttpRequest, template_id: int) -> HttpResponse:
    organization = _admin_organization(request)
    configuration.delete_template(_org_template(organization, template_id))
    messages.success(request, _("The template was deleted."))
    return redirect("minutes_settings:settings")
