"""Settings for the test suite: the real settings module, with fast hashing, inline tasks and a
throwaway media folder. DATABASE_URL still decides the database (SQLite or MariaDB)."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE_HTTPS", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="nexochat-test-"))

from nexochat.settings import *  # noqa: E402,F403
from nexochat.settings import Q_CLUSTER, STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
# Tasks run inline in the test process. A real worker that a test starts (tests/processing/test_worker.py) gets
# Q_SYNC=false: in sync mode django-q2 keeps database connections open across its forks, and forked
# processes sharing one MySQL connection read each other's replies ("Server has gone away", wrong
# row counts, a sentinel that dies before the cluster starts).
Q_CLUSTER["sync"] = os.environ.get("Q_SYNC", "true").strip().lower() not in ("false", "0", "no", "off")

# A file, not ":memory:", so a real worker process started by a test sees the same test database.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(os.environ["DATA_DIR"], "test.sqlite3")}  # noqa: F405

# The fake LLM servers listen on 127.0.0.1, and tests save "http://gpu:8000/v1" as a self-hosted server:
# the test deployment's operator allows both as organizations' base URLs (tests of the rule itself
# set LLM_ALLOWED_HOSTS as they need).
LLM_ALLOWED_HOSTS = ["127.0.0.1", "gpu"]

# Tests assert on the English msgids; tests/platform/test_i18n.py checks that Korean is the real default.
LANGUAGE_CODE = "en"
