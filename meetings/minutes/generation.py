"""Writing minutes, in the worker: the meeting's transcript as turns, the provider's result streamed into
a draft the page shows while it is written, the new version saved with its decision and action-item
rows, and what kind of failure a provider error is."""

import logging
import re
import time

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from meetings.models import (
    Minutes,
    MinutesDraft,
    Segment,
)
from nexochat.errors import ServiceError

from .configuration import provider_for, resolve_template
from .items import sync_items

logger = logging.getLogger(__name__)

DRAFT_INTERVAL = 1.0


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


def turns_from_meeting(meeting):
    """The meeting's segments as the minutes builder's turns, speakers by display name."""
    from ai_pipeline.minutes.turns import Turn

    segments = Segment.objects.filter(meeting=meeting).select_related("speaker", "speaker__member").order_by("position")
    return [
        Turn(
            index=i,
            speaker=segment.speaker.display_name if segment.speaker_id else "",
            text=segment.text,
            start=segment.start,
            end=segment.end,
            speaker_id=segment.speaker_id,
            segment_id=segment.pk,
        )
        for i, segment in enumerate(segments)
        if segment.text.strip()
    ]


def generate_for_meeting(
    meeting, *, template_key="", provider_name="", job=None, user=None, on_progress=None, fallback_to_extractive=False
):
    """Generate and save a new minutes version for the meeting. Raises ServiceError or LLMError."""
    from ai_pipeline.llm import LLMError
    from ai_pipeline.llm.offline import OfflineProvider
    from ai_pipeline.minutes import generate_minutes

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


def next_version(meeting):
    latest = Minutes.objects.select_for_update().filter(meeting=meeting).aggregate(v=Max("version"))["v"] or 0
    return latest + 1


@transaction.atomic
def save_minutes(meeting, result, turns, *, job=None, user=None):
    minutes = Minutes.objects.create(
        meeting=meeting,
        version=next_version(meeting),
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
