"""Write paths and queries of the archive chatbot: conversations belong to one user, and
retrieval is scoped to what that user may see in the conversation's organization, before ranking."""

import re
from dataclasses import dataclass

from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts.access import organizations_for
from meetings.access import meetings_for
from meetings.models import ChatMessage, ChatRole, Conversation, VoiceQuestion, VoiceState
from nexochat.errors import ServiceError

MAX_VOICE_BYTES = 10 * 1024 * 1024
# Transcribing a minute of speech takes seconds; the rest is loading the model in a fresh worker.
VOICE_TASK_TIMEOUT = 600

TITLE_CHARS = 60
# The rate limit (settings.RATE_LIMITS) every answer the language model writes counts against, whichever
# route asks for it; a saved answer read again is not counted.
ANSWER_RATE_SCOPE = "chat_answer"
MAX_QUESTION_CHARS = 2000


def conversations_for(user, organization=None, meeting=None):
    queryset = Conversation.objects.filter(user=user, organization__in=organizations_for(user))
    if organization is not None:
        queryset = queryset.filter(organization=organization)
    if meeting is not None:
        queryset = queryset.filter(meeting=meeting)
    return queryset.select_related("meeting")


def get_conversation_for(user, pk):
    """The user's own conversation, or 404 (another user's conversation does not exist for them)."""
    conversation = conversations_for(user).filter(pk=pk).first()
    if conversation is None:
        raise Http404("No such conversation.")
    if conversation.meeting_id and not meetings_for(user).filter(pk=conversation.meeting_id).exists():
        raise Http404("No such conversation.")
    return conversation


def clean_question(text):
    text = re.sub(r"\s+", " ", text or "").strip()
    if not text:
        raise ServiceError(_("Ask a question."), "empty")
    if len(text) > MAX_QUESTION_CHARS:
        raise ServiceError(
            _("A question can be at most %(chars)d characters long.") % {"chars": MAX_QUESTION_CHARS}, "too_long"
        )
    return text


def start_conversation(user, organization, meeting=None, title=""):
    return Conversation.objects.create(user=user, organization=organization, meeting=meeting, title=title[:200])


@transaction.atomic
def add_question(conversation, text, source="typed"):
    text = clean_question(text)
    message = ChatMessage.objects.create(conversation=conversation, role=ChatRole.USER, content=text, source=source)
    if not conversation.title:
        conversation.title = text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1] + "…"
    conversation.updated_at = timezone.now()
    conversation.save(update_fields=["title", "updated_at"])
    return message


def answer_of(question):
    """The answer saved for a question, if any."""
    return question.replies.order_by("pk").first()


def answer_found(message):
    """Whether a saved answer found anything (the Answer's `found`, which is not stored)."""
    from ai_pipeline.chat import NOT_FOUND

    return bool(message.citations) or NOT_FOUND.replace(" ", "") not in message.content.replace(" ", "")


def history_before(question):
    rows = question.conversation.messages.filter(pk__lt=question.pk).order_by("pk")
    return [{"role": m.role, "content": m.content} for m in rows]


def retrieval_filters(conversation):
    """The meetings this conversation may draw on: its meeting, or the organization's meetings the user
    may see (a meeting shared with selected members stays out for everyone else)."""
    filters = {"organization": conversation.organization_id}
    if conversation.meeting_id:
        visible = meetings_for(conversation.user, conversation.organization).filter(pk=conversation.meeting_id)
        filters["meeting"] = [conversation.meeting_id] if visible.exists() else [-1]  # [] would mean "any"
    return filters


def provider_for(conversation, name=None):
    from meetings.minutes.configuration import provider_for as organization_provider

    return organization_provider(conversation.organization, name)


def stream_reply(question, provider=None):
    """Yield text deltas, then the saved assistant ChatMessage (with its Answer as `.result`)."""
    from ai_pipeline.chat import Answer
    from meetings.chat.ask import stream_answer

    conversation = question.conversation
    provider = provider or provider_for(conversation)
    for item in stream_answer(
        conversation.user,
        question.content,
        history=history_before(question),
        filters=retrieval_filters(conversation),
        provider=provider,
    ):
        if isinstance(item, Answer):
            message = save_answer(question, item)
            message.result = item
            yield message
        else:
            yield item


def reply(question, provider=None):
    message = None
    for item in stream_reply(question, provider):
        if isinstance(item, ChatMessage):
            message = item
    return message


@transaction.atomic
def save_answer(question, result):
    existing = answer_of(question)
    if existing is not None:  # two tabs answered the same question: keep the first
        return existing
    text = result.text if not result.note else f"{result.note}\n\n{result.text}"
    message = ChatMessage.objects.create(
        conversation=question.conversation,
        role=ChatRole.ASSISTANT,
        content=text,
        citations=result.citations,
        source=result.provider,
        reply_to=question,
    )
    Conversation.objects.filter(pk=question.conversation_id).update(updated_at=timezone.now())
    return message


def delete_conversation(conversation):
    waiting = [v.audio.name for v in conversation.voice_questions.exclude(audio="")]
    conversation.delete()
    if waiting:
        from django.core.files.storage import default_storage

        transaction.on_commit(lambda: [default_storage.delete(name) for name in waiting])


# --- voice questions ----------------------------------------------------------------------------


