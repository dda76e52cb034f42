"""Save your voice from the preferences page in a real browser: Chromium's fake microphone plays espeak-ng speech,
the member ticks the consent box, records about 12 seconds with the level meter and the timer running, stops,
and the page follows the recording until the speech worker (inline here) has saved their voice."""

import pytest
from django.urls import reverse

from meetings.models import Voiceprint
from tests.support.audio import spoken_sentences
from tests.support.browser import FAKE_MICROPHONE_ARGS, failing_on_page_errors, open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SENTENCES = [
    "Good morning, let us look at the schedule for this week and the open questions.",
    "The design review moved to Thursday because the drawings were not ready yet.",
]


@pytest.fixture
def chromium_args(tmp_path):
    speech = spoken_sentences(tmp_path, SENTENCES, voices=("en+m3",))[0]
    return [*FAKE_MICROPHONE_ARGS, f"--use-file-for-fake-audio-capture={speech}"]


def test_record_your_voice_with_consent_and_see_it_saved(browser, live_server, org, member, media_root):
    from playwright.sync_api import expect

    page = open_page(browser, live_server, member, microphone=True, timeout=30_000)
    with failing_on_page_errors(page):
        response = page.goto(f"{live_server.url}{reverse('conference:preferences')}")
        assert "microphone=(self)" in response.headers["permissions-policy"]
        form = page.locator("form[data-voice-recording]")
        state = form.locator(".voice-recording-state")
        start, stop, timer = (
            form.locator(".recorder-start"),
            form.locator(".recorder-stop"),
            form.locator(".recorder-timer"),
        )

        form.locator('button[type="submit"]').click()
        expect(state).to_have_text("Record or choose a recording first.")

        start.click()
        stop.wait_for(state="visible")
        expect(timer).to_have_text("0:12", timeout=30_000)
        stop.click()
        expect(state).to_contain_text("Tick the box to agree")
        assert not Voiceprint.objects.exists()

        form.locator('input[name="consent"]').check()
        form.locator('button[type="submit"]').click()  # the recording just made is still there to send
        expect(state).to_have_text("Your voice was saved from the recording.", timeout=120_000)
    voiceprint = Voiceprint.objects.get(member=member, organization=org)
    assert voiceprint.samples == 1 and voiceprint.consented_at is not None
