"""Headless Chromium against a live server and a real worker: sign up, create an organization,
create a meeting, upload a recording, and watch the status panel update until it is done."""

import pytest

from tests.support.audio import write_tone_wav
from tests.support.browser import open_page
from tests.support.worker import start_worker, stop_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser, live_server):
    return open_page(browser, live_server)


def test_signup_to_processed_upload(page, live_server, tmp_path, media_root, monkeypatch):
    from django_q.conf import Conf

    from meetings.models import Job

    monkeypatch.setattr(Conf, "SYNC", False)  # the real worker below takes the job from the broker
    audio = write_tone_wav(tmp_path / "회의 녹음.wav", seconds=3.0)

    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("input[name=email]", "newcomer@example.com")
    page.fill("input[name=password1]", "a-Long-pass-phrase-42")
    page.fill("input[name=password2]", "a-Long-pass-phrase-42")
    page.locator("form button[type=submit]").last.click()

    page.wait_for_url("**/orgs/new/**")  # no organization yet: the app asks for one
    page.fill("input[name=name]", "브라우저 팀")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/meetings/**")

    page.goto(f"{live_server.url}/meetings/new/")
    page.fill("input[name=title]", "브라우저 주간 회의")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_selector("#upload-form")
    assert "브라우저 주간 회의" in page.inner_text("h1")

    page.set_input_files("#upload-file", str(audio))  # choosing a file starts the upload
    # The upload bar appears, then the status panel reports the queued job.
    # Streaming the file and probing it run on a busy machine in CI: wait for the outcome, not a set time.
    # The panel leaves "none" once the job exists; it may already be past "queued" if a worker of an earlier
    # test in the same run still polls the broker.
    page.wait_for_selector("#job-status:not([data-state=none]), .upload-error:not([hidden])", timeout=90_000)
    state = page.get_attribute("#job-status", "data-state")
    assert state in ("queued", "running", "done"), page.inner_text("main")
    assert Job.objects.count() == 1

    worker = start_worker(media_root)
    try:
        page.wait_for_selector("#job-status[data-state=done]", timeout=90_000)
    finally:
        stop_worker(worker)
    # Polling stopped: the panel no longer asks to be refreshed.
    assert page.get_attribute("#job-status", "hx-get") is None
    assert page.locator("audio").count() == 1
