"""Meeting-list latency with 10,000 meetings: the page and the API, p50/p95.

    .venv/bin/python bench/list_latency.py                                   # SQLite (a fresh file in /tmp)
    DATABASE_URL=mysql://root@127.0.0.1:3306/nexochat_bench .venv/bin/python bench/list_latency.py

Requests go through Django's full request/response cycle in-process (middleware, auth, templates,
database) — what a WSGI server adds on top is not measured here. The database is seeded once and kept.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexochat.settings")
os.environ.setdefault("SECRET_KEY", "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE_HTTPS", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DATA_DIR", os.path.join(tempfile.gettempdir(), "nexochat-bench"))

import django  # noqa: E402

django.setup()

from datetime import timedelta  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Membership, Organization, Role, User  # noqa: E402
from meetings.models import Meeting, MeetingStatus, Recording, Tag  # noqa: E402

MEETINGS = int(os.environ.get("BENCH_MEETINGS", 10_000))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", 200))


def seed():
    user = User.objects.filter(email="bench@nexochat.local").first()
    if user and Meeting.objects.filter(organization__name__startswith="Bench").count() >= MEETINGS:
        return user
    user = user or User.objects.create_user("bench@nexochat.local", "bench-password-123")
    org = Organization.objects.create(name="Bench")
    Membership.objects.create(user=user, organization=org, role=Role.OWNER)
    other = Organization.objects.create(name="Bench other")
    tags = [Tag.objects.create(organization=org, name=f"태그{i}") for i in range(20)]
    now = timezone.now()
    statuses = [MeetingStatus.READY] * 8 + [MeetingStatus.FAILED, MeetingStatus.PROCESSING]
    batch = []
    for i in range(MEETINGS):
        batch.append(
            Meeting(
                organization=org if i % 10 else other,
                title=f"주간 회의 {i} — 제품 로드맵 검토",
                description="분기 목표와 일정 논의",
                held_at=now - timedelta(hours=i),
                status=statuses[i % len(statuses)],
                created_by=user,
            )
        )
    Meeting.objects.bulk_create(batch, batch_size=1000)
    meetings = list(Meeting.objects.filter(organization__in=[org, other]).only("id"))
    Recording.objects.bulk_create(
        [
            Recording(
                meeting=m,
                file=f"recordings/bench/{m.id}.m4a",
                original_name=f"meeting-{m.id}.m4a",
                content_type="audio/mp4",
                size=30_000_000,
                duration=3600.0,
                sha256=f"{m.id:064d}",
            )
            for m in meetings
        ],
        batch_size=1000,
    )
    through = Meeting.tags.through
    through.objects.bulk_create(
        [through(meeting_id=m.id, tag_id=tags[m.id % 20].id) for m in meetings], batch_size=2000
    )
    return user


def measure(client, url, headers=None):
    timings = []
    for _ in range(REQUESTS):
        began = time.perf_counter()
        response = client.get(url, headers=headers or {})
        timings.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    return statistics.median(timings), p95


def main():
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off serves hashed static names
    user = seed()
    client = Client()
    client.force_login(user)
    token = client.post(
        "/api/v1/auth/token/", {"email": user.email, "password": "bench-password-123"}, content_type="application/json"
    ).json()["access"]
    api_headers = {"Authorization": f"Bearer {token}"}
    print(f"database: {connection.vendor}; meetings: {Meeting.objects.count()}; requests per URL: {REQUESTS}")
    for label, url, headers in [
        ("page  /meetings/", "/meetings/", None),
        ("page  /meetings/?q=로드맵&status=ready", "/meetings/?q=%EB%A1%9C%EB%93%9C%EB%A7%B5&status=ready", None),
        ("page  /meetings/?page=200", "/meetings/?page=200", None),
        ("api   /api/v1/meetings/", "/api/v1/meetings/", api_headers),
        ("api   /api/v1/meetings/?q=로드맵", "/api/v1/meetings/?q=%EB%A1%9C%EB%93%9C%EB%A7%B5", api_headers),
    ]:
        measure(client, url, headers)  # warm-up
        p50, p95 = measure(client, url, headers)
        print(f"{label:45s} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")


if __name__ == "__main__":
    main()
