"""Names typed as a meeting's "other participants" become guest attendees, as both meeting forms now
write them, so the meeting page, the schedule card, the recap and the API list the same people."""

from django.db import migrations


def names_to_guests(apps, schema_editor):
    Meeting = apps.get_model("meetings", "Meeting")
    Attendee = apps.get_model("meetings", "Attendee")
    for meeting in Meeting.objects.exclude(external_participants="").iterator():
        known = {
            (name or email).casefold()
            for name, email in Attendee.objects.filter(meeting=meeting, user__isnull=True).values_list("name", "email")
        }
        for raw in meeting.external_participants.split(","):
            name = raw.strip()[:150]
            if name and name.casefold() not in known:
                known.add(name.casefold())
                Attendee.objects.create(meeting=meeting, name=name)
        members = Meeting.participants.through.objects.filter(meeting_id=meeting.pk).values_list("user_id", flat=True)
        have = set(Attendee.objects.filter(meeting=meeting, user__isnull=False).values_list("user_id", flat=True))
        Attendee.objects.bulk_create([Attendee(meeting=meeting, user_id=pk) for pk in members if pk not in have])


class Migration(migrations.Migration):
    dependencies = [("meetings", "0014_meeting_title_is_one_line")]

    operations = [migrations.RunPython(names_to_guests, migrations.RunPython.noop)]
