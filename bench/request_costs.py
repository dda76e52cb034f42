"""The cost of single requests without contention: median time and query count per endpoint, through
Django's test client in this process, on the database bench/load.py seeds (run that once first).

    .venv/bin/python bench/request_costs.py
    DATABASE_URL=mysql://root@127.0.0.1:3306/nexochat_load .venv/bin/python bench/request_costs.py /meetings/
"""

import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexochat.settings")
os.environ.setdefault("SECRET_KEY", "request-costs-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE_HTTPS", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("LLM_PROVIDER", "offline")
os.environ.setdefault("DATABASE_URL", "mysql://root@127.0.0.1:3306/nexochat_load")
os.environ.setdefault("DATA_DIR", os.path.join("/tmp", "nexochat-load"))

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from meetings.models import Meeting  # noqa: E402

ROUNDS = 10


def main(urls):
    user = User.objects.filter(email="load-user-00@nexochat.local").first()
    if user is None:
        sys.exit("Seed the database first: .venv/bin/python bench/load.py --duration 1")
    client = Client()
    client.force_login(user)
    meeting = Meeting.objects.filter(organization__memberships__user=user).order_by("-pk").first()
    urls = urls or [
        "/meetings/",
        f"/meetings/?q={quote('예산')}",
        f"/meetings/{meeting.pk}/",
        "/api/v1/meetings/",
        f"/search/?q={quote('예산 검토')}",
        f"/api/v1/search/?q={quote('예산 검토')}",
    ]
    print(f"{'endpoint':48} {'median ms':>9} {'queries':>8}")
    for url in urls:
        client.get(url)  # warm: index load, query embedding, template compilation
        timings = []
        for _ in range(ROUNDS):
            began = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - began) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        median, count = statistics.median(timings), len(queries.captured_queries)
        print(f"{url[:48]:48} {median:9.1f} {count:8d}  ({response.status_code})")


if __name__ == "__main__":
    main(sys.argv[1:])
