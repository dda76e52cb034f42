"""The quick start as a newcomer meets it: after `make run`'s setup (scripts/local_setup.sh), the README's
command-line examples work exactly as written in a fresh shell with nothing exported, and the server
`make run` starts (scripts/serve.sh) serves as in production: gunicorn, DEBUG off, whitenoise, a favicon.

The setup runs in a temporary data folder (DATA_DIR, the one variable the README names for it), so the
developer's var/ is never touched. The example lines are read from README.md, so the two cannot drift."""

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.support.ports import free_port, wait_for_port
from tests.support.tools import missing_tool

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
EXAMPLES_INTRO = "Try them after `make run`"
NEEDS_SPEECH = ("espeak-ng", "manage.py transcribe")


def readme_examples():
    """The lines of the first sh block after the examples' introduction in README.md."""
    text = README.read_text(encoding="utf-8")
    start = text.index(EXAMPLES_INTRO)
    block = re.search(r"```sh\n(.*?)```", text[start:], re.DOTALL)
    return [line for line in block.group(1).splitlines() if line.strip()]


def clean_env(data_dir, **extra):
    """What a fresh login shell has, plus the data folder: no DEBUG, no SECRET_KEY, no DJANGO_SETTINGS_MODULE."""
    return {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"), "DATA_DIR": str(data_dir), **extra}


@pytest.fixture(scope="module")
def quick_start(tmp_path_factory):
    """The data folder after the setup `make run` runs, and the demo password it printed."""
    data_dir = tmp_path_factory.mktemp("quick-start") / "var"
    setup = subprocess.run(
        ["scripts/local_setup.sh"], cwd=ROOT, env=clean_env(data_dir), capture_output=True, text=True, timeout=300
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    password = re.search(r"Password:\s+(\S+)", setup.stdout)
    assert password, setup.stdout
    return data_dir, password.group(1)


def run_line(line, data_dir):
    finished = subprocess.run(
        ["bash", "-c", line], cwd=ROOT, env=clean_env(data_dir), capture_output=True, text=True, timeout=300
    )
    assert finished.returncode == 0, f"{line}\n{finished.stdout}\n{finished.stderr}"
    return finished.stdout


def command_of(line):
    """'search' for `.venv/bin/python manage.py search ...`; None for a line that is not a manage.py command."""
    words = shlex.split(line)
    return words[words.index("manage.py") + 1] if "manage.py" in words else None


def org_of(line):
    words = shlex.split(line)
    return words[words.index("--org") + 1]


def assert_json_shape(command, output, line):
    data = json.loads(output)
    if command == "transcribe":
        assert {"duration", "language", "segments", "gaps", "coverage", "timings"} <= data.keys()
        assert data["duration"] > 0 and data["segments"], data
        for segment in data["segments"]:
            assert {"start", "end", "speaker", "text", "low_confidence"} <= segment.keys()
    elif command == "summarize":
        assert set(data) == {"title", "overview", "key_points", "decisions", "action_items", "open_questions", "topics"}
        assert data["decisions"] and data["action_items"], data
        assert all({"text", "speaker"} <= decision.keys() for decision in data["decisions"])
        assert all({"text", "owner", "due"} <= item.keys() for item in data["action_items"])
    elif command == "import_meetings":
        assert data["organization"] == org_of(line)
        assert data["created"] + data["replaced"] == len(data["meetings"]) > 0
        assert all(meeting["passages"] > 0 for meeting in data["meetings"]), data
    elif command == "search":
        assert isinstance(data, list) and data, "the README's search finds nothing"
        assert all({"meeting", "position", "start", "score", "snippet"} <= hit.keys() for hit in data)
    elif command == "ask":
        assert data["answer"] and data["citations"], data
        assert all({"meeting", "position", "start"} <= citation.keys() for citation in data["citations"])
    else:
        pytest.fail(f"README example with no expected output here: {line}")


def check_lines(lines, data_dir):
    for line in lines:
        output = run_line(line, data_dir)
        command = command_of(line)
        if command is not None:
            assert_json_shape(command, output, line)


def test_the_readme_names_each_cli_command_in_its_examples():
    commands = {command_of(line) for line in readme_examples()}
    assert {"transcribe", "summarize", "import_meetings", "search", "ask"} <= commands


def test_readme_cli_examples_print_json_in_a_fresh_shell(quick_start):
    data_dir, _ = quick_start
    local_env = (data_dir / "local.env").read_text()
    assert "LOCAL_MODE=true" in local_env and re.search(r"^SECRET_KEY=\S{40,}$", local_env, re.MULTILINE)
    check_lines([line for line in readme_examples() if not any(word in line for word in NEEDS_SPEECH)], data_dir)


@pytest.mark.slow
def test_readme_transcribe_example_prints_json_in_a_fresh_shell(quick_start):
    if shutil.which("espeak-ng") is None:
        missing_tool("espeak-ng is not installed")
    data_dir, _ = quick_start
    check_lines([line for line in readme_examples() if any(word in line for word in NEEDS_SPEECH)], data_dir)


@pytest.fixture
def served(quick_start, tmp_path):
    """`make run`'s server (scripts/serve.sh: gunicorn and one worker) on a free port."""
    data_dir, password = quick_start
    port = free_port()
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        ["scripts/serve.sh"],
        cwd=ROOT,
        env=clean_env(data_dir, PORT=str(port)),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_port(port, process, timeout=120)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            yield client, password, tmp_path / "serve.log"
    finally:
        # What Ctrl-C does: a signal to the script's process group (each worker has its own, stopped by the script).
        os.killpg(process.pid, signal.SIGTERM)
        workers = [int(pid) for pid in re.findall(r"worker pid (\d+)", (tmp_path / "serve.log").read_text())]
        try:
            process.wait(timeout=60)
        finally:
            log.close()
            left = [pid for pid in workers if worker_alive(pid)]
            for pid in left:
                os.killpg(pid, signal.SIGKILL)
            if left:
                pytest.fail(f"scripts/serve.sh left workers {left} of {workers} running after it was stopped")


def worker_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_make_run_serves_as_in_production_on_127_0_0_1(served):
    client, password, _log = served
    home = client.get("/")
    assert home.status_code == 302 and home.headers["location"].startswith("/accounts/login/")
    assert home.headers["server"].startswith("gunicorn")

    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] in ("image/vnd.microsoft.icon", "image/x-icon")
    assert icon.content[:4] == b"\0\0\1\0"  # the ICO signature

    assert client.get("/static/css/app.css").status_code == 200
    login = client.get("/accounts/login/")
    assert login.status_code == 200
    # DEBUG off: pages name the hashed copies collectstatic made, which whitenoise serves as immutable.
    stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', login.text)
    assert stylesheet, login.text[:2000]
    hashed = client.get(stylesheet.group(1))
    assert hashed.status_code == 200 and "immutable" in hashed.headers["cache-control"]
    assert re.search(r'rel="icon" href="/static/favicon\.[0-9a-f]{12}\.svg"', login.text)

    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert "URLconf" not in missing.text and "DEBUG = True" not in missing.text

    # Plain HTTP in the local mode: the session and CSRF cookies are not marked Secure, so signing in works.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    signed_in = client.post(
        "/accounts/login/",
        data={"csrfmiddlewaretoken": token, "login": "demo@nexochat.local", "password": password},
        headers={"Referer": f"{client.base_url}/accounts/login/"},
    )
    assert signed_in.status_code == 302, signed_in.text[:2000]
    assert client.get("/meetings/").status_code == 200


