"""The transcript panel and its HTMX actions: speakers (rename, merge, map to a member), segment
edits, exports and re-runs. Each view finds the meeting through get_meeting_for (outsiders get 404)
and leaves the rules to meetings.transcript.services."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from meetings.access import get_meeting_for
from meetings.model_choices import stt_models
from meetings.models import SPEAKER_COLORS
from meetings.params import int_or_none
from meetings.transcript import services
from meetings.transcript.exports import FORMATS, UnknownFormat
from nexochat.errors import ServiceError

PANEL = "meetings/transcript/panel.html"
_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


# --- context ---------------------------------------------------------------------------------


def _color_speakers(speakers):
    for index, speaker in enumerate(speakers):
        speaker.css_color = (
            speaker.color if _HEX_COLOR.match(speaker.color or "") else SPEAKER_COLORS[index % len(SPEAKER_COLORS)]
        )
    return speakers


def _attach(segments, speakers):
    """Give each segment the coloured speaker instance, so templates read one object."""
    by_id = {speaker.pk: speaker for speaker in speakers}
    for segment in segments:
        if segment.speaker_id in by_id:
            segment.speaker = by_id[segment.speaker_id]
        segment.edited = services.is_edited(segment)
    return segments


def _pct(value, whole):
    return round(100.0 * value / whole, 3) if whole else 0.0


def transcript_context(meeting):
    """Everything the panel shows, computed once per render."""
    speakers = _color_speakers(services.speakers_of(meeting))
    segments = _attach(services.segments_of(meeting), speakers)
    gaps = _attach_gaps(services.gaps_of(meeting), speakers)
    recording = meeting.recording
    spans = [*segments, *gaps]
    duration = max([recording.duration or 0.0 if recording else 0.0, *(item.end for item in spans)])
    timeline = []
    for speaker in speakers:
        blocks = [
            {
                "segment": item,
                "gap": item.is_gap,
                "left": _pct(item.start, duration),
                "width": max(0.3, _pct(item.end - item.start, duration)),
            }
            for item in spans
            if item.speaker_id == speaker.pk
        ]
        timeline.append({"speaker": speaker, "blocks": blocks})
    talk = [
        {"speaker": speaker, "seconds": seconds, "percent": round(percent, 1)}
        for speaker, seconds, percent in services.talk_times(speakers, segments, gaps)
    ]
    coverage = services.coverage_of(meeting)
    return {
        "meeting": meeting,
        "speakers": speakers,
        "segments": segments,
        "gaps": gaps,
        "items": sorted(spans, key=lambda item: (item.start, item.end)),
        "gap_seconds": sum(gap.duration for gap in gaps),
        "coverage": coverage,
        "low_confidence_count": sum(1 for segment in segments if segment.is_low_confidence),
        "duration": duration,
        "timeline": timeline,
        "talk": talk,
        "members": list(services.organization_members(meeting)),
        "formats": [(key, label) for key, (_type, label) in FORMATS.items()],
        "engines": services.stt_engines(),
        "stt_models": stt_models(),
        "active_job": services.active_job(meeting),
        "has_recording": recording is not None,
        "max_speakers": services.MAX_SPEAKERS,
    }


def _attach_gaps(gaps, speakers):
    by_id = {speaker.pk: speaker for speaker in speakers}
    for gap in gaps:
        if gap.speaker_id in by_id:
            gap.speaker = by_id[gap.speaker_id]
    return gaps


def _segment_context(meeting, segment, **extra):
    speakers = _color_speakers(services.speakers_of(meeting))
    _attach([segment], speakers)
    return {"meeting": meeting, "segment": segment, **extra}


def _get_speaker(meeting, speaker_id):
    speaker = services.get_speaker(meeting, speaker_id)
    if speaker is None:
        raise Http404("No such speaker.")
    return speaker


def _get_segment(meeting, segment_id):
    segment = services.get_segment(meeting, segment_id)
    if segment is None:
        raise Http404("No such segment.")
    return segment


def _panel_response(request, meeting, *, error=None, notice=None, status=200):
    """HTMX: the refreshed panel. A plain form post: back to the meeting page with a message."""
    if request.htmx:
        context = transcript_context(meeting)
        context.update(transcript_error=error, transcript_notice=notice)
        return render(request, PANEL, context, status=status)
    if error:
        messages.error(request, error)
    elif notice:
        messages.success(request, notice)
    return redirect(reverse("meetings:detail", args=[meeting.pk]) + "#transcript")


# --- views -----------------------------------------------------------------------------------


@login_required
@require_GET
def transcript_panel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    template = PANEL if request.htmx else "meetings/transcript/page.html"
    return render(request, template, transcript_context(meeting))


@login_required
@require_http_methods(["GET", "POST"])
def speaker_rename(request: HttpRequest, pk: int, speaker_id: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    speaker = _get_speaker(meeting, speaker_id)
    if request.method == "GET":
        return render(request, f"{PANEL}#speaker_rename", {"meeting": meeting, "speaker": speaker})
    services.rename_speaker(speaker, request.POST.get("name", ""))
    return _panel_response(request, meeting)


@login_required
@require_POST
def speaker_merge(request: HttpRequest, pk: int, speaker_id: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    source = _get_speaker(meeting, speaker_id)
    target = services.get_speaker(meeting, int_or_none(request.POST.get("target")))
    if target is None:
        return _panel_response(request, meeting, error=_("Choose a speaker to merge into."), status=200)
    try:
        services.merge_speakers(source, target)
    except ServiceError as exc:
        return _panel_response(request, meeting, error=str(exc))
    return _panel_response(request, meeting, notice=_("The speakers were merged."))


@login_required
@require_POST
def speaker_member(request: HttpRequest, pk: int, speaker_id: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    speaker = _get_speaker(meeting, speaker_id)
    user = None
    member_id = int_or_none(request.POST.get("member"))
    if member_id is not None:
        user = services.organization_members(meeting).filter(pk=member_id).first()
        if user is None:
            return _panel_response(request, meeting, error=_("That person is not a member of this organization."))
    services.map_speaker_to_member(speaker, user)
    return _panel_response(request, meeting)


@login_required
@require_GET
def segment_detail(request: HttpRequest, pk: int, segment_id: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    segment = _get_segment(meeting, segment_id)
    return render(request, f"{PANEL}#segment", _segment_context(meeting, segment))


@login_required
@require_http_methods(["GET", "POST"])
def segment_edit(request: HttpRequest, pk: int, segment_id: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    segment = _get_segment(meeting, segment_id)
    if request.method == "GET":
        return render(request, f"{PANEL}#segment_edit", _segment_context(meeting, segment))
    text = request.POST.get("text", "")
    try:
        services.edit_segment(segment, text)
    except ServiceError as exc:
        if not request.htmx:
            messages.error(request, str(exc))
            return redirect(reverse("meetings:detail", args=[meeting.pk]) + "#transcript")
        context = _segment_context(meeting, segment, error=str(exc), draft=text)
        return render(request, f"{PANEL}#segment_edit", context)
    if not request.htmx:
        return redirect(reverse("meetings:detail", args=[meeting.pk]) + f"#segment-{segment.pk}")
    return render(request, f"{PANEL}#segment", _segment_context(meeting, segment))


@login_required
@require_GET
def transcript_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    try:
        export = services.export_file(meeting, fmt)
    except UnknownFormat:
        raise Http404("No such export format.") from None
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = export.content_disposition()
    return response


def _rerun_response(request, meeting, *, error=None, job=None):
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Processing was queued."))
        return redirect(reverse("meetings:detail", args=[meeting.pk]))
    context = transcript_context(meeting)
    context.update(rerun_error=error, queued_job=job)
    return render(request, f"{PANEL}#rerun", context)


@login_required
@require_POST
def rediarize(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    try:
        job = services.queue_rediarization(meeting, request.POST.get("num_speakers"))
    except ServiceError as exc:
        return _rerun_response(request, meeting, error=str(exc))
    return _rerun_response(request, meeting, job=job)


@login_required
@require_POST
def retranscribe(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for(request.user, pk)
    try:
        job = services.queue_retranscription(meeting, request.POST.get("stt"), request.POST.get("model", ""))
    except ServiceError as exc:
        return _rerun_response(request, meeting, error=str(exc))
    return _rerun_response(request, meeting, job=job)
