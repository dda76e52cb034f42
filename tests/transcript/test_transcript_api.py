"""/api/v1/meetings/<pk>/transcript/: read, export, correct and re-run, for members only."""

import io
import json
from urllib.parse import unquote

import pytest
from docx import Document
from rest_framework.test import APIClient

from meetings.models import Job, Segment, Speaker
from tests.support.factories import build_transcript


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def meeting(org, owner, member):
    return build_transcript(org, owner)


def base(meeting):
    return f"/api/v1/meetings/{meeting.pk}/transcript/"


def routes(meeting):
    s1, s2 = meeting.speakers.get(label="S1"), meeting.speakers.get(label="S2")
    segment = meeting.segments.get(position=0)
    url = base(meeting)
    return [
        ("get", url, None),
        ("get", url + "export/json/", None),
        ("patch", url + f"speakers/{s1.pk}/", {"name": "hacked"}),
        ("post", url + f"speakers/{s1.pk}/merge/", {"into": s2.pk}),
        ("patch", url + f"segments/{segment.pk}/", {"text": "hacked"}),
        ("post", url + "rediarize/", {"num_speakers": 2}),
        ("post", url + "retranscribe/", {"stt": "faster-whisper"}),
    ]


def test_outsider_gets_404_and_no_data(outsider, meeting):
    client = api(outsider)
    for method, url, data in routes(meeting):
        response = getattr(client, method)(url, data, format="json")
        assert response.status_code == 404, url
        assert "안녕하세요".encode() not in response.content
    assert Speaker.objects.filter(meeting=meeting).count() == 2
    assert not Segment.objects.filter(text="hacked").exists()
    assert not Job.objects.exists()


def test_anonymous_gets_401(meeting):
    for method, url, data in routes(meeting):
        assert getattr(api(), method)(url, data, format="json").status_code == 401, url


@pytest.mark.parametrize("who", ["owner", "member"])
def test_members_read_the_transcript(request, who, meeting):
    response = api(request.getfixturevalue(who)).get(base(meeting))
    assert response.status_code == 200
    data = response.json()
    assert data["meeting"]["title"] == "주간 회의"
    assert [s["display_name"] for s in data["speakers"]] == ["S1", "박팀원"]
    assert [s["text"] for s in data["segments"]][:2] == ["안녕하세요 여러분", "네, 반갑습니다."]
    assert data["segments"][0]["words"][1]["s"] == 1.3


@pytest.mark.parametrize("fmt", ["txt", "srt", "vtt", "json", "docx", "md"])
def test_every_export_format(member, meeting, fmt):
    response = api(member).get(base(meeting) + f"export/{fmt}/", HTTP_ACCEPT="*/*")
    assert response.status_code == 200
    assert unquote(response["Content-Disposition"].split("filename*=UTF-8''")[1]) == f"주간-회의.{fmt}"
    if fmt == "docx":
        text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    else:
        text = response.content.decode("utf-8")
    assert "박팀원" in text and "좋습니다." in text


