"""Speech coverage benchmark: how much of the detected speech ends up as text, what the guards removed,
how much text is marked low-confidence, and CER.

    .venv/bin/python bench/speech_coverage.py                          # the dev meetings
    .venv/bin/python bench/speech_coverage.py var/bench/english-meeting.wav sample.wav --language en --no-dev

Coverage is measured here, independently of the product's own figure: the share of the speech regions
(Silero VAD, as the pipeline detects them) that is not left without text, where "without text" is a
stretch of speech of at least MIN_GAP seconds outside every transcript segment (shorter ones are VAD
padding and pauses between sentences). `inside_segments` is the plain share of speech inside segments.
A reference transcript (NAME.txt, `SPEAKER<TAB>text` lines, or pyannote's NAME.stm) next to the audio
gives CER (digits removed: espeak reads numbers its own way). Run one heavy benchmark at a time."""

import argparse
import io
import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pipeline import ROOT, load_score, reference_text, without_digits  # noqa: E402

GUARD_LINE = re.compile(r"^speech-to-text guard \(([^)]*)\): (.*)$")


class RecordingJob:
    pk = "bench"
    percent = 0

    def __init__(self):
        self.lines = []

    def report(self, stage, percent):
        self.percent = percent

    def add_log(self, line):
        self.lines.append(line)


MIN_GAP = 1.0


def covered_seconds(regions, spans):
    total = 0.0
    for start, end in regions:
        for s, e in spans:
            total += max(0.0, min(end, e) - max(start, s))
    return total


def lost_seconds(regions, spans, min_gap=MIN_GAP):
    """Speech in stretches of at least min_gap seconds that no span touches."""
    lost = 0.0
    spans = sorted(spans)
    for start, end in regions:
        cursor = start
        for s, e in spans:
            if e <= cursor or s >= end:
                continue
            if s - cursor >= min_gap:
                lost += s - cursor
            cursor = max(cursor, e)
        if end - cursor >= min_gap:
            lost += end - cursor
    return lost


def reference_for(path):
    txt = path.with_suffix(".txt")
    if txt.exists():
        return reference_text(txt)
    stm = path.with_suffix(".stm")
    if stm.exists():
        return "\n".join(line.split(" ", 5)[5] for line in stm.read_text().splitlines() if line.strip())
    return None


def bench_file(path, args, score):
    from ai_pipeline.pipeline import PipelineContext, run_stages
    from ai_pipeline.stages import speech_stages

    options = {"language": args.language}
    job = RecordingJob()
    context = PipelineContext(job=job, options=options)
    context.data["input_path"] = str(path)
    timings = run_stages(context, speech_stages())
    speech = context.data.get("speech") or []
    segments = context.data.get("segments") or []
    speech_s = sum(e - s for s, e in speech)
    spans = [(s["start"], s["end"]) for s in segments]
    covered = covered_seconds(speech, spans)
    lost = lost_seconds(speech, spans)
    dropped = Counter()
    dropped_chars = Counter()
    for line in job.lines:
        match = GUARD_LINE.match(line)
        if match:
            dropped[match.group(1)] += 1
            dropped_chars[match.group(1)] += len(match.group(2))
    text_chars = sum(len(s["text"]) for s in segments)
    low_chars = sum(len(s["text"]) for s in segments if s.get("low_confidence"))
    gaps = context.data.get("gaps") or []
    row = {
        "file": path.name,
        "duration_s": context.data.get("duration"),
        "speech_s": round(speech_s, 1),
        "coverage": round(1 - lost / speech_s, 3) if speech_s else None,
        "inside_segments": round(covered / speech_s, 3) if speech_s else None,
        "product_coverage": (context.data.get("coverage") or {}).get("coverage"),
        "gaps": len(gaps),
        "gap_s": round(sum(g["end"] - g["start"] for g in gaps), 1),
        "segments": len(segments),
        "speakers_in_segments": len({s["speaker"] for s in segments}),
        "speakers_found": len({t[2] for t in context.data.get("turns") or []}),
        "text_chars": text_chars,
        "low_confidence_share": round(low_chars / text_chars, 3) if text_chars else None,
        "guard_drops": dict(dropped),
        "guard_dropped_chars": dict(dropped_chars),
        "stt_s": timings.get("transcribe"),
        "recover_s": timings.get("recover"),
    }
    reference = reference_for(path)
    if reference:
        hyp = "\n".join(s["text"] for s in segments)
        row["cer_no_digits"] = round(score.cer(without_digits(reference), without_digits(hyp)), 4)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--no-dev", action="store_true", help="only the files given")
    parser.add_argument("--language", default="ko")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexochat.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    score = load_score()
    files = list(args.files)
    if not args.no_dev:
        files = sorted((ROOT.parent / "shared" / "eval" / "audio" / "dev").glob("*.flac")) + files
    for path in files:
        row = bench_file(path, args, score)
        if args.json:
            print(json.dumps(row, ensure_ascii=False), flush=True)
        else:
            print(f"\n== {row.pop('file')}")
            for key, value in row.items():
                print(f"  {key:22s} {value}")
            sys.stdout.flush()


if __name__ == "__main__":
    sys.stdout = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", line_buffering=True)
    main()
