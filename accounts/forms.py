from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Role

EXPIRY_CHOICES = [
    ("1", _("1 day")),
    ("7", _("7 days")),
    ("30", _("30 days")),
]


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("Organization name"), max_length=120)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter a name."))
        return name


class InvitationForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)
    email = forms.EmailField(
        label=_("Email (optional)"), required=False, help_text=_("Only this address may accept the link.")
    )
    expires_in_days = forms.ChoiceField(label=_("Valid for"), choices=EXPIRY_CHOICES, initial="7")

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        if actor is not None and actor.role != Role.OWNER:
            self.fields["role"].choices = [c for c in Role.choices if c[0] != Role.OWNER]

    @property
    def expires_at(self):
        return timezone.now() + timedelta(days=int(self.cleaned_data["expires_in_days"]))


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class SwitchOrganizationForm(forms.Form):
    organization = forms.IntegerField(widget=forms.HiddenInput)
    next = forms.CharField(required=False)
