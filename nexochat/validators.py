"""Validators shared by forms, serializers and models."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def single_line(value):
    """A title or name is one line of text: a line break or another control character in it would end up
    in places that give line breaks a meaning (calendar files, e-mail headers, CSV exports)."""
    if value and CONTROL_CHARACTERS.search(value):
        raise ValidationError(_("Use one line of text, without line breaks or control characters."), "single_line")
