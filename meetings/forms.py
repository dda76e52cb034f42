from datetime import datetime, time, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.access import members_of
from meetings.conference.attendees import format_guests, parse_guests
from nexochat.errors import ServiceError
from nexochat.validators import single_line

from .models import Language, MeetingStatus, Tag
from .services import parse_tag_names

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, validators=[single_line])
    held_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices, initial=Language.KOREAN)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=500,
        help_text=_("Separate tags with commas."),
        widget=forms.TextInput(attrs={"placeholder": _("e.g. weekly, sales")}),
    )
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    external_participants = forms.CharField(
        label=_("Other participants"),
        max_length=2000,
        required=False,
        help_text=_(
            "People from outside the organization, comma-separated: a name, or name <email> to email them the recap."
        ),
    )

    def __init__(self, *args, organization, meeting=None, **kwargs):
        if meeting is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": meeting.title,
                "held_at": timezone.localtime(meeting.held_at),
                "language": meeting.language,
                "description": meeting.description,
                "tags": ", ".join(tag.name for tag in meeting.tags.all()),
                "participants": list(meeting.participants.values_list("pk", flat=True)),
                "external_participants": format_guests(meeting, ", "),
            }
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = members_of(organization)
        if meeting is None and not self.is_bound:
            self.initial.setdefault("held_at", timezone.localtime().replace(second=0, microsecond=0))

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Enter a title."))
        return title

    def clean_external_participants(self):
        text = self.cleaned_data["external_participants"].strip()
        try:
            parse_guests(text)
        except ServiceError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return text

    def clean_tags(self):
        names = parse_tag_names(self.cleaned_data.get("tags"))
        if any(len(name) > 50 for name in names):
            raise forms.ValidationError(_("A tag can be at most 50 characters long."))
        return list(dict.fromkeys(names))

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "title": data["title"],
            "held_at": data["held_at"],
            "language": data["language"],
            "description": data["description"],
            "tags": data["tags"],
            "participants": list(data["participants"]),
            "external_participants": data["external_participants"],
        }


class MeetingCreateForm(MeetingForm):
    recording = forms.FileField(
        label=_("Recording (optional)"),
        required=False,
        help_text=_("You can also upload it later on the meeting page."),
        widget=forms.ClearableFileInput(attrs={"accept": "audio/*,video/*"}),
    )


class MeetingFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Title or description")}),
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    tag = forms.ModelChoiceField(
        label=_("Tag"), queryset=Tag.objects.none(), to_field_name="name", required=False, empty_label=_("All tags")
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All statuses")), *MeetingStatus.choices], required=False
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = Tag.objects.filter(organization=organization)

    @property
    def tag_names(self):
        return list(self.fields["tag"].queryset.values_list("name", flat=True))

    def filter(self, queryset):
        """Apply the valid filters; a malformed one (a bad date, an unknown tag) is ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if text := (data.get("q") or "").strip():
            queryset = queryset.filter(Q(title__icontains=text) | Q(description__icontains=text))
        # Day boundaries in the current time zone, as a range on held_at so the index is used
        # and no database time zone tables are needed (MariaDB's CONVERT_TZ needs them).
        if date_from := data.get("date_from"):
            queryset = queryset.filter(held_at__gte=timezone.make_aware(datetime.combine(date_from, time.min)))
        if date_to := data.get("date_to"):
            next_day = datetime.combine(date_to + timedelta(days=1), time.min)
            queryset = queryset.filter(held_at__lt=timezone.make_aware(next_day))
        if tag := data.get("tag"):
            queryset = queryset.filter(tags=tag)
        if status := data.get("status"):
            queryset = queryset.filter(status=status)
        return queryset

    @property
    def is_filtered(self):
        return any(self.data.get(name) for name in self.fields)
