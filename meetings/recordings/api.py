"""The recording of a meeting in the API: /api/v1/meetings/<id>/recording/ (metadata, upload) and
.../recording/file (the audio, with Range for seeking). These are actions of the meetings resource, so
they come as a mixin of MeetingViewSet (meetings/api.py); the rules live in meetings/recordings/services.py."""

import json

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from meetings.recordings import services
from meetings.recordings.views import member_recording_response
from meetings.serializers import (
    JobSerializer,
    RecordingSerializer,
    RecordingUploadResultSerializer,
    RecordingUploadSerializer,
)
from nexochat.errors import ErrorSerializer, ServiceError, error_response
from nexochat.security import rate_limit

# What the file is served as (meetings.recordings.streaming.content_type_for): its audio or video type, else bytes.
MEDIA_TYPES = ("audio/*", "video/*", "application/octet-stream")


class MediaPassthroughRenderer(BaseRenderer):
    """Lets a client that asks for audio get the file; errors still come back as JSON."""

    media_type = "*/*"
    format = "media"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return json.dumps(data, ensure_ascii=False).encode()


class RecordingActions:
    """get_object() is the meeting (permission-scoped by the viewset)."""

    @extend_schema(
        methods=["GET"],
        summary="The meeting's recording metadata",
        responses={200: RecordingSerializer, 404: OpenApiResponse(description="No such meeting, or no recording yet.")},
    )
    @extend_schema(
        methods=["POST"],
        summary="Upload the meeting's recording (multipart field 'file')",
        request={"multipart/form-data": RecordingUploadSerializer},
        responses={
            201: RecordingUploadResultSerializer,
            400: ErrorSerializer,
            409: ErrorSerializer,
            413: ErrorSerializer,
        },
    )
    @action(
        detail=True, methods=["get", "post"], parser_classes=[MultiPartParser], serializer_class=RecordingSerializer
    )
    def recording(self, request, pk=None):
        if request.method == "GET":
            meeting = self.get_object()
            if meeting.recording is None:
                raise Http404(_("This meeting has no recording yet."))
            return Response(RecordingSerializer(meeting.recording).data)
        return self._upload(request)

    @extend_schema(
        summary="Download the recording (supports Range requests for seeking)",
        responses={
            **{(status, media): OpenApiTypes.BINARY for status in (200, 206) for media in MEDIA_TYPES},
            302: OpenApiResponse(description="With object storage: a short-lived address of the file."),
            404: OpenApiResponse(description="No such meeting, or no recording yet."),
            416: OpenApiResponse(description="The requested range is past the end of the file."),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="recording/file",
        renderer_classes=[JSONRenderer, MediaPassthroughRenderer],
    )
    def recording_file(self, request, pk=None):
        meeting = self.get_object()
        recording = meeting.recording
        if recording is None or not recording.file:
            raise Http404(_("This meeting has no recording yet."))
        return member_recording_response(request, recording)

    @rate_limit("upload")
    def _upload(self, request):
        meeting = self.get_object()
        try:
            services.refuse_oversized_body(request)
            uploaded = services.uploaded_file(request, "file")
            if uploaded is None:
                raise ServiceError(_("Choose a file to upload (multipart field “file”)."), "no_file")
            recording, job = services.attach_recording(meeting, uploaded, request.user)
        except ServiceError as exc:
            return error_response(exc, services.UPLOAD_STATUS)
        recording.refresh_from_db()
        job.refresh_from_db()
        body = {"recording": RecordingSerializer(recording).data, "job": JobSerializer(job).data}
        return Response(body, status=status.HTTP_201_CREATED)
