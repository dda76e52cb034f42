"""/api/v1/meetings/<pk>/transcript/: read, export and correct a meeting's transcript, and re-run
diarization or transcription. Included by the project's API urls; the rules live in
meetings.transcript.services, access in meetings.access (a meeting outside your organizations is a 404)."""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from ai_pipeline.coverage import REASONS
from meetings.access import get_meeting_for
from meetings.model_choices import stt_models
from meetings.serializers import JobSerializer
from meetings.transcript import services
from meetings.transcript.exports import FORMATS, UnknownFormat, transcript_data
from nexochat.errors import ErrorSerializer, ServiceError, error_response

ERROR_STATUS = {
    "running": status.HTTP_409_CONFLICT,
    "no_recording": status.HTTP_409_CONFLICT,
    "no_transcript": status.HTTP_409_CONFLICT,
}


# --- serializers (documented shapes; the data itself comes from exports.transcript_data) -------


class TranscriptMeetingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    held_at = serializers.DateTimeField()
    language = serializers.CharField()
    duration = serializers.FloatField(allow_null=True, help_text="Seconds.")


class TranscriptSpeakerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField(help_text="Stable label from diarization: S1, S2…")
    name = serializers.CharField(help_text="The name people gave; empty when none.")
    display_name = serializers.CharField(help_text="Name, else the linked member's name, else the label.")
    color = serializers.CharField()
    member = serializers.IntegerField(allow_null=True, help_text="Linked organization member (user id).")
    suggested = serializers.IntegerField(
        allow_null=True, help_text="The member a voiceprint suggests (user id), until confirmed or rejected."
    )
    suggested_name = serializers.CharField(allow_null=True, help_text="That member's name.")
    confidence = serializers.FloatField(
        allow_null=True, help_text="How alike the voices are (cosine similarity, 0-1) for the suggestion."
    )


class TranscriptWordSerializer(serializers.Serializer):
    w = serializers.CharField(help_text="The word as written, leading space included.")
    s = serializers.FloatField(help_text="Start (s).")
    e = serializers.FloatField(help_text="End (s).")
    p = serializers.FloatField(required=False, help_text="Probability.")


class TranscriptSegmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    speaker = serializers.CharField(allow_null=True, help_text="Speaker label.")
    speaker_name = serializers.CharField(allow_null=True)
    start = serializers.FloatField()
    end = serializers.FloatField()
    text = serializers.CharField()
    original_text = serializers.CharField(help_text="The machine's text, kept when people edit.")
    edited = serializers.BooleanField()
    confidence = serializers.FloatField(allow_null=True, help_text="Mean word probability (0-1).")
    low_confidence = serializers.BooleanField(
        help_text="The recogniser was unsure of this text (confidence under STT_LOW_CONFIDENCE, not edited since)."
    )
    words = TranscriptWordSerializer(many=True)


class TranscriptGapSerializer(serializers.Serializer):
    start = serializers.FloatField()
    end = serializers.FloatField()
    speaker = serializers.CharField(allow_null=True, help_text="Speaker label (diarization heard who it was).")
    speaker_name = serializers.CharField(allow_null=True)
    reason = serializers.ChoiceField(choices=list(REASONS), help_text="Why this speech has no text.")
    reason_text = serializers.CharField(help_text="The reason in the request's language.")


class TranscriptCoverageSerializer(serializers.Serializer):
    speech_seconds = serializers.FloatField(help_text="Speech the voice detector heard.")
    transcribed_seconds = serializers.FloatField()
    gap_seconds = serializers.FloatField(help_text="Speech with no text (the gaps).")
    gaps = serializers.IntegerField()
    coverage = serializers.FloatField(help_text="transcribed_seconds / speech_seconds.")
    low_confidence_segments = serializers.IntegerField(required=False)
    level_gain_db = serializers.FloatField(required=False, help_text="Gain applied to a quiet recording.")


class TranscriptSerializer(serializers.Serializer):
    meeting = TranscriptMeetingSerializer()
    speakers = TranscriptSpeakerSerializer(many=True)
    segments = TranscriptSegmentSerializer(many=True)
    gaps = TranscriptGapSerializer(many=True, help_text="Speech the recogniser heard but has no text for.")
    coverage = TranscriptCoverageSerializer(
        allow_null=True, help_text="From the job that wrote the transcript; null for imported transcripts."
    )


class SpeakerUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="Empty clears it.")
    member = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="A member of the meeting's organization; null unlinks."
    )


class SpeakerMergeSerializer(serializers.Serializer):
    into = serializers.IntegerField(min_value=1, help_text="The speaker (id) that keeps the segments.")


class SegmentUpdateSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=20000)


class RediarizeSerializer(serializers.Serializer):
    num_speakers = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=services.MAX_SPEAKERS, help_text="Omit to detect."
    )


class RetranscribeSerializer(serializers.Serializer):
    stt = serializers.ChoiceField(choices=[], help_text="Speech-to-text engine, e.g. faster-whisper or transformers.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stt"].choices = services.stt_engines()
        self.fields["model"] = offered_model_field()


def offered_model_field():
    """`model`: blank (the server's default) or one the operator offers (STT_MODELS), read when the request
    or the schema is made; the refusal lists them."""
    offered = stt_models()
    refusal = _("The model “%(model)s” is not offered on this server. Choose one of: %(allowed)s.") % {
        "model": "{input}",
        "allowed": ", ".join([_("the server default (leave it blank)"), *offered]),
    }
    help_text = "A model this server offers; blank: its default."
    if not offered:
        only_default = {"max_length": refusal.replace(" “{input}”", "")}
        return serializers.CharField(
            required=False, allow_blank=True, max_length=0, help_text=help_text, error_messages=only_default
        )
    field = serializers.ChoiceField(choices=["", *offered], required=False, allow_blank=True, help_text=help_text)
    field.error_messages["invalid_choice"] = refusal
    return field


