"""Write paths for minutes: generating (in the worker), saving versions, decision and action-item rows,
edits, review, exports, templates and the organization's provider settings. Views, the API and the
pipeline stage call these, so the rules live in one place."""

import dataclasses
import datetime
import logging
import re
import time

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from meetings.models import (
    ActionItem,
    Decision,
    ItemStatus,
    Job,
    JobState,
    Minutes,
    MinutesDraft,
    MinutesTemplate,
    OrganizationAISettings,
    Segment,
    Speaker,
)
from meetings.transcript.exports import Export, filename_for
from nexochat.errors import ServiceError

logger = logging.getLogger(__name__)

EXPORT_FORMATS = {
    "md": ("text/markdown; charset=utf-8", "Markdown"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word (DOCX)"),
}
PROVIDER_NAMES = ("hyperclova", "clova-openai", "openai", "local", "offline")
MAX_MARKDOWN = 200_000
MAX_PROMPT = 8000
DRAFT_INTERVAL = 1.0


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

    data = with_names(minutes.data, speaker_names(minutes.meeting) if names is None else names)
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


# --- templates and providers -----------------------------------------------------------------


def ai_settings(organization):
    return OrganizationAISettings.objects.filter(organization=organization).first()


def templates_for(organization):
    """[(key, name)]: the built-in templates, then the organization's own."""
    choices = [("default", _("Default")), ("report", _("Korean report style (개조식)"))]
    choices += [(t.key, t.name) for t in MinutesTemplate.objects.filter(organization=organization)]
    return choices


def resolve_template(organization, key):
    from ai_pipeline.minutes.prompts import BUILTIN_TEMPLATES, Template

    key = (key or "").strip()
    if not key:
        config = ai_settings(organization)
        key = config.default_template if config else "default"
    if key in BUILTIN_TEMPLATES:
        return BUILTIN_TEMPLATES[key]
    match = re.fullmatch(r"org:(\d+)", key)
    template = match and MinutesTemplate.objects.filter(organization=organization, pk=int(match.group(1))).first()
    if not template:
        if key == (getattr(ai_settings(organization), "default_template", "") or ""):
            return BUILTIN_TEMPLATES["default"]  # the organization's default template was deleted
        raise ServiceError(_("No such minutes template."), "unknown_template")
    return Template(template.key, template.name, template.prompt)


def provider_label(name):
    from ai_pipeline.llm import ALIASES

    name = ALIASES.get(name, name)
    return dict(OrganizationAISettings.PROVIDERS).get(name, name)


_MISSING = {
    "api_key": gettext_lazy("no API key is set"),
    "api_key_unreadable": gettext_lazy("the stored API key cannot be read; enter it again"),
    "base_url": gettext_lazy("no server address is set"),
    "model": gettext_lazy("no model is chosen"),
}


def provider_problem(organization, name=None):
    """Why the provider (None: the organization's default) cannot write minutes now, in the reader's
    language, or "" when it can. Only configuration is checked (a key, an address, a model); nothing is
    sent anywhere."""
    from ai_pipeline.llm import ConfigurationError

    try:
        provider = provider_for(organization, name or None)
    except ConfigurationError as exc:
        logger.debug("provider %s for organization %s: %s", name or "(default)", organization.pk, exc)
        return str(_MISSING.get(exc.missing, _("it is not set up")))
    provider.close()
    return ""


def provider_options(organization, *, admin):
    """The providers to offer on the minutes panel: [{key, label, problem}]. Owners and admins also see the
    ones that are not set up, with the reason (shown disabled); members see only the ones that work."""
    options = []
    for key, label in OrganizationAISettings.PROVIDERS:
        if not key:
            continue
        problem = provider_problem(organization, key)
        if admin or not problem:
            options.append({"key": key, "label": label, "problem": problem})
    return options


def configured_provider_name(organization):
    config = ai_settings(organization)
    return (config.provider if config and config.provider else settings.LLM_PROVIDER) or "offline"


def provider_for(organization, name=None):
    """The LLM provider to use: the organization's configuration when it names this provider (or none
    is asked for), otherwise the server's settings for that provider."""
    from ai_pipeline.llm import _ACCEPTS, _canonical, get_provider  # the layer's own filter for provider arguments

    config = ai_settings(organization)
    configured = _canonical(config.provider) if config and config.provider else None
    name = _canonical(name) if name else (configured or None)
    if name and name not in PROVIDER_NAMES:
        raise ServiceError(_("Unknown provider."), "unknown_provider")
    overrides = {}
    if config and configured and name == configured:
        overrides = {
            "model": config.model,
            "base_url": config.base_url,
            "api_key": _stored_key(config, "api_key"),
            "apigw_api_key": _stored_key(config, "apigw_api_key"),
            "context_window": config.context_window,
        }
        overrides = {k: v for k, v in overrides.items() if k in _ACCEPTS[name] and v not in (None, "", 0)}
        if "base_url" in overrides:  # the organization's URL, not the operator's
            from nexochat.outbound_transport import CheckedAddressTransport

            overrides["url_guard"] = _organization_url_guard
            overrides["transport"] = CheckedAddressTransport()
    return get_provider(name, **overrides)


def _stored_key(config, field):
    from ai_pipeline.llm import ConfigurationError
    from nexochat.secrets_at_rest import UnreadableSecret

    try:
        return getattr(config, field)
    except UnreadableSecret as exc:
        raise ConfigurationError(str(exc), missing="api_key_unreadable") from None


def _organization_url_guard(url):
    """Run by the provider right before each request to an organization-set base URL."""
    from ai_pipeline.llm import ConfigurationError, ProviderUnavailableError
    from nexochat import outbound

    try:
        outbound.check_url(url)
    except outbound.HostUnresolvable as exc:
        raise ProviderUnavailableError(f"cannot reach the organization's base URL: {exc}") from None
    except outbound.URLRefused as exc:
        raise ConfigurationError(f"the organization's base URL is not allowed: {exc}") from None


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


def failure_code(exc):
    """What kind of provider failure this is; the minutes panel explains each code in the reader's language."""
    from ai_pipeline import llm

    codes = (
        (llm.ConfigurationError, "not_configured"),
        (llm.AuthenticationError, "auth"),
        (llm.RateLimitError, "rate_limited"),
        (
            (llm.LLMTimeoutError, llm.ProviderUnavailableError, llm.ServerError, llm.StreamInterruptedError),
            "unavailable",
        ),
        (llm.InvalidOutputError, "invalid_output"),
        (llm.ContextLengthExceededError, "too_long"),
    )
    return next((code for kind, code in codes if isinstance(exc, kind)), "failed")


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


# --- generating (worker side) ----------------------------------------------------------------


class DraftWriter:
    """Streams a job's partial text into MinutesDraft, at most once a second."""

    def __init__(self, job, interval=DRAFT_INTERVAL):
        self.job = job if isinstance(getattr(job, "pk", None), int) else None
        self.interval = interval
        self._last = 0.0

    def __call__(self, text):
        if self.job is None:
            return
        now = time.monotonic()
        if now - self._last < self.interval:
            return
        self._last = now
        MinutesDraft.objects.update_or_create(job=self.job, defaults={"text": readable_partial(text)})

    def clear(self):
        if self.job is not None:
            MinutesDraft.objects.filter(job=self.job).delete()


_JSON_STRING = re.compile(r'"((?:[^"\\]|\\.){6,})"(?!\s*:)')


def readable_partial(text):
    """The finished string values of a half-streamed JSON answer, one per line, for people to watch."""
    values = []
    for match in _JSON_STRING.finditer(text or ""):
        value = match.group(1).replace('\\"', '"').replace("\\n", " ")
        values.append(value)
    return "\n".join(values[-60:])


def generate_for_meeting(
    meeting, *, template_key="", provider_name="", job=None, user=None, on_progress=None, fallback_to_extractive=False
):
    """Generate and save a new minutes version for the meeting. Raises ServiceError or LLMError."""
    from ai_pipeline.llm import LLMError
    from ai_pipeline.llm.offline import OfflineProvider
    from ai_pipeline.minutes import generate_minutes
    from ai_pipeline.minutes.turns import turns_from_meeting

    turns = turns_from_meeting(meeting)
    if not turns:
        raise ServiceError(_("There is no transcript to write minutes from yet."), "no_transcript")
    template = resolve_template(meeting.organization, template_key)
    draft = DraftWriter(job)
    language = meeting.language if meeting.language in ("ko", "en") else None
    held = timezone.localtime(meeting.held_at).date() if meeting.held_at else None
    kwargs = {
        "template": template,
        "title": meeting.title,
        "date": held,
        "language": language,
        "on_progress": on_progress,
        "on_text": draft,
    }
    try:
        provider = provider_for(meeting.organization, provider_name or None)
        with provider:
            result = generate_minutes(turns, provider=provider, **kwargs)
    except LLMError as exc:
        if not fallback_to_extractive:
            raise
        logger.warning("minutes for meeting %s: %s; writing extractive minutes instead", meeting.pk, exc)
        if job is not None and hasattr(job, "add_log"):
            job.add_log(f"minutes: {exc}; wrote extractive minutes instead")
        result = generate_minutes(turns, provider=OfflineProvider(), **kwargs)
    finally:
        draft.clear()
    return save_minutes(meeting, result, turns, job=job, user=user)


def _next_version(meeting):
    latest = Minutes.objects.select_for_update().filter(meeting=meeting).aggregate(v=Max("version"))["v"] or 0
    return latest + 1


@transaction.atomic
def save_minutes(meeting, result, turns, *, job=None, user=None):
    minutes = Minutes.objects.create(
        meeting=meeting,
        version=_next_version(meeting),
        provider=result.provider,
        model=str(result.model or "")[:200],
        template=result.template,
        language=result.language,
        data=result.data,
        is_extractive=result.extractive,
        stats={
            "calls": result.calls,
            "chunks": result.chunks,
            "prompt_tokens": result.prompt_tokens,
            "completion_tokens": result.completion_tokens,
            "seconds": round(result.seconds, 3),
        },
        job=job if isinstance(getattr(job, "pk", None), int) else None,
        created_by=user if isinstance(user, User) else None,
    )
    sync_items(meeting, minutes, turns)
    return minutes


def _norm(text):
    return re.sub(r"\W+", "", (text or "").lower())


def _member_for_name(meeting, name, speakers):
    """A member whose speaker name or account name matches `name`."""
    key = _norm(name)
    if not key:
        return None
    for speaker in speakers:
        if speaker.member_id and key in {_norm(speaker.name), _norm(speaker.display_name)}:
            return speaker.member
    members = User.objects.filter(memberships__organization=meeting.organization)
    for user in members:
        names = {_norm(user.name), _norm(user.display_name)}
        if key in names or any(n and (n in key or key in n) and len(n) >= 2 for n in names if n):
            return user
    return None


def _pairs(text):
    text = _norm(text)
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def _match(items, rows):
    """{position: row} pairing the version's items ({text, segment_id}) with the rows of the previous one:
    the same text first, then the most similar text (character pairs, Dice coefficient of at least 0.6),
    then an item rewritten in place (the same moment of the meeting)."""
    matched, free = {}, list(rows)

    def take(position, row):
        matched[position] = row
        free.remove(row)

    for position, item in enumerate(items):
        row = next((row for row in free if _norm(row.text) == _norm(item["text"])), None)
        if row is not None:
            take(position, row)
    scored = []
    for position, item in enumerate(items):
        if position in matched:
            continue
        for row in free:
            a, b = _pairs(item["text"]), _pairs(row.text)
            score = 2 * len(a & b) / (len(a) + len(b))
            if score >= 0.6:
                scored.append((score, -abs(position - row.position), position, row))
    for _score, _distance, position, row in sorted(scored, key=lambda entry: entry[:3], reverse=True):
        if position not in matched and row in free:
            take(position, row)
    for position, item in enumerate(items):
        row = next((row for row in free if item["segment_id"] and row.segment_id == item["segment_id"]), None)
        if position not in matched and row is not None:
            take(position, row)
    return matched


def sync_items(meeting, minutes, turns, *, edited=False, done=None):
    """Make the meeting's decision and action-item rows (the tracker) this version's. A row whose item is
    still there (the same or a similar text, or a text rewritten at the same moment) is updated in place,
    keeping its id, status, assignee and "superseded by" link; rows whose items are gone are deleted.
    After a regeneration a due date people set is kept; after an edit the edit's owner and due date win,
    and so do its [x] marks (`done`) when it was made from the current version (an earlier version's text
    shows no status, so it changes none)."""
    speakers = list(Speaker.objects.filter(meeting=meeting).select_related("member"))
    by_id = {s.pk: s for s in speakers}

    def where(item):
        line = item.get("line")
        turn = turns[line] if isinstance(line, int) and 0 <= line < len(turns) else None
        speaker = by_id.get(turn.speaker_id if turn else item.get("speaker_id"))
        return {
            "speaker": speaker,
            "speaker_name": (item.get("speaker") or (turn.speaker if turn else ""))[:100],
            "segment_id": turn.segment_id if turn else None,
            "start": turn.start if turn else item.get("start"),
        }

    decisions = minutes.data.get("decisions", [])
    keys = [{"text": item["text"], "segment_id": where(item)["segment_id"]} for item in decisions]
    rows = _match(keys, Decision.objects.filter(meeting=meeting))
    kept = []
    for position, item in enumerate(decisions):
        row = rows.get(position) or Decision(meeting=meeting)
        place = where(item)
        for field, value in place.items():
            setattr(row, field, value)
        row.minutes, row.text, row.position = minutes, item["text"], position
        if place["speaker"] is not None and place["speaker"].member_id:
            row.member = place["speaker"].member
        row.save()
        kept.append(row.pk)
    Decision.objects.filter(meeting=meeting).exclude(pk__in=kept).delete()

    actions = minutes.data.get("action_items", [])
    keys = [{"text": item["text"], "segment_id": where(item)["segment_id"]} for item in actions]
    rows = _match(keys, ActionItem.objects.filter(meeting=meeting))
    kept = []
    for position, item in enumerate(actions):
        due_date = datetime.date.fromisoformat(item["due_date"]) if item.get("due_date") else None
        owner = (item.get("owner") or "")[:100]
        row = rows.get(position)
        if row is None:
            row = ActionItem(meeting=meeting, assignee=_member_for_name(meeting, owner, speakers))
            row.status = ItemStatus.DONE if done and done[position] else ItemStatus.OPEN
            row.due_date = due_date
        elif edited:
            if _norm(row.owner_name) != _norm(owner):
                row.assignee = _member_for_name(meeting, owner, speakers)
            if done is not None and done[position]:
                row.status = ItemStatus.DONE
            elif done is not None and row.status == ItemStatus.DONE:
                row.status = ItemStatus.OPEN
            row.due_date = due_date
        else:
            row.assignee = row.assignee or _member_for_name(meeting, owner, speakers)
            row.due_date = row.due_date or due_date
        for field, value in where(item).items():
            setattr(row, field, value)
        row.minutes, row.text, row.position = minutes, item["text"], position
        row.owner_name, row.due_text = owner, (item.get("due") or "")[:100]
        row.save()
        kept.append(row.pk)
    ActionItem.objects.filter(meeting=meeting).exclude(pk__in=kept).delete()


# --- editing, review, export -----------------------------------------------------------------


def edit_minutes(minutes, markdown, user):
    """Read an edited Markdown text back into the structure and save it as a new version (the edited one
    is kept), then bring the decision and action-item rows up to date. Raises ServiceError, with the line
    at fault when the text cannot be read."""
    from ai_pipeline.minutes import MarkdownError, parse_markdown
    from ai_pipeline.minutes.turns import turns_from_meeting

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
            version=_next_version(meeting),
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
        return next((item for item in previous.get(section, []) if _norm(item["text"]) == _norm(text)), None)

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


# --- organization settings -------------------------------------------------------------------


def clean_base_url(value):
    """http(s) URLs, including bare host names ("http://gpu:8000/v1"), which self-hosted servers use.
    Internal addresses only when the operator allows them (LLM_ALLOWED_HOSTS, nexochat/outbound.py)."""
    from urllib.parse import urlsplit

    from nexochat import outbound

    value = (value or "").strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(value) > 300:
        raise ServiceError(_("Enter an http:// or https:// address."), "invalid_url")
    try:
        outbound.check_url(value)
    except outbound.HostUnresolvable as exc:
        message = _(
            "%(host)s cannot be resolved. A host on the server's own network can be used once the server "
            "operator lists it in LLM_ALLOWED_HOSTS."
        )
        raise ServiceError(message % {"host": exc.host}, "url_not_allowed") from None
    except outbound.URLRefused as exc:
        message = _(
            "%(host)s is an internal address (%(address)s). The server operator must list it in "
            "LLM_ALLOWED_HOSTS before an organization can use it."
        )
        raise ServiceError(message % {"host": exc.host, "address": exc.address}, "url_not_allowed") from None
    return value


def update_ai_settings(
    organization,
    user,
    *,
    provider="",
    model="",
    base_url="",
    api_key=None,
    apigw_api_key=None,
    clear_api_key=False,
    context_window=None,
    default_template="default",
    stt_engine=None,
    stt_model=None,
    glossary=None,
):
    """Save the organization's provider choice. A blank key keeps the stored one; clear_api_key removes it.
    The speech settings (stt_engine, stt_model, glossary) are left as they are when None."""
    if provider and provider not in PROVIDER_NAMES:
        raise ServiceError(_("Unknown provider."), "unknown_provider")
    resolve_template(organization, default_template)
    base_url = clean_base_url(base_url)  # before get_or_create: a refused change must not leave a row
    config, _created = OrganizationAISettings.objects.get_or_create(organization=organization)
    config.provider = provider or ""
    config.model = (model or "").strip()[:200]
    config.base_url = base_url
    if clear_api_key:
        config.api_key = config.apigw_api_key = ""
    else:
        if api_key:
            config.api_key = api_key.strip()[:500]
        if apigw_api_key:
            config.apigw_api_key = apigw_api_key.strip()[:500]
    config.context_window = context_window or None
    config.default_template = default_template or "default"
    if stt_engine is not None:
        config.stt_engine = stt_engine
    if stt_model is not None:
        config.stt_model = stt_model.strip()[:300]
    if glossary is not None:
        config.glossary = "\n".join(term.strip() for term in glossary.splitlines() if term.strip())
    config.updated_by = user
    config.save()
    from accounts import audit

    # Never the key itself: only whether one was set or cleared.
    audit.record(
        user,
        organization,
        "ai_settings.update",
        config,
        provider=config.provider,
        model=config.model,
        base_url=config.base_url,
        api_key_changed=bool(api_key or apigw_api_key or clear_api_key),
    )
    return config


@dataclasses.dataclass
class Reencryption:
    """Ids of the organization AI settings rows with stored keys, by what re-encrypting did to them."""

    rewritten: list = dataclasses.field(default_factory=list)
    current: list = dataclasses.field(default_factory=list)  # already encrypted with the first key
    unreadable: list = dataclasses.field(default_factory=list)  # no configured key decrypts them: left as they are


ENCRYPTED_KEY_FIELDS = ("encrypted_api_key", "encrypted_apigw_api_key")


def reencrypt_api_keys(*, dry_run=False):
    """Encrypt every stored API key with the first of FIELD_ENCRYPTION_KEYS, so that the keys after it
    can be removed from the list. A dry run only sorts the rows."""
    from nexochat import secrets_at_rest

    result = Reencryption()
    with_keys = OrganizationAISettings.objects.exclude(encrypted_api_key="", encrypted_apigw_api_key="")
    for pk in with_keys.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():  # a key saved meanwhile from the settings page is not overwritten
            row = OrganizationAISettings.objects.select_for_update().filter(pk=pk).values(*ENCRYPTED_KEY_FIELDS).first()
            if row is None:  # deleted meanwhile
                continue
            tokens = {name: token for name, token in row.items() if token}
            try:
                rotated = {
                    name: secrets_at_rest.rotate(token)
                    for name, token in tokens.items()
                    if not secrets_at_rest.is_current(token)
                }
            except secrets_at_rest.UnreadableSecret:
                result.unreadable.append(pk)
                continue
            if not rotated:
                result.current.append(pk)
                continue
            result.rewritten.append(pk)
            if not dry_run:  # update(), not save(): updated_at/updated_by are for people's changes
                OrganizationAISettings.objects.filter(pk=pk).update(**rotated)
    return result


def save_template(organization, *, name, prompt, template=None):
    name, prompt = (name or "").strip()[:100], (prompt or "").strip()
    if not name or not prompt:
        raise ServiceError(_("A template needs a name and instructions."), "invalid")
    if len(prompt) > MAX_PROMPT:
        raise ServiceError(_("The instructions are too long."), "too_long")
    clash = MinutesTemplate.objects.filter(organization=organization, name=name)
    if template is not None:
        clash = clash.exclude(pk=template.pk)
    if clash.exists():
        raise ServiceError(_("A template with this name already exists."), "duplicate")
    if template is None:
        return MinutesTemplate.objects.create(organization=organization, name=name, prompt=prompt)
    template.name, template.prompt = name, prompt
    template.save(update_fields=["name", "prompt", "updated_at"])
    return template


def delete_template(template):
    template.delete()
