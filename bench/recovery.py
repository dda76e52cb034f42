"""The recovery pass's cost against what it brings back: each dev file's first pass runs once, then the
recovery stage (speech the first pass left without text, decoded again) and the alignment run once per
variant on the same first pass.

    .venv/bin/python bench/recovery.py                                    # the dev set
    .venv/bin/python bench/recovery.py --variants "full;t0" extra.wav --no-dev --language en

Variants: "full" is the product's recovery (every stretch on its own, temperatures 0 to 1 until the text
passes the checks); "tN,M" tries only those temperatures (t0: greedy search at 0 only; t0,0.4,0.8 three of them);
"off" skips recovery (what is left becomes gaps). Printed per file and variant: recovery seconds and real-time
factor, words recovered, coverage (transcribed share of detected speech), the unsure share of the text, CER
against the reference transcript. Run one heavy benchmark at a time."""

import argparse
import copy
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexochat.settings")
os.environ.setdefault("DEBUG", "1")

from pipeline import load_score, reference_for, reference_text  # noqa: E402

DEV_AUDIO = ROOT.parent / "shared" / "eval" / "audio" / "dev"


def first_pass(path, language):
    from ai_pipeline.audio import decode_audio
    from ai_pipeline.management.commands.transcribe import StderrJob
    from ai_pipeline.pipeline import PipelineContext, run_stages
    from ai_pipeline.stages import DecodeStage, DiarizeStage, TranscribeStage, VadStage

    context = PipelineContext(job=StderrJob(io.StringIO()), options={"language": language})
    context.data["input_path"] = str(path)
    timings = run_stages(context, [DecodeStage(), VadStage(), DiarizeStage(), TranscribeStage()])
    data = {k: v for k, v in context.data.items() if k != "audio"}
    return data, decode_audio(path), timings


def finish(data, audio, variant, language):
    from ai_pipeline.management.commands.transcribe import StderrJob
    from ai_pipeline.pipeline import PipelineContext, run_stages
    from ai_pipeline.stages import AlignStage, RecoverStage
    from ai_pipeline.stt import faster_whisper_engine

    context = PipelineContext(job=StderrJob(io.StringIO()), options={"language": language})
    context.data.update(copy.deepcopy(data))
    context.data["audio"] = audio
    saved = faster_whisper_engine.RECOVERY_TEMPERATURES
    stages = [AlignStage()] if variant == "off" else [RecoverStage(), AlignStage()]
    if variant.startswith("t"):
        faster_whisper_engine.RECOVERY_TEMPERATURES = tuple(float(t) for t in variant[1:].split(","))
    try:
        began = time.perf_counter()
        run_stages(context, stages)
        seconds = time.perf_counter() - began
    finally:
        faster_whisper_engine.RECOVERY_TEMPERATURES = saved
    return context.data, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--no-dev", action="store_true")
    parser.add_argument("--language", default="ko")
    parser.add_argument("--variants", default="full;t0;t0,0.4,0.8;off", help="separated by ;")
    parser.add_argument("--ref-dir")
    args = parser.parse_args()
    import django

    django.setup()
    score = load_score()
    files = list(args.files) + ([] if args.no_dev else sorted(DEV_AUDIO.glob("*.flac")))
    variants = [v.strip() for v in args.variants.split(";") if v.strip()]
    for path in files:
        data, audio, timings = first_pass(path, args.language)
        duration = data["duration"]
        reference = reference_for(path, args, ".txt")
        for variant in variants:
            out, seconds = finish(data, audio, variant, args.language)
            segments = out.get("segments") or []
            text = "\n".join(s["text"] for s in segments)
            chars = sum(len(s["text"]) for s in segments)
            unsure = sum(len(s["text"]) for s in segments if s.get("low_confidence"))
            row = {
                "file": path.name,
                "variant": variant,
                "first_pass_rtf": round(timings["transcribe"] / duration, 4),
                "recover_seconds": round(seconds, 1),
                "recover_rtf": round(seconds / duration, 4),
                "words": len(out.get("words") or []),
                "coverage": (out.get("coverage") or {}).get("coverage"),
                "unsure_share": round(unsure / chars, 3) if chars else None,
                "chars": chars,
            }
            if reference:
                row["cer"] = round(score.cer(reference_text(reference), text), 4)
            print(json.dumps(row, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
