"""A voice the diarizer split into two speakers of a meeting is joined back into one when both clearly match the
same voiceprint, so that all its speech is suggested as that member (one speaker per member still)."""

from types import SimpleNamespace

import numpy as np

from meetings.models import Segment, Speaker
from meetings.voiceprints import services
from meetings.voiceprints.matching import SPLIT_MARGIN, split_voices, suggest_members
from tests.support import factories


def heard(seed, shift):
    """Voice `seed` (a random 192-d direction) as a diarizer hears it in some meeting: with some noise."""
    voice = np.random.default_rng(seed).standard_normal(192)
    noise = 0.3 * np.random.default_rng(1000 + seed + shift).standard_normal(192)
    return [float(x) for x in voice + noise]


def _enrol(user, speaker):
    speaker.member = user
    speaker.save(update_fields=["member"])
    services.enrol_from_speaker(user, speaker)


def _meeting(org, voices, shift):
    meeting = factories.meeting(org)
    speakers = factories.transcript(meeting, [(key, f"{key} says something") for key, _seed in voices], names=False)
    for key, seed in voices:
        speakers[key].embedding = heard(seed, shift=shift + len(key))
        speakers[key].save(update_fields=["embedding"])
    return meeting, speakers


def test_one_voice_split_in_two_is_joined_and_suggested(org, member, admin_user):
    _past, known = _meeting(org, [("a", 1), ("b", 2)], shift=0)
    _enrol(member, known["a"])
    _enrol(admin_user, known["b"])
    later, heard_now = _meeting(org, [("a1", 1), ("b", 2), ("a2", 1), ("new", 9)], shift=5)
    chosen = suggest_members(later)
    left = {speaker.pk: speaker for speaker in Speaker.objects.filter(meeting=later)}
    assert len(left) == 3 and (heard_now["a1"].pk in left) != (heard_now["a2"].pk in left)
    joined = next(speaker for speaker in left.values() if speaker.suggested_member_id == member.pk)
    said = set(Segment.objects.filter(speaker=joined).values_list("text", flat=True))
    assert said == {"a1 says something", "a2 says something"}
    assert {member_id for member_id, _score in chosen.values()} == {member.pk, admin_user.pk}
    assert left[heard_now["new"].pk].suggested_member_id is None


def _pairs(scores):
    """similarities()' shape from {speaker: {member: score}}."""
    pairs = [
        (score, SimpleNamespace(pk=speaker), SimpleNamespace(member_id=member))
        for speaker, by_member in scores.items()
        for member, score in by_member.items()
    ]
    return sorted(pairs, key=lambda pair: -pair[0])


def test_speakers_are_joined_only_when_they_match_one_voiceprint_clearly():
    clear = {"x": {"ann": 0.95, "bo": 0.70}, "y": {"ann": 0.90, "bo": 0.72}}
    assert split_voices(_pairs(clear), 0.87) == {"y": "x"}
    close = {"x": {"ann": 0.95, "bo": 0.70}, "y": {"ann": 0.90, "bo": 0.90 - SPLIT_MARGIN / 2}}
    assert split_voices(_pairs(close), 0.87) == {}
    below = {"x": {"ann": 0.95, "bo": 0.70}, "y": {"ann": 0.86, "bo": 0.60}}
    assert split_voices(_pairs(below), 0.87) == {}
