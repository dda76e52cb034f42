"""Speech pipeline benchmark: per-stage real-time factor, CER, DER, app-vs-bare STT time, peak RSS.

    .venv/bin/python bench/pipeline.py                    # the dev set, one file after another
    .venv/bin/python bench/pipeline.py extra.wav --ref-dir DIR --language en --num-speakers 2
    .venv/bin/python bench/pipeline.py --batch-size 8     # faster-whisper's BatchedInferencePipeline

A reference transcript (NAME.txt: `SPEAKER<TAB>text` per line) and speaker timing (NAME.rttm)
next to each audio file (or in --ref-dir) are used when present. Scoring comes from the shared
eval tools (../shared/tools/score.py, or SCORE_PY=path), imported by path so numbers stay comparable.
Run one heavy benchmark at a time: on 2 cores, overlapping runs distort every number."""

import argparse
import importlib.util
import io
import json
import os
import re
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexochat.settings")
os.environ.setdefault("DEBUG", "1")


def load_score():
    path = Path(os.environ.get("SCORE_PY") or ROOT.parent / "shared" / "tools" / "score.py")
    spec = importlib.util.spec_from_file_location("score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reference_text(path):
    lines = [line.split("\t", 1)[-1] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return "\n".join(lines)


def without_digits(text):
    return re.sub(r"[0-9]", "", text)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_file(path, args, score):  # noqa: C901 - one flat measurement script
    from ai_pipeline.management.commands.transcribe import StderrJob
    from ai_pipeline.pipeline import PipelineContext, run_stages
    from ai_pipeline.stages import speech_stages
    from ai_pipeline.stt import get_engine

    options = {"language": args.language}
    for key, value in (
        ("num_speakers", args.num_speakers),
        ("stt_engine", args.stt),
        ("stt_model", args.stt_model),
        ("diarizer", args.diarizer),
        ("diarizer_model", args.diarizer_model),
        ("batch_size", args.batch_size),
    ):
        if value:
            options[key] = value
    # load the models first so the timings below are steady-state processing, not start-up
    began = time.perf_counter()
    engine = get_engine(args.stt, args.stt_model)
    from ai_pipeline.diarization import get_diarizer

    get_diarizer(args.diarizer, args.diarizer_model)
    load_seconds = time.perf_counter() - began

    context = PipelineContext(job=StderrJob(sys.stderr if args.progress else io.StringIO()), options=options)
    context.data["input_path"] = str(path)
    began = time.perf_counter()
    timings = run_stages(context, speech_stages())
    total = time.perf_counter() - began
    duration = context.data["duration"]
    row = {
        "file": path.name,
        "duration_s": round(duration, 1),
        "model_load_s": round(load_seconds, 1),
        "rtf": {name: round(seconds / duration, 4) for name, seconds in timings.items()},
        "rtf_total": round(total / duration, 4),
        "speakers_found": len({t[2] for t in context.data.get("turns", [])}),
        "segments": len(context.data.get("segments", [])),
    }
    hyp_text = "\n".join(s["text"] for s in context.data.get("segments", []))
    txt, rttm = reference_for(path, args, ".txt"), reference_for(path, args, ".rttm")
    if txt:
        ref = reference_text(txt)
        row["cer"] = round(score.cer(ref, hyp_text), 4)
        row["cer_no_digits"] = round(score.cer(without_digits(ref), without_digits(hyp_text)), 4)
    if rttm:
        ref_turns = score.read_rttm(rttm)
        row["speakers_ref"] = len({t[2] for t in ref_turns})
        turns = context.data.get("turns", [])
        row["der_c0"] = round(score.der(ref_turns, turns, collar=0.0), 4)
        row["der_c025"] = round(score.der(ref_turns, turns, collar=0.25), 4)
        segment_turns = [(s["start"], s["end"], s["speaker"]) for s in context.data.get("segments", [])]
        row["der_segments_c025"] = round(score.der(ref_turns, segment_turns, collar=0.25), 4)
    if not args.skip_bare and engine.name == "faster-whisper":
        from ai_pipeline.audio import decode_audio

        audio = decode_audio(path)
        began = time.perf_counter()
        segments, _info = engine.model.transcribe(
            audio, language=None if args.language == "auto" else args.language, vad_filter=True, word_timestamps=True
        )
        bare_text = "\n".join(s.text for s in segments)
        bare = time.perf_counter() - began
        row["bare_stt_s"] = round(bare, 2)
        row["app_stt_s"] = timings.get("transcribe")
        row["app_over_bare"] = round(timings["transcribe"] / bare, 3) if bare else None
        if txt:
            row["bare_cer_no_digits"] = round(score.cer(without_digits(ref), without_digits(bare_text)), 4)
    row["peak_rss_mb"] = round(peak_rss_mb())
    return row


def reference_for(path, args, suffix):
    for folder in filter(None, [args.ref_dir and Path(args.ref_dir), path.parent]):
        candidate = folder / (path.stem + suffix)
        if candidate.exists():
            return candidate
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--no-dev", action="store_true", help="only the files given")
    parser.add_argument("--ref-dir")
    parser.add_argument("--language", default="ko")
    parser.add_argument("--num-speakers", type=int)
    parser.add_argument("--stt")
    parser.add_argument("--stt-model")
    parser.add_argument("--diarizer")
    parser.add_argument("--diarizer-model")
    parser.add_argument(
        "--batch-size", type=int, help="speech-to-text batch size (2 or more: faster-whisper's batched pipeline)"
    )
    parser.add_argument("--skip-bare", action="store_true", help="skip the bare faster-whisper comparison")
    parser.add_argument("--json", action="store_true", help="one JSON object per file instead of a table")
    parser.add_argument("--progress", action="store_true", help="stage progress on stderr")
    args = parser.parse_args()

    import django

    django.setup()
    score = load_score()
    files = list(args.files)
    if not args.no_dev:
        dev = ROOT.parent / "shared" / "eval" / "audio" / "dev"
        files = sorted(dev.glob("*.flac")) + files
    for path in files:
        row = bench_file(path, args, score)
        if args.json:
            print(json.dumps(row, ensure_ascii=False), flush=True)
        else:
            print(f"\n== {row.pop('file')}")
            for key, value in row.items():
                print(f"  {key:20s} {value}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
