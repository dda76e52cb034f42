"""The chatbot in a real browser (headless Chromium): the answer streams in, its citation opens the
meeting and the player seeks there; the chat box on a meeting's page answers from that meeting."""

import datetime
import time

import pytest
from django.utils import timezone

from meetings.models import ChatMessage
from meetings.search.indexing import index_meeting
from tests.support import factories
from tests.support.browser import (
    FAKE_MICROPHONE_ARGS,
    failing_on_page_errors,
    launch_chromium,
    needs_chromium,
    open_page,
)
from tests.support.search_archive import BUDGET

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    needs_chromium,
]


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def meeting(org, owner):
    meeting = factories.meeting(
        org, "예산 회의", creator=owner, held_at=timezone.make_aware(datetime.datetime(2026, 11, 25, 10))
    )
    factories.transcript(meeting, BUDGET, every=20.0, length=15.0)
    factories.recording(meeting, 60)
    index_meeting(meeting)
    return meeting


@pytest.fixture
def page(browser, live_server, member):
    page = open_page(browser, live_server, member, timeout=30_000)
    with failing_on_page_errors(page):
        yield page


def test_streamed_answer_citation_opens_and_seeks(page, live_server, meeting, tmp_path):
    page.goto(f"{live_server.url}/chat/")
    page.fill("textarea[name=question]", "마케팅 예산은 얼마로 확정됐나요?")
    page.click("[data-chat-form] button[type=submit]")
    page.wait_for_selector(".chat-message.assistant a.cite")
    assert "2억 원" in page.inner_text(".chat-message.assistant")
    assert page.locator(".chat-message.user").inner_text().strip() == "마케팅 예산은 얼마로 확정됐나요?"
    conversation = ChatMessage.objects.filter(role="assistant").get().conversation
    assert page.url.endswith(f"/chat/{conversation.pk}/")  # the address follows the conversation
    # The new conversation appears in the list beside it, without a reload.
    page.wait_for_selector(f"#chat-list li.current a[href='/chat/{conversation.pk}/']")
    page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)

    page.locator(".chat-message.assistant a.cite").first.click()
    page.wait_for_url(f"**/meetings/{meeting.pk}/?t=20")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    page.wait_for_function("Math.abs(document.getElementById('player').currentTime - 20) < 0.5")


def test_meeting_chat_box(page, live_server, meeting):
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    box = page.locator("#meeting-chat")
    box.locator("textarea[name=question]").fill("채용 계획은 언제 논의하나요?")
    expect(box.locator("[data-voice]")).to_be_visible()  # voice questions work here too
    box.locator("button[type=submit]").click()
    page.wait_for_selector("#meeting-chat .chat-message.assistant a.cite")
    assert page.url.endswith(f"/meetings/{meeting.pk}/")  # the meeting page stays where it is
    # A follow-up goes to the same conversation.
    box.locator("textarea[name=question]").fill("누가 말했나요?")
    box.locator("textarea[name=question]").press("Enter")
    expect(page.locator("#meeting-chat .chat-message.assistant")).to_have_count(2)
    expect(page.locator("#meeting-chat .streaming")).to_have_count(0)
    conversations = {m.conversation_id for m in ChatMessage.objects.all()}
    assert len(conversations) == 1


@pytest.mark.slow
def test_voice_question_is_transcribed_confirmed_then_answered(async_unsafe, live_server, member, org, tmp_path):
    """Chromium's fake microphone plays a spoken question; the level meter moves and the timer counts while
    it records; the page uploads it and polls the voice status while a (here inline) speech task transcribes
    it. The text waits in the question box: nothing is asked until Ask is pressed, and the speaker's edit is
    what is asked. The answer then streams like a typed question's."""
    import re

    from meetings.models import VoiceQuestion
    from tests.support.audio import espeak_wav
    from tests.support.search_archive import ENGLISH, make_meeting

    meeting = make_meeting(org, "Weekly planning", ENGLISH, language="en")
    clip = espeak_wav(tmp_path / "question.wav", "What did we decide about the budget?")
    edited = "What did we decide about the budget, and who decided it?"
    with launch_chromium(*FAKE_MICROPHONE_ARGS, f"--use-file-for-fake-audio-capture={clip}%noloop") as browser:
        from playwright.sync_api import expect  # here: where Playwright is missing, the launch skipped the test

        page = open_page(browser, live_server, member, microphone=True, timeout=60_000)
        with failing_on_page_errors(page):
            page.goto(f"{live_server.url}/chat/")
            button = page.locator("[data-chat-form] [data-voice]")
            timer, meter = page.locator(".voice-timer"), page.locator(".voice-level")
            textarea = page.locator("[data-chat-form] textarea[name=question]")
            expect(timer).to_be_hidden()
            button.click()
            expect(button).to_have_class("secondary recording")
            expect(meter).to_be_visible()
            levels, deadline = [], time.monotonic() + 30
            while timer.inner_text() != "0:03":  # the clip is about 2.5 s long
                assert time.monotonic() < deadline, f"the timer stopped at {timer.inner_text()}"
                levels.append(float(meter.get_attribute("aria-valuenow") or 0))
                page.wait_for_timeout(100)
            assert max(levels) > 0.3 and min(levels) < max(levels) - 0.2, levels
            button.click()
            expect(timer).to_be_hidden()
            expect(textarea).to_have_value(re.compile("budget", re.IGNORECASE))
            expect(page.locator("[data-chat-form] .chat-status")).to_contain_text("press Ask")
            voice = VoiceQuestion.objects.get()
            assert voice.state == "done" and voice.question is None
            assert not ChatMessage.objects.exists() and page.locator(".chat-message").count() == 0

            textarea.fill(edited)
            page.locator("[data-chat-form] button[type=submit]").click()
            page.wait_for_selector(".chat-message.user.voice")
            page.wait_for_selector(".chat-message.assistant a.cite")
            question = page.locator(".chat-message.user").inner_text()
            answer = page.locator(".chat-message.assistant").inner_text()
    assert question.strip() == edited
    assert "fifty thousand" in answer, answer
    voice = VoiceQuestion.objects.get()
    assert voice.state == "done" and not voice.audio and voice.question.source == "voice"
    assert voice.question.content == edited
    answer_message = ChatMessage.objects.get(role="assistant")
    assert answer_message.citations[0]["meeting_id"] == meeting.pk
