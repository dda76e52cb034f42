"""The factories most tests start from (tests/support/factories.py) make what they say they make: a
transcript's speakers, labels and timings, a recording that is a real audio file, minutes with their items."""

import hashlib
from pathlib import Path

import pytest

from accounts.models import Membership, Role
from meetings.models import ActionItem, Decision
from meetings.recordings.media import probe
from tests.support import factories


def test_transcript_labels_speakers_in_order_and_times_the_turns(org, owner):
    meeting = factories.meeting(org, "주간 회의", creator=owner)
    turns = [("김민수", "하나"), ("이지은", "둘"), ("김민수", "셋"), (None, "넷", {"start": 40.0, "end": 42.5})]
    speakers = factories.transcript(meeting, turns, every=10.0, length=8.0, speakers={"이지은": {"member": owner}})
    assert {key: (s.label, s.name, s.member) for key, s in speakers.items()} == {
        "김민수": ("S1", "김민수", None),
        "이지은": ("S2", "이지은", owner),
    }
    rows = meeting.segments.order_by("position").values_list("position", "speaker__label", "start", "end", "text")
    assert list(rows) == [
        (0, "S1", 0.0, 8.0, "하나"),
        (1, "S2", 10.0, 18.0, "둘"),
        (2, "S1", 20.0, 28.0, "셋"),
        (3, None, 40.0, 42.5, "넷"),
    ]
    assert all(s.original_text == s.text for s in meeting.segments.all())
    unnamed = factories.transcript(factories.meeting(org), [("S1", "네")], names=False)
    assert (unnamed["S1"].label, unnamed["S1"].name) == ("S1", "")


def test_recording_is_a_real_wav_of_the_length_asked(org, media_root):
    meeting = factories.meeting(org)
    recording = factories.recording(meeting, 2.5, name="회의.wav")
    data = recording.file.read()
    assert recording.original_name == "회의.wav" and recording.duration == 2.5
    assert recording.size == len(data) and recording.sha256 == hashlib.sha256(data).hexdigest()
    assert media_root in Path(recording.file.path).parents
    assert probe(recording.file.path).duration == pytest.approx(2.5, abs=0.01)
    meeting.refresh_from_db()
    assert meeting.recording == recording


def test_minutes_come_with_their_items_in_order(org):
    meeting = factories.meeting(org, "예산 회의")
    minutes = factories.minutes(
        meeting, decisions=["첫 결정", {"text": "둘째 결정", "start": 3.0}], action_items=["할 일"]
    )
    assert minutes.data == {"title": "예산 회의"} and minutes.version == 1 and minutes.provider == "offline"
    decisions = Decision.objects.filter(minutes=minutes).order_by("position")
    assert [(d.position, d.text, d.start) for d in decisions] == [(0, "첫 결정", None), (1, "둘째 결정", 3.0)]
    assert list(ActionItem.objects.filter(meeting=meeting).values_list("text", "minutes")) == [("할 일", minutes.pk)]


def test_users_and_organizations_with_members(db):
    person = factories.user("kim@example.com", name="김")
    assert person.check_password(factories.PASSWORD) and not person.memberships.exists()
    team = factories.organization("팀", members=[(person, Role.ADMIN)])
    assert Membership.objects.get(user=person, organization=team).role == Role.ADMIN
    joined = factories.user("lee@example.com", team)
    assert Membership.objects.get(user=joined).role == Role.MEMBER
