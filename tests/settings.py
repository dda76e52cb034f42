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
# Tasks run inline unless a test starts a real worker (see tests/test_worker.py).
Q_CLUSTER["sync"] = True

# A file, not ":memory:", so a real worker process started by a test sees the same test database.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(os.environ["DATA_DIR"], "test.sqlite3")}  # noqa: F405

# Tests assert on the English msgids; tests/test_i18n.py checks that Korean is the real default.
LANGUAGE_CODE = "en"
