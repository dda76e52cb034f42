"""The one error a service function raises when it refuses a request, and the one error body the API
answers with.

Every API error is a JSON object with `code` (stable, for programs) and `detail` (a message for people, in
the request's language). Views show a ServiceError's `message` to the user (it is already translated); the
API sends it as `detail` (and, for clients written before `detail`, as `error`). `details` are extra fields
for the API body, such as the meeting that already holds an uploaded file or the line of an edited text that
could not be read. A request refused by a serializer also lists each field's own errors under its name."""

from django.http import JsonResponse
from django.views import defaults
from rest_framework import exceptions, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ServiceError(Exception):
    def __init__(self, message, code, **details):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details


# The status of refusals that are not about the request's form: an id that names nothing the caller may
# see is missing (404), a request the object's state does not allow a conflict (409).
STATUSES = {
    "not_found": 404,
    "not_member": 404,
    "unknown_speaker": 404,
    "unknown_series": 404,
    "unknown_template": 404,
    "invalid_series": 409,  # several meetings asked of a series that does not repeat
    "no_minutes": 409,
    "no_recording": 409,
    "running": 409,
    "search_unavailable": 503,  # the search index server did not answer: not "no results"
}


def error_response(exc, statuses=None):
    """The API body for a refused request: {"code", "detail", "error", ...details}; its status from
    `statuses` (code -> HTTP status), else STATUSES, else 400. Model instances among the details are sent
    as their ids."""
    body = {"code": exc.code, "detail": str(exc.message), "error": str(exc.message)}
    body.update({key: getattr(value, "pk", value) for key, value in exc.details.items()})
    return Response(body, status={**STATUSES, **(statuses or {})}.get(exc.code, 400))


def _first_message(errors, prefix=""):
    """ "title: This field is required." from a serializer's nested errors."""
    if isinstance(errors, dict):
        for name, value in errors.items():
            found = _first_message(value, f"{name}: " if name != "non_field_errors" else "")
            if found:
                return found
        return ""
    if isinstance(errors, list):
        for value in errors:
            found = _first_message(value, prefix)
            if found:
                return found
        return ""
    return f"{prefix}{errors}"


def api_exception_handler(exc, context):
    """DRF's handler, with every body brought to the one shape: `code` and `detail` always present."""
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        fields = data if isinstance(data, dict) else {"non_field_errors": data}
        response.data = {"code": "invalid", "detail": _first_message(fields), **fields}
    elif isinstance(data, dict):
        detail = data.get("detail", "")
        code = data.get("code") or getattr(detail, "code", None) or exc.default_code
        response.data = {**data, "code": str(code), "detail": str(detail)}
    else:
        response.data = {"code": getattr(exc, "default_code", "error"), "detail": str(data)}
    request = context.get("request")
    if request is not None:
        # An operation that answers audio or a file still refuses in JSON, as the schema says.
        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
    return response


def _api_path(request):
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    """A URL that matches no route: the error body under /api/, Django's page elsewhere."""
    if _api_path(request):
        return JsonResponse({"code": "not_found", "detail": "No such address."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _api_path(request):
        return JsonResponse({"code": "server_error", "detail": "The server failed to answer."}, status=500)
    return defaults.server_error(request)


class ErrorSerializer(serializers.Serializer):
    """What every API operation answers when it refuses a request."""

    code = serializers.CharField(help_text="Stable, for programs: invalid, not_found, not_authenticated, ...")
    detail = serializers.CharField(help_text="A message for people, in the request's language.")
    error = serializers.CharField(required=False, help_text="The same message, for clients written before `detail`.")
    existing_meeting = serializers.IntegerField(
        required=False, help_text="code duplicate (uploads): the meeting that already has this file."
    )
    line = serializers.IntegerField(
        required=False, allow_null=True, help_text="code invalid_markdown: the line (from 1) that could not be read."
    )
    allowed = serializers.ListField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text='code model_not_allowed: the models this server offers ("" is the server default).',
    )