SETTINGS_PROBE = (
    "import json, django; from django.conf import settings; django.setup();"
    "print(json.dumps({'debug': settings.DEBUG, 'hosts': settings.ALLOWED_HOSTS, 'secret': settings.SECRET_KEY,"
    " 'secure_cookies': settings.SESSION_COOKIE_SECURE, 'ssl_redirect': settings.SECURE_SSL_REDIRECT,"
    " 'hsts': settings.SECURE_HSTS_SECONDS}))"
)


def settings_in(data_dir, **env):
    """nexochat.settings as a fresh interpreter sees it with this data folder and environment."""
    finished = subprocess.run(
        [".venv/bin/python", "-c", SETTINGS_PROBE],
        cwd=ROOT,
        env=clean_env(data_dir, DJANGO_SETTINGS_MODULE="nexochat.settings", **env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    return finished.returncode, finished.stdout + finished.stderr


def test_local_mode_is_plain_http_on_the_loopback_names_with_debug_off(tmp_path):
    (tmp_path / "local.env").write_text("# the local mode\nLOCAL_MODE=true\nSECRET_KEY=from-the-file-0123456789\n")
    returncode, output = settings_in(tmp_path)
    assert returncode == 0, output
    assert json.loads(output) == {
        "debug": False,
        "hosts": ["127.0.0.1", "localhost", "[::1]"],
        "secret": "from-the-file-0123456789",
        "secure_cookies": False,
        "ssl_redirect": False,
        "hsts": 0,
    }


def test_the_environment_wins_over_local_env(tmp_path):
    (tmp_path / "local.env").write_text("LOCAL_MODE=true\nSECRET_KEY=from-the-file-0123456789\n")
    returncode, output = settings_in(tmp_path, SECRET_KEY="from-the-environment-0123456789")
    assert returncode == 0, output
    assert json.loads(output)["secret"] == "from-the-environment-0123456789"


def test_local_mode_refuses_a_real_host_name(tmp_path):
    (tmp_path / "local.env").write_text("LOCAL_MODE=true\nSECRET_KEY=from-the-file-0123456789\n")
    returncode, output = settings_in(tmp_path, ALLOWED_HOSTS="meet.example.com")
    assert returncode != 0
    assert "LOCAL_MODE serves plain HTTP on 127.0.0.1 only" in output


def test_without_local_env_production_defaults_stay_strict(tmp_path):
    returncode, output = settings_in(tmp_path)
    assert returncode != 0 and "SECRET_KEY is required when DEBUG is off" in output
    returncode, output = settings_in(
        tmp_path, SECRET_KEY="production-secret-0123456789", ALLOWED_HOSTS="meet.example.com"
    )
    assert returncode == 0, output
    settings = json.loads(output)
    assert settings["secure_cookies"] and settings["ssl_redirect"] and settings["hsts"] == 31536000


def test_a_malformed_local_env_line_stops_start_up_with_its_place(tmp_path):
    (tmp_path / "local.env").write_text("LOCAL_MODE=true\nSECRET_KEY\n")
    returncode, output = settings_in(tmp_path)
    assert returncode != 0
    assert "local.env, line 2: expected NAME=value" in output


def test_make_run_starts_a_worker_for_the_live_queue(served):
    """Live text has a queue and a worker of its own, so a long recording being processed never holds it up."""
    _client, _password, log = served
    deadline = time.monotonic() + 120
    while not {"default", "live"} <= set(re.findall(r"Q Cluster \S+ \[(\w+)\] running", log.read_text())):
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.5)
    assert len(re.findall(r"worker pid (\d+)", log.read_text())) == 2
