"""Synthesise a multi-speaker meeting with espeak-ng, with its reference transcript and speaker timing.

    .venv/bin/python bench/make_meeting.py bench/data/english_meeting.tsv var/bench/english-meeting
    .venv/bin/python bench/make_meeting.py bench/data/english_meeting.tsv var/bench/english-quiet --gain 0.02

The script is `speaker<TAB>espeak voice<TAB>text` per turn. Writes NAME.wav (16 kHz mono), NAME.txt
(`SPEAKER<TAB>text`, the eval set's format) and NAME.rttm, so bench/pipeline.py and bench/speech_coverage.py
score it like the dev meetings. `--gain` scales the samples (a quiet recording)."""

import argparse
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

RATE = 16000
PAUSE = 0.6


def speak(text, voice, folder):
    path = Path(folder) / "turn.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(path), text], check=True)
    with wave.open(str(path)) as clip:
        rate, frames = clip.getframerate(), clip.readframes(clip.getnframes())
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768
    if rate != RATE:  # espeak writes 22.05 kHz: linear resampling is enough for a benchmark voice
        positions = np.arange(0, len(samples) * RATE / rate) * rate / RATE
        samples = np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)
    voiced = np.flatnonzero(np.abs(samples) > 0.01)
    return samples[voiced[0] : voiced[-1] + 1] if voiced.size else samples


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("script", type=Path)
    parser.add_argument("output", type=Path, help="output path without extension")
    parser.add_argument("--gain", type=float, default=1.0)
    args = parser.parse_args()

    turns = [line.split("\t") for line in args.script.read_text(encoding="utf-8").splitlines() if line.strip()]
    pieces, reference, rttm = [np.zeros(int(RATE * 1.0), np.float32)], [], []
    position = 1.0
    with tempfile.TemporaryDirectory() as folder:
        for speaker, voice, text in turns:
            samples = speak(text, voice, folder)
            seconds = len(samples) / RATE
            rttm.append(f"SPEAKER {args.output.name} 1 {position:.3f} {seconds:.3f} <NA> <NA> {speaker} <NA> <NA>")
            reference.append(f"{speaker}\t{text}")
            pieces += [samples, np.zeros(int(RATE * PAUSE), np.float32)]
            position += seconds + PAUSE
    audio = np.clip(np.concatenate(pieces) * args.gain, -1, 1)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(args.output.with_suffix(".wav")), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((audio * 32767).astype("<i2").tobytes())
    args.output.with_suffix(".txt").write_text("\n".join(reference) + "\n", encoding="utf-8")
    args.output.with_suffix(".rttm").write_text("\n".join(rttm) + "\n", encoding="utf-8")
    print(f"{args.output.with_suffix('.wav')}: {position:.1f} s, {len(turns)} turns")


if __name__ == "__main__":
    main()
