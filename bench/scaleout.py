"""Scale-out measurements. Prints numbers; changes nothing outside a temporary folder.

    .venv/bin/python bench/scaleout.py throughput [--clip-seconds 60] [--clips-per-file 2]
    .venv/bin/python bench/scaleout.py upload [--gigabytes 2]

throughput: the dev audio (/work/shared/eval/audio/dev) cut into clips, queued as real "process"
  jobs (probe, decode, VAD, diarize, transcribe, save, index, offline minutes) on a fresh SQLite
  database, drained by 1 and then by 2 `manage.py qcluster` processes (Q_WORKERS=1 each, as two
  hosts would run them). Reports jobs/hour, audio hours per hour, the machine's load while it ran,
  and what the database holds per hour of audio (rows and bytes per table, from SQLite's dbstat).
upload: a WAV of about N GB (ffmpeg sine, 16 kHz mono) uploaded over HTTP to a web process
  (runserver) that stores recordings in an S3 server (moto on 127.0.0.1): wall time, throughput,
  and the web process's resident memory before and at its peak (VmHWM).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DEV_AUDIO = Path("/work/shared/eval/audio/dev")

SETUP = """
import json, pathlib, sys
from django.utils import timezone
from django_q.conf import Conf
Conf.SYNC = False
from accounts.models import Membership, Organization, Role, User
from meetings import services
from django.core.files.uploadedfile import TemporaryUploadedFile
spec = json.loads(pathlib.Path(sys.argv[-1]).read_text())
org, _ = Organization.objects.get_or_create(name=spec.get("org", "bench"))
user = User.objects.filter(email="bench@example.com").first() or User.objects.create_user(
    email="bench@example.com", password="pw-Secret-123")
Membership.objects.get_or_create(user=user, organization=org, defaults={"role": Role.OWNER})
out = {"org": org.slug, "jobs": [], "meetings": []}
for path in spec["clips"]:
    meeting = services.create_meeting(org, user, title=pathlib.Path(path).stem, held_at=timezone.now())
    out["meetings"].append(meeting.pk)
    if spec.get("attach", True):
        data = pathlib.Path(path).read_bytes()
        upload = TemporaryUploadedFile(pathlib.Path(path).name, "audio/flac", len(data), None)
        upload.write(data); upload.seek(0)
        _rec, job = recording_services.attach_recording(meeting, upload, user)
        out["jobs"].append(job.pk)
pathlib.Path(spec["out"]).write_text(json.dumps(out))
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"nothing on port {port}")


def base_env(folder, **extra):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "nexochat.settings",
        "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789abcdef",
        "DEBUG": "false",
        "SECURE_HTTPS": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATA_DIR": str(folder),
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "MODEL_CACHE_DIR": os.environ.get("MODEL_CACHE_DIR", str(ROOT / "var" / "models")),
        "LLM_PROVIDER": "offline",
        "RATE_LIMIT_UPLOAD": "1000/h",
        **extra,
    }


def manage(env, *args, **kwargs):
    return subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, **kwargs)


def setup_meetings(env, folder, clips, attach=True, org="bench"):
    spec = folder / "spec.json"
    out = folder / "out.json"
    spec.write_text(json.dumps({"clips": [str(c) for c in clips], "out": str(out), "attach": attach, "org": org}))
    manage(env, "shell", "-c", SETUP.replace("sys.argv[-1]", repr(str(spec))))
    return json.loads(out.read_text())


def cut_clips(folder, seconds, per_file):
    """`per_file` clips of `seconds` from each dev recording, spread over its length."""
    clips = []
    for source in sorted(DEV_AUDIO.glob("*.flac")):
        probe = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(source)],
            capture_output=True,
            text=True,
            check=True,
        )
        duration = float(probe.stdout.strip())
        for index in range(per_file):
            target = folder / f"{source.stem}-{index}.flac"
            start = max(0.0, (duration - seconds) * (index + 0.5) / per_file)
            subprocess.run(
                [
                    "ffmpeg",
                    "-loglevel",
                    "error",
                    "-y",
                    "-ss",
                    f"{start:.1f}",
                    "-t",
                    str(seconds),
                    "-i",
                    str(source),
                    "-ac",
                    "1",
                    "-ar",
                    "16000",
                    str(target),
                ],
                check=True,
            )
            clips.append(target)
    return clips


