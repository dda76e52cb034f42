"""The minutes' structure (`data`) becomes the only copy of their text: the Markdown column goes, and an
edit becomes a new version that records the version it was edited from.

Before the column goes, each edited Markdown is read back into its version's structure with the same
parser the edit form uses; a text the parser cannot read becomes that version's overview (so no edit is
lost). Decisions and action items that name one of the meeting's speakers get that speaker's id, so that
renaming the speaker later renames it in the minutes."""

from django.db import migrations, models


def _speaker_names(Speaker, meeting_id):
    names = {}
    for speaker in Speaker.objects.filter(meeting_id=meeting_id).select_related("member"):
        member = speaker.member.name if speaker.member_id else ""
        names[speaker.pk] = speaker.name or member or speaker.label
    return names


def _with_ids(data, names):
    from ai_pipeline.minutes.names import snapshot, speaker_id_for

    for item in data.get("decisions", []) + data.get("action_items", []):
        if item.get("speaker") and item.get("speaker_id") is None:
            item["speaker_id"] = speaker_id_for(item["speaker"], names)
    for item in data.get("action_items", []):
        if item.get("owner") and item.get("owner_speaker_id") is None:
            item["owner_speaker_id"] = speaker_id_for(item["owner"], names)
    if names and "speakers" not in data:
        data["speakers"] = snapshot(names)
    return data


def _read_edit(data, markdown):
    from ai_pipeline.minutes.render import MarkdownError, parse_markdown

    try:
        edited = parse_markdown(markdown, language=data.get("language", "ko"))
    except MarkdownError:
        return {
            **data,
            "overview": markdown,
            "key_points": [],
            "decisions": [],
            "action_items": [],
            "open_questions": [],
            "topics": [],
        }
    edited["title"] = edited["title"] or data.get("title", "")
    return {**data, **edited}


def structure_from_markdown(apps, schema_editor):
    Minutes = apps.get_model("meetings", "Minutes")
    Speaker = apps.get_model("meetings", "Speaker")
    names_by_meeting = {}
    for minutes in Minutes.objects.all().iterator():
        data = dict(minutes.data or {})
        if minutes.edited_at is not None and minutes.markdown.strip():
            data = _read_edit(data, minutes.markdown)
        if minutes.meeting_id not in names_by_meeting:
            names_by_meeting[minutes.meeting_id] = _speaker_names(Speaker, minutes.meeting_id)
        data = _with_ids(data, names_by_meeting[minutes.meeting_id])
        Minutes.objects.filter(pk=minutes.pk).update(data=data)


def markdown_from_structure(apps, schema_editor):
    from ai_pipeline.minutes.render import to_markdown

    Minutes = apps.get_model("meetings", "Minutes")
    for minutes in Minutes.objects.all().iterator():
        Minutes.objects.filter(pk=minutes.pk).update(markdown=to_markdown(minutes.data or {}))


class Migration(migrations.Migration):
    dependencies = [("meetings", "0010_voice_question_expired_state")]

    operations = [
        migrations.AddField(
            model_name="minutes",
            name="edited_from",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="edited from version"),
        ),
        migrations.RunPython(structure_from_markdown, markdown_from_structure),
        migrations.RemoveField(model_name="minutes", name="markdown"),
    ]
