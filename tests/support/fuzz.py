"""Schemathesis against the app on 127.0.0.1, shared by the suite's fuzz test (tests/platform/test_api_fuzz.py)
and the long run (bench/api_fuzz.py): the server with its rate limits raised, the two identities and the
`st run` command line."""

import json
import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from tests.support.ports import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "tests" / "platform" / "schemathesis.toml"
ST = Path(sys.executable).with_name("st")

# The fuzzer asks far faster than people do; the limits themselves are tested elsewhere.
RAISED_LIMITS = {
    "API_AUTH_THROTTLE": "1000000/min",
    "RATE_LIMIT_UPLOAD": "1000000/h",
    "RATE_LIMIT_CHAT": "1000000/m",
    "RATE_LIMIT_CHAT_ANSWER": "1000000/m",
    "RATE_LIMIT_SEARCH": "1000000/m",
    "RATE_LIMIT_LOGIN": "1000000/m",
}

RUNSERVER = (
    "import sys, django; django.setup();"
    "from django.core.management import call_command;"
    "call_command('runserver', sys.argv[1], use_reloader=False)"
)


@contextmanager
def running_app(env, log_path, timeout=60):
    """The app under runserver on a free loopback port, with env (settings, database) and the raised limits;
    yields its base URL and stops it (its whole process group) on the way out."""
    port = free_port()
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", RUNSERVER, f"127.0.0.1:{port}"],
            cwd=ROOT,
            env={**env, **RAISED_LIMITS},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for_port(port, process, timeout=timeout)
            yield f"http://127.0.0.1:{port}"
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def write_identities(path, fuzzer_token, outsider_token):
    """The Web Fuzzing Commons auth file schemathesis.toml names: "fuzzer" (the role under test, in organization
    A) and "outsider" (the owner of organization B). They are peers: whatever the fuzzer reads of its own,
    Schemathesis's object-level authorization check asks for again as the outsider, who must not get it."""
    document = {
        "auth": [
            {"name": name, "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {token}"}]}
            for name, token in (("fuzzer", fuzzer_token), ("outsider", outsider_token))
        ]
    }
    Path(path).write_text(json.dumps(document))
    return path


def schemathesis(url, identities, report, *, seed, examples, phases, output=None, timeout=None):
    """Run `st run` over the live schema with every check; returns the JSON report and what st printed."""
    command = [
        str(ST),
        "--config-file",
        str(CONFIG),
        "run",
        f"{url}/api/v1/schema/",
        "--phases",
        phases,
        "--max-examples",
        str(examples),
        "--seed",
        str(seed),
        "--workers",
        "1",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--no-color",
    ]
    env = {**os.environ, "NEXOCHAT_FUZZ_IDENTITIES": str(identities)}
    finished = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)
    printed = finished.stdout + finished.stderr
    if output is not None:
        Path(output).write_text(printed)
    if not Path(report).exists():
        raise RuntimeError(f"st run wrote no report (exit {finished.returncode}):\n{printed[-6000:]}")
    return json.loads(Path(report).read_text()), printed
