"""Live capture in the API: open a live recording of a meeting, send its audio in numbered chunks, read the
text transcribed so far, finish. Thin: the rules live in meetings/live/services.py.

A chunk is the request body itself (PUT, any audio content type), not a multipart form: one chunk is one
blob a recorder already holds, a PUT to its own sequence number is naturally idempotent, and there is no
envelope to parse or to count against the size limit."""

import io

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from meetings.access import get_meeting_for
from meetings.live import services
from meetings.models import LiveSession, LiveState
from nexochat.errors import ErrorSerializer, ServiceError, error_response

MAX_SEQUENCE = 999_999  # five-second chunks for eight weeks


class AudioBodyParser(BaseParser):
    """Names the chunk's body type for the schema; the view reads the body itself."""

    media_type = "application/octet-stream"

    def parse(self, stream, media_type=None, parser_context=None):
        return {}


class AnyBodyNegotiation(DefaultContentNegotiation):
    """A chunk may be sent as audio/webm, audio/ogg, audio/wav...: the content decides, not its label."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None


# --- serializers --------------------------------------------------------------------------------


class LiveChunkSerializer(serializers.Serializer):
    sequence = serializers.IntegerField(min_value=0, max_value=MAX_SEQUENCE)
    size = serializers.IntegerField(help_text="Bytes.")
    duration = serializers.FloatField(help_text="Seconds, measured by decoding the chunk.")
    sha256 = serializers.CharField()
    received_at = serializers.DateTimeField()


class LiveChunksSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    missing = serializers.ListField(
        child=serializers.IntegerField(), help_text="Sequence numbers below the highest received that are missing."
    )
    seconds = serializers.FloatField(help_text="Audio received, in seconds.")
    next_sequence = serializers.IntegerField(help_text="One past the highest sequence number received.")


class LiveTextSerializer(serializers.Serializer):
    start = serializers.FloatField(help_text="Seconds from the start of the live recording.")
    end = serializers.FloatField()
    text = serializers.CharField(allow_blank=True)


class LiveSessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    meeting = serializers.IntegerField(source="meeting_id")
    owner = serializers.IntegerField(source="owner_id", help_text="The user recording.")
    state = serializers.ChoiceField(
        choices=LiveState.choices,
        help_text="recording → finishing → done; abandoned: finished by the server after LIVE_ABANDON_SECONDS "
        "without a chunk; failed: the chunks could not be joined (all kept; finish may be asked again).",
    )
    failure_reason = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    last_chunk_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    transcribed_until = serializers.FloatField(help_text="Seconds of audio live transcription has finished with.")
    finish_report = serializers.DictField(
        help_text="After finish: chunks, missing (gaps), seconds (the chunks' sum), joined_seconds, method "
        "(remux or decode), recording and job."
    )


class LiveSessionDetailSerializer(LiveSessionSerializer):
    chunks = LiveChunksSerializer()
    texts = LiveTextSerializer(many=True, help_text="Live text, oldest first; gone once the final transcript is in.")


class LiveAfterSerializer(serializers.Serializer):
    after = serializers.FloatField(
        required=False, min_value=0, max_value=10**7, help_text="Only text that ends after this second."
    )


def _session_data(session, after=None):
    texts = session.texts.order_by("start", "pk")
    if after is not None:
        texts = texts.filter(end__gt=after)
    data = LiveSessionSerializer(session).data
    data["chunks"] = services.chunk_summary(session)
    data["texts"] = LiveTextSerializer(texts, many=True).data
    return data


LIMIT_RESPONSES = {
    429: OpenApiResponse(
        ErrorSerializer, description="live_limit: the organization's limit (LIVE_MAX_SESSIONS_PER_ORG)."
    ),
    503: OpenApiResponse(ErrorSerializer, description="live_limit: the server's limit (LIVE_MAX_SESSIONS)."),
}


class LiveOpenView(APIView):
    @extend_schema(
        summary="Start recording a meeting live",
        description="Anyone who may see the meeting may record it. Refused (409) when the meeting has a "
        "recording or is already being recorded live (`live_session` names that session), and at the limits "
        "of open live sessions.",
        request=None,
        responses={201: LiveSessionDetailSerializer, 404: ErrorSerializer, 409: ErrorSerializer, **LIMIT_RESPONSES},
        tags=["live"],
    )
    def post(self, request, pk):
        meeting = get_meeting_for(request.user, pk)
        try:
            session = services.open_session(meeting, request.user)
        except ServiceError as exc:
            if exc.code == "live_limit":
                return error_response(exc, {"live_limit": services.limit_status(exc)})
            return error_response(exc, services.STATUS)
        return Response(_session_data(session), status=status.HTTP_201_CREATED)


class LiveSessionView(APIView):
    @extend_schema(
        summary="A live recording: its state, the chunks received and the text so far",
        description="Anyone who may see the meeting may read it. Poll with `after` (the `end` of the last "
        "text you have) to get only newer text. Once the meeting's processing is done the live text is "
        "dropped: the meeting's transcript is the final one.",
        parameters=[LiveAfterSerializer],
        responses={200: LiveSessionDetailSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
        tags=["live"],
    )
    def get(self, request, session_id):
        session = services.get_session_for(request.user, session_id)
        query = LiveAfterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        services.drop_replaced_drafts(LiveSession.objects.filter(pk=session.pk))
        return Response(_session_data(session, query.validated_data.get("after")))


class LiveChunkView(APIView):
    parser_classes = [AudioBodyParser]
    content_negotiation_class = AnyBodyNegotiation

    @extend_schema(
        summary="Send one chunk of a live recording (the body is the audio)",
        description="Each chunk is a standalone audio file (WebM/Opus as MediaRecorder makes it, Ogg, WAV, ...), "
        "numbered from 0. Sending a number again is safe: the stored chunk is answered (200) and nothing is "
        "stored twice; different bytes under a stored number are refused (409, chunk_conflict). Gaps are "
        "allowed while recording and reported at finish. Only the user recording may send chunks.",
        parameters=[
            OpenApiParameter("seq", {"type": "integer", "minimum": 0, "maximum": MAX_SEQUENCE}, OpenApiParameter.PATH)
        ],
        request={"application/octet-stream": OpenApiTypes.BINARY},
        responses={
            200: OpenApiResponse(LiveChunkSerializer, description="Already received: the stored chunk."),
            201: LiveChunkSerializer,
            400: OpenApiResponse(ErrorSerializer, description="invalid_media (not audio), empty, invalid_sequence."),
            404: ErrorSerializer,
            409: OpenApiResponse(ErrorSerializer, description="live_finished, chunk_conflict."),
            413: ErrorSerializer,
            503: OpenApiResponse(ErrorSerializer, description="storage_unavailable: send it again later."),
            507: OpenApiResponse(
                ErrorSerializer, description="storage_full: the disk is full; every chunk received before is kept."
            ),
        },
        tags=["live"],
    )
    def put(self, request, session_id, seq):
        session = services.get_session_for(request.user, session_id, own=True)
        try:
            if seq > MAX_SEQUENCE:
                raise ServiceError(
                    _("A chunk's number is from 0 to %(max)d.") % {"max": MAX_SEQUENCE}, "invalid_sequence"
                )
            services.refuse_oversized_chunk(_content_length(request))
            body = request.stream or io.BytesIO()  # no stream: an empty body
            chunk, created = services.receive_chunk(session, seq, body, request.content_type or "")
        except ServiceError as exc:
            return error_response(exc, services.STATUS)
        return Response(
            LiveChunkSerializer(chunk).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


def _content_length(request):
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class LiveFinishView(APIView):
    @extend_schema(
        summary="Finish a live recording: join its chunks and process it",
        description="Stops taking chunks and joins them in sequence order (without re-encoding where the "
        "container allows), checks the joined length against the chunks', attaches it as the meeting's "
        "recording and queues the normal processing (202). `finish_report` then says what was joined and "
        "which sequence numbers were missing. Only the user recording may finish it.",
        request=None,
        responses={202: LiveSessionDetailSerializer, 404: ErrorSerializer, 409: ErrorSerializer},
        tags=["live"],
    )
    def post(self, request, session_id):
        session = services.get_session_for(request.user, session_id, own=True)
        try:
            session = services.request_finish(session)
        except ServiceError as exc:
            return error_response(exc, services.STATUS)
        session.refresh_from_db()
        return Response(_session_data(session), status=status.HTTP_202_ACCEPTED)
