"""Writing a transcript: replace a meeting's segments (and reconcile its speakers) in one transaction."""

from collections import defaultdict

from django.db import transaction

from meetings.models import SPEAKER_COLORS, Meeting, Segment, Speaker, TranscriptGap


def _overlaps(new_segments, old_segments):
    """{(new label, old speaker id): seconds} of shared time, by a sweep over both sorted lists."""
    totals = defaultdict(float)
    old = sorted(old_segments)
    j = 0
    for segment in sorted(new_segments, key=lambda s: s["start"]):
        while j < len(old) and old[j][1] <= segment["start"]:
            j += 1
        k = j
        while k < len(old) and old[k][0] < segment["end"]:
            start, end, speaker_id = old[k]
            shared = min(end, segment["end"]) - max(start, segment["start"])
            if shared > 0 and speaker_id:
                totals[(segment["speaker"], speaker_id)] += shared
            k += 1
    return totals


def _label_number(label):
    digits = "".join(ch for ch in label if ch.isdigit())
    return int(digits) if digits else 0


@transaction.atomic
def save_transcript(meeting, segments, gaps=(), embeddings=None):
    """Replace the meeting's segments with `segments` ([{speaker, start, end, text, words, confidence}])
    and its gaps with `gaps` ([{speaker, start, end, reason}]: speech without text). `embeddings`
    ({label: [float, ...]}, from the diarizer) are each speaker's voice, kept for speaker memory.

    Speakers whose voice matches (most shared time with) an existing speaker keep that speaker's
    label, name, colour and member, so renaming survives re-diarization and re-transcription.
    Idempotent: running it twice leaves one copy."""
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
    existing = {speaker.pk: speaker for speaker in Speaker.objects.filter(meeting=meeting)}
    old_spans = [
        *Segment.objects.filter(meeting=meeting).values_list("start", "end", "speaker_id"),
        *TranscriptGap.objects.filter(meeting=meeting).values_list("start", "end", "speaker_id"),
    ]
    spoken = [item for item in (*segments, *gaps) if item["speaker"] is not None]
    pairs = sorted(_overlaps(spoken, old_spans).items(), key=lambda item: -item[1])
    chosen, taken = {}, set()
    for (new_label, speaker_id), _seconds in pairs:
        if new_label not in chosen and speaker_id not in taken:
            chosen[new_label] = existing[speaker_id]
            taken.add(speaker_id)

    used_labels = {speaker.label for speaker in chosen.values()}
    next_number = max([_label_number(s.label) for s in existing.values()] + [0])
    final = {}
    for segment in sorted(spoken, key=lambda item: item["start"]):
        label = segment["speaker"]
        if label in final:
            continue
        if label in chosen:
            final[label] = chosen[label]
            continue
        reusable = next((s for s in existing.values() if s.label == label and s.pk not in taken), None)
        if reusable is not None and label not in used_labels and not reusable.name and not reusable.member_id:
            final[label] = reusable
            taken.add(reusable.pk)
            used_labels.add(label)
            continue
        if label in used_labels or any(s.label == label for s in existing.values()):
            next_number += 1
            new_label = f"S{next_number}"
        else:
            new_label = label
            next_number = max(next_number, _label_number(label))
        used_labels.add(new_label)
        number = _label_number(new_label)
        final[label] = Speaker(
            meeting=meeting, label=new_label, color=SPEAKER_COLORS[(max(number, 1) - 1) % len(SPEAKER_COLORS)]
        )

    Segment.objects.filter(meeting=meeting).delete()
    TranscriptGap.objects.filter(meeting=meeting).delete()
    keep_ids = {s.pk for s in final.values() if s.pk}
    Speaker.objects.filter(meeting=meeting).exclude(pk__in=keep_ids).delete()
    embeddings = embeddings or {}
    for label, speaker in final.items():
        if speaker.pk is None:
            speaker.embedding = embeddings.get(label)
            speaker.save()
        elif embeddings:
            speaker.embedding = embeddings.get(label)
            speaker.save(update_fields=["embedding"])
    Segment.objects.bulk_create(
        [
            Segment(
                meeting=meeting,
                position=position,
                speaker=final[segment["speaker"]],
                start=round(segment["start"], 3),
                end=round(segment["end"], 3),
                text=segment["text"],
                original_text=segment["text"],
                words=segment["words"],
                confidence=segment.get("confidence"),
            )
            for position, segment in enumerate(segments)
        ],
        batch_size=500,
    )
    TranscriptGap.objects.bulk_create(
        [
            TranscriptGap(
                meeting=meeting,
                speaker=final.get(gap["speaker"]),
                start=round(gap["start"], 3),
                end=round(gap["end"], 3),
                reason=gap["reason"],
            )
            for gap in gaps
        ],
        batch_size=500,
    )
    return len(segments)
