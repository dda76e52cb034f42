"""/chat/: the archive chatbot pages, and the chat box on each meeting's page.

Answers stream as Server-Sent Events from a StreamingHttpResponse: asking (POST) saves the question
and returns the URL of its answer stream; the browser opens it with EventSource and shows the text as
the model writes it; the last event carries the saved answer rendered with its checked citation links,
which replaces the streamed text. An answer takes seconds, so a plain stream is simpler than polling
a background job (no draft rows, no worker round trip); the cost is one web thread per answer being
written. Without JavaScript, asking answers in the request and redirects to the conversation."""

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import organization_required
from meetings.access import get_meeting_for
from meetings.chat import services
from meetings.models import ChatRole, VoiceState
from nexochat.errors import ServiceError
from nexochat.security import PERMISSIONS_POLICY, over_limit, rate_limit, rate_limited


def _wants_json(request):
    return "application/json" in request.headers.get("accept", "") or bool(request.htmx)


def _conversation_context(request, conversation=None, meeting=None):
    conversations = services.conversations_for(request.user, request.organization)
    if meeting is not None:
        conversations = conversations.filter(meeting=meeting)
    chat_messages = list(conversation.messages.all()) if conversation else []
    links = services.citation_links(request.user, chat_messages)
    rows = [
        {"message": m, "links": links.get(m.pk, []), "html": services.render_answer(m.content, links.get(m.pk, []))}
        for m in chat_messages
    ]
    pending = chat_messages[-1] if chat_messages and chat_messages[-1].role == ChatRole.USER else None
    return {
        "conversations": conversations[:50],
        "conversation": conversation,
        "rows": rows,
        "meeting": meeting or (conversation.meeting if conversation else None),
        "pending_stream": _stream_url(pending) if pending else "",
    }


def _chat_page(request, context):
    # ?part=conversations: only the list, refreshed by chat.js once a new conversation has its answer.
    template = "meetings/chat/page.html"
    if request.GET.get("part") == "conversations":
        template += "#conversation_list"
    response = render(request, template, context)
    # The voice button (voice.js) records here; every other page but the recorder's keeps it off.
    response["Permissions-Policy"] = PERMISSIONS_POLICY.replace("microphone=()", "microphone=(self)")
    return response


def _stream_url(question):
    return reverse("chat:stream", args=[question.conversation_id, question.pk])


@organization_required
@require_GET
def chat_home(request: HttpRequest) -> HttpResponse:
    meeting = None
    if request.GET.get("meeting", "").isdigit():
        meeting = get_meeting_for(request.user, int(request.GET["meeting"]), request.organization)
    return _chat_page(request, _conversation_context(request, meeting=meeting))


@organization_required
@require_GET
def conversation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = services.get_conversation_for(request.user, pk)
    return _chat_page(request, _conversation_context(request, conversation))


def _target_conversation(request):
    """The conversation a question goes to: the one named (the user's own), or a new one (about the
    named meeting, or the current organization's archive)."""
    pk = request.POST.get("conversation", "")
    if pk.isdigit():
        return services.get_conversation_for(request.user, int(pk))
    meeting_pk = request.POST.get("meeting", "")
    if meeting_pk.isdigit():
        meeting = get_meeting_for(request.user, int(meeting_pk))
        return services.start_conversation(request.user, meeting.organization, meeting)
    return services.start_conversation(request.user, request.organization)


def _asked_json(conversation, question):
    return {
        "conversation": conversation.pk,
        "conversation_url": reverse("chat:conversation", args=[conversation.pk]),
        "message": question.pk,
        "question": question.content,
        "stream_url": _stream_url(question),
    }


def _asked(request, conversation, question, voice=None):
    if _wants_json(request):
        data = _asked_json(conversation, question)
        if voice is not None:
            data["voice"] = voice.pk
        return JsonResponse(data, status=201)
    services.reply(question)
    if conversation.meeting_id and request.POST.get("next") == "meeting":
        return redirect(reverse("meetings:detail", args=[conversation.meeting_id]) + "#chat")
    return redirect("chat:conversation", pk=conversation.pk)


def _error(request, message, status=400, fallback="chat:home"):
    if _wants_json(request):
        return JsonResponse({"error": message}, status=status)
    messages.error(request, message)
    return redirect(fallback)


