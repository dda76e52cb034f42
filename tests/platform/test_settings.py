"""The settings module refuses bad configuration loudly, in a fresh interpreter each time."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
PROD_SECRET = "k" * 20 + "-production-secret-0123456789-abcdefghij"


def load_settings(tmp_path, **env):
    """Import nexochat.settings in a subprocess with exactly this environment; return (ok, output)."""
    base = {"PATH": os.environ["PATH"], "DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "nexochat.settings"}
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        "print(json.dumps({'debug': settings.DEBUG, 'max_upload': settings.MAX_UPLOAD_SIZE,"
        " 'engine': settings.DATABASES['default']['ENGINE'], 'secret': settings.SECRET_KEY,"
        " 'db_options': settings.DATABASES['default'].get('OPTIONS', {}), 'tz': settings.TIME_ZONE,"
        " 'lang': settings.LANGUAGE_CODE, 'broker': 'orm' if 'orm' in settings.Q_CLUSTER else 'redis',"
        " 'retry': settings.Q_CLUSTER['retry'], 'timeout': settings.Q_CLUSTER['timeout']}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60
    )
    return result.returncode == 0, result.stdout + result.stderr


def test_secret_key_required_when_debug_is_off(tmp_path):
    ok, output = load_settings(tmp_path, DEBUG="false")
    assert not ok
    assert "SECRET_KEY is required" in output


def test_secret_key_can_come_from_a_file(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text(PROD_SECRET + "\n")
    ok, output = load_settings(tmp_path, DEBUG="false", SECRET_KEY_FILE=str(secret_file))
    assert ok, output
    assert f'"secret": "{PROD_SECRET}"' in output


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG must be a boolean"),
        ("MAX_UPLOAD_SIZE", "lots", "MAX_UPLOAD_SIZE must be a size"),
        ("Q_BROKER", "rabbit", "Q_BROKER must be 'orm' or 'redis'"),
        ("JOB_TIMEOUT", "1h", "JOB_TIMEOUT must be an integer"),
        ("SECRET_KEY_FILE", "/nonexistent/secret", "cannot be read"),
        ("FIELD_ENCRYPTION_KEYS", "not-a-fernet-key", "FIELD_ENCRYPTION_KEYS must list Fernet keys"),
        ("FIELD_ENCRYPTION_KEYS_FILE", "/nonexistent/keys", "cannot be read"),
        ("LLM_ALLOWED_HOSTS", "gpu,10.0.0.0/33", "LLM_ALLOWED_HOSTS: '10.0.0.0/33' is not a valid CIDR"),
        ("VOICE_CLIP_MAX_AGE", "600", "VOICE_CLIP_MAX_AGE must be at least 3600 seconds"),
    ],
)
def test_malformed_values_stop_start_up_with_the_variable_named(tmp_path, name, value, message):
    ok, output = load_settings(tmp_path, **{"SECRET_KEY": PROD_SECRET, name: value})
    assert not ok
    assert message in output


def test_defaults_are_the_embedded_setup(tmp_path):
    ok, output = load_settings(tmp_path, DEBUG="1")
    assert ok, output
    assert '"engine": "django.db.backends.sqlite3"' in output
    assert f'"max_upload": {4 * 1024**3}' in output
    assert '"tz": "Asia/Seoul"' in output and '"lang": "ko"' in output
    assert '"broker": "orm"' in output


def test_upload_size_and_mysql_url_are_parsed(tmp_path):
    ok, output = load_settings(
        tmp_path, SECRET_KEY=PROD_SECRET, MAX_UPLOAD_SIZE="500M", DATABASE_URL="mysql://u:p@db.internal:3306/nexo"
    )
    assert ok, output
    assert f'"max_upload": {500 * 1024**2}' in output
    assert '"engine": "django.db.backends.mysql"' in output
    assert '"charset": "utf8mb4"' in output


def test_broker_retry_outlasts_the_longest_task(tmp_path):
    ok, output = load_settings(tmp_path, SECRET_KEY=PROD_SECRET, JOB_TIMEOUT="7200")
    assert ok, output
    assert '"timeout": 7200' in output
    import json

    values = json.loads(output.strip().splitlines()[-1])
    assert values["retry"] > values["timeout"]


def _manage(tmp_path, *args, **env):
    base = {"PATH": os.environ["PATH"], "DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "nexochat.settings"}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_values(tmp_path):
    keys_file = tmp_path / "field_encryption_keys"
    keys_file.write_text(f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}\n")
    result = _manage(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=PROD_SECRET,
        ALLOWED_HOSTS="meet.example.com",
        FIELD_ENCRYPTION_KEYS_FILE=str(keys_file),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_stored_keys_depend_on_secret_key(tmp_path):
    result = _manage(
        tmp_path, "check", "--deploy", DEBUG="false", SECRET_KEY=PROD_SECRET, ALLOWED_HOSTS="meet.example.com"
    )
    assert "nexochat.W002" in result.stdout + result.stderr


def test_no_missing_migrations(tmp_path):
    result = _manage(tmp_path, "makemigrations", "--check", "--dry-run", DEBUG="1")
    assert result.returncode == 0, result.stdout + result.stderr
