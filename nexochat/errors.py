"""The one error a service function raises when it refuses a request, and the one API response for it.

Views show `message` to the user (it is already translated); API clients branch on `code`, which is
stable. `details` are extra fields for the API body, such as the meeting that already holds an uploaded
file or the line of an edited text that could not be read."""

from rest_framework import serializers
from rest_framework.response import Response


class ServiceError(Exception):
    def __init__(self, message, code, **details):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details


def error_response(exc, statuses=None):
    """The API body for a refused request: {"error", "code", ...details}, 400 unless `statuses` (code ->
    HTTP status) says otherwise. Model instances among the details are sent as their ids."""
    body = {"error": str(exc.message), "code": exc.code}
    body.update({key: getattr(value, "pk", value) for key, value in exc.details.items()})
    return Response(body, status=(statuses or {}).get(exc.code, 400))


class ErrorSerializer(serializers.Serializer):
    """What every API operation answers when it refuses a request (the schema of error_response)."""

    error = serializers.CharField(help_text="A message for the user, in the request's language.")
    code = serializers.CharField(help_text="Stable, for programs; the operation's description names its codes.")
    existing_meeting = serializers.IntegerField(
        required=False, help_text="code duplicate (uploads): the meeting that already has this file."
    )
    allowed = serializers.ListField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text='code model_not_allowed: the models this server offers ("" is the server default).',
    )
    line = serializers.IntegerField(
        required=False, allow_null=True, help_text="code invalid_markdown: the line (from 1) that could not be read."
    )
