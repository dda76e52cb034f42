"""/api/v1/chat/: the chatbot's conversations with typed and spoken questions. Access through
accounts.access / meetings.access (another organization's data, or another user's conversation, is a
404); rules in meetings.chat.services."""

import logging

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import organizations_for
from meetings.access import get_meeting_for
from meetings.chat import services
from meetings.minutes.configuration import PROVIDER_NAMES
from meetings.models import ChatMessage, ChatRole, Conversation, Language, VoiceState
from meetings.transcript.api import AnyAcceptNegotiation
from nexochat.errors import ErrorSerializer, ServiceError, error_response
from nexochat.ids import ID_RANGE
from nexochat.security import rate_limit, rate_limited

logger = logging.getLogger(__name__)


class StreamNegotiation(AnyAcceptNegotiation):
    """`Accept: text/event-stream` must not be a 406 (the view streams itself), but the body is still
    parsed by its content type: a form post is not JSON."""

    def select_parser(self, request, parsers):
        return DefaultContentNegotiation().select_parser(request, parsers)


# --- serializers --------------------------------------------------------------------------------


class CitationSerializer(serializers.Serializer):
    n = serializers.IntegerField(help_text="The [n] marker in the answer.")
    meeting_id = serializers.IntegerField()
    position = serializers.IntegerField()
    start = serializers.FloatField()
    passage_id = serializers.IntegerField()


class ChatMessageSerializer(serializers.ModelSerializer):
    # A plain string: an enum named "role" would collide with the membership role's in the schema.
    role = serializers.CharField(read_only=True, help_text="user (a question) or assistant (an answer).")
    citations = CitationSerializer(many=True, read_only=True)

    class Meta:
        model = ChatMessage
        fields = ["id", "role", "content", "citations", "source", "created_at"]


class ConversationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Conversation
        fields = ["id", "title", "organization", "meeting", "created_at", "updated_at"]


class ConversationDetailSerializer(ConversationSerializer):
    messages = ChatMessageSerializer(many=True, read_only=True)

    class Meta(ConversationSerializer.Meta):
        fields = [*ConversationSerializer.Meta.fields, "messages"]


class ConversationCreateSerializer(serializers.Serializer):
    organization = serializers.IntegerField(required=False, help_text="Default: the meeting's, or your only one.")
    meeting = serializers.IntegerField(required=False, help_text="Chat about this meeting only.")
    title = serializers.CharField(required=False, max_length=200, allow_blank=True)


def provider_field():
    return serializers.ChoiceField(
        choices=PROVIDER_NAMES, required=False, help_text="An LLM provider (default: the organization's)."
    )


class QuestionSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=services.MAX_QUESTION_CHARS)
    provider = provider_field()


class VoiceQuestionSerializer(serializers.Serializer):
    audio = serializers.FileField(help_text="A short recording of the question (any audio format; up to 60 s).")
    language = serializers.ChoiceField(
        choices=Language.choices, required=False, help_text="The question's language (default: auto, detect)."
    )
    ask = serializers.BooleanField(
        required=False,
        default=True,
        help_text="true (default): the question is asked as soon as it is transcribed. false: it is only "
        "transcribed; the status gives its `text` (state done, `question` null) for the speaker to confirm or "
        "edit, then ask it like a typed question.",
    )


class AnswerSerializer(serializers.Serializer):
    question = ChatMessageSerializer()
    answer = ChatMessageSerializer()
    found = serializers.BooleanField(help_text="False when nothing relevant was found.")


class ProviderSerializer(serializers.Serializer):
    provider = provider_field()


class VoiceQueuedSerializer(serializers.Serializer):
    voice = serializers.IntegerField(help_text="The voice question's id.")
    state = serializers.CharField(help_text="queued")
    status_url = serializers.CharField(help_text="Poll this (GET) until the state is done or failed.")


class VoiceStatusSerializer(serializers.Serializer):
    voice = serializers.IntegerField()
    state = serializers.ChoiceField(choices=VoiceState.choices, help_text="queued, running, done, failed or expired.")
    text = serializers.CharField(help_text="The transcribed question (once done).")
    error = serializers.CharField(help_text="Why it failed or expired, for the user.")
    conversation = serializers.IntegerField()
    question = ChatMessageSerializer(allow_null=True, help_text="The question message (once done).")
    answer_url = serializers.CharField(help_text="Once done: GET or POST it for the answer (empty before).")


# --- conversations ------------------------------------------------------------------------------


class ConversationFilterSerializer(serializers.Serializer):
    meeting = serializers.IntegerField(required=False, help_text="Only those about this meeting.", **ID_RANGE)


