"""Factories: plain functions that make and save the rows a test starts from. Each takes what a test cares
about as arguments (the rest gets valid defaults) and passes any other keyword on to the model, so a test
names only what it asserts on:

    meeting = factories.meeting(org, "예산 회의", creator=owner, status="ready")
    speakers = factories.transcript(meeting, [("김대표", "예산은 십 퍼센트 늘립니다."), ("박팀원", "좋습니다.")])
    factories.recording(meeting, seconds=60)
    factories.minutes(meeting, decisions=["십 퍼센트 증액"], action_items=[{"text": "예산표 작성", "assignee": member}])

They write rows directly, as the pipeline leaves them, without the service functions' side effects (jobs,
audit entries, the search index); a test of a write path calls the service itself. The fixtures in
tests/conftest.py (org, owner, member, ...) are made with these."""

import hashlib

from django.core.files.base import ContentFile

from accounts.models import Membership, Organization, Role, User
from meetings.models import ActionItem, Decision, Meeting, Minutes, Recording, Segment, Speaker
from tests.support.audio import tone_wav_bytes

PASSWORD = "pw-Secret-123"


def user(email, organization=None, role=Role.MEMBER, name="", password=PASSWORD):
    """A user who signs in with `email` and `password`, and a member of `organization` with `role` when one
    is given."""
    person = User.objects.create_user(email=email, password=password, name=name)
    if organization is not None:
        Membership.objects.create(user=person, organization=organization, role=role)
    return person


def organization(name="넥소 팀", *, members=(), **fields):
    """An organization; `members` are (user, role) pairs that join it."""
    made = Organization.objects.create(name=name, **fields)
    for person, role in members:
        Membership.objects.create(user=person, organization=made, role=role)
    return made


def meeting(organization, title="주간 회의", *, creator=None, **fields):
    """A meeting of `organization` (held now unless `held_at` says otherwise)."""
    return Meeting.objects.create(organization=organization, title=title, created_by=creator, **fields)


def transcript(meeting, turns, *, every=5.0, length=None, names=True, speakers=None):
    """The speakers and segments of `turns`: (speaker, text) pairs, or (speaker, text, segment fields).

    Each distinct speaker key becomes a speaker labelled S1, S2, ... in order of first appearance, named
    after its key (unless `names` is false), with the fields `speakers` gives for that key (name, member,
    color); a key of None makes a segment without a speaker. Turn n starts at n * `every` seconds and lasts
    `length` (`every` when not given), unless its own fields say otherwise. Returns the speakers by key."""
    made = {}
    for position, (key, text, *extra) in enumerate(turns):
        if key is not None and key not in made:
            fields = {"label": f"S{len(made) + 1}", **({"name": key} if names else {}), **(speakers or {}).get(key, {})}
            made[key] = Speaker.objects.create(meeting=meeting, **fields)
        start = position * every
        timing = {"start": start, "end": start + (every if length is None else length), **(extra[0] if extra else {})}
        Segment.objects.create(
            meeting=meeting, position=position, speaker=made.get(key), text=text, original_text=text, **timing
        )
    return made


def recording(meeting, seconds=1.0, *, name="meeting.wav", freq=440.0, content=None, **fields):
    """`meeting`'s recording: a real WAV tone of `seconds` (or the bytes of `content`) in the media storage,
    with its size and SHA-256; `fields` override the other columns (original_name is `name`)."""
    data = tone_wav_bytes(seconds, freq=freq) if content is None else content
    columns = {
        "original_name": name,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "duration": float(seconds),
        **fields,
    }
    made = Recording(meeting=meeting, **columns)
    made.file.save(name, ContentFile(data), save=True)
    return made


def minutes(meeting, data=None, *, decisions=(), action_items=(), version=1, provider="offline", **fields):
    """Minutes of `meeting` (`data`, by default only the meeting's title) with their decisions and action
    items, each a text or a dict of the item's fields, positioned in the order given."""
    made = Minutes.objects.create(
        meeting=meeting,
        version=version,
        provider=provider,
        data={"title": meeting.title} if data is None else data,
        **fields,
    )
    for model, items in ((Decision, decisions), (ActionItem, action_items)):
        for position, item in enumerate(items):
            item = {"text": item} if isinstance(item, str) else item
            model.objects.create(meeting=meeting, minutes=made, **{"position": position, **item})
    return made


WORDS_1 = [{"w": " 안녕하세요", "s": 0.5, "e": 1.2, "p": 0.9}, {"w": " 여러분", "s": 1.3, "e": 2.0, "p": 0.8}]


def build_transcript(org, user, title="주간 회의", with_recording=True):
    """A meeting with two speakers and four segments, made directly (no speech models). Its recording is a
    4-byte stand-in: a job run on it fails fast instead of loading speech models."""
    made = meeting(org, title, creator=user)
    if with_recording:
        recording(made, 20.0, name="회의.wav", content=b"RIFF")
    transcript(
        made,
        [
            ("S1", "안녕하세요 여러분", {"start": 0.5, "end": 2.0, "words": WORDS_1}),
            ("S2", "네, 반갑습니다.", {"start": 2.5, "end": 6.25}),
            ("S1", "오늘 안건은 세 가지입니다.", {"start": 7.0, "end": 9.5}),
            ("S2", "좋습니다.", {"start": 61.0, "end": 63.5}),
        ],
        names=False,
        speakers={"S1": {"color": "#2563eb"}, "S2": {"name": "박팀원", "color": "#dc2626"}},
    )
    return made
