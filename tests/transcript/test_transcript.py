"""The transcript panel and its write paths: speakers, segment edits, exports and re-runs from the page."""

import re
from urllib.parse import unquote

import pytest

from meetings.models import Job, Meeting, Segment, Speaker
from meetings.transcript import services
from nexochat.errors import ServiceError
from tests.support.factories import build_transcript


@pytest.fixture
def meeting(org, owner, member):
    return build_transcript(org, owner)


def page_routes(meeting):
    s1 = meeting.speakers.get(label="S1")
    segment = meeting.segments.get(position=0)
    base = f"/meetings/{meeting.pk}/transcript/"
    return [
        ("get", base),
        ("get", base + "export/txt/"),
        ("get", base + "export/docx/"),
        ("get", base + f"speakers/{s1.pk}/rename/"),
        ("post", base + f"speakers/{s1.pk}/rename/"),
        ("post", base + f"speakers/{s1.pk}/merge/"),
        ("post", base + f"speakers/{s1.pk}/member/"),
        ("get", base + f"segments/{segment.pk}/"),
        ("get", base + f"segments/{segment.pk}/edit/"),
        ("post", base + f"segments/{segment.pk}/edit/"),
        ("post", base + "rediarize/"),
        ("post", base + "retranscribe/"),
    ]


# --- access ----------------------------------------------------------------------------------


def test_outsider_gets_404_and_no_data_on_every_route(outsider_client, meeting):
    for method, url in page_routes(meeting):
        response = getattr(outsider_client, method)(url, {"name": "X", "text": "hacked", "target": "1"})
        assert response.status_code == 404, (method, url)
        assert "안녕하세요".encode() not in response.content
    assert Speaker.objects.get(meeting=meeting, label="S1").name == ""
    assert not Segment.objects.filter(text="hacked").exists()
    assert not Job.objects.exists()


def test_anonymous_is_sent_to_login(client, meeting):
    for method, url in page_routes(meeting):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


