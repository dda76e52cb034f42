"""The API's JSON body parser, with the limits Django applies to its own forms: DRF reads the body straight
from the stream, past DATA_UPLOAD_MAX_MEMORY_SIZE. A body over API_MAX_BODY_BYTES is
refused with 413 before it is read in full; JSON nested deeper than API_MAX_JSON_DEPTH with 400 (no
field of the API nests more than a few levels, and deep nesting costs recursion in every consumer)."""

import codecs

from django.conf import settings
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.utils import json


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def read_bounded(stream, parser_context):
    """The body, refused with 413 once it passes the limit (by its Content-Length, or while reading)."""
    limit = settings.API_MAX_BODY_BYTES
    request = (parser_context or {}).get("request")
    declared = request.META.get("CONTENT_LENGTH") if request is not None else None
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(_too_large(limit))
    body = stream.read(limit + 1) if stream is not None else b""
    if len(body) > limit:
        raise BodyTooLarge(_too_large(limit))
    return body


def _too_large(limit):
    return f"The request body is larger than the limit of {limit // 1024**2} MB."


def nesting_depth(value):
    """How deeply arrays and objects nest in parsed JSON (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


class BoundedJSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        body = read_bounded(stream, parser_context)
        limit = settings.API_MAX_JSON_DEPTH
        too_deep = ParseError(f"The JSON body nests deeper than {limit} levels.")
        try:
            data = json.loads(codecs.decode(body, encoding))
        except RecursionError:
            raise too_deep from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if nesting_depth(data) > limit:
            raise too_deep
        return data
