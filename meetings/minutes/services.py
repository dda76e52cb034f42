"""Minutes for the pages and the API: reading versions (with today's speaker names), queueing a
regeneration, explaining a failed one, editing (the Markdown read back into the structure, saved as a
new version), review and exports. Writing minutes is generation.py (the worker); the tracked decision
and action-item rows items.py; providers and templates configuration.py."""

import datetime
import logging

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meetings.models import (
    ActionItem,
    Decision,
    ItemStatus,
    Job,
    JobState,
    Minutes,
    MinutesDraft,
    Segment,
    Speaker,
)
from meetings.transcript.exports import Export, filename_for
from nexochat.errors import ServiceError

from .configuration import (
    PROVIDER_NAMES,
    configured_provider_name,
    provider_label,
    provider_problem,
    resolve_template,
)
from .generation import next_version, turns_from_meeting
from .items import comparable_text, sync_items

logger = logging.getLogger(__name__)

EXPORT_FORMATS = {
    "md": ("text/markdown; charset=utf-8", "Markdown"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word (DOCX)"),
}
MAX_MARKDOWN = 200_000


# --- reading ---------------------------------------------------------------------------------


def versions_of(meeting):
    return Minutes.objects.filter(meeting=meeting).order_by("-version")


def current_minutes(meeting):
    return versions_of(meeting).select_related("reviewed_by", "edited_by").first()


def get_version(meeting, version):
    return versions_of(meeting).filter(version=version).select_related("reviewed_by", "edited_by").first()


def decisions_of(meeting):
    return (
        Decision.objects.filter(meeting=meeting)
        .select_related("member", "speaker", "speaker__member")
        .order_by("position")
    )


def action_items_of(meeting):
    return ActionItem.objects.filter(meeting=meeting).select_related("assignee").order_by("position")


def active_minutes_job(meeting):
    return (
        Job.objects.filter(meeting=meeting, kind="minutes", state__in=[JobState.QUEUED, JobState.RUNNING])
        .order_by("-created_at")
        .first()
    )


def latest_minutes_job(meeting):
    return Job.objects.filter(meeting=meeting, kind="minutes").order_by("-created_at", "-id").first()


def draft_text(job):
    draft = MinutesDraft.objects.filter(job=job).first() if job else None
    return draft.text if draft else ""


def has_transcript(meeting):
    return Segment.objects.filter(meeting=meeting).exists()


def speaker_names(meeting):
    """{speaker id: the name shown today} for the meeting's speakers."""
    return {
        speaker.pk: speaker.display_name for speaker in Speaker.objects.filter(meeting=meeting).select_related("member")
    }


def _held(meeting):
    return timezone.localtime(meeting.held_at).date() if meeting.held_at else None


def presented(minutes, names=None):
    """The version's structure with every speaker under today's name (ai_pipeline/minutes/names.py). The
    current version's action items say whether they are done (the tracker's status)."""
    from ai_pipeline.minutes import with_names
    from ai_pipeline.minutes.schema import empty_minutes

    # Every section, even where a version was stored without one.
    data = {**empty_minutes(), **minutes.data}
    data = with_names(data, speaker_names(minutes.meeting) if names is None else names)
    if _is_current(minutes):
        rows = {row.position: row for row in ActionItem.objects.filter(meeting=minutes.meeting, minutes=minutes)}
        for position, item in enumerate(data.get("action_items", [])):
            row = rows.get(position)
            item["done"] = row is not None and row.status == ItemStatus.DONE
    return data


def _is_current(minutes):
    latest = Minutes.objects.filter(meeting_id=minutes.meeting_id).aggregate(v=Max("version"))["v"]
    return latest == minutes.version


def markdown_of(minutes):
    """The version as Markdown: what the edit form starts from and the Markdown export."""
    from ai_pipeline.minutes import to_markdown

    return to_markdown(presented(minutes), date=_held(minutes.meeting))


def _at(seconds):
    from ai_pipeline.minutes.turns import clock

    return {"start": seconds, "clock": clock(seconds) if seconds is not None else ""}


def _date(value):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def display(minutes):
    """What the minutes panel and the share page show of a version: its structure under today's
    names, with times to seek to; the current version's action items with the tracker's status and
    assignee."""
    if minutes is None:
        return {"data": {}, "decisions": [], "action_items": [], "topics": []}
    data = presented(minutes)
    rows = {}
    if _is_current(minutes):
        rows = {row.position: row for row in action_items_of(minutes.meeting).filter(minutes=minutes)}
    decisions = [{**item, **_at(item.get("start"))} for item in data.get("decisions", [])]
    actions = []
    for position, item in enumerate(data.get("action_items", [])):
        row = rows.get(position)
        actions.append(
            {
                "text": item["text"],
                "owner": (row.assignee.display_name if row and row.assignee else item.get("owner", "")),
                "due_date": row.due_date if row else _date(item.get("due_date")),
                "due_text": item.get("due", ""),
                "status": row.get_status_display() if row else "",
                "status_key": row.status if row else "",
                **_at(item.get("start")),
            }
        )
    topics = [
        {"title": topic["title"], **_at(topic.get("start")), "end_clock": _at(topic.get("end"))["clock"]}
        for topic in data.get("topics", [])
    ]
    return {"data": data, "decisions": decisions, "action_items": actions, "topics": topics}


# --- queueing --------------------------------------------------------------------------------


def queue_minutes(meeting, user=None, *, template="", provider=""):
    """A job that (re)generates the minutes. Refused without a transcript or while one is running."""
    from meetings.processing.services import queue_processing

    if not has_transcript(meeting):
        raise ServiceError(_("There is no transcript to write minutes from yet."), "no_transcript")
    if active_minutes_job(meeting) is not None:
        raise ServiceError(_("Minutes are already being generated."), "running")
    resolve_template(meeting.organization, template)
    if provider and provider not in PROVIDER_NAMES:
        raise ServiceError(_("Unknown provider."), "unknown_provider")
    problem = provider_problem(meeting.organization, provider)
    if problem:
        message = _(
            "%(provider)s is not set up (%(problem)s). Choose another provider, or ask an owner or admin of "
            "the organization to set it up in the minutes settings."
        )
        name = provider_label(provider or configured_provider_name(meeting.organization))
        raise ServiceError(message % {"provider": name, "problem": problem}, "provider_not_configured")
    options = {"template": template or "", "provider": provider or ""}
    if user is not None:
        options["user"] = user.pk
    return queue_processing(meeting, kind="minutes", options=options)


# --- failures -----------------------------------------------------------------------------------


_FAILURES = {
    "not_configured": gettext_lazy("%(provider)s is not set up, so the minutes were not written again."),
    "auth": gettext_lazy("%(provider)s did not accept the organization's API key, so the minutes were not written."),
    "rate_limited": gettext_lazy("%(provider)s is busy right now. Try again in a few minutes."),
    "unavailable": gettext_lazy("%(provider)s could not be reached. Try again later or choose another provider."),
    "invalid_output": gettext_lazy(
        "%(provider)s did not answer with usable minutes. Try again or choose another provider."
    ),
    "too_long": gettext_lazy("The transcript is too long for this model. Choose a model with a larger context."),
    "no_transcript": gettext_lazy("There is no transcript to write minutes from yet."),
    "unknown_template": gettext_lazy("The chosen template no longer exists. Choose another one."),
}


def failure_message(job, *, has_minutes, admin):
    """The failed minutes job explained for the minutes panel, in the reader's language. The job's reason,
    which names settings and servers, is for operators (Django admin, the job log, the worker's log)."""
    provider = provider_label(job.options.get("provider") or configured_provider_name(job.meeting.organization))
    message = _FAILURES.get(job.failure_code)
    parts = [str(message) % {"provider": provider} if message else _("The minutes could not be written.")]
    if job.failure_code in ("not_configured", "auth") and not admin:
        parts.append(_("Ask an owner or admin of the organization to check the minutes settings."))
    elif job.failure_code not in _FAILURES:
        parts.append(_("The server's administrators can see the reason in the processing log."))
    if has_minutes:
        parts.append(_("The previous minutes are unchanged."))
    return " ".join(parts)


# --- editing, review, export -----------------------------------------------------------------


def edit_minutes(minutes, markdown, user):
    """Read an edited Markdown text back into the structure and save it as a new version (the edited one
    is kept), then bring the decision and action-item rows up to date. Raises ServiceError, with the line
    at fault when the text cannot be read."""
    from ai_pipeline.minutes import MarkdownError, parse_markdown

    markdown = (markdown or "").replace("\r\n", "\n")
    if len(markdown) > MAX_MARKDOWN:
        raise ServiceError(_("The minutes are too long."), "too_long")
    try:
        edited = parse_markdown(markdown, language=minutes.language)
    except MarkdownError as exc:
        code = "empty" if not markdown.strip() else "invalid_markdown"
        raise ServiceError(str(exc), code, line=exc.line) from None
    meeting = minutes.meeting
    turns = turns_from_meeting(meeting)
    names = speaker_names(meeting)
    data = _placed(edited, presented(minutes, names), turns, names, _held(meeting))
    done = [item["done"] for item in edited["action_items"]] if _is_current(minutes) else None
    with transaction.atomic():
        version = Minutes.objects.create(
            meeting=meeting,
            version=next_version(meeting),
            provider=minutes.provider,
            model=minutes.model,
            template=minutes.template,
            language=minutes.language,
            data=data,
            is_extractive=minutes.is_extractive,
            created_by=user,
            edited_by=user,
            edited_at=timezone.now(),
            edited_from=minutes.version,
        )
        sync_items(meeting, version, turns, edited=True, done=done)
    return version


def _turn_near(turns, seconds):
    """The line whose turn was under way at `seconds` (as shown, whole seconds): the last one started by then."""
    if seconds is None:
        return None
    started = [turn for turn in turns if turn.start is not None and turn.start < seconds + 1]
    return started[-1] if started else (turns[0] if turns else None)


def _placed(edited, previous, turns, names, held):
    """The edited structure with what the text does not carry: each item's line and time (from the time
    written after it, or from the same item in the version it was edited from), speakers' ids, due dates
    resolved against the meeting date, and the minutes' language and labels."""
    from ai_pipeline.minutes import parse_due
    from ai_pipeline.minutes.names import snapshot, speaker_id_for
    from ai_pipeline.minutes.turns import clock

    def earlier(section, text):
        return next(
            (item for item in previous.get(section, []) if comparable_text(item["text"]) == comparable_text(text)), None
        )

    def place(section, item):
        old = earlier(section, item["text"])
        if old is not None and (item["start"] is None or clock(item["start"]) == clock(old.get("start"))):
            return old.get("line"), old.get("start")
        turn = _turn_near(turns, item["start"])
        return (turn.index, turn.start) if turn else (None, None)

    data = {
        **{key: previous.get(key) for key in ("language", "extractive")},
        "title": edited["title"] or previous.get("title", ""),
        "overview": edited["overview"],
        "key_points": edited["key_points"],
        "open_questions": edited["open_questions"],
        "speakers": snapshot(names),
    }
    data["decisions"] = []
    for item in edited["decisions"]:
        line, start = place("decisions", item)
        speaker_id = speaker_id_for(item["speaker"], names)
        data["decisions"].append(
            {"text": item["text"], "speaker": item["speaker"], "speaker_id": speaker_id, "line": line, "start": start}
        )
    data["action_items"] = []
    for item in edited["action_items"]:
        line, start = place("action_items", item)
        turn = turns[line] if isinstance(line, int) and 0 <= line < len(turns) else None
        due_date = item["due_date"]
        if not due_date and item["due"] and held:
            resolved = parse_due(item["due"], held)
            due_date = resolved.isoformat() if resolved else None
        data["action_items"].append(
            {
                "text": item["text"],
                "owner": item["owner"],
                "owner_speaker_id": speaker_id_for(item["owner"], names),
                "due": item["due"],
                "due_date": due_date,
                "speaker": turn.speaker if turn else "",
                "speaker_id": turn.speaker_id if turn else None,
                "line": line,
                "start": start,
            }
        )
    data["topics"] = []
    for item in edited["topics"]:
        first, last = _turn_near(turns, item["start"]), _turn_near(turns, item["end"])
        data["topics"].append(
            {
                "title": item["title"],
                "from_line": first.index if first else None,
                "to_line": last.index if last else None,
                "start": first.start if first else None,
                "end": last.end if last and item["end"] is not None else None,
            }
        )
    return data


def set_reviewed(minutes, user, reviewed=True):
    minutes.reviewed_by = user if reviewed else None
    minutes.reviewed_at = timezone.now() if reviewed else None
    minutes.save(update_fields=["reviewed_by", "reviewed_at"])
    return minutes


def export_minutes(minutes, fmt):
    from ai_pipeline.minutes import markdown_to_docx

    if fmt not in EXPORT_FORMATS:
        raise ServiceError(_("No such export format."), "unknown_format")
    markdown = markdown_of(minutes)
    content = markdown.encode() if fmt == "md" else markdown_to_docx(markdown)
    stem = filename_for(minutes.meeting, fmt).rpartition(".")[0]
    return Export(content, EXPORT_FORMATS[fmt][0], f"{stem}-minutes-v{minutes.version}.{fmt}")