@pytest.mark.parametrize("who", ["owner_client", "member_client"])
def test_members_read_the_panel_and_exports(request, who, meeting):
    client = request.getfixturevalue(who)
    for method, url in page_routes(meeting):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_speaker_and_segment_ids_from_another_meeting_are_404(member_client, meeting, org, owner):
    other = build_transcript(org, owner, title="다른 회의", with_recording=False)
    foreign_speaker = other.speakers.get(label="S1")
    foreign_segment = other.segments.get(position=0)
    base = f"/meetings/{meeting.pk}/transcript/"
    assert member_client.post(base + f"speakers/{foreign_speaker.pk}/rename/", {"name": "x"}).status_code == 404
    assert member_client.post(base + f"segments/{foreign_segment.pk}/edit/", {"text": "x"}).status_code == 404
    target = meeting.speakers.get(label="S1")
    response = member_client.post(
        base + f"speakers/{target.pk}/merge/",
        {"target": foreign_speaker.pk},
        headers={"HX-Request": "true", "Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "Choose a speaker to merge into." in response.content.decode()
    assert Speaker.objects.filter(pk=foreign_speaker.pk).exists()
    assert Speaker.objects.filter(pk=target.pk).exists()


# --- the panel -------------------------------------------------------------------------------


def test_full_page_has_player_segments_words_timeline_and_talk_time(member_client, meeting):
    response = member_client.get(f"/meetings/{meeting.pk}/transcript/", headers={"Accept-Language": "en"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<audio id="player"' in html
    # words are seekable spans; segments carry their times
    assert 'class="w" data-start="0.5" data-end="1.2"> 안녕하세요</span>' in html
    assert 'data-start="2.5" data-end="6.25"' in html
    assert "오늘 안건은 세 가지입니다." in html
    # speaker names, colours, timeline blocks (61 s of 63.5 s) and talk time
    assert "박팀원" in html and "--speaker-color: #dc2626" in html
    assert re.search(r'class="timeline-block" data-seek="61.0"[^>]*left:96\.063%', html)
    assert "0:06 · 61.0%" in html  # S2: 6.25 of 10.25 seconds
    assert "0:04 · 39.0%" in html
    for fmt in ("txt", "srt", "vtt", "json", "docx", "md"):
        assert f"/meetings/{meeting.pk}/transcript/export/{fmt}/" in html
    assert "js/transcript.js" in html


def test_meeting_page_embeds_the_panel_with_the_player(member_client, outsider_client, meeting):
    html = member_client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert '<audio id="player"' in html
    assert 'id="transcript-panel"' in html and "오늘 안건은 세 가지입니다." in html
    assert html.count('id="transcript-panel"') == 1
    assert outsider_client.get(f"/meetings/{meeting.pk}/").status_code == 404


def test_htmx_request_gets_only_the_panel(member_client, meeting):
    response = member_client.get(f"/meetings/{meeting.pk}/transcript/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="transcript-panel"')
    assert "<html" not in html


def test_panel_include_needs_only_the_meeting(rf, member, meeting):
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.user = member
    html = render_to_string("meetings/transcript/panel.html", {"meeting": meeting}, request=request)
    assert "안녕하세요" in html and "박팀원" in html and 'id="transcript-panel"' in html


def test_empty_transcript_says_so(member_client, org, owner):
    meeting = Meeting.objects.create(organization=org, title="빈 회의", created_by=owner)
    response = member_client.get(f"/meetings/{meeting.pk}/transcript/", headers={"Accept-Language": "en"})
    assert "There is no transcript yet" in response.content.decode()


def test_segment_text_is_escaped(member_client, meeting):
    segment = meeting.segments.get(position=1)
    services.edit_segment(segment, "<script>alert('x')</script> & <b>")
    Speaker.objects.filter(meeting=meeting, label="S1").update(name="<img src=x onerror=alert(1)>")
    Segment.objects.filter(pk=meeting.segments.get(position=0).pk).update(
        words=[{"w": "<script>bad()</script>", "s": 0.5, "e": 1.0}]
    )
    html = member_client.get(f"/meetings/{meeting.pk}/transcript/").content.decode()
    assert "<script>alert" not in html and "<script>bad()" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;" in html
    assert "&lt;script&gt;bad()&lt;/script&gt;" in html
    assert "<img src=x" not in html


# --- speakers --------------------------------------------------------------------------------


def test_rename_form_then_save_renders_the_panel_with_the_new_name(member_client, meeting):
    s1 = meeting.speakers.get(label="S1")
    url = f"/meetings/{meeting.pk}/transcript/speakers/{s1.pk}/rename/"
    form = member_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'name="name"' in form and f'hx-post="{url}"' in form
    response = member_client.post(url, {"name": "  김 대표  "}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="transcript-panel"' in response.content.decode()
    assert "김 대표" in response.content.decode()
    s1.refresh_from_db()
    assert s1.name == "김 대표"


def test_rename_without_htmx_redirects_to_the_meeting(member_client, meeting):
    s1 = meeting.speakers.get(label="S1")
    response = member_client.post(f"/meetings/{meeting.pk}/transcript/speakers/{s1.pk}/rename/", {"name": "A"})
    assert response.status_code == 302 and response["Location"].endswith(f"/meetings/{meeting.pk}/#transcript")


def test_rename_to_empty_falls_back_to_member_then_label(meeting, member):
    s1 = meeting.speakers.get(label="S1")
    services.rename_speaker(s1, "")
    assert s1.display_name == "S1"
    services.map_speaker_to_member(s1, member)
    assert Speaker.objects.get(pk=s1.pk).display_name == "박팀원"


def test_merge_moves_segments_keeps_positions_and_removes_the_speaker(member_client, meeting):
    s1, s2 = meeting.speakers.get(label="S1"), meeting.speakers.get(label="S2")
    before = list(meeting.segments.values_list("pk", "position", "start", "text"))
    response = member_client.post(
        f"/meetings/{meeting.pk}/transcript/speakers/{s2.pk}/merge/", {"target": s1.pk}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert not Speaker.objects.filter(pk=s2.pk).exists()
    assert list(meeting.segments.values_list("pk", "position", "start", "text")) == before
    assert set(meeting.segments.values_list("speaker_id", flat=True)) == {s1.pk}
    assert meeting.segments.count() == 4  # neighbours of one speaker are not joined
    s1.refresh_from_db()
    assert s1.name == "박팀원"  # the target had no name: it takes the merged one's


def test_merge_into_itself_is_refused(meeting):
    s1 = meeting.speakers.get(label="S1")
    with pytest.raises(ServiceError) as info:
        services.merge_speakers(s1, s1)
    assert info.value.code == "same_speaker"


def test_map_to_member_and_refuse_someone_from_another_org(member_client, meeting, member, outsider):
    s1 = meeting.speakers.get(label="S1")
    url = f"/meetings/{meeting.pk}/transcript/speakers/{s1.pk}/member/"
    member_client.post(url, {"member": member.pk}, headers={"HX-Request": "true"})
    s1.refresh_from_db()
    assert s1.member == member
    response = member_client.post(url, {"member": outsider.pk}, headers={"HX-Request": "true", "Accept-Language": "en"})
    assert "not a member of this organization" in response.content.decode()
    s1.refresh_from_db()
    assert s1.member == member
    with pytest.raises(ServiceError):
        services.map_speaker_to_member(s1, outsider)
    member_client.post(url, {"member": ""}, headers={"HX-Request": "true"})
    s1.refresh_from_db()
    assert s1.member is None


# --- segments --------------------------------------------------------------------------------


def test_edit_keeps_the_first_original(member_client, meeting):
    segment = meeting.segments.get(position=0)
    url = f"/meetings/{meeting.pk}/transcript/segments/{segment.pk}/edit/"
    form = member_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<textarea" in form and "안녕하세요 여러분</textarea>" in form
    response = member_client.post(url, {"text": "안녕하십니까 여러분"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="segment edited" id="segment-{segment.pk}"')
    assert "안녕하십니까 여러분" in html and "안녕하세요 여러분" in html  # the original, under "edited"
    member_client.post(url, {"text": "세 번째"}, headers={"HX-Request": "true"})
    segment.refresh_from_db()
    assert (segment.text, segment.original_text) == ("세 번째", "안녕하세요 여러분")


def test_edit_sets_original_when_the_pipeline_left_it_empty(meeting):
    segment = meeting.segments.get(position=2)
    Segment.objects.filter(pk=segment.pk).update(original_text="")
    segment.refresh_from_db()
    services.edit_segment(segment, "고친 문장")
    segment.refresh_from_db()
    assert segment.original_text == "오늘 안건은 세 가지입니다." and segment.text == "고친 문장"


def test_empty_edit_is_refused_and_the_form_comes_back(member_client, meeting):
    segment = meeting.segments.get(position=0)
    url = f"/meetings/{meeting.pk}/transcript/segments/{segment.pk}/edit/"
    response = member_client.post(url, {"text": "   "}, headers={"HX-Request": "true", "Accept-Language": "en"})
    assert "The text cannot be empty." in response.content.decode() and "<textarea" in response.content.decode()
    segment.refresh_from_db()
    assert segment.text == "안녕하세요 여러분"


def test_cancel_returns_the_segment(member_client, meeting):
    segment = meeting.segments.get(position=0)
    html = member_client.get(f"/meetings/{meeting.pk}/transcript/segments/{segment.pk}/").content.decode()
    assert html.lstrip().startswith(f'<li class="segment" id="segment-{segment.pk}"')
    assert "--speaker-color: #2563eb" in html


# --- exports from the page ---------------------------------------------------------------------


def test_export_download_has_korean_filename(member_client, meeting):
    response = member_client.get(f"/meetings/{meeting.pk}/transcript/export/srt/")
    disposition = response["Content-Disposition"]
    assert response["Content-Type"].startswith("application/x-subrip")
    assert disposition.startswith('attachment; filename="')
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == "주간-회의.srt"
    assert disposition.encode("latin-1")  # the header itself stays ASCII
    assert "박팀원: 네, 반갑습니다." in response.content.decode()


def test_unknown_export_format_is_404(member_client, meeting):
    assert member_client.get(f"/meetings/{meeting.pk}/transcript/export/pdf/").status_code == 404


# --- re-runs ---------------------------------------------------------------------------------


def test_rediarize_queues_a_job_with_the_speaker_count(member_client, meeting):
    response = member_client.post(
        f"/meetings/{meeting.pk}/transcript/rediarize/", {"num_speakers": "3"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'id="transcript-rerun"' in response.content.decode()
    # The status panel is fetched at once, saying the page saw the job queued, so the page hears when it is done.
    assert f'hx-get="/meetings/{meeting.pk}/status/?shown=queued" hx-trigger="load"' in response.content.decode()
    job = Job.objects.get(meeting=meeting)
    assert (job.kind, job.options) == ("diarize", {"num_speakers": 3})


def test_rediarize_with_blank_count_detects_automatically(meeting):
    job = services.queue_rediarization(meeting, "")
    assert (job.kind, job.options) == ("diarize", {})


def test_second_rerun_while_a_job_is_queued_is_refused(member_client, meeting, settings):
    settings.STT_MODELS = ["large-v3-turbo"]
    services.queue_rediarization(meeting, 2)
    response = member_client.post(
        f"/meetings/{meeting.pk}/transcript/retranscribe/",
        {"stt": "faster-whisper", "model": "large-v3-turbo"},
        headers={"HX-Request": "true", "Accept-Language": "en"},
    )
    assert "already running" in response.content.decode()
    assert Job.objects.filter(meeting=meeting).count() == 1


def test_retranscribe_queues_a_job_with_engine_and_model(member_client, meeting, settings):
    settings.STT_MODELS = ["large-v3-turbo", "SungBeom/whisper-small-ko"]
    page = member_client.get(f"/meetings/{meeting.pk}/transcript/").content.decode()
    assert '<option value="SungBeom/whisper-small-ko">' in page  # the form offers what the server offers
    response = member_client.post(
        f"/meetings/{meeting.pk}/transcript/retranscribe/",
        {"stt": "transformers", "model": "SungBeom/whisper-small-ko"},
    )
    assert response.status_code == 302
    job = Job.objects.get(meeting=meeting)
    assert job.kind == "transcribe"
    assert job.options == {"stt_engine": "transformers", "stt_model": "SungBeom/whisper-small-ko"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"num_speakers": "0"}, "between 1 and 20"),
        ({"num_speakers": "many"}, "between 1 and 20"),
    ],
)
def test_rediarize_validates_the_count(member_client, meeting, data, message):
    response = member_client.post(
        f"/meetings/{meeting.pk}/transcript/rediarize/", data, headers={"HX-Request": "true", "Accept-Language": "en"}
    )
    assert message in response.content.decode()
    assert not Job.objects.exists()


def test_a_model_the_server_does_not_offer_is_refused_with_the_list(member_client, meeting, settings):
    settings.STT_MODEL, settings.STT_MODELS = "/models/whisper-large-v3-ct2", ["SungBeom/whisper-small-ko"]
    response = member_client.post(
        f"/meetings/{meeting.pk}/transcript/retranscribe/",
        {"stt": "faster-whisper", "model": "attacker/any-model"},
        headers={"HX-Request": "true", "Accept-Language": "en"},
    )
    page = response.content.decode()
    assert "is not offered on this server" in page and "SungBeom/whisper-small-ko" in page
    assert "/models/whisper-large-v3-ct2" in page and not Job.objects.exists()
    with pytest.raises(ServiceError) as refused:
        services.queue_retranscription(meeting, "faster-whisper", "../../etc")
    assert refused.value.code == "model_not_allowed"
    assert refused.value.details["allowed"] == ["", "/models/whisper-large-v3-ct2", "SungBeom/whisper-small-ko"]


def test_retranscribe_without_a_model_uses_the_engine_default(meeting):
    job = services.queue_retranscription(meeting, "faster-whisper", "  ")
    assert (job.kind, job.options) == ("transcribe", {"stt_engine": "faster-whisper"})


def test_retranscribe_refuses_unknown_engine(meeting):
    with pytest.raises(ServiceError):
        services.queue_retranscription(meeting, "not-an-engine")
    assert not Job.objects.exists()


def test_reruns_need_a_recording(member_client, org, owner):
    meeting = build_transcript(org, owner, with_recording=False)
    response = member_client.post(
        f"/meetings/{meeting.pk}/transcript/rediarize/", {}, headers={"HX-Request": "true", "Accept-Language": "en"}
    )
    assert "This meeting has no recording." in response.content.decode()
    assert not Job.objects.exists()


def test_rediarize_needs_a_transcript(org, owner):
    meeting = build_transcript(org, owner)
    meeting.segments.all().delete()
    with pytest.raises(ServiceError) as info:
        services.queue_rediarization(meeting, 2)
    assert info.value.code == "no_transcript"


def test_queued_job_runs_inline_and_ends_in_a_finished_state(django_capture_on_commit_callbacks, meeting):
    """Q runs tasks inline in tests: the job really goes to the pipeline. Whether 'diarize' works on
    this fake recording is the pipeline's business; here it must end finished, with a reason if failed."""
    with django_capture_on_commit_callbacks(execute=True):
        job = services.queue_rediarization(meeting, 2)
    job.refresh_from_db()
    assert job.kind == "diarize" and job.options == {"num_speakers": 2}
    assert job.state in ("done", "failed")
    if job.state == "failed":
        assert job.reason
