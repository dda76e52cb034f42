"""API: save your own voice from a speaker ("this is me") or from a short recording of yourself, confirm or
reject a suggested name, and see or delete your voiceprint in an organization."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Organization
from meetings.access import get_meeting_for
from meetings.models import VoiceRecordingState
from meetings.transcript.api import TranscriptSpeakerSerializer, _speaker, _speaker_data
from meetings.voiceprints import services
from nexochat.errors import ErrorSerializer, ServiceError, error_response

ERROR_STATUS = {
    "not_yours": status.HTTP_403_FORBIDDEN,
    "not_linked": status.HTTP_409_CONFLICT,
    "no_voice": status.HTTP_409_CONFLICT,
    "no_suggestion": status.HTTP_409_CONFLICT,
    "member_taken": status.HTTP_409_CONFLICT,
    "no_consent": status.HTTP_400_BAD_REQUEST,
    "no_audio": status.HTTP_400_BAD_REQUEST,
    "too_large": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
}


class VoiceprintMeetingSerializer(serializers.Serializer):
    meeting = serializers.IntegerField()
    title = serializers.CharField()
    held_at = serializers.DateTimeField()
    speaker = serializers.IntegerField()
    confirmed = serializers.BooleanField(help_text="False while the name is only suggested.")
    confidence = serializers.FloatField(allow_null=True)


class VoiceprintSerializer(serializers.Serializer):
    enrolled = serializers.BooleanField(help_text="Whether you saved your voice in this organization.")
    samples = serializers.IntegerField(help_text="How many speakers' voices it was made from.")
    consented_at = serializers.DateTimeField(allow_null=True, help_text="When you saved it (your consent).")
    updated_at = serializers.DateTimeField(allow_null=True)
    meetings = VoiceprintMeetingSerializer(many=True, help_text="Meetings where it named you.")


class EnrolSerializer(serializers.Serializer):
    created = serializers.BooleanField(help_text="True when this saved a new voiceprint (consent given now).")
    voiceprint = VoiceprintSerializer()


class SuggestionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["confirm", "reject"])


def voiceprint_data(user, organization):
    voiceprint = services.voiceprint_of(user, organization)
    named = services.meetings_named(user, organization)
    return {
        "enrolled": voiceprint is not None,
        "samples": voiceprint.samples if voiceprint else 0,
        "consented_at": voiceprint.consented_at if voiceprint else None,
        "updated_at": voiceprint.updated_at if voiceprint else None,
        "meetings": [
            {
                "meeting": speaker.meeting_id,
                "title": speaker.meeting.title,
                "held_at": speaker.meeting.held_at,
                "speaker": speaker.pk,
                "confirmed": speaker.member_id == user.pk,
                "confidence": speaker.suggestion_confidence,
            }
            for speaker in named
        ],
    }


class EnrolView(APIView):
    @extend_schema(
        summary="This is me: save your voice from a speaker linked to you (your consent, recorded)",
        request=None,
        responses={200: EnrolSerializer, 201: EnrolSerializer, 403: ErrorSerializer, 409: ErrorSerializer},
    )
    def post(self, request, pk, speaker_id):
        meeting = get_meeting_for(request.user, pk)
        speaker = _speaker(meeting, speaker_id)
        try:
            _voiceprint, created = services.enrol_from_speaker(request.user, speaker)
        except ServiceError as exc:
            return error_response(exc, ERROR_STATUS)
        body = {"created": created, "voiceprint": voiceprint_data(request.user, meeting.organization)}
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class SuggestionView(APIView):
    @extend_schema(
        summary="Confirm or reject the member a voiceprint suggested for this speaker",
        request=SuggestionSerializer,
        responses={200: TranscriptSpeakerSerializer, 400: ErrorSerializer, 409: ErrorSerializer},
    )
    def post(self, request, pk, speaker_id):
        meeting = get_meeting_for(request.user, pk)
        speaker = _speaker(meeting, speaker_id)
        body = SuggestionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.decide_suggestion(request.user, speaker, body.validated_data["decision"])
        except ServiceError as exc:
            return error_response(exc, ERROR_STATUS)
        return Response(_speaker_data(_speaker(meeting, speaker_id)))


def _organization(user, org_id):
    organization = Organization.objects.filter(pk=org_id, memberships__user=user).first()
    if organization is None:
        raise Http404("No such organization.")
    return organization


class VoiceprintView(APIView):
    @extend_schema(
        summary="Your voiceprint in an organization, and the meetings where it named you",
        responses=VoiceprintSerializer,
    )
    def get(self, request, org_id):
        return Response(VoiceprintSerializer(voiceprint_data(request.user, _organization(request.user, org_id))).data)

    @extend_schema(summary="Delete your voiceprint and every copy of its vectors", request=None, responses={204: None})
    def delete(self, request, org_id):
        services.delete_voiceprint(request.user, _organization(request.user, org_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class VoiceRecordingStateSerializer(serializers.Serializer):
    recording = serializers.IntegerField(allow_null=True, help_text="Your latest recording here; null if none.")
    state = serializers.ChoiceField(choices=VoiceRecordingState.choices, allow_null=True)
    state_label = serializers.CharField()
    finished = serializers.BooleanField(help_text="False while a speech worker has still to take your voice out.")
    error = serializers.CharField(help_text="Why it failed (no speech, too short, more than one voice, ...).")
    speech_seconds = serializers.FloatField(allow_null=True, help_text="Seconds of your speech it used.")
    samples = serializers.IntegerField(help_text="How many voices your voiceprint is made from now.")


class VoiceRecordingUploadSerializer(serializers.Serializer):
    audio = serializers.FileField(help_text="10-30 s of your own voice alone (any audio format).")
    consent = serializers.BooleanField(help_text="You agree that your voice is kept to recognise you (required).")


class RecordingView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Your latest recording of your own voice here, and where it is", responses=VoiceRecordingStateSerializer
    )
    def get(self, request, org_id):
        return Response(services.recording_state(request.user, _organization(request.user, org_id)))

    @extend_schema(
        summary="Save your voice from a recording of yourself (your consent, recorded); a speech worker takes it",
        request={"multipart/form-data": VoiceRecordingUploadSerializer},
        responses={202: VoiceRecordingStateSerializer, 400: ErrorSerializer, 413: ErrorSerializer},
    )
    def post(self, request, org_id):
        organization = _organization(request.user, org_id)
        consent = str(request.data.get("consent", "")).strip().lower() in ("1", "true", "on", "yes")
        try:
            services.queue_recording(request.user, organization, request.FILES.get("audio"), consent)
        except ServiceError as exc:
            return error_response(exc, ERROR_STATUS)
        return Response(services.recording_state(request.user, organization), status=status.HTTP_202_ACCEPTED)