class ConversationListView(APIView):
    @extend_schema(
        summary="Your conversations",
        parameters=[ConversationFilterSerializer],
        responses={200: ConversationSerializer(many=True), 400: OpenApiResponse(OpenApiTypes.OBJECT)},
        tags=["chat"],
    )
    def get(self, request):
        queryset = services.conversations_for(request.user)
        filters = ConversationFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        if filters.validated_data.get("meeting"):
            queryset = queryset.filter(meeting_id=filters.validated_data["meeting"])
        return Response(ConversationSerializer(queryset[:200], many=True).data)

    @extend_schema(
        summary="Start a conversation (about the archive, or one meeting)",
        request=ConversationCreateSerializer,
        responses={201: ConversationSerializer, 400: OpenApiResponse(OpenApiTypes.OBJECT), 404: None},
        tags=["chat"],
    )
    def post(self, request):
        params = ConversationCreateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        meeting = get_meeting_for(request.user, data["meeting"]) if data.get("meeting") else None
        if meeting is not None:
            organization = meeting.organization
        elif data.get("organization"):
            organization = organizations_for(request.user).filter(pk=data["organization"]).first()
            if organization is None:
                raise NotFound()
        else:
            mine = list(organizations_for(request.user)[:2])
            if len(mine) != 1:
                raise ValidationError({"organization": [_("Say which organization the conversation is in.")]})
            organization = mine[0]
        conversation = services.start_conversation(request.user, organization, meeting, data.get("title", ""))
        return Response(ConversationSerializer(conversation).data, status=status.HTTP_201_CREATED)


