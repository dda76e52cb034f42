"""Validators shared by forms, serializers and models."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


@deconstructible
class SingleLineValidator(RegexValidator):
    """A title or name is one line of text: a line break or another control character in it would end up
    in places that give line breaks a meaning (calendar files, e-mail headers, CSV exports). A
    RegexValidator, so the API schema states the rule as a pattern."""

    regex = r"^[^\x00-\x1f\x7f]*$"
    message = _("Use one line of text, without line breaks or control characters.")
    code = "single_line"

    def __call__(self, value):
        # RegexValidator's search lets "$" match before a final newline; any control character is refused.
        if value and CONTROL_CHARACTERS.search(str(value)):
            raise ValidationError(self.message, code=self.code)


single_line = SingleLineValidator()
