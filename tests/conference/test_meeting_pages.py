"""Meeting pages: list (search, filters, pagination, HTMX), create/edit/delete, detail, audio
streaming with Range, and the processing-status panel. Owner, member and outsider on every route."""

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role
from meetings import services
from meetings.models import Job, JobState, Meeting, MeetingStatus, Recording, Tag
from tests.support.uploads import upload_file

SEOUL = ZoneInfo("Asia/Seoul")


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def seoul(*args):
    return datetime(*args, tzinfo=SEOUL)


@pytest.fixture
def meeting(org, owner, member):
    return services.create_meeting(
        org,
        member,
        title="주간 제품 회의",
        held_at=seoul(2025, 3, 4, 10, 30),
        description="로드맵 검토",
        tags=["제품", "weekly"],
        participants=[owner, member],
        external_participants="Guest Kim",
    )


@pytest.fixture
def recorded(meeting, owner_client, tone_wav, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert upload_file(owner_client, meeting, tone_wav).status_code == 201
    meeting.refresh_from_db()
    return meeting


# --- access: owner / member / outsider on every route ------------------------------------------

ROUTES = [
    ("detail", "get"),
    ("edit", "get"),
    ("edit", "post"),
    ("delete", "get"),
    ("delete", "post"),
    ("audio", "get"),
    ("status", "get"),
    ("retry", "post"),
    ("upload", "post"),
]


@pytest.mark.parametrize(("name", "method"), ROUTES)
def test_outsider_gets_404_and_no_data(name, method, recorded, outsider_client):
    url = reverse(f"meetings:{name}", args=[recorded.pk])
    response = getattr(outsider_client, method)(url, {"title": "hijacked", "held_at": "2025-01-01T00:00"})
    assert response.status_code == 404
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert "주간 제품 회의".encode() not in content
    recorded.refresh_from_db()
    assert recorded.title == "주간 제품 회의"


@pytest.mark.parametrize("name", ["list", "create"])
def test_pages_need_login(name, client):
    response = client.get(reverse(f"meetings:{name}"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(("name", "method"), ROUTES)
def test_anonymous_is_sent_to_login(name, method, recorded, client):
    response = getattr(client, method)(reverse(f"meetings:{name}", args=[recorded.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["owner", "member"])
def test_members_see_detail_page(who, recorded, owner_client, member_client):
    client = owner_client if who == "owner" else member_client
    response = client.get(reverse("meetings:detail", args=[recorded.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "주간 제품 회의" in page
    assert "2025-03-04 10:30" in page
    assert "로드맵 검토" in page
    assert "김대표" in page and "박팀원" in page and "Guest Kim" in page
    assert "제품" in page and "weekly" in page
    assert f'src="{reverse("meetings:audio", args=[recorded.pk])}"' in page
    assert 'id="job-status"' in page


def test_detail_without_recording_shows_upload_zone(meeting, member_client, settings):
    settings.MAX_UPLOAD_SIZE = 50 * 1024 * 1024
    page = member_client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert 'id="upload-form"' in page
    assert f'data-max-size="{50 * 1024 * 1024}"' in page
    assert reverse("meetings:upload", args=[meeting.pk]) in page
    assert "js/upload.js" in page
    assert "<audio" not in page


def test_user_without_organization_is_sent_to_create_one(db, make_user, client):
    client.force_login(make_user("lonely@example.com"))
    for name in ("list", "create"):
        response = client.get(reverse(f"meetings:{name}"))
        assert response.status_code == 302
        assert response["Location"].endswith("/orgs/new/")


def test_member_of_two_organizations_opens_meetings_of_both(org, other_org, owner, outsider, owner_client):
    Membership.objects.create(user=owner, organization=other_org, role=Role.MEMBER)
    theirs = services.create_meeting(other_org, outsider, title="Other org meeting", held_at=timezone.now())
    assert owner_client.get(reverse("meetings:detail", args=[theirs.pk])).status_code == 200


# --- list -----------------------------------------------------------------------------------------


def make_meetings(org, user, count, **kwargs):
    start = seoul(2025, 1, 1, 9, 0)
    return [
        services.create_meeting(org, user, title=f"Meeting {i:03d}", held_at=start + timedelta(days=i), **kwargs)
        for i in range(count)
    ]


def titles(response):
    return [meeting.title for meeting in response.context["page"].object_list]


def test_list_shows_only_the_current_organizations_meetings(meeting, other_org, outsider, member_client):
    services.create_meeting(other_org, outsider, title="Secret elsewhere", held_at=timezone.now())
    response = member_client.get(reverse("meetings:list"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "주간 제품 회의" in page
    assert "Secret elsewhere" not in page
    assert "2025-03-04 10:30" in page  # held_at shown in Asia/Seoul


def test_list_row_shows_duration_tags_and_status(recorded, owner_client):
    page = owner_client.get(reverse("meetings:list")).content.decode()
    assert "0:02" in page
    assert '<span class="tag">제품</span>' in page
    assert '<span class="badge ready">Ready</span>' in page


def test_list_search_by_title_and_description(org, owner, meeting, owner_client):
    services.create_meeting(org, owner, title="Budget review", held_at=timezone.now(), description="숫자 확인")
    url = reverse("meetings:list")
    assert titles(owner_client.get(url, {"q": "제품"})) == ["주간 제품 회의"]
    assert titles(owner_client.get(url, {"q": "로드맵"})) == ["주간 제품 회의"]
    assert titles(owner_client.get(url, {"q": "budget"})) == ["Budget review"]
    assert titles(owner_client.get(url, {"q": "숫자"})) == ["Budget review"]
    response = owner_client.get(url, {"q": "nothing like this"})
    assert titles(response) == []
    assert "No meetings match these filters." in response.content.decode()


def test_list_filter_by_date_range_uses_seoul_days(org, owner, owner_client):
    services.create_meeting(org, owner, title="Late night", held_at=seoul(2025, 5, 1, 23, 30))  # 14:30 UTC
    services.create_meeting(org, owner, title="Next morning", held_at=seoul(2025, 5, 2, 0, 30))  # 15:30 UTC 1 May
    services.create_meeting(org, owner, title="Earlier", held_at=seoul(2025, 4, 20, 12, 0))
    url = reverse("meetings:list")
    assert titles(owner_client.get(url, {"date_from": "2025-05-01", "date_to": "2025-05-01"})) == ["Late night"]
    assert titles(owner_client.get(url, {"date_from": "2025-05-02"})) == ["Next morning"]
    assert titles(owner_client.get(url, {"date_to": "2025-04-30"})) == ["Earlier"]
    # A malformed date is ignored rather than failing the page.
    assert len(titles(owner_client.get(url, {"date_from": "not-a-date"}))) == 3


def test_list_filter_by_tag_and_status(org, owner, meeting, owner_client):
    other = services.create_meeting(org, owner, title="Untagged", held_at=timezone.now())
    Meeting.objects.filter(pk=other.pk).update(status=MeetingStatus.FAILED)
    url = reverse("meetings:list")
    assert titles(owner_client.get(url, {"tag": "제품"})) == ["주간 제품 회의"]
    assert titles(owner_client.get(url, {"status": "failed"})) == ["Untagged"]
    assert titles(owner_client.get(url, {"status": "new", "tag": "weekly"})) == ["주간 제품 회의"]
    assert titles(owner_client.get(url, {"status": "ready"})) == []
    page = owner_client.get(url, {"status": "failed", "tag": "제품", "q": "회의", "date_from": "2025-01-02"})
    html = page.content.decode()
    assert '<option value="제품" selected>' in html
    assert '<option value="failed" selected>' in html
    assert 'value="회의"' in html and 'value="2025-01-02"' in html


def test_list_tag_filter_only_offers_own_organizations_tags(meeting, other_org, owner_client):
    Tag.objects.create(organization=other_org, name="their-secret-tag")
    response = owner_client.get(reverse("meetings:list"), {"tag": "their-secret-tag"})
    assert 'value="their-secret-tag"' not in response.content.decode()
    assert titles(response) == ["주간 제품 회의"]  # unknown tag: ignored, not leaked


def test_list_is_paginated_by_25_newest_first(org, owner, owner_client):
    make_meetings(org, owner, 30)
    url = reverse("meetings:list")
    first = owner_client.get(url)
    assert titles(first)[0] == "Meeting 029"
    assert len(titles(first)) == 25
    assert "Page 1 of 2" in first.content.decode()
    second = owner_client.get(url, {"page": 2})
    assert titles(second) == [f"Meeting {i:03d}" for i in range(4, -1, -1)]
    assert titles(owner_client.get(url, {"page": 99})) == titles(second)  # past the end: last page


def test_pagination_links_keep_the_filters(org, owner, owner_client):
    make_meetings(org, owner, 30, tags=["t"])
    page = owner_client.get(reverse("meetings:list"), {"tag": "t", "q": "Meeting"}).content.decode()
    assert 'href="?tag=t&amp;q=Meeting&amp;page=2"' in page


def test_htmx_filter_request_gets_only_the_results_partial(meeting, owner_client):
    response = owner_client.get(reverse("meetings:list"), {"q": "제품"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page and "<form" not in page
    assert "주간 제품 회의" in page
    assert "HX-Request" in response["Vary"]
    full = owner_client.get(reverse("meetings:list")).content.decode()
    assert 'hx-target="#meeting-results"' in full and 'hx-push-url="true"' in full
    restore = owner_client.get(
        reverse("meetings:list"), headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.content.decode()


def test_list_query_count_does_not_grow_with_rows(org, owner, owner_client, tone_wav, django_assert_max_num_queries):
    meetings = make_meetings(org, owner, 30, tags=["a", "b", "c"])
    for index, meeting in enumerate(meetings):
        Recording.objects.create(
            meeting=meeting, file=f"recordings/x{index}.wav", original_name="x.wav", size=1, duration=61, sha256="0"
        )
    # session, user, membership (middleware), memberships for the switcher, tags for the filter,
    # count, rows, tags of the rows: fixed, whatever the page size.
    with django_assert_max_num_queries(10):
        response = owner_client.get(reverse("meetings:list"))
    assert "1:01" in response.content.decode()


# --- create / edit / delete ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "member"])
def test_members_create_meetings(who, org, owner, member, owner_client, member_client):
    client = owner_client if who == "owner" else member_client
    form = client.get(reverse("meetings:create"))
    assert form.status_code == 200
    page = form.content.decode()
    assert "김대표" in page and "박팀원" in page  # participants to choose from
    assert 'value="ko" selected' in page
    response = client.post(
        reverse("meetings:create"),
        {
            "title": " 디자인 리뷰 ",
            "held_at": "2025-06-01T14:00",
            "language": "en",
            "description": "시안 검토",
            "tags": "디자인, review, , 디자인",
            "participants": [owner.pk, member.pk],
            "external_participants": "외부 디자이너",
        },
    )
    meeting = Meeting.objects.get(title="디자인 리뷰")
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:detail", args=[meeting.pk])
    assert meeting.organization == org
    assert meeting.created_by.email == f"{who}@example.com"
    assert meeting.held_at == seoul(2025, 6, 1, 14, 0)
    assert meeting.language == "en"
    assert sorted(tag.name for tag in meeting.tags.all()) == ["review", "디자인"]
    assert set(meeting.participants.all()) == {owner, member}
    assert meeting.external_participants == "외부 디자이너"
    assert meeting.status == MeetingStatus.NEW


def test_create_form_defaults_to_now_and_korean(owner_client):
    response = owner_client.get(reverse("meetings:create"))
    form = response.context["form"]
    assert abs(form.initial["held_at"] - timezone.now()) < timedelta(minutes=2)
    assert form.fields["language"].initial == "ko"


def test_create_rejects_participants_from_another_organization(outsider, owner_client):
    response = owner_client.post(
        reverse("meetings:create"),
        {"title": "X", "held_at": "2025-06-01T14:00", "language": "ko", "participants": [outsider.pk]},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["participants"]
    assert not Meeting.objects.filter(title="X").exists()


def test_create_requires_title_and_valid_date(owner_client):
    response = owner_client.post(reverse("meetings:create"), {"title": "  ", "held_at": "yesterday", "language": "ko"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "title" in errors and "held_at" in errors
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("who", ["owner", "member"])
def test_members_edit_meetings(who, meeting, owner, owner_client, member_client):
    client = owner_client if who == "owner" else member_client
    form = client.get(reverse("meetings:edit", args=[meeting.pk]))
    assert form.status_code == 200
    assert 'value="2025-03-04T10:30"' in form.content.decode()
    assert form.context["form"].initial["tags"] == "weekly, 제품"
    response = client.post(
        reverse("meetings:edit", args=[meeting.pk]),
        {
            "title": "바뀐 제목",
            "held_at": "2025-03-05T09:00",
            "language": "auto",
            "tags": "new",
            "participants": [owner.pk],
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.title == "바뀐 제목"
    assert meeting.held_at == seoul(2025, 3, 5, 9, 0)
    assert meeting.language == "auto"
    assert [tag.name for tag in meeting.tags.all()] == ["new"]
    assert list(meeting.participants.all()) == [owner]
    assert meeting.external_participants == ""


@pytest.mark.parametrize("who", ["creator", "owner", "admin"])
def test_creator_and_admins_delete(who, meeting, recorded, media_root, admin_user, client, owner, member,
                                   django_capture_on_commit_callbacks):  # fmt: skip
    client.force_login({"creator": member, "owner": owner, "admin": admin_user}[who])
    stored = Path(media_root) / recorded.recording.file.name
    assert stored.exists()
    confirm = client.get(reverse("meetings:delete", args=[meeting.pk]))
    assert confirm.status_code == 200
    assert "cannot be undone" in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("meetings:delete", args=[meeting.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:list")
    assert not Meeting.objects.filter(pk=meeting.pk).exists()
    assert not Recording.objects.exists() and not Job.objects.exists()
    assert not stored.exists()


def test_other_member_cannot_delete(org, owner, member_client, meeting):
    theirs = services.create_meeting(org, owner, title="Owner's meeting", held_at=timezone.now())
    page = member_client.get(reverse("meetings:detail", args=[theirs.pk])).content.decode()
    assert reverse("meetings:delete", args=[theirs.pk]) not in page
    assert member_client.get(reverse("meetings:delete", args=[theirs.pk])).status_code == 403
    assert member_client.post(reverse("meetings:delete", args=[theirs.pk])).status_code == 403
    assert Meeting.objects.filter(pk=theirs.pk).exists()
    # ...but the member's own meeting shows the link
    own = member_client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert reverse("meetings:delete", args=[meeting.pk]) in own


# --- audio streaming -----------------------------------------------------------------------------


def read(response):
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("who", ["owner", "member"])
def test_audio_streams_whole_file(who, recorded, tone_wav, owner_client, member_client):
    client = owner_client if who == "owner" else member_client
    response = client.get(reverse("meetings:audio", args=[recorded.pk]))
    data = tone_wav.read_bytes()
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(len(data))
    assert response["Content-Type"] == "audio/wav"
    assert response["Content-Disposition"].startswith("inline")
    assert read(response) == data


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=0-99", 0, 99), ("bytes=1000-", 1000, None), ("bytes=-10", -10, None), ("bytes=100-99999999", 100, None)],
)
def test_audio_range_requests(header, start, end, recorded, tone_wav, owner_client):
    data = tone_wav.read_bytes()
    size = len(data)
    expected = data[start : (end + 1 if end is not None else None)]
    first = start if start >= 0 else size + start
    response = owner_client.get(reverse("meetings:audio", args=[recorded.pk]), headers={"Range": header})
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{first + len(expected) - 1}/{size}"
    assert response["Content-Length"] == str(len(expected))
    assert read(response) == expected


def test_audio_range_past_the_end_is_416(recorded, tone_wav, owner_client):
    size = tone_wav.stat().st_size
    response = owner_client.get(reverse("meetings:audio", args=[recorded.pk]), headers={"Range": f"bytes={size}-"})
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{size}"


def test_audio_stale_if_range_gets_whole_file(recorded, tone_wav, owner_client):
    url = reverse("meetings:audio", args=[recorded.pk])
    etag = owner_client.get(url)["ETag"]
    fresh = owner_client.get(url, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert fresh.status_code == 206
    stale = owner_client.get(url, headers={"Range": "bytes=0-9", "If-Range": '"something-else"'})
    assert stale.status_code == 200
    assert read(stale) == tone_wav.read_bytes()


def test_audio_of_meeting_without_recording_is_404(meeting, owner_client):
    assert owner_client.get(reverse("meetings:audio", args=[meeting.pk])).status_code == 404


def test_audio_never_served_as_declared_html(meeting, owner_client, tone_wav, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload_file(owner_client, meeting, tone_wav, name="x.html", content_type="text/html")
    response = owner_client.get(reverse("meetings:audio", args=[meeting.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"


# --- processing status ---------------------------------------------------------------------------


def test_status_panel_stops_polling_when_done(recorded, member_client):
    response = member_client.get(reverse("meetings:status", args=[recorded.pk]), headers={"HX-Request": "true"})
    page = response.content.decode()
    assert response.status_code == 286
    assert 'data-state="done"' in page
    assert "hx-trigger" not in page
    assert "<html" not in page
    # The meeting's status badge at the top of the page is refreshed along with the panel.
    assert '<span id="meeting-status" class="badge ready" hx-swap-oob="true">Ready</span>' in page


@pytest.mark.parametrize(("state", "stage", "percent"), [("queued", "", 0), ("running", "probe", 42)])
def test_status_panel_polls_while_the_job_is_active(state, stage, percent, meeting, owner_client):
    Job.objects.create(meeting=meeting, state=state, stage=stage, percent=percent)
    response = owner_client.get(reverse("meetings:status", args=[meeting.pk]), headers={"HX-Request": "true"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'hx-trigger="every 2s"' in page
    assert f'hx-get="{reverse("meetings:status", args=[meeting.pk])}?shown={state}"' in page
    if state == "running":
        assert "Checking the recording" in page  # the stage key's label, not the key
        assert "width:42%" in page and "42%" in page
    detail = owner_client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in detail


def test_status_panel_shows_failure_and_retry(recorded, owner_client):
    Job.objects.create(meeting=recorded, state=JobState.FAILED, stage="probe", reason="디코딩 실패: 손상된 파일")
    response = owner_client.get(reverse("meetings:status", args=[recorded.pk]))
    page = response.content.decode()
    assert response.status_code == 286
    assert "디코딩 실패: 손상된 파일" in page
    assert reverse("meetings:retry", args=[recorded.pk]) in page
    assert "Retry" in page


@pytest.mark.parametrize(
    ("state", "heading"),
    [
        ("queued", "Waiting for processing"),
        ("running", "Processing"),
        ("done", "Processing done"),
        ("failed", "Processing failed"),
    ],
)
def test_status_panel_heading_follows_the_state(state, heading, meeting, owner_client):
    Job.objects.create(meeting=meeting, state=state, stage="transcribe", percent=40)
    page = owner_client.get(reverse("meetings:status", args=[meeting.pk])).content.decode()
    assert f"<h2>{heading}</h2>" in page


def test_a_running_job_shows_the_time_left_at_its_pace_so_far(meeting, owner_client):
    started = timezone.now() - timedelta(seconds=60)
    Job.objects.create(meeting=meeting, state=JobState.RUNNING, stage="transcribe", percent=40, started_at=started)
    page = owner_client.get(reverse("meetings:status", args=[meeting.pk])).content.decode()
    assert "about 1:30 left" in page or "about 1:31 left" in page  # 60 s for 40%: 90 s for the other 60%
    just_started = Job.objects.create(meeting=meeting, state=JobState.RUNNING, percent=1, started_at=timezone.now())
    assert just_started.seconds_left() is None  # no pace to go on yet: no guess


def test_while_a_job_runs_its_progress_comes_first_on_the_meeting_page(meeting, owner_client):
    job = Job.objects.create(meeting=meeting, state=JobState.RUNNING, stage="transcribe", percent=40)
    page = owner_client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert page.count('id="job-status"') == 1
    assert page.index('id="job-status"') < page.index('class="card meeting-meta"')
    job.mark_done()
    page = owner_client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert page.count('id="job-status"') == 1
    assert page.index('id="job-status"') > page.index('class="card meeting-meta"')


def status_poll(client, url):
    response = client.get(url, headers={"HX-Request": "true"})
    events = set(json.loads(response.headers.get("HX-Trigger", "{}")))
    match = re.search(r'<section id="job-status"[^>]*hx-get="([^"]+)"', response.content.decode())
    return response, events, match and match.group(1)


def status_url(meeting, shown=None):
    url = reverse("meetings:status", args=[meeting.pk])
    return f"{url}?shown={shown}" if shown else url


def test_status_tells_the_page_once_that_the_transcript_changed(meeting, member_client):
    """The client follows the panel's own polling URLs, as htmx does, from the meeting page on."""
    job = Job.objects.create(meeting=meeting, kind="diarize")
    detail = member_client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    url = re.search(r'<section id="job-status"[^>]*hx-get="([^"]+)"', detail).group(1)

    response, events, url = status_poll(member_client, url)
    assert (response.status_code, events) == (200, set())
    job.mark_running("diarize")
    response, events, url = status_poll(member_client, url)
    assert (response.status_code, events) == (200, set())
    assert url == status_url(meeting, "running")

    job.mark_done()
    response, events, url = status_poll(member_client, url)
    assert response.status_code == 286
    assert events == {"transcript-changed"}
    assert url is None  # the done panel polls no more
    # Asked again (another tab opened later, a stray request), a finished job is old news.
    for shown in (None, "done", "failed"):
        response, events, _url = status_poll(member_client, status_url(meeting, shown))
        assert (response.status_code, events) == (286, set()), shown


@pytest.mark.parametrize("kind", ["process", "transcribe", "diarize"])
def test_every_job_that_rewrites_the_transcript_tells_the_page(kind, meeting, member_client):
    job = Job.objects.create(meeting=meeting, kind=kind)
    job.mark_running()
    job.mark_done()
    _response, events, _url = status_poll(member_client, status_url(meeting, "queued"))
    assert events == {"transcript-changed"}


def test_failed_and_minutes_jobs_leave_the_transcript_alone(meeting, member_client):
    failed = Job.objects.create(meeting=meeting, kind="diarize")
    failed.mark_running()
    failed.mark_failed("out of memory")
    response, events, _url = status_poll(member_client, status_url(meeting, "running"))
    assert (response.status_code, events) == (286, set())
    assert "out of memory" in response.content.decode()

    minutes = Job.objects.create(meeting=meeting, kind="minutes")
    minutes.mark_running("minutes")
    minutes.mark_done()
    response, events, _url = status_poll(member_client, status_url(meeting, "running"))
    assert (response.status_code, events) == (286, set())


@pytest.mark.django_db(transaction=True)
def test_a_retry_the_worker_finishes_at_once_tells_the_page(recorded, member_client):
    failed = Job.objects.create(meeting=recorded, kind="process", state=JobState.FAILED, reason="worker died")
    # No test transaction here: the job is handed over as soon as it is queued, and the synchronous
    # worker of the test settings runs it before the retry's own response is written.
    response = member_client.post(reverse("meetings:retry", args=[recorded.pk]), headers={"HX-Request": "true"})
    latest = recorded.jobs.first()
    assert latest.pk != failed.pk and latest.state == JobState.DONE
    assert 'data-state="done"' in response.content.decode()
    assert set(json.loads(response["HX-Trigger"])) == {"transcript-changed"}


def test_status_without_any_job(meeting, owner_client):
    response = owner_client.get(reverse("meetings:status", args=[meeting.pk]))
    assert response.status_code == 286
    assert 'data-state="none"' in response.content.decode()


@pytest.mark.parametrize("htmx", [True, False])
def test_retry_runs_the_failed_job_again(htmx, recorded, member_client, django_capture_on_commit_callbacks):
    failed = Job.objects.create(meeting=recorded, state=JobState.FAILED, reason="worker died")
    Meeting.objects.filter(pk=recorded.pk).update(status=MeetingStatus.FAILED)
    headers = {"HX-Request": "true"} if htmx else {}
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(reverse("meetings:retry", args=[recorded.pk]), headers=headers)
    latest = recorded.jobs.first()
    assert latest.pk != failed.pk
    assert latest.state == JobState.DONE
    assert Meeting.objects.get(pk=recorded.pk).status == MeetingStatus.READY
    if htmx:
        assert response.status_code == 200
        assert 'id="job-status"' in response.content.decode()
    else:
        assert response.status_code == 302


def test_retry_refused_when_nothing_failed(recorded, owner_client):
    jobs_before = Job.objects.count()
    response = owner_client.post(reverse("meetings:retry", args=[recorded.pk]), follow=True)
    assert "There is no failed processing to retry." in response.content.decode()
    assert Job.objects.count() == jobs_before


def test_retry_needs_post(recorded, owner_client):
    assert owner_client.get(reverse("meetings:retry", args=[recorded.pk])).status_code == 405
