"""The whole chain across roles, each in its own process with its own scratch directory, sharing
nothing but the database and an S3 server (moto on 127.0.0.1):

    web process (runserver)  --upload-->  object store  <--read--  worker A, then worker B (qcluster)
         |                                                              |
         +------------------ database (jobs, transcript, index) -------+

upload -> transcribe -> minutes -> index on a worker -> search answered by the web process and by a
second long-running process, neither restarted. On SQLite the test database file is the shared
database (tests/settings.py); with DATABASE_URL pointing at MariaDB the same test runs there."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.utils import timezone

from ai_pipeline.models import Passage
from meetings import services
from meetings.models import Job, JobState, Minutes, Recording, Segment
from tests.support.audio import espeak_wav
from tests.support.ports import free_port, wait_for_port
from tests.support.s3 import keys, s3_client, s3_env
from tests.support.worker import database_url_for_subprocess

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TEXT_A = "The finance committee approved the budget for the lighthouse project. The budget is final."
TEXT_B = "We decided to move the payroll system to the new data center. Payroll moves next spring."

# role_env sets Q_SYNC=false: the web role queues tasks through the broker, as in production.
WEB = (
    "import sys, django; django.setup();"
    "from django.core.management import call_command;"
    "call_command('runserver', sys.argv[1], use_reloader=False)"
)
# A second web process stand-in: answers search queries read from stdin, one JSON line each, from
# the same process (and so the same in-memory index cache) for its whole life.
SEARCHER = (
    "import json, sys, django; django.setup();"
    "from accounts.models import Organization; from meetings.search import search;"
    "org = Organization.objects.get(slug=sys.argv[1]);"
    "[print(json.dumps([h.meeting_id for h in search(org, q.strip(), limit=5)]), flush=True) for q in sys.stdin]"
)


def role_env(scratch, endpoint, bucket, **extra):
    """What a separate machine of that role gets: its own disk, the shared database and bucket."""
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / "tmp").mkdir(exist_ok=True)
    return {
        **os.environ,
        **s3_env(endpoint, bucket),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url_for_subprocess(),
        "DATA_DIR": str(scratch),
        "MEDIA_ROOT": str(scratch / "media"),
        "FILE_UPLOAD_TEMP_DIR": str(scratch / "tmp"),
        "TMPDIR": str(scratch / "tmp"),
        "MODEL_CACHE_DIR": str(settings.MODEL_CACHE_DIR),  # a read-only model cache, not state
        "LLM_PROVIDER": "offline",
        "Q_WORKERS": "1",
        "Q_SYNC": "false",  # a real cluster never runs in sync mode (see tests/settings.py)
        **extra,
    }


def spawn(args, env, log):
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def start_worker(scratch, endpoint, bucket):
    log = open(scratch.parent / f"{scratch.name}.log", "wb")  # noqa: SIM115 (closed with the process)
    return spawn(["manage.py", "qcluster"], role_env(scratch, endpoint, bucket), log)


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_done(job, timeout=600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state in (JobState.DONE, JobState.FAILED):
            return job
        time.sleep(0.5)
    raise AssertionError(f"job {job.pk} stayed {job.state} ({job.stage} {job.percent}%)")


def files_under(folder):
    return sorted(str(p.relative_to(folder)) for p in Path(folder).rglob("*") if p.is_file())


@pytest.fixture
def shared_bucket(moto_endpoint):
    import uuid

    name = f"scaleout-{uuid.uuid4().hex[:10]}"
    s3_client(moto_endpoint).create_bucket(Bucket=name)
    return name


def test_web_and_two_workers_share_only_the_database_and_the_object_store(
    org,
    owner,
    tmp_path,
    moto_endpoint,
    shared_bucket,
):
    clips = tmp_path / "clips"
    clips.mkdir()
    clip_a = espeak_wav(clips / "a.wav", TEXT_A, voice="en", speed=140)
    clip_b = espeak_wav(clips / "b.wav", TEXT_B, voice="en", speed=140)
    meeting_a = services.create_meeting(org, owner, title="Budget", held_at=timezone.now(), language="en")
    meeting_b = services.create_meeting(org, owner, title="Infra", held_at=timezone.now(), language="en")
    roles = tmp_path / "machines"
    web_dir, worker_a_dir, worker_b_dir, searcher_dir = (roles / n for n in ("web", "worker-a", "worker-b", "web-2"))

    port = free_port()
    web_log = open(roles.parent / "web.log", "wb")  # noqa: SIM115
    web = spawn(["-c", WEB, f"127.0.0.1:{port}"], role_env(web_dir, moto_endpoint, shared_bucket), web_log)
    searcher = subprocess.Popen(
        [sys.executable, "-c", SEARCHER, org.slug],
        cwd=ROOT,
        env=role_env(searcher_dir, moto_endpoint, shared_bucket),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )

    def second_process_search(query):
        searcher.stdin.write(query + "\n")
        searcher.stdin.flush()
        return json.loads(searcher.stdout.readline())

    worker_a = worker_b = None
    try:
        wait_for_port(port, web, timeout=120)
        base = f"http://127.0.0.1:{port}"
        client = httpx.Client(base_url=base, timeout=120)
        token = client.post("/api/v1/auth/token/", json={"email": owner.email, "password": "pw-Secret-123"})
        assert token.status_code == 200, token.text
        client.headers["Authorization"] = f"Bearer {token.json()['access']}"

        def web_search(query):
            response = client.get("/api/v1/search/", params={"q": query})
            assert response.status_code == 200, response.text
            return [row["meeting"] for row in response.json()]

        # Both searchers have built (and cached) the organization's empty index before any worker runs.
        assert web_search("budget lighthouse") == []
        assert second_process_search("budget lighthouse") == []

        # Worker A takes meeting A's job, reading the recording from the bucket.
        worker_a = start_worker(worker_a_dir, moto_endpoint, shared_bucket)
        with clip_a.open("rb") as handle:
            upload = client.post(f"/api/v1/meetings/{meeting_a.pk}/recording/", files={"file": ("a.wav", handle)})
        assert upload.status_code == 201, upload.text
        job_a = wait_done(Job.objects.get(pk=upload.json()["job"]["id"]))
        assert job_a.state == JobState.DONE, job_a.reason
        stop(worker_a)

        # Worker A's machine is gone; worker B, which never saw meeting A, takes meeting B's job.
        worker_b = start_worker(worker_b_dir, moto_endpoint, shared_bucket)
        with clip_b.open("rb") as handle:
            upload = client.post(f"/api/v1/meetings/{meeting_b.pk}/recording/", files={"file": ("b.wav", handle)})
        assert upload.status_code == 201, upload.text
        job_b = wait_done(Job.objects.get(pk=upload.json()["job"]["id"]))
        assert job_b.state == JobState.DONE, job_b.reason

        for meeting in (meeting_a, meeting_b):
            assert Segment.objects.filter(meeting=meeting).exists()
            assert Minutes.objects.filter(meeting=meeting).exists()
            assert Passage.objects.filter(meeting=meeting).exists()

        # The same web process and the same second process, never restarted, now find both.
        assert web_search("budget lighthouse")[0] == meeting_a.pk
        assert web_search("payroll data center")[0] == meeting_b.pk
        assert second_process_search("budget lighthouse")[0] == meeting_a.pk
        assert second_process_search("payroll data center")[0] == meeting_b.pk
        cli = subprocess.run(
            [sys.executable, "manage.py", "search", "payroll", "--org", org.slug, "--json"],
            cwd=ROOT,
            env=role_env(roles / "cli", moto_endpoint, shared_bucket),
            capture_output=True,
            check=True,
        )
        assert json.loads(cli.stdout)[0]["meeting"] == meeting_b.pk

        # Playback through the web process streams the bytes from the bucket.
        audio = client.get(f"/api/v1/meetings/{meeting_a.pk}/recording/file/", headers={"Range": "bytes=0-99"})
        assert audio.status_code == 206
        assert audio.content == clip_a.read_bytes()[:100]
    finally:
        searcher.stdin.close()
        searcher.wait(timeout=30)
        for process in (web, worker_a, worker_b):
            if process is not None:
                stop(process)
        web_log.close()

    # Nothing was kept on any machine's disk: the recordings live only in the bucket.
    stored = sorted(r.file.name for r in Recording.objects.filter(meeting__in=[meeting_a, meeting_b]))
    assert sorted(keys(moto_endpoint, shared_bucket)) == [f"nexochat/{name}" for name in stored]
    for scratch in (web_dir, worker_a_dir, worker_b_dir):
        left = files_under(scratch)
        assert not [f for f in left if f.startswith("media/") or "nexochat-job" in f or f.endswith(".wav")], left
