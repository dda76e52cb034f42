"""Forms of the conference pages: scheduling a meeting, and the action-item filters."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.access import members_of
from accounts.models import User
from meetings.conference.attendees import attendees_of, format_guests, parse_guests
from meetings.conference.scheduling import MAX_OCCURRENCES
from meetings.models import Language, Recurrence, Series
from nexochat.errors import ServiceError
from nexochat.ids import ID_RANGE
from nexochat.validators import single_line

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class ScheduleForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, validators=[single_line])
    held_at = forms.DateTimeField(
        label=gettext_lazy("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )
    duration_minutes = forms.IntegerField(
        label=gettext_lazy("Duration (minutes)"), min_value=1, max_value=1440, initial=60
    )
    location = forms.CharField(label=gettext_lazy("Place"), max_length=200, required=False)
    video_link = forms.URLField(label=gettext_lazy("Video link"), max_length=500, required=False, assume_scheme="https")
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=Language.choices, initial=Language.KOREAN)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    agenda = forms.CharField(
        label=gettext_lazy("Agenda"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("One topic per line."),
    )
    members = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Attendees (members)"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    guests = forms.CharField(
        label=gettext_lazy("Guests"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("People from outside the organization, one per line: a name, name <email> or an email."),
    )
    series = forms.ModelChoiceField(
        label=gettext_lazy("Series"), queryset=Series.objects.none(), required=False, empty_label=gettext_lazy("None")
    )
    new_series = forms.CharField(label=gettext_lazy("Or start a new series"), max_length=200, required=False)
    recurrence = forms.ChoiceField(
        label=gettext_lazy("Repeats"),
        choices=Recurrence.choices,
        initial=Recurrence.NONE,
        required=False,
        help_text=gettext_lazy("For a new series. Choose how often, then how many meetings to schedule now."),
    )
    occurrences = forms.IntegerField(
        label=gettext_lazy("Number of meetings to schedule"),
        min_value=1,
        max_value=MAX_OCCURRENCES,
        initial=1,
        required=False,
    )

    def __init__(self, *args, organization, meeting=None, **kwargs):
        if meeting is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": meeting.title,
                "held_at": timezone.localtime(meeting.held_at),
                "duration_minutes": meeting.duration_minutes,
                "location": meeting.location,
                "video_link": meeting.video_link,
                "language": meeting.language,
                "description": meeting.description,
                "agenda": "\n".join(a.title for a in meeting.agenda_items.all()),
                "members": [a.user_id for a in attendees_of(meeting) if a.user_id],
                "guests": format_guests(meeting),
                "series": meeting.series_id,
            }
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["members"].queryset = members_of(organization)
        self.fields["series"].queryset = Series.objects.filter(organization=organization)
        if meeting is not None:
            for name in ("occurrences", "language", "description"):
                del self.fields[name]

    def clean_guests(self):
        try:
            return parse_guests(self.cleaned_data.get("guests"))
        except ServiceError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_agenda(self):
        return [line.strip() for line in (self.cleaned_data.get("agenda") or "").splitlines() if line.strip()]


class ActionFilterForm(forms.Form):
    assignee = forms.CharField(required=False)
    status = forms.CharField(required=False)
    due = forms.CharField(required=False)
    meeting = forms.IntegerField(required=False, **ID_RANGE)
    series = forms.IntegerField(required=False, **ID_RANGE)
    q = forms.CharField(required=False, max_length=200)