@organization_required
@require_POST
@rate_limit("chat")
def ask(request: HttpRequest) -> HttpResponse:
    try:
        text = services.clean_question(request.POST.get("question"))
    except ServiceError as exc:
        return _error(request, exc.message)
    if not _wants_json(request):  # answered in this request: counted before the question is saved
        refused = rate_limited(request, services.ANSWER_RATE_SCOPE)
        if refused is not None:
            return refused
    voice_pk = request.POST.get("voice", "")
    if voice_pk.isdigit():  # the confirmed (perhaps edited) text of a voice question
        voice = services.get_confirmable_voice_question_for(request.user, int(voice_pk))
        question = services.ask_confirmed_voice_question(voice, text)
        return _asked(request, voice.conversation, question, voice)
    conversation = _target_conversation(request)
    question = services.add_question(conversation, text)
    return _asked(request, conversation, question)


@organization_required
@require_POST
@rate_limit("chat")
def voice(request: HttpRequest) -> HttpResponse:
    """A recorded question: stored and queued for a speech worker (202); the page polls status_url,
    then follows the answer's stream like a typed question's. ask=0 (the page's own flow): the text is
    only transcribed; the page puts it in the question box, and asking it (with voice=<id>) is the
    speaker's confirmation."""
    try:
        upload, language = services.clean_voice(request.FILES.get("audio"), request.POST.get("language"))
        ask_at_once = services.clean_ask_at_once(request.POST.get("ask"))
    except ServiceError as exc:
        return _error(request, exc.message, status=413 if exc.code == "too_large" else 400)
    conversation = _target_conversation(request)
    voice = services.queue_voice_question(conversation, request.user, upload, language, get_language(), ask_at_once)
    return JsonResponse(
        {"voice": voice.pk, "state": voice.state, "status_url": reverse("chat:voice_status", args=[voice.pk])},
        status=202,
    )


@organization_required
@require_GET
def voice_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Where a voice question is: {"voice", "state", "text", "error"}, and once asked the same fields
    asking returns (conversation, message, question, stream_url...). One transcribed to be confirmed
    (ask=0) is done with its text and its conversation, and nothing asked yet."""
    voice = services.get_voice_question_for(request.user, pk)
    data = {"voice": voice.pk, "state": voice.state, "text": voice.text, "error": voice.error_message}
    if voice.state == VoiceState.DONE and voice.question is not None:
        data.update(_asked_json(voice.conversation, voice.question))
    elif voice.state == VoiceState.DONE:
        data["conversation"] = voice.conversation_id
    response = JsonResponse(data)
    response["Cache-Control"] = "no-store"
    return response


def _sse(event, data):
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def message_html(request, message):
    links = services.citation_links(request.user, [message])[message.pk]
    return render_to_string(
        "meetings/chat/message.html",
        {"row": {"message": message, "links": links, "html": services.render_answer(message.content, links)}},
        request=request,
    )


@organization_required
@require_GET
def stream(request: HttpRequest, pk: int, message_pk: int) -> HttpResponse:
    """The answer to one question as Server-Sent Events: `delta` events ({"text"}), then `done`
    ({"html", "message"}) or `error` ({"message"}). A question already answered gets `done` at once.
    Writing an answer counts against the answer rate limit; past it the stream is one `error` event
    (with a 429 EventSource would only report a failed connection, without the message)."""
    from ai_pipeline.llm import LLMError

    conversation = services.get_conversation_for(request.user, pk)
    question = get_object_or_404(conversation.messages, pk=message_pk, role=ChatRole.USER)
    existing = services.answer_of(question)
    limited = existing is None and over_limit(request, services.ANSWER_RATE_SCOPE)

    def events():
        if existing is not None:
            yield _sse("done", {"message": existing.pk, "html": message_html(request, existing)})
            return
        if limited:
            yield _sse(
                "error", {"message": _("Too many requests. Try again in a little while."), "retry_after": limited}
            )
            return
        yield ": answering\n\n"  # opens the stream at once, before retrieval
        try:
            for item in services.stream_reply(question):
                if isinstance(item, str):
                    yield _sse("delta", {"text": item})
                else:
                    yield _sse("done", {"message": item.pk, "html": message_html(request, item)})
        except LLMError as exc:
            yield _sse("error", {"message": _("The answer could not be completed (%(error)s).") % {"error": exc}})

    response = StreamingHttpResponse(events(), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass events through as they come
    return response


@organization_required
@require_POST
def conversation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = services.get_conversation_for(request.user, pk)
    services.delete_conversation(conversation)
    messages.success(request, _("The conversation was deleted."))
    return redirect("chat:home")


@organization_required
@require_GET
def meeting_box(request: HttpRequest, meeting_pk: int) -> HttpResponse:
    """The chat box on a meeting's page (loaded by HTMX): this user's latest conversation about it."""
    meeting = get_meeting_for(request.user, meeting_pk)
    conversation = services.conversations_for(request.user, meeting=meeting).first()
    return render(request, "meetings/chat/box.html", _conversation_context(request, conversation, meeting))
