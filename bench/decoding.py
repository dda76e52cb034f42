"""Beam search against greedy decoding: the bundled Whisper base through faster-whisper alone (VAD on, word
times, earlier text as context, as the first pass decodes), time and CER per file and beam size.

    .venv/bin/python bench/decoding.py var/bench/sample.wav var/bench/en10.wav --language en
    .venv/bin/python bench/decoding.py --beams 5,1,2 FILE.wav ...

Each file needs its reference transcript next to it (NAME.txt, `SPEAKER<TAB>text` per line)."""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexochat.settings")
os.environ.setdefault("DEBUG", "1")

from pipeline import load_score, reference_text  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--language", default="ko")
    parser.add_argument("--beams", default="5,1", help="beam sizes, comma-separated (1: greedy)")
    args = parser.parse_args()
    import django

    django.setup()
    from ai_pipeline.audio import decode_audio
    from ai_pipeline.stt import get_engine

    score = load_score()
    engine = get_engine("faster-whisper", "", "cpu")
    for path in args.files:
        audio = decode_audio(path)
        reference = reference_text(path.with_suffix(".txt"))
        for beam in (int(b) for b in args.beams.split(",")):
            began = time.perf_counter()
            segments, _info = engine.model.transcribe(
                audio, language=args.language, vad_filter=True, word_timestamps=True, beam_size=beam
            )
            text = "\n".join(segment.text for segment in segments)
            seconds = time.perf_counter() - began
            row = {
                "file": path.name,
                "beam": beam,
                "rtf": round(seconds / (len(audio) / 16000), 4),
                "cer": round(score.cer(reference, text), 4),
            }
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
