"""Start-up checks for deployment mistakes that otherwise fail quietly, far from their cause."""

import sys

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import connections


@register()
def worker_not_in_sync_mode(app_configs=None, **kwargs):
    """A `qcluster` with Q_SYNC on runs no tasks of its own and keeps database connections across its
    forks, where processes sharing one MySQL connection read each other's replies."""
    if sys.argv[1:2] == ["qcluster"] and settings.Q_CLUSTER.get("sync"):
        return [
            Error(
                "The task worker cannot run with Q_SYNC enabled.",
                hint="Q_SYNC runs tasks inline for development; unset it for `manage.py qcluster`.",
                id="nexochat.E001",
            )
        ]
    return []


@register(Tags.database)
def mysql_time_zone_tables_loaded(app_configs=None, databases=None, **kwargs):
    """Django converts times with CONVERT_TZ on MySQL/MariaDB (date filters, search by date, admin
    date hierarchy); without the server's time zone tables it returns NULL and those filters match
    nothing."""
    problems = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "mysql" or not settings.USE_TZ:
            continue
        if not converts_time_zone(connection, settings.TIME_ZONE):
            problems.append(
                Warning(
                    f"The database server '{alias}' has no time zone tables: filters by date will match nothing.",
                    hint="Load them once: mariadb-tzinfo-to-sql /usr/share/zoneinfo | mariadb -u root mysql",
                    id="nexochat.W001",
                )
            )
    return problems


def converts_time_zone(connection, zone):
    """Whether a MySQL/MariaDB server knows `zone` (CONVERT_TZ answers NULL for a zone it lacks)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT CONVERT_TZ('2024-01-01 00:00:00', 'UTC', %s)", [zone])
        return cursor.fetchone()[0] is not None


@register(Tags.security, deploy=True)
def field_encryption_keys_set(app_configs=None, **kwargs):
    """Without FIELD_ENCRYPTION_KEYS the stored API keys are encrypted with a key derived from SECRET_KEY,
    so rotating SECRET_KEY would silently make every organization's key unreadable."""
    if settings.FIELD_ENCRYPTION_KEYS:
        return []
    return [
        Warning(
            "FIELD_ENCRYPTION_KEYS is not set: stored API keys are encrypted with a key derived from SECRET_KEY, "
            "and changing SECRET_KEY will make them unreadable.",
            hint='Set FIELD_ENCRYPTION_KEYS to a key from `python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"` (keep any earlier key listed after it).',
            id="nexochat.W002",
        )
    ]


@register()
def live_queue_of_its_own(app_configs=None, **kwargs):
    """Live transcription on a queue that batch jobs use waits behind them: an hour-long recording's
    processing holds the live text up for the hour."""
    live = settings.LIVE_CLUSTER_NAME or settings.Q_CLUSTER["name"]
    if live not in (settings.Q_CLUSTER["name"], settings.GPU_CLUSTER_NAME):
        return []
    return [
        Warning(
            f"LIVE_CLUSTER_NAME puts live transcription on the '{live}' queue, where a long batch job holds it up.",
            hint="Give it a queue of its own (LIVE_CLUSTER_NAME=live, the default) and run one worker for it: "
            "Q_CLUSTER_NAME=live Q_WORKERS=1 python manage.py qcluster",
            id="nexochat.W003",
        )
    ]
