"""A real `manage.py qcluster` worker started by a test: the database URL it needs to see the test
database, starting and stopping it, and waiting on what it does."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url_for_subprocess():
    params = connection.settings_dict
    if params["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{params['NAME']}"
    host = params["HOST"] or "127.0.0.1"
    return f"mysql://{params['USER']}:{params['PASSWORD']}@{host}:{params['PORT'] or 3306}/{params['NAME']}"


def start_worker(media_root, **extra_env):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url_for_subprocess(),
        "MEDIA_ROOT": str(media_root),
        "Q_WORKERS": "1",
        "Q_SYNC": "false",  # see tests/settings.py
        **extra_env,
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_worker(process, grace=20):
    """Stop a worker and return what it printed; safe to call twice. SIGTERM goes to the cluster's main
    process alone, which stops its children and waits for them: signalled together with it, they die under
    it and it waits until killed (as with Ctrl-C, scripts/serve.sh), which cost every test 20 s. A task still
    running after `grace` seconds dies with the whole process group (grace=0: at once, for a test that
    leaves a job unfinished on purpose)."""
    if process.stdout.closed:
        return ""
    if process.poll() is None and grace:
        os.kill(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    output = process.stdout.read().decode(errors="replace")
    process.stdout.close()
    return output


def wait_for(condition, timeout=60, worker=None):
    """condition()'s first true value, polled; on timeout the assertion carries the worker's output."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.3)
    output = stop_worker(worker) if worker is not None else ""
    raise AssertionError(f"{condition} never held within {timeout} s\n{output}")


def wait_for_job(job, states, timeout=60, worker=None):
    """The job once it reaches one of states; on timeout the assertion carries the worker's output."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state in states:
            return job
        time.sleep(0.3)
    output = stop_worker(worker) if worker is not None else ""
    raise AssertionError(f"job stayed {job.state} ({job.stage} {job.percent}%)\n{output}")


def wait_for_empty_broker(worker, timeout=60):
    """Wait until the worker has acknowledged every queued task. django-q2 acknowledges (deletes the
    OrmQ row) in its monitor process after the task function returns, so a job already marked done
    can still have its row for a moment on a busy machine."""
    from django_q.models import OrmQ

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not OrmQ.objects.exists():
            return
        time.sleep(0.3)
    output = stop_worker(worker)
    raise AssertionError(f"the broker still holds {OrmQ.objects.count()} task(s)\n{output}")
