"""Schemathesis (the outside fuzzer) against the API's live OpenAPI schema, as a member and as an owner.

The app runs as a real server on 127.0.0.1 (runserver, the test database); Schemathesis reads
/api/v1/schema/ from it and tries every operation with every check: no server error, responses that match
their schema, status codes and content types the schema declares, invalid requests refused, valid requests
accepted, and the authorization checks (a request without the token must be refused): every check is on
unless schemathesis.toml turns one off. The seed is fixed and the examples per operation bounded, so a run
takes about a minute and repeats itself. The coverage phase (every boundary of every parameter, several
thousand requests, about three minutes a role here) is the longer run in bench/README.md. The few checks
that cannot apply to an operation are listed, each with its reason, in schemathesis.toml beside this file.
A failure prints Schemathesis's own report: each failing case with a curl line that repeats it."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Membership, Role
from tests.support import factories
from tests.support.ports import free_port, wait_for_port
from tests.support.tools import missing_tool
from tests.support.worker import database_url_for_subprocess
from tests.support.world import build_world

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")
ST = Path(sys.executable).with_name("st")
SEED = 42
EXAMPLES = 10  # per operation and phase
OPERATIONS = 76  # every operation the schema lists today; a new one raises it

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.fuzz]

WEB = (
    "import sys, django; django.setup();"
    "from django.core.management import call_command;"
    "call_command('runserver', sys.argv[1], use_reloader=False)"
)


@pytest.fixture
def world(org, owner, admin_user, member, other_org, outsider):
    """An organization with one of everything (meetings, transcripts, minutes, conversations, ...)."""
    Membership.objects.filter(user=outsider).update(role=Role.OWNER)
    factories.meeting(other_org, "다른 조직 회의", creator=outsider)
    return build_world(org, owner, admin_user, member)


@pytest.fixture
def server(world, tmp_path):
    if not ST.exists():
        missing_tool("schemathesis is not installed in this environment (requirements-dev.txt)")
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url_for_subprocess(),
        "DATA_DIR": str(tmp_path / "data"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LLM_PROVIDER": "offline",
        "Q_SYNC": "false",  # jobs wait in the broker: no worker runs models here
        # The fuzzer sends thousands of requests: rate limits are tested elsewhere.
        "API_AUTH_THROTTLE": "1000000/min",
        "RATE_LIMIT_UPLOAD": "1000000/h",
        "RATE_LIMIT_CHAT": "1000000/m",
        "RATE_LIMIT_CHAT_ANSWER": "1000000/m",
        "RATE_LIMIT_SEARCH": "1000000/m",
        "RATE_LIMIT_LOGIN": "1000000/m",
    }
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [sys.executable, "-c", WEB, f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_port(port, process, timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def fuzz(url, token, report):
    command = [
        str(ST),
        "--config-file",
        str(CONFIG),
        "run",
        f"{url}/api/v1/schema/",
        "--header",
        f"Authorization: Bearer {token}",
        "--phases",
        "examples,fuzzing",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--no-color",
    ]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT)
    return json.loads(report.read_text()), finished.stdout + finished.stderr


@pytest.mark.parametrize("role", ["member", "owner"])
def test_every_operation_keeps_the_published_schema(server, world, role, tmp_path):
    user = getattr(world, role)
    token = str(RefreshToken.for_user(user).access_token)
    result, output = fuzz(server, token, tmp_path / "report.json")
    operations, cases = result["operations"], result["test_cases"]
    failures = {failure["code"]: failure["operations"] for failure in result["failures"]}
    print(
        f"{role}: {operations['tested']} operations, {cases['generated']} cases, "
        f"failures by check: {failures or 'none'}"
    )
    assert operations["tested"] >= OPERATIONS and operations["errored"] == 0, output[-6000:]
    assert not failures and not result["errors"], output[-20000:]
