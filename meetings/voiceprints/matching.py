"""After diarization: each unnamed speaker of a meeting is compared with its organization's voiceprints
(cosine similarity of the embeddings) and, at VOICEPRINT_THRESHOLD or above, given a suggested member with
that similarity as its confidence. One member is suggested for at most one speaker of a meeting: the pairs
are taken best score first."""

import numpy as np
from django.conf import settings

from meetings.models import Speaker, Voiceprint

from .services import unit


def similarities(speakers, voiceprints):
    """[(score, speaker, voiceprint)] for every pair with usable vectors, best first."""
    pairs = []
    prints = [(voiceprint, unit(voiceprint.vector)) for voiceprint in voiceprints]
    for speaker in speakers:
        voice = unit(speaker.embedding) if speaker.embedding is not None else None
        if voice is None:
            continue
        for voiceprint, vector in prints:
            if vector is not None and vector.shape == voice.shape:
                pairs.append((float(np.dot(voice, vector)), speaker, voiceprint))
    return sorted(pairs, key=lambda pair: -pair[0])


def assign(pairs, threshold, taken_members=()):
    """Greedy one-to-one assignment above the threshold: {speaker id: (member id, score)}."""
    chosen, members = {}, set(taken_members)
    for score, speaker, voiceprint in pairs:
        if score < threshold:
            break
        if speaker.pk in chosen or voiceprint.member_id in members:
            continue
        chosen[speaker.pk] = (voiceprint.member_id, score)
        members.add(voiceprint.member_id)
    return chosen


def suggest_members(meeting, threshold=None):
    """Suggest members for the meeting's speakers that have none (replacing earlier suggestions).
    Returns {speaker id: (member id, confidence)}."""
    threshold = settings.VOICEPRINT_THRESHOLD if threshold is None else threshold
    speakers = list(Speaker.objects.filter(meeting=meeting))
    open_speakers = [speaker for speaker in speakers if speaker.member_id is None]
    voiceprints = list(
        Voiceprint.objects.filter(
            organization_id=meeting.organization_id, member__memberships__organization_id=meeting.organization_id
        )
    )
    linked = {speaker.member_id for speaker in speakers if speaker.member_id}
    chosen = assign(similarities(open_speakers, voiceprints), threshold, linked) if voiceprints else {}
    for speaker in speakers:
        member_id, confidence = chosen.get(speaker.pk, (None, None))
        if (speaker.suggested_member_id, speaker.suggestion_confidence) != (member_id, confidence):
            speaker.suggested_member_id = member_id
            speaker.suggestion_confidence = round(confidence, 4) if confidence is not None else None
            speaker.save(update_fields=["suggested_member", "suggestion_confidence"])
    return chosen
