from django import template
from django.utils.html import format_html_join

register = template.Library()


@register.simple_tag
def select_options(bound_field):
    """The <option>s of a choice field, the bound value selected. Django's Select widget renders every
    option through a template, which on the search page's 60-odd options cost more than the search."""
    current = "" if bound_field.value() is None else str(bound_field.value())
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if str(value) == current else "", label) for value, label in bound_field.field.choices),
    )
