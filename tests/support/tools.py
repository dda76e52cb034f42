"""System tools some tests need (ffmpeg, espeak-ng, Chromium and Playwright, root for a tmpfs, the dev
evaluation data). On a developer's machine a test whose tool is missing skips and says which; CI sets
NEXOCHAT_REQUIRE_TOOLS=1 (.ci/run), where a missing tool fails the test instead, so a green CI run means
every one of these tests really ran."""

import os

import pytest

REQUIRED = os.environ.get("NEXOCHAT_REQUIRE_TOOLS") == "1"


def missing_tool(reason):
    if REQUIRED:
        pytest.fail(f"{reason} (NEXOCHAT_REQUIRE_TOOLS=1: required here)", pytrace=False)
    pytest.skip(reason)
