"""Factories: plain functions that make the rows a test starts from."""

from django.core.files.base import ContentFile

from meetings.models import Meeting, Recording, Segment, Speaker

WORDS_1 = [{"w": " 안녕하세요", "s": 0.5, "e": 1.2, "p": 0.9}, {"w": " 여러분", "s": 1.3, "e": 2.0, "p": 0.8}]


def build_transcript(org, user, title="주간 회의", with_recording=True):
    """A meeting with two speakers and four segments, made directly (no speech models)."""
    meeting = Meeting.objects.create(organization=org, title=title, created_by=user)
    if with_recording:
        recording = Recording(meeting=meeting, original_name="회의.wav", size=4, duration=20.0, sha256="b" * 64)
        recording.file.save("meeting.wav", ContentFile(b"RIFF"), save=False)
        recording.save()
    s1 = Speaker.objects.create(meeting=meeting, label="S1", color="#2563eb")
    s2 = Speaker.objects.create(meeting=meeting, label="S2", name="박팀원", color="#dc2626")
    rows = [
        (s1, 0.5, 2.0, "안녕하세요 여러분", WORDS_1),
        (s2, 2.5, 6.25, "네, 반갑습니다.", []),
        (s1, 7.0, 9.5, "오늘 안건은 세 가지입니다.", []),
        (s2, 61.0, 63.5, "좋습니다.", []),
    ]
    for position, (speaker, start, end, text, words) in enumerate(rows):
        Segment.objects.create(
            meeting=meeting,
            position=position,
            speaker=speaker,
            start=start,
            end=end,
            text=text,
            original_text=text,
            words=words,
        )
    return meeting