class ConversationDetailView(APIView):
    @extend_schema(
        summary="A conversation with its messages", responses={200: ConversationDetailSerializer}, tags=["chat"]
    )
    def get(self, request, pk):
        conversation = services.get_conversation_for(request.user, pk)
        return Response(ConversationDetailSerializer(conversation).data)

    @extend_schema(summary="Delete a conversation", responses={204: None}, tags=["chat"])
    def delete(self, request, pk):
        services.delete_conversation(services.get_conversation_for(request.user, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _sse_answer(question, provider, existing=None):
    import json

    from ai_pipeline.llm import LLMError

    def event(name, data):
        return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"

    def events():
        if existing is not None:
            yield event("done", ChatMessageSerializer(existing).data)
            return
        try:
            for item in services.stream_reply(question, provider):
                if isinstance(item, str):
                    yield event("delta", {"text": item})
                else:
                    yield event("done", ChatMessageSerializer(item).data)
        except LLMError as exc:
            yield event("error", {"error": str(exc), "code": "provider"})

    response = StreamingHttpResponse(events(), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


def _answer(request, conversation, text, source):
    try:
        text = services.clean_question(text)
    except ServiceError as exc:
        return error_response(exc)
    provider, refused = _provider(conversation, request.data.get("provider"))
    refused = refused or rate_limited(request, services.ANSWER_RATE_SCOPE)  # before the question is saved
    if refused:
        return refused
    return _reply(request, services.add_question(conversation, text, source=source), provider)


def _provider(conversation, name):
    """(provider, None), or (None, a refusal): 400 for a provider name the server does not know, 409 for one
    that is not set up here (the reason, which names settings, is for operators: the log)."""
    from ai_pipeline.llm import LLMError

    try:
        return services.provider_for(conversation, name or None), None
    except ServiceError as exc:
        return None, error_response(exc)
    except LLMError:
        logger.warning("chat provider %r is not usable", name, exc_info=True)
        refusal = ServiceError(_("This language model is not set up on this server."), "provider_not_configured")
        return None, error_response(refusal, {"provider_not_configured": status.HTTP_409_CONFLICT})


def _reply(request, question, provider):
    """The answer to a saved question: written now (201, or streamed), or the one saved before (200)."""
    existing = services.answer_of(question)
    if "text/event-stream" in request.headers.get("accept", ""):
        return _sse_answer(question, provider, existing)
    if existing is not None:
        message, found, code = existing, services.answer_found(existing), status.HTTP_200_OK
    else:
        message = services.reply(question, provider)
        found, code = bool(message.result.found), status.HTTP_201_CREATED
    return Response(
        {
            "question": ChatMessageSerializer(question).data,
            "answer": ChatMessageSerializer(message).data,
            "found": found,
        },
        status=code,
    )


STREAM_NOTE = (
    " With `Accept: text/event-stream` the answer streams as Server-Sent Events: `delta` ({text}) while it is "
    "written, then `done` (the saved answer message) or `error`."
)


class AskView(APIView):
    content_negotiation_class = StreamNegotiation

    @extend_schema(
        summary="Ask a question in a conversation",
        description="Answers cite the passages they use; [n] in the text matches `citations[].n`." + STREAM_NOTE,
        request=QuestionSerializer,
        responses={201: AnswerSerializer, 400: ErrorSerializer, 409: ErrorSerializer, 404: None, 429: ErrorSerializer},
        tags=["chat"],
    )
    @rate_limit("chat")
    def post(self, request, pk):
        conversation = services.get_conversation_for(request.user, pk)
        params = QuestionSerializer(data=request.data)
        if not params.is_valid():
            return error_response(ServiceError(_("Ask a question."), "empty"))
        return _answer(request, conversation, params.validated_data["question"], "typed")


class VoiceView(APIView):
    content_negotiation_class = StreamNegotiation
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Ask a question by voice",
        description="The recording is queued for the speech workers (202). Poll `status_url` until the state is "
        "`done` (the question is then in the conversation: get its answer from `answer_url`) or `failed`. "
        "With `ask=false` nothing is asked: `done` carries the transcribed `text` to confirm or correct, and the "
        "client asks it (POST messages/) once the speaker agrees.",
        request={"multipart/form-data": VoiceQuestionSerializer},
        responses={202: VoiceQueuedSerializer, 400: ErrorSerializer, 404: None, 413: ErrorSerializer},
        tags=["chat"],
    )
    @rate_limit("chat")
    def post(self, request, pk):
        conversation = services.get_conversation_for(request.user, pk)
        try:
            upload, language = services.clean_voice(request.FILES.get("audio"), request.data.get("language"))
            ask_at_once = services.clean_ask_at_once(request.data.get("ask"))
        except ServiceError as exc:
            return error_response(exc, {"too_large": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE})
        voice = services.queue_voice_question(conversation, request.user, upload, language, get_language(), ask_at_once)
        data = {"voice": voice.pk, "state": voice.state, "status_url": reverse("api:voice-status", args=[voice.pk])}
        return Response(VoiceQueuedSerializer(data).data, status=status.HTTP_202_ACCEPTED)


class VoiceStatusView(APIView):
    @extend_schema(
        summary="Where a voice question is",
        description="queued, running (being transcribed), done (the question was added to the conversation; "
        "with ask=false only `text` is set and `question` is null) "
        "or failed (`error` says why; nothing was added). The recording is deleted once it is transcribed; one "
        "no speech worker got to within VOICE_CLIP_MAX_AGE is deleted unheard and its state becomes expired.",
        responses={200: VoiceStatusSerializer, 404: None},
        tags=["chat"],
    )
    def get(self, request, pk):
        voice = services.get_voice_question_for(request.user, pk)
        question = voice.question if voice.state == VoiceState.DONE else None
        data = {
            "voice": voice.pk,
            "state": voice.state,
            "text": voice.text,
            "error": voice.error_message,
            "conversation": voice.conversation_id,
            "question": question,
            "answer_url": reverse("api:conversation-answer", args=[voice.conversation_id, question.pk])
            if question
            else "",
        }
        return Response(VoiceStatusSerializer(data).data, headers={"Cache-Control": "no-store"})


# GET and POST on an answer do the same thing; only where `provider` comes from differs.
ANSWER_DESCRIPTION = (
    "Writes the answer if the question has none yet (201), else returns the saved one (200). "
    "Writing one counts against the per-user answer limit (429 past it); reading a saved one does not." + STREAM_NOTE
)
ANSWER_RESPONSES = {
    200: AnswerSerializer,
    201: AnswerSerializer,
    400: ErrorSerializer,
    409: ErrorSerializer,
    404: None,
    429: ErrorSerializer,
}


class AnswerView(APIView):
    content_negotiation_class = StreamNegotiation

    def _answer(self, request, pk, message_pk):
        conversation = services.get_conversation_for(request.user, pk)
        question = get_object_or_404(conversation.messages, pk=message_pk, role=ChatRole.USER)
        params = request.query_params if request.method == "GET" else request.data
        provider, refused = _provider(conversation, params.get("provider"))
        if refused is None and services.answer_of(question) is None:  # a saved answer is free to read again
            refused = rate_limited(request, services.ANSWER_RATE_SCOPE)
        return refused or _reply(request, question, provider)

    @extend_schema(
        summary="The answer to a question in a conversation",
        description=ANSWER_DESCRIPTION,
        parameters=[
            OpenApiParameter("provider", str, required=False, enum=PROVIDER_NAMES, description="An LLM provider name.")
        ],
        responses=ANSWER_RESPONSES,
        tags=["chat"],
    )
    def get(self, request, pk, message_pk):
        return self._answer(request, pk, message_pk)

    @extend_schema(
        summary="Answer a question in a conversation",
        description=ANSWER_DESCRIPTION,
        request=ProviderSerializer,
        responses=ANSWER_RESPONSES,
        tags=["chat"],
    )
    def post(self, request, pk, message_pk):
        return self._answer(request, pk, message_pk)
