"""Live transcription: how far behind the speakers the live text is, and how many live sessions one worker
keeps up with. Prints numbers; writes only to a temporary folder.

    .venv/bin/python bench/live.py [--minutes 5] [--chunk-seconds 5] [--with-batch]

The English espeak-ng meeting of bench/make_english_meeting.py, repeated to --minutes, is cut into
standalone WebM/Opus chunks as the browser sends them. Chunk i arrives at (i+1) * chunk seconds; one
worker handles each arrival in turn as meetings/live/tasks.py does (decode the audio not yet settled, VAD,
ai_pipeline.live.live_windows, transcribe the closed windows with the bundled model), starting when the
chunk has arrived and the previous run is over. A word's latency is when the run that transcribed it ended
minus when the word was spoken. --with-batch runs `manage.py transcribe` on the same meeting in a loop
beside it (a batch job on the same cores). The database writes of the real task are left out (a few rows
per window).
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexochat.settings")
os.environ.setdefault("DEBUG", "1")


def make_meeting(folder, minutes):
    sys.path.insert(0, str(ROOT / "bench"))
    import make_english_meeting

    make_english_meeting.main(folder / "meeting")
    with wave.open(str(folder / "meeting.wav")) as source:
        rate = source.getframerate()
        once = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")
    repeats = int(np.ceil(minutes * 60 * rate / once.size))
    samples = np.tile(once, repeats)[: int(minutes * 60 * rate)]
    path = folder / "long.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path, samples.size / rate


def cut(path, seconds, total, folder):
    chunks = []
    for index in range(int(np.ceil(total / seconds))):
        target = folder / f"chunk{index:04d}.webm"
        subprocess.run(
            [
                "ffmpeg",
                "-loglevel",
                "error",
                "-y",
                "-i",
                str(path),
                "-ss",
                str(index * seconds),
                "-t",
                str(seconds),
                "-c:a",
                "libopus",
                str(target),
            ],
            check=True,
        )
        chunks.append(target)
    return chunks


def run(chunks, chunk_seconds, window_seconds):
    import django

    django.setup()
    from ai_pipeline.audio import SAMPLE_RATE, decode_audio, speech_regions
    from ai_pipeline.live import live_windows, transcribe_windows
    from ai_pipeline.stt import get_engine

    started = time.perf_counter()
    engine = get_engine()
    load_seconds = time.perf_counter() - started
    decoded = []  # (start second, samples) of each chunk received so far
    settled = 0.0
    free_at = 0.0
    busy = 0.0
    latencies = []
    for index, chunk in enumerate(chunks):
        arrival = (index + 1) * chunk_seconds
        begin = max(arrival, free_at)
        clock = time.perf_counter()
        start = decoded[-1][0] + decoded[-1][1].size / SAMPLE_RATE if decoded else 0.0
        decoded.append((start, decode_audio(chunk)))
        pieces = [(s, a) for s, a in decoded if s + a.size / SAMPLE_RATE > settled]
        audio = np.concatenate([a for _s, a in pieces])[int(round((settled - pieces[0][0]) * SAMPLE_RATE)) :]
        windows, done_until = live_windows(speech_regions(audio), audio.size / SAMPLE_RATE, window_seconds)
        transcribe_windows(audio, windows, engine, "en")
        elapsed = time.perf_counter() - clock
        busy += elapsed
        free_at = begin + elapsed
        for window in windows:
            for word in window.words:
                latencies.append(free_at - (settled + word["e"]))
        settled += done_until
    return latencies, busy, load_seconds


def batch_loop(path, stop_file):
    script = (
        "import subprocess, sys, pathlib\n"
        "while not pathlib.Path(sys.argv[2]).exists():\n"
        "    done = subprocess.run([sys.executable, 'manage.py', 'transcribe', sys.argv[1], '--language', 'en'],"
        " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "    with open(sys.argv[2] + '.runs', 'a') as runs:\n"
        "        runs.write(f'{done.returncode}\\n')\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "nexochat.settings", "DEBUG": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", script, str(path), str(stop_file)], cwd=ROOT, env=env, start_new_session=True
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--chunk-seconds", type=float, default=5.0)
    parser.add_argument("--window-seconds", type=float, default=20.0)
    parser.add_argument("--with-batch", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nexochat-bench-live-") as tmp:
        folder = Path(tmp)
        path, total = make_meeting(folder, args.minutes)
        chunks = cut(path, args.chunk_seconds, total, folder)
        batch = batch_loop(folder / "meeting.wav", folder / "stop") if args.with_batch else None
        try:
            latencies, busy, load_seconds = run(chunks, args.chunk_seconds, args.window_seconds)
        finally:
            if batch is not None:
                (folder / "stop").touch()
                os.killpg(batch.pid, signal.SIGTERM)  # the loop and the transcription it is running
                batch.wait()
                runs = (folder / "stop.runs").read_text().split() if (folder / "stop.runs").exists() else []
                print(f"batch: {len(runs)} runs of `manage.py transcribe` finished meanwhile (exit codes {set(runs)})")
    latencies.sort()
    rtf = busy / total
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan")
    print(f"audio: {total:.0f} s in {len(chunks)} chunks of {args.chunk_seconds:g} s; cores: {os.cpu_count()}")
    print(f"batch job beside it: {'yes' if args.with_batch else 'no'}; model load: {load_seconds:.1f} s (once)")
    print(
        f"words: {len(latencies)}; latency from spoken to transcribed: "
        f"p50 {statistics.median(latencies):.1f} s, p95 {p95:.1f} s, max {latencies[-1]:.1f} s"
    )
    print(
        f"worker busy {busy:.0f} s: real-time factor {rtf:.2f} per session, "
        f"so one worker keeps up with about {int(1 / rtf) if rtf else 0} sessions"
    )


if __name__ == "__main__":
    main()