def clean_voice(upload, language):
    """The upload and language of a spoken question, or ServiceError. language: "ko", "en", "auto" or blank."""
    if upload is None or not upload.size:
        raise ServiceError(_("No recording was received."), "no_audio")
    if upload.size > MAX_VOICE_BYTES:
        raise ServiceError(_("The recording is too large."), "too_large")
    language = (language or "").strip().lower()
    if language == "auto":
        language = ""
    if language and not re.fullmatch(r"[a-z]{2,3}", language):
        raise ServiceError(_("Unknown language: use ko, en or auto."), "bad_language")
    return upload, language


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def clean_ask_at_once(value):
    """The `ask` field of a voice upload: true (the default) asks the question as soon as it is
    transcribed; false only transcribes it, for the speaker to confirm."""
    if value is None or value is True or value is False:
        return value is not False
    word = str(value).strip().lower()
    if word in TRUE_WORDS or word == "":
        return True
    if word in FALSE_WORDS:
        return False
    raise ServiceError(_("ask must be true or false."), "bad_ask")


@transaction.atomic
def queue_voice_question(conversation, user, upload, language="", ui_language="", ask=True):
    """Keep the recording until a speech worker has transcribed it (meetings.chat.tasks), and queue
    that once the transaction commits. ui_language: the language the worker writes errors in.
    ask=False: the text is only transcribed, for the speaker to confirm or edit and then ask
    (ask_confirmed_voice_question)."""
    from meetings.processing.services import enqueue_task

    voice = VoiceQuestion(conversation=conversation, user=user, language=language)
    voice.store_audio(upload, "question")
    transaction.on_commit(
        lambda: enqueue_task(
            "meetings.chat.tasks.transcribe_voice_question",
            voice.pk,
            ui_language,
            ask,
            task_name=f"voice-{voice.pk}",
            speech=True,
            timeout=VOICE_TASK_TIMEOUT,
        )
    )
    return voice


def get_voice_question_for(user, pk):
    """A voice question in the user's own conversation, or 404."""
    voice = VoiceQuestion.objects.filter(pk=pk, conversation__user=user).select_related("question").first()
    if voice is None:
        raise Http404("No such voice question.")
    voice.conversation = get_conversation_for(user, voice.conversation_id)
    return voice


@transaction.atomic
def finish_voice_question(voice, text):
    """The transcribed question joins the conversation; both rows change together, so a task started
    over never adds it twice."""
    question = add_question(voice.conversation, text, source="voice")
    voice.mark_done(question)
    return question


def hold_voice_transcription(voice, text):
    """The transcribed text waits for its speaker to confirm it; nothing is asked yet."""
    voice.mark_transcribed(clean_question(text))


@transaction.atomic
def ask_confirmed_voice_question(voice, text):
    """The speaker's confirmed (perhaps edited) text of a transcribed voice question joins its
    conversation as a spoken question. Confirmed twice (two taps), it is still asked once."""
    voice = VoiceQuestion.objects.select_for_update().select_related("question").get(pk=voice.pk)
    if voice.question is not None:
        return voice.question
    question = add_question(voice.conversation, text, source="voice")
    voice.question = question
    voice.save(update_fields=["question"])
    return question


def get_confirmable_voice_question_for(user, pk):
    """A transcribed voice question of the user's own that waits for confirmation (or was just
    confirmed), or 404."""
    voice = get_voice_question_for(user, pk)
    if voice.state != VoiceState.DONE:
        raise Http404("No such voice question.")
    return voice


# --- rendering ----------------------------------------------------------------------------------


@dataclass
class CitationLink:
    n: int
    meeting_id: int
    title: str
    start: float
    url: str
    speaker: str = ""

    @property
    def timestamp(self):
        seconds = int(self.start)
        return f"{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def citation_links(user, messages):
    """{message pk: [CitationLink]} for meetings the user may still see (a meeting deleted or hidden
    since the answer was written is left out)."""
    wanted = {c["meeting_id"] for m in messages for c in (m.citations or [])}
    titles = dict(meetings_for(user).filter(pk__in=wanted).values_list("pk", "title")) if wanted else {}
    links = {}
    for message in messages:
        rows = []
        for c in message.citations or []:
            if c.get("meeting_id") in titles:
                url = reverse("meetings:detail", args=[c["meeting_id"]]) + f"?t={int(c.get('start') or 0)}"
                rows.append(CitationLink(c["n"], c["meeting_id"], titles[c["meeting_id"]], c.get("start") or 0, url))
        links[message.pk] = rows
    return links


_MARKER = re.compile(r"\[(\d{1,3})\]")


def render_answer(text, links):
    """The answer as HTML: escaped first, then each [n] that names a visible citation becomes a link
    that opens the meeting at that moment; other markers are dropped."""
    by_n = {link.n: link for link in links}

    def link(match):
        target = by_n.get(int(match.group(1)))
        if target is None:
            return ""
        return format_html(
            '<a class="cite" href="{}" title="{} · {}" data-meeting="{}" data-start="{}">[{}]</a>',
            target.url,
            target.title,
            target.timestamp,
            target.meeting_id,
            int(target.start),
            target.n,
        )

    return mark_safe(_MARKER.sub(link, escape(text)).replace("\n", "<br>"))  # noqa: S308 - escaped above
