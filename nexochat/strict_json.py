"""JSON request bodies are typed as the schema says: a string field takes a string, a boolean a boolean, a
number a number. DRF's fields also read HTML forms and query strings, where everything arrives as text, so
they convert: 0 becomes "0", 0 becomes False, "5" becomes 5. For JSON that conversion accepts requests the
published schema calls invalid, so where a serializer reads parsed JSON (not a QueryDict: query strings and
multipart uploads keep the conversions) a value of the wrong JSON type is refused like any invalid value,
and a string is measured against its maxLength as it was sent (before DRF trims its surrounding whitespace).

Installed once at start-up (nexochat.apps) around DRF's own fields, so every serializer, model serializers'
generated fields included, follows the rule without a parallel set of field classes."""

from django.http import QueryDict
from rest_framework import fields

# field class -> the JSON types it takes
JSON_TYPES = {
    fields.CharField: (str,),
    fields.ChoiceField: (str, int),
    fields.BooleanField: (bool,),
    fields.IntegerField: (int,),
    fields.FloatField: (int, float),
    fields.DecimalField: (int, float, str),
}


def _reads_json(field):
    data = getattr(field.root, "initial_data", None)
    return data is not None and not isinstance(data, QueryDict)


def _too_long_as_sent(field, data):
    """A string longer than the field's maxLength as it was sent. DRF trims surrounding whitespace before it
    measures, so " " + 200 characters passed a 200-character limit the schema states for the sent string."""
    limit = getattr(field, "max_length", None)
    return isinstance(field, fields.CharField) and isinstance(data, str) and limit is not None and len(data) > limit


def _strict(field_class, types, convert):
    def to_internal_value(self, data):
        wrong = not isinstance(data, types) or (isinstance(data, bool) and bool not in types)
        if wrong and _reads_json(self):
            self.fail("invalid") if "invalid" in self.error_messages else self.fail("invalid_choice", input=data)
        if _too_long_as_sent(self, data) and _reads_json(self):
            self.fail("max_length", max_length=self.max_length)
        return convert(self, data)

    return to_internal_value


def install():
    for field_class, types in JSON_TYPES.items():
        original = field_class.__dict__["to_internal_value"]
        if getattr(original, "strict_json", False):
            continue
        strict = _strict(field_class, types, original)
        strict.strict_json = True
        field_class.to_internal_value = strict
