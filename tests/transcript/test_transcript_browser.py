"""The transcript panel in a real browser (headless Chromium): seeking, following the audio,
and the HTMX rename and edit round trips."""

import pytest

from meetings.models import Segment, Speaker
from tests.support import factories
from tests.support.browser import needs_chromium

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]


@pytest.fixture
def meeting(org, owner, member):
    meeting = factories.build_transcript(org, owner, with_recording=False)
    factories.recording(meeting, 70)
    return meeting


def open_transcript(page, live_server, meeting):
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/transcript/")
    page.wait_for_function("document.getElementById('player').readyState >= 1")


def play_at(page, seconds):
    page.evaluate(
        "t => { const a = document.getElementById('player'); a.currentTime = t;"
        " a.dispatchEvent(new Event('timeupdate')); }",
        seconds,
    )


def test_clicking_words_and_times_seeks_and_playback_highlights(member_page, live_server, meeting):
    page = member_page
    open_transcript(page, live_server, meeting)
    page.click(f"#segment-{meeting.segments.get(position=0).pk} .w >> nth=1")
    assert abs(page.evaluate("document.getElementById('player').currentTime") - 1.3) < 0.05
    page.evaluate("document.getElementById('player').pause()")

    second = meeting.segments.get(position=1)
    page.click(f"#segment-{second.pk} .segment-time")
    page.evaluate("document.getElementById('player').pause()")
    assert abs(page.evaluate("document.getElementById('player').currentTime") - 2.5) < 0.05
    page.wait_for_selector(f"#segment-{second.pk}.current")

    play_at(page, 62)
    last = meeting.segments.get(position=3)
    page.wait_for_selector(f"#segment-{last.pk}.current")
    assert page.locator(".segment.current").count() == 1
    cursor_left = page.eval_on_selector(".timeline-cursor", "el => el.style.left")
    assert cursor_left.startswith("88.")  # 62 of 70 seconds

    first = meeting.segments.get(position=0)
    play_at(page, 1.5)
    page.wait_for_selector(f"#segment-{first.pk}.current .w.current:text('여러분')")

    page.click(".timeline-block[data-seek='61.0']")
    page.evaluate("document.getElementById('player').pause()")
    assert abs(page.evaluate("document.getElementById('player').currentTime") - 61.0) < 0.05


def test_rename_and_edit_round_trips(member_page, live_server, meeting):
    page = member_page
    open_transcript(page, live_server, meeting)
    s1 = meeting.speakers.get(label="S1")
    page.click(f"#speaker-name-{s1.pk} button")
    page.fill(f"#speaker-name-{s1.pk} input[name=name]", "김대표")
    page.click(f"#speaker-name-{s1.pk} button[type=submit]")
    page.wait_for_selector(f"#speaker-name-{s1.pk} strong:text('김대표')")
    assert page.locator(".segment-speaker:text('김대표')").count() == 2
    assert Speaker.objects.get(pk=s1.pk).name == "김대표"

    segment = meeting.segments.get(position=2)
    page.click(f"#segment-{segment.pk} .segment-edit-button")
    page.fill(f"#segment-{segment.pk} textarea", "오늘 안건은 네 가지입니다.")
    page.click(f"#segment-{segment.pk} button[type=submit]")
    page.wait_for_selector(f"#segment-{segment.pk}.edited")
    assert "네 가지" in page.inner_text(f"#segment-{segment.pk} .segment-text")
    stored = Segment.objects.get(pk=segment.pk)
    assert (stored.text, stored.original_text) == ("오늘 안건은 네 가지입니다.", "오늘 안건은 세 가지입니다.")

    # the player still drives the highlight after the swaps
    play_at(page, 8)
    page.wait_for_selector(f"#segment-{segment.pk}.current")


def test_follows_the_audio_until_the_reader_scrolls_away(member_page, live_server, meeting):
    speaker = meeting.speakers.get(label="S1")
    for position in range(4, 80):
        start = 10 + (position - 4) * 0.6
        Segment.objects.create(
            meeting=meeting, position=position, speaker=speaker, start=start, end=start + 0.5, text=f"문장 {position}"
        )
    page = member_page
    open_transcript(page, live_server, meeting)
    assert page.eval_on_selector("#transcript-segments", "el => el.scrollTop") == 0
    play_at(page, 49.8)  # segment 70: 49.6 to 50.1
    page.wait_for_selector(".segment.current:has-text('문장 70')")
    assert page.eval_on_selector("#transcript-segments", "el => el.scrollTop") > 0
    assert page.is_hidden(".follow-button")

    page.evaluate("document.getElementById('player').play()")
    page.wait_for_timeout(300)
    page.eval_on_selector("#transcript-segments", "el => { el.scrollTop = 0; }")
    page.wait_for_selector(".follow-button", state="visible")
    play_at(page, 19.8)  # segment 20: the list stays where the reader put it
    page.wait_for_selector(".segment.current:has-text('문장 20')")
    assert page.eval_on_selector("#transcript-segments", "el => el.scrollTop") == 0
    page.click(".follow-button")
    page.wait_for_function("document.getElementById('transcript-segments').scrollTop > 0")
    page.evaluate("document.getElementById('player').pause()")


def test_meeting_page_panel_seeks_the_page_player(member_page, live_server, meeting):
    page = member_page
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    page.click(".timeline-block[data-seek='7.0']")
    page.evaluate("document.getElementById('player').pause()")
    assert abs(page.evaluate("document.getElementById('player').currentTime") - 7.0) < 0.05
    page.wait_for_selector(f"#segment-{meeting.segments.get(position=2).pk}.current")


def test_opening_a_moment_scrolls_to_and_marks_the_line_that_holds_it(member_page, live_server, meeting):
    """Search results and chat citations link to ?t=whole seconds: ?t=49 must find the line that starts at
    0:49.6, not the one that began at 0:48.5 and is still running, and bring it into view."""
    speaker = meeting.speakers.get(label="S1")
    for position in range(4, 50):
        start = round(10 + (position - 4) * 1.1, 2)
        Segment.objects.create(
            meeting=meeting, position=position, speaker=speaker, start=start, end=start + 0.8, text=f"문장 {position}"
        )
    target = Segment.objects.get(meeting=meeting, text="문장 40")  # 49.6 to 50.4; 문장 39 runs 48.5 to 49.3
    page = member_page
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/?t=49")
    page.wait_for_selector(".segment.moment")
    assert page.locator(".segment.moment").count() == 1
    assert page.get_attribute(".segment.moment", "id") == f"segment-{target.pk}"
    in_view = """el => {
        const r = el.getBoundingClientRect();
        const list = document.getElementById("transcript-segments").getBoundingClientRect();
        return r.top >= Math.max(0, list.top) && r.bottom <= Math.min(innerHeight, list.bottom);
    }"""
    assert page.eval_on_selector(".segment.moment", in_view)
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    page.wait_for_function("Math.abs(document.getElementById('player').currentTime - 49.6) < 0.05")
    page.wait_for_selector(f"#segment-{target.pk}.current")  # the player's highlight agrees with the link
    assert page.eval_on_selector(".segment.moment", in_view)