class LoadSampler(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.samples = []
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.wait(5):
            self.samples.append(os.getloadavg()[0])

    def summary(self):
        if not self.samples:
            return None
        return {"mean_load1": round(sum(self.samples) / len(self.samples), 2), "max_load1": max(self.samples)}


def job_states(db, ids):
    conn = sqlite3.connect(db, timeout=30)
    try:
        marks = ",".join("?" * len(ids))
        return conn.execute(f"SELECT id, state, timings FROM meetings_job WHERE id IN ({marks})", ids).fetchall()
    finally:
        conn.close()


def drain(env, folder, job_ids, workers):
    processes = []
    for index in range(workers):
        scratch = folder / f"worker-{workers}-{index}"
        (scratch / "tmp").mkdir(parents=True, exist_ok=True)
        log = open(scratch / "worker.log", "wb")  # noqa: SIM115
        processes.append(
            subprocess.Popen(
                [PY, "manage.py", "qcluster"],
                cwd=ROOT,
                env={**env, "Q_WORKERS": "1", "TMPDIR": str(scratch / "tmp")},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    sampler = LoadSampler()
    sampler.start()
    began = time.monotonic()
    try:
        while True:
            rows = job_states(folder / "bench.sqlite3", job_ids)
            if all(state in ("done", "failed") for _id, state, _t in rows):
                break
            time.sleep(2)
    finally:
        wall = time.monotonic() - began
        sampler.stopped.set()
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    failed = [i for i, state, _t in rows if state != "done"]
    return {
        "workers": workers,
        "jobs": len(job_ids),
        "failed": failed,
        "wall_s": round(wall, 1),
        "jobs_per_hour": round(len(job_ids) * 3600 / wall, 1),
        "load": sampler.summary(),
        "timings": [json.loads(t or "{}") for _i, _s, t in rows],
    }


def database_footprint(db, audio_seconds):
    conn = sqlite3.connect(db)
    try:
        conn.execute("VACUUM")
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        sizes = dict(conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall())
        interesting = {}
        for table in tables:
            rows = conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
            index_bytes = sum(v for k, v in sizes.items() if k.startswith(f"sqlite_autoindex_{table}_"))
            index_bytes += sum(
                sizes.get(name, 0)
                for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='index' AND tbl_name=?", [table])
            )
            if rows:
                interesting[table] = {"rows": rows, "bytes": sizes.get(table, 0) + index_bytes}
        hours = audio_seconds / 3600
        total = sum(v["bytes"] for v in interesting.values())
        return {
            "audio_hours": round(hours, 3),
            "per_audio_hour": {
                k: {"rows": round(v["rows"] / hours, 1), "bytes": round(v["bytes"] / hours)}
                for k, v in sorted(interesting.items(), key=lambda kv: -kv[1]["bytes"])
                if k.startswith(("meetings_", "ai_pipeline_", "django_q_"))
            },
            "total_bytes_per_audio_hour": round(total / hours),
            "file_bytes": Path(db).stat().st_size,
        }
    finally:
        conn.close()


def throughput(args):
    folder = Path(tempfile.mkdtemp(prefix="nexochat-bench-scaleout-"))
    try:
        clips = cut_clips(folder, args.clip_seconds, args.clips_per_file)
        audio_seconds = args.clip_seconds * len(clips)
        env = base_env(folder, MEDIA_ROOT=str(folder / "media"))
        manage(env, "migrate", "--no-input", "-v", "0")
        results = {"clips": len(clips), "clip_seconds": args.clip_seconds, "cpu_count": os.cpu_count(), "runs": []}
        footprint = None
        for workers in (1, 2):
            queued = setup_meetings(env, folder, clips, org=f"bench-{workers}")  # duplicates are per organization
            run = drain(env, folder, queued["jobs"], workers)
            run["audio_hours_per_hour"] = round(audio_seconds / run["wall_s"], 3)
            results["runs"].append(run)
            print(json.dumps({k: v for k, v in run.items() if k != "timings"}), flush=True)
            if footprint is None:
                footprint = database_footprint(folder / "bench.sqlite3", audio_seconds)
        results["database"] = footprint
        print(json.dumps(results["database"], indent=1))
        return results
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def rss_kb(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def upload(args):
    import boto3
    import httpx

    folder = Path(tempfile.mkdtemp(prefix="nexochat-bench-upload-"))
    processes = []
    try:
        seconds = int(args.gigabytes * 1024**3 / 32000)
        big = folder / "big.wav"
        began = time.monotonic()
        subprocess.run(
            [
                "ffmpeg",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=220:sample_rate=16000",
                "-t",
                str(seconds),
                "-ac",
                "1",
                "-c:a",
                "pcm_s16le",
                str(big),
            ],
            check=True,
        )
        print(
            f"generated {big.stat().st_size / 1024**3:.2f} GiB ({seconds / 3600:.1f} h) in "
            f"{time.monotonic() - began:.0f}s",
            flush=True,
        )

        s3_port, web_port = free_port(), free_port()
        moto = subprocess.Popen(
            [PY, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(s3_port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, "TMPDIR": str(folder)},
        )
        processes.append(moto)
        wait_port(s3_port)
        endpoint = f"http://127.0.0.1:{s3_port}"
        boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
        ).create_bucket(Bucket="bench")
        (folder / "upload-tmp").mkdir()
        env = base_env(
            folder,
            STORAGE_BACKEND="s3",
            S3_BUCKET="bench",
            S3_ENDPOINT_URL=endpoint,
            S3_REGION="us-east-1",
            S3_ACCESS_KEY_ID="k",
            S3_SECRET_ACCESS_KEY="s",
            S3_ADDRESSING_STYLE="path",
            FILE_UPLOAD_TEMP_DIR=str(folder / "upload-tmp"),
            MAX_UPLOAD_SIZE="3G",
        )
        manage(env, "migrate", "--no-input", "-v", "0")
        meeting = setup_meetings(env, folder, [big], attach=False)["meetings"][0]
        web_log = open(folder / "web.log", "wb")  # noqa: SIM115
        web = subprocess.Popen(
            [PY, "manage.py", "runserver", f"127.0.0.1:{web_port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=web_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        processes.append(web)
        wait_port(web_port)
        client = httpx.Client(base_url=f"http://127.0.0.1:{web_port}", timeout=3600)
        token = client.post("/api/v1/auth/token/", json={"email": "bench@example.com", "password": "pw-Secret-123"})
        client.headers["Authorization"] = f"Bearer {token.json()['access']}"
        client.get("/api/v1/me/")
        before = rss_kb(web.pid, "VmRSS")
        began = time.monotonic()
        with big.open("rb") as handle:
            response = client.post(f"/api/v1/meetings/{meeting}/recording/", files={"file": ("big.wav", handle)})
        wall = time.monotonic() - began
        result = {
            "status": response.status_code,
            "bytes": big.stat().st_size,
            "wall_s": round(wall, 1),
            "MiB_per_s": round(big.stat().st_size / 1024**2 / wall, 1),
            "web_rss_before_MiB": round(before / 1024, 1),
            "web_rss_peak_MiB": round(rss_kb(web.pid, "VmHWM") / 1024, 1),
            "moto_rss_peak_MiB": round(rss_kb(moto.pid, "VmHWM") / 1024, 1),
            "load1_after": os.getloadavg()[0],
        }
        if response.status_code != 201:
            result["body"] = response.text[:500]
            print((folder / "web.log").read_text(errors="replace")[-4000:])
        print(json.dumps(result), flush=True)
        return result
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["throughput", "upload"])
    parser.add_argument("--clip-seconds", type=int, default=60)
    parser.add_argument("--clips-per-file", type=int, default=2)
    parser.add_argument("--gigabytes", type=float, default=2.0)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    results = throughput(args) if args.what == "throughput" else upload(args)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