def test_export_ignores_a_specific_accept_header(member, meeting):
    response = api(member).get(
        base(meeting) + "export/docx/",
        HTTP_ACCEPT="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    assert response.status_code == 200
    assert response["Content-Type"].endswith("wordprocessingml.document")
    assert api(member).get(base(meeting) + "export/pdf/").status_code == 404


def test_patch_speaker_name_and_member(member, outsider, meeting):
    s1 = meeting.speakers.get(label="S1")
    client = api(member)
    url = base(meeting) + f"speakers/{s1.pk}/"
    response = client.patch(url, {"name": "김대표"}, format="json")
    assert response.status_code == 200 and response.json()["display_name"] == "김대표"
    response = client.patch(url, {"name": "", "member": member.pk}, format="json")
    assert response.json() == {
        "id": s1.pk,
        "label": "S1",
        "name": "",
        "display_name": "박팀원",
        "color": "#2563eb",
        "member": member.pk,
        "suggested": None,
        "suggested_name": None,
        "confidence": None,
    }
    for stranger in (outsider.pk, 999999):
        response = client.patch(url, {"member": stranger}, format="json")
        assert response.status_code == 404 and response.json()["code"] == "not_member"
    s1.refresh_from_db()
    assert s1.member == member
    assert client.patch(url, {"member": None}, format="json").json()["member"] is None


def test_merge(member, meeting):
    s1, s2 = meeting.speakers.get(label="S1"), meeting.speakers.get(label="S2")
    client = api(member)
    response = client.post(base(meeting) + f"speakers/{s1.pk}/merge/", {"into": s2.pk}, format="json")
    assert response.status_code == 200
    data = response.json()
    assert [s["label"] for s in data["speakers"]] == ["S2"]
    assert [s["position"] for s in data["segments"]] == [0, 1, 2, 3]
    assert {s["speaker"] for s in data["segments"]} == {"S2"}
    assert not Speaker.objects.filter(pk=s1.pk).exists()
    response = client.post(base(meeting) + f"speakers/{s2.pk}/merge/", {"into": s2.pk}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "same_speaker"


def test_merge_into_another_meetings_speaker_is_404(member, meeting, org, owner):
    other = build_transcript(org, owner, title="다른 회의", with_recording=False)
    s1 = meeting.speakers.get(label="S1")
    foreign = other.speakers.get(label="S2")
    response = api(member).post(base(meeting) + f"speakers/{s1.pk}/merge/", {"into": foreign.pk}, format="json")
    assert response.status_code == 404
    assert Speaker.objects.filter(pk=s1.pk).exists()


def test_patch_segment_keeps_the_first_original(member, meeting):
    segment = meeting.segments.get(position=1)
    url = base(meeting) + f"segments/{segment.pk}/"
    client = api(member)
    first = client.patch(url, {"text": "네 반갑습니다"}, format="json").json()
    assert (first["text"], first["original_text"], first["edited"]) == ("네 반갑습니다", "네, 반갑습니다.", True)
    second = client.patch(url, {"text": "반갑습니다"}, format="json").json()
    assert second["original_text"] == "네, 반갑습니다."
    response = client.patch(url, {"text": "  "}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "empty"


def test_rediarize_and_retranscribe_queue_jobs(member, meeting, settings):
    settings.STT_MODELS = ["openai/whisper-small"]
    client = api(member)
    response = client.post(base(meeting) + "rediarize/", {"num_speakers": 3}, format="json")
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["id"])
    assert (job.kind, job.options, job.state) == ("diarize", {"num_speakers": 3}, "queued")
    response = client.post(base(meeting) + "retranscribe/", {"stt": "faster-whisper"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "running"
    job.state = "done"
    job.save(update_fields=["state"])
    response = client.post(
        base(meeting) + "retranscribe/", {"stt": "transformers", "model": "openai/whisper-small"}, format="json"
    )
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["id"])
    assert (job.kind, job.options) == (
        "transcribe",
        {"stt_engine": "transformers", "stt_model": "openai/whisper-small"},
    )


def test_rerun_errors(member, org, owner, meeting):
    client = api(member)
    assert client.post(base(meeting) + "rediarize/", {"num_speakers": 0}, format="json").status_code == 400
    response = client.post(base(meeting) + "retranscribe/", {"stt": "nope"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    response = client.post(
        base(meeting) + "retranscribe/", {"stt": "transformers", "model": "someone/else"}, format="json"
    )
    assert response.status_code == 400 and "is not offered on this server" in response.json()["model"][0]
    schema = client.get("/api/v1/schema/?format=json").json()["components"]["schemas"]
    assert schema["RetranscribeRequest"]["properties"]["model"]["maxLength"] == 0  # the embedded default: blank only
    bare = build_transcript(org, owner, title="녹음 없음", with_recording=False)
    response = client.post(base(bare) + "rediarize/", {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "no_recording"
    assert not Job.objects.exists()


def test_schema_documents_the_transcript_routes(member):
    response = api(member).get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    assert "/api/v1/meetings/{id}/transcript/" in paths
    assert "patch" in paths["/api/v1/meetings/{id}/transcript/speakers/{speaker_id}/"]
    assert "post" in paths["/api/v1/meetings/{id}/transcript/rediarize/"]
    export = paths["/api/v1/meetings/{id}/transcript/export/{fmt}/"]["get"]
    fmt = next(p for p in export["parameters"] if p["name"] == "fmt")
    assert sorted(fmt["schema"]["enum"]) == ["docx", "json", "md", "srt", "txt", "vtt"]
