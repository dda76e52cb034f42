"""Write paths for minutes: generating (in the worker), saving versions, decision and action-item rows,
edits, review, exports, templates and the organization's provider settings. Views, the API and the
pipeline stage call these, so the rules live in one place."""

import dataclasses
import logging
import re
import time

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from .exports import Export, filename_for
from .models import (
    ActionItem,
    Decision,
    Job,
    JobState,
    Minutes,
    MinutesDraft,
    MinutesTemplate,
    OrganizationAISettings,
    Segment,
    Speaker,
)

logger = logging.getLogger(__name__)

EXPORT_FORMATS = {
    "md": ("text/markdown; charset=utf-8", "Markdown"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word (DOCX)"),
}
PROVIDER_NAMES = ("hyperclova", "clova-openai", "openai", "local", "offline")
MAX_MARKDOWN = 200_000
MAX_PROMPT = 8000
DRAFT_INTERVAL = 1.0


class MinutesError(Exception):
    """A refused request; the message is for the user, `code` is stable for API clients."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


# --- reading ---------------------------------------------------------------------------------


def versions_of(meeting):
    return Minutes.objects.filter(meeting=meeting).order_by("-version")


def current_minutes(meeting):
    return versions_of(meeting).select_related("reviewed_by", "edited_by").first()


def get_version(meeting, version):
    return versions_of(meeting).filter(version=version).select_related("reviewed_by", "edited_by").first()


def decisions_of(meeting):
    return Decision.objects.filter(meeting=meeting).select_related("member").order_by("position")


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
        raise MinutesError(_("No such minutes template."), "unknown_template")
    return Template(template.key, template.name, template.prompt)


def provider_choices():
    return [(value, label) for value, label in OrganizationAISettings.PROVIDERS if value]


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
        raise MinutesError(_("Unknown provider."), "unknown_provider")
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
        raise ConfigurationError(str(exc)) from None


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
    from .services import queue_processing

    if not has_transcript(meeting):
        raise MinutesError(_("There is no transcript to write minutes from yet."), "no_transcript")
    if active_minutes_job(meeting) is not None:
        raise MinutesError(_("Minutes are already being generated."), "running")
    resolve_template(meeting.organization, template)
    if provider and provider not in PROVIDER_NAMES:
        raise MinutesError(_("Unknown provider."), "unknown_provider")
    options = {"template": template or "", "provider": provider or ""}
    if user is not None:
        options["user"] = user.pk
    return queue_processing(meeting, kind="minutes", options=options)


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
    """Generate and save a new minutes version for the meeting. Raises MinutesError or LLMError."""
    from ai_pipeline.llm import LLMError
    from ai_pipeline.llm.offline import OfflineProvider
    from ai_pipeline.minutes import generate_minutes
    from ai_pipeline.minutes.turns import turns_from_meeting

    turns = turns_from_meeting(meeting)
    if not turns:
        raise MinutesError(_("There is no transcript to write minutes from yet."), "no_transcript")
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


@transaction.atomic
def save_minutes(meeting, result, turns, *, job=None, user=None):
    from ai_pipeline.minutes import to_markdown

    held = timezone.localtime(meeting.held_at).date() if meeting.held_at else None
    latest = Minutes.objects.select_for_update().filter(meeting=meeting).aggregate(v=Max("version"))["v"] or 0
    minutes = Minutes.objects.create(
        meeting=meeting,
        version=latest + 1,
        provider=result.provider,
        model=str(result.model or "")[:200],
        template=result.template,
        language=result.language,
        data=result.data,
        markdown=to_markdown(result.data, date=held),
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


def sync_items(meeting, minutes, turns):
    """Replace the meeting's decision and action-item rows with this version's. Status, assignee and
    due date that people set on an item with the same text carry over, so regenerating loses no work."""
    import datetime

    speakers = list(Speaker.objects.filter(meeting=meeting).select_related("member"))
    by_id = {s.pk: s for s in speakers}
    old_actions = {_norm(a.text): a for a in ActionItem.objects.filter(meeting=meeting)}

    def where(item):
        line = item.get("line")
        turn = turns[line] if isinstance(line, int) and 0 <= line < len(turns) else None
        speaker = by_id.get(turn.speaker_id) if turn else None
        return {
            "speaker": speaker,
            "speaker_name": (item.get("speaker") or (turn.speaker if turn else ""))[:100],
            "segment_id": turn.segment_id if turn else None,
            "start": turn.start if turn else item.get("start"),
        }

    Decision.objects.filter(meeting=meeting).delete()
    decisions = []
    for position, item in enumerate(minutes.data.get("decisions", [])):
        place = where(item)
        decisions.append(
            Decision(
                meeting=meeting,
                minutes=minutes,
                text=item["text"],
                position=position,
                member=place["speaker"].member if place["speaker"] else None,
                **place,
            )
        )
    Decision.objects.bulk_create(decisions)

    ActionItem.objects.filter(meeting=meeting).delete()
    actions = []
    for position, item in enumerate(minutes.data.get("action_items", [])):
        place = where(item)
        previous = old_actions.get(_norm(item["text"]))
        due_date = datetime.date.fromisoformat(item["due_date"]) if item.get("due_date") else None
        assignee = _member_for_name(meeting, item.get("owner"), speakers)
        action = ActionItem(
            meeting=meeting,
            minutes=minutes,
            text=item["text"],
            position=position,
            owner_name=(item.get("owner") or "")[:100],
            assignee=assignee,
            due_text=(item.get("due") or "")[:100],
            due_date=due_date,
            **place,
        )
        if previous is not None:
            action.status = previous.status
            action.assignee_id = previous.assignee_id or action.assignee_id
            action.due_date = previous.due_date or action.due_date
        actions.append(action)
    ActionItem.objects.bulk_create(actions)


# --- editing, review, export -----------------------------------------------------------------


def edit_minutes(minutes, markdown, user):
    markdown = (markdown or "").replace("\r\n", "\n")
    if not markdown.strip():
        raise MinutesError(_("The minutes cannot be empty."), "empty")
    if len(markdown) > MAX_MARKDOWN:
        raise MinutesError(_("The minutes are too long."), "too_long")
    minutes.markdown = markdown
    minutes.edited_by = user
    minutes.edited_at = timezone.now()
    minutes.save(update_fields=["markdown", "edited_by", "edited_at"])
    return minutes


def set_reviewed(minutes, user, reviewed=True):
    minutes.reviewed_by = user if reviewed else None
    minutes.reviewed_at = timezone.now() if reviewed else None
    minutes.save(update_fields=["reviewed_by", "reviewed_at"])
    return minutes


def export_minutes(minutes, fmt):
    from ai_pipeline.minutes import markdown_to_docx

    if fmt not in EXPORT_FORMATS:
        raise MinutesError(_("No such export format."), "unknown_format")
    content = minutes.markdown.encode() if fmt == "md" else markdown_to_docx(minutes.markdown)
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
        raise MinutesError(_("Enter an http:// or https:// address."), "invalid_url")
    try:
        outbound.check_url(value)
    except outbound.HostUnresolvable as exc:
        message = _(
            "%(host)s cannot be resolved. A host on the server's own network can be used once the server "
            "operator lists it in LLM_ALLOWED_HOSTS."
        )
        raise MinutesError(message % {"host": exc.host}, "url_not_allowed") from None
    except outbound.URLRefused as exc:
        message = _(
            "%(host)s is an internal address (%(address)s). The server operator must list it in "
            "LLM_ALLOWED_HOSTS before an organization can use it."
        )
        raise MinutesError(message % {"host": exc.host, "address": exc.address}, "url_not_allowed") from None
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
        raise MinutesError(_("Unknown provider."), "unknown_provider")
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
        raise MinutesError(_("A template needs a name and instructions."), "invalid")
    if len(prompt) > MAX_PROMPT:
        raise MinutesError(_("The instructions are too long."), "too_long")
    clash = MinutesTemplate.objects.filter(organization=organization, name=name)
    if template is not None:
        clash = clash.exclude(pk=template.pk)
    if clash.exists():
        raise MinutesError(_("A template with this name already exists."), "duplicate")
    if template is None:
        return MinutesTemplate.objects.create(organization=organization, name=name, prompt=prompt)
    template.name, template.prompt = name, prompt
    template.save(update_fields=["name", "prompt", "updated_at"])
    return template


def delete_template(template):
    template.delete()
