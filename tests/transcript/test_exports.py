"""Transcript exports: each format read back the way another program would read it."""

import io
import json
import re
from urllib.parse import unquote

import pytest
from docx import Document

from meetings.models import Meeting, Segment, Speaker
from meetings.transcript import exports, services
from tests.support.factories import build_transcript


@pytest.fixture
def meeting(org, owner):
    return build_transcript(org, owner)


def export(fmt, meeting):
    return exports.export_transcript(fmt, meeting, services.speakers_of(meeting), services.segments_of(meeting))


def seconds(stamp):
    h, m, rest = stamp.replace(",", ".").split(":")
    return int(h) * 3600 + int(m) * 60 + float(rest)


EXPECTED = [
    ("S1", 0.5, 2.0, "안녕하세요 여러분"),
    ("박팀원", 2.5, 6.25, "네, 반갑습니다."),
    ("S1", 7.0, 9.5, "오늘 안건은 세 가지입니다."),
    ("박팀원", 61.0, 63.5, "좋습니다."),
]


def test_srt_parses_back_with_times_speakers_and_order(meeting):
    result = export("srt", meeting)
    assert result.content_type.startswith("application/x-subrip")
    assert result.filename == "주간-회의.srt"
    blocks = result.content.decode("utf-8").strip().split("\n\n")
    parsed = []
    for number, block in enumerate(blocks, start=1):
        index, times, text = block.split("\n")
        assert int(index) == number
        match = re.fullmatch(r"(\d\d:\d\d:\d\d,\d{3}) --> (\d\d:\d\d:\d\d,\d{3})", times)
        assert match, times
        speaker, line = text.split(": ", 1)
        parsed.append((speaker, seconds(match[1]), seconds(match[2]), line))
    assert parsed == EXPECTED


def test_vtt_parses_back_with_voice_tags(meeting):
    text = export("vtt", meeting).content.decode("utf-8")
    assert text.startswith("WEBVTT")
    cues = re.findall(r"(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})\n<v ([^>]+)>(.*)</v>", text)
    assert [(voice, seconds(a), seconds(b), line) for a, b, voice, line in cues] == EXPECTED


def test_vtt_escapes_markup(meeting):
    segment = meeting.segments.get(position=0)
    services.edit_segment(segment, "a <b> & c")
    text = export("vtt", meeting).content.decode()
    assert "a &lt;b&gt; &amp; c" in text


def test_json_round_trip(meeting):
    segment = meeting.segments.get(position=1)
    services.edit_segment(segment, "네, 반갑습니다!")
    result = export("json", meeting)
    assert result.content_type == "application/json"
    data = json.loads(result.content)
    assert data["meeting"]["title"] == "주간 회의"
    assert data["meeting"]["duration"] == 20.0
    assert [s["label"] for s in data["speakers"]] == ["S1", "S2"]
    assert [s["display_name"] for s in data["speakers"]] == ["S1", "박팀원"]
    assert [(s["speaker_name"], s["start"], s["end"]) for s in data["segments"]] == [e[:3] for e in EXPECTED]
    edited = data["segments"][1]
    assert (edited["text"], edited["original_text"], edited["edited"]) == ("네, 반갑습니다!", "네, 반갑습니다.", True)
    assert data["segments"][0]["words"][0] == {"w": " 안녕하세요", "s": 0.5, "e": 1.2, "p": 0.9}
    assert "안녕하세요" in result.content.decode("utf-8")  # not \uXXXX escapes


def test_docx_opens_with_python_docx(meeting):
    result = export("docx", meeting)
    assert result.filename == "주간-회의.docx"
    document = Document(io.BytesIO(result.content))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "주간 회의"
    assert "[00:00:02] 박팀원: 네, 반갑습니다." in paragraphs
    assert "[00:01:01] 박팀원: 좋습니다." in paragraphs
    assert document.core_properties.title == "주간 회의"


def test_markdown_and_txt(meeting):
    markdown = export("md", meeting).content.decode()
    assert markdown.startswith("# 주간 회의\n")
    assert "**박팀원** `00:00:02`  \n네, 반갑습니다.\n" in markdown
    assert (
        markdown.index("안녕하세요")
        < markdown.index("반갑습니다")
        < markdown.index("세 가지")
        < markdown.index("좋습니다")
    )
    txt = export("txt", meeting)
    assert txt.content_type == "text/plain; charset=utf-8"
    lines = txt.content.decode().splitlines()
    assert lines[0] == "주간 회의"
    assert lines[3:] == [
        "[00:00:00] S1: 안녕하세요 여러분",
        "[00:00:02] 박팀원: 네, 반갑습니다.",
        "[00:00:07] S1: 오늘 안건은 세 가지입니다.",
        "[00:01:01] 박팀원: 좋습니다.",
    ]


def test_markdown_escapes_formatting(meeting):
    Speaker.objects.filter(meeting=meeting, label="S1").update(name="*굵게*")
    Segment.objects.filter(meeting=meeting, position=0).update(text="# 제목 아님 <b>")
    markdown = export("md", meeting).content.decode()
    assert "**\\*굵게\\*** `00:00:00`" in markdown
    assert "\\# 제목 아님 \\<b\\>" in markdown


def test_segments_without_speaker_and_long_meetings(org, owner):
    meeting = Meeting.objects.create(organization=org, title="Long", created_by=owner)
    Segment.objects.create(meeting=meeting, position=0, start=3725.25, end=3726.5, text="late", original_text="late")
    srt = export("srt", meeting).content.decode()
    assert "01:02:05,250 --> 01:02:06,500\n?: late" in srt
    assert export("json", meeting).content and export("docx", meeting).content


def test_filenames_and_content_disposition(org, owner):
    korean = exports.Export(b"", "text/plain", exports.filename_for(Meeting(pk=7, title="3월 주간 회의/결산"), "txt"))
    assert korean.filename == "3월-주간-회의결산.txt"
    header = korean.content_disposition()
    assert header.startswith('attachment; filename="transcript.txt"; ')
    assert unquote(header.split("filename*=UTF-8''")[1]) == "3월-주간-회의결산.txt"
    header.encode("ascii")
    english = exports.Export(b"", "text/plain", exports.filename_for(Meeting(pk=7, title="Weekly Sync!"), "srt"))
    assert english.content_disposition() == 'attachment; filename="weekly-sync.srt"'
    symbols = exports.filename_for(Meeting(pk=7, title="!!!"), "md")
    assert symbols == "meeting-7.md"
    only_korean = exports.Export(b"", "x", exports.filename_for(Meeting(pk=9, title="회의"), "vtt"))
    assert only_korean.content_disposition().startswith('attachment; filename="transcript.vtt"; filename*=')


def test_unknown_format(meeting):
    with pytest.raises(exports.UnknownFormat):
        export("pdf", meeting)
