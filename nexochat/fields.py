"""Serializer fields shared by the API's features."""

from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers


class WebLinkField(serializers.CharField):
    """An http(s) address with a host (or blank, where allowed). Checked as the schema states it (RFC 3986:
    printable ASCII), not by Django's URLValidator, which also refuses valid addresses (a host label over 63
    characters, say)."""

    default_error_messages = {"invalid_link": _("Enter an http(s) address.")}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not value:
            return value
        try:
            parts = urlsplit(value)
            scheme, host = parts.scheme.lower(), parts.hostname
        except ValueError:
            scheme = host = None
        plain = value.isascii() and all(" " < c < "\x7f" for c in value)
        if scheme not in ("http", "https") or not host or not plain:
            self.fail("invalid_link")
        return value


class WebLinkFieldSchema(OpenApiSerializerFieldExtension):
    target_class = WebLinkField

    def map_serializer_field(self, auto_schema, direction):
        link = {"type": "string", "format": "uri", "pattern": "^https?://[^/?#\\s]"}
        if self.target.max_length:
            link["maxLength"] = self.target.max_length
        return {"anyOf": [link, {"type": "string", "maxLength": 0}]} if self.target.allow_blank else link