# --- helpers ---------------------------------------------------------------------------------


def _speaker(meeting, speaker_id):
    speaker = services.get_speaker(meeting, speaker_id)
    if speaker is None:
        raise NotFound("No such speaker.")
    return speaker


def _speaker_data(speaker):
    return transcript_data(speaker.meeting, [speaker], [])["speakers"][0]


def _whole(meeting):
    return services.transcript_document(meeting)


class TranscriptMixin:
    def meeting(self, pk):
        return get_meeting_for(self.request.user, pk)


ERRORS = {400: ErrorSerializer, 409: OpenApiResponse(ErrorSerializer, description="No recording, or a job is running.")}


# --- views -----------------------------------------------------------------------------------


class TranscriptView(TranscriptMixin, APIView):
    @extend_schema(
        summary="A meeting's transcript: speakers and segments with word times", responses=TranscriptSerializer
    )
    def get(self, request, pk):
        return Response(_whole(self.meeting(pk)))


class AnyAcceptNegotiation(BaseContentNegotiation):
    """Downloads are files: the Accept header must not turn them into 406 responses."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return (renderers[0], renderers[0].media_type)


class TranscriptExportView(TranscriptMixin, APIView):
    content_negotiation_class = AnyAcceptNegotiation

    @extend_schema(
        summary="Download the transcript as a file",
        parameters=[
            OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(FORMATS), description="File format.")
        ],
        responses={
            (200, media.split(";")[0]): OpenApiTypes.OBJECT if media == "application/json" else OpenApiTypes.BINARY
            for media, _label in FORMATS.values()
        },
    )
    def get(self, request, pk, fmt):
        meeting = self.meeting(pk)
        try:
            export = services.export_file(meeting, fmt)
        except UnknownFormat:
            raise NotFound("No such export format.") from None
        response = HttpResponse(export.content, content_type=export.content_type)
        response["Content-Disposition"] = export.content_disposition()
        return response


class SpeakerView(TranscriptMixin, APIView):
    @extend_schema(
        summary="Rename a speaker or link it to an organization member",
        request=SpeakerUpdateSerializer,
        responses={200: TranscriptSpeakerSerializer, 400: ErrorSerializer},
    )
    def patch(self, request, pk, speaker_id):
        meeting = self.meeting(pk)
        speaker = _speaker(meeting, speaker_id)
        body = SpeakerUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            if "member" in data:
                user = User.objects.filter(pk=data["member"]).first() if data["member"] else None
                if data["member"] and user is None:
                    raise ServiceError(_("That person is not a member of this organization."), "not_member")
                services.map_speaker_to_member(speaker, user)
            if "name" in data:
                services.rename_speaker(speaker, data["name"])
        except ServiceError as exc:
            return error_response(exc, ERROR_STATUS)
        speaker = _speaker(meeting, speaker_id)
        return Response(_speaker_data(speaker))


class SpeakerMergeView(TranscriptMixin, APIView):
    @extend_schema(
        summary="Merge this speaker into another; returns the whole transcript",
        request=SpeakerMergeSerializer,
        responses={200: TranscriptSerializer, 400: ErrorSerializer},
    )
    def post(self, request, pk, speaker_id):
        meeting = self.meeting(pk)
        source = _speaker(meeting, speaker_id)
        body = SpeakerMergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        target = _speaker(meeting, body.validated_data["into"])
        try:
            services.merge_speakers(source, target)
        except ServiceError as exc:
            return error_response(exc, ERROR_STATUS)
        return Response(_whole(meeting))


class SegmentView(TranscriptMixin, APIView):
    @extend_schema(
        summary="Correct a segment's text (the original text is kept)",
        request=SegmentUpdateSerializer,
        responses={200: TranscriptSegmentSerializer, 400: ErrorSerializer},
    )
    def patch(self, request, pk, segment_id):
        meeting = self.meeting(pk)
        segment = services.get_segment(meeting, segment_id)
        if segment is None:
            raise NotFound("No such segment.")
        body = SegmentUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.edit_segment(segment, body.validated_data["text"])
        except ServiceError as exc:
            return error_response(exc, ERROR_STATUS)
        return Response(transcript_data(meeting, [], [segment])["segments"][0])


class RediarizeView(TranscriptMixin, APIView):
    @extend_schema(
        summary="Separate speakers again (keeps the words); queues a job",
        request=RediarizeSerializer,
        responses={202: JobSerializer, **ERRORS},
    )
    def post(self, request, pk):
        meeting = self.meeting(pk)
        body = RediarizeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            job = services.queue_rediarization(meeting, body.validated_data.get("num_speakers"))
        except ServiceError as exc:
            return error_response(exc, ERROR_STATUS)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class RetranscribeView(TranscriptMixin, APIView):
    @extend_schema(
        summary="Transcribe again with another engine or model; queues a job",
        request=RetranscribeSerializer,
        responses={202: JobSerializer, **ERRORS},
    )
    def post(self, request, pk):
        meeting = self.meeting(pk)
        body = RetranscribeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            job = services.queue_retranscription(meeting, data["stt"], data.get("model", ""))
        except ServiceError as exc:
            return error_response(exc, ERROR_STATUS)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
