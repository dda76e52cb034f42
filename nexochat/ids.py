"""Ids from requests. Every table's primary key is a signed 64-bit integer; a number beyond that names no
row, and must not reach the database, where SQLite refuses to bind it (OverflowError, a 500). In a path
(`<id:pk>`) it does not match: 404. In a query or a body it is refused by the serializer's bounds (ID_RANGE):
400, or, where a page reads its parameters leniently, counts as "none given"."""

from django.urls import register_converter

MAX_ID = 2**63 - 1
ID_RANGE = {"min_value": 1, "max_value": MAX_ID}


class IdConverter:
    regex = "[0-9]+"

    def to_python(self, value):
        number = int(value)
        if number > MAX_ID:
            raise ValueError("out of range")
        return number

    def to_url(self, value):
        return str(value)


def register():
    register_converter(IdConverter, "id")
