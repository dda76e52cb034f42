"""Start-up checks (nexochat/checks.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from nexochat.checks import converts_time_zone, live_queue_of_its_own, mysql_time_zone_tables_loaded

ROOT = Path(__file__).resolve().parents[2]


def test_a_worker_refuses_to_start_in_sync_mode():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "Q_SYNC": "true"}
    result = subprocess.run(
        [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "nexochat.E001" in result.stderr
    assert "Q_SYNC" in result.stderr


@pytest.mark.django_db
def test_time_zone_tables_check_passes_on_the_suite_database():
    # On MariaDB, .ci/run loads the time zone tables; without them the check warns (nexochat.W001).
    assert mysql_time_zone_tables_loaded(databases=["default"]) == []
    if connection.vendor == "mysql":
        assert converts_time_zone(connection, "Asia/Seoul")
        # A zone the server does not know answers NULL, as every zone does without the tables.
        assert not converts_time_zone(connection, "Nowhere/Atlantis")


@pytest.mark.parametrize(
    ("live", "gpu", "warned"),
    [("live", "", False), ("live", "gpu", False), ("", "", True), ("default", "", True), ("gpu", "gpu", True)],
)
def test_live_text_sharing_a_batch_queue_is_warned_about(settings, live, gpu, warned):
    settings.LIVE_CLUSTER_NAME = live
    settings.GPU_CLUSTER_NAME = gpu
    assert [problem.id for problem in live_queue_of_its_own()] == (["nexochat.W003"] if warned else [])
