"""Make a synthetic English multi-speaker meeting with espeak-ng, plus its reference transcript
(NAME.txt, `SPEAKER<TAB>text`) and speaker timing (NAME.rttm), for bench/pipeline.py.

    .venv/bin/python bench/make_english_meeting.py var/bench/english-meeting   # writes .wav/.txt/.rttm
"""

import subprocess
import sys
import tempfile
import wave
from pathlib import Path

VOICES = {"ALICE": "en-us+f3", "BOB": "en+m3", "CAROL": "en-gb+f4"}
TURNS = [
    ("ALICE", "Good morning everyone. Let's start with the budget for the next quarter."),
    ("BOB", "The marketing team asked for more money for the product launch in March."),
    ("CAROL", "I think we should keep the budget flat and move two engineers to the launch."),
    ("ALICE", "That sounds reasonable. Bob, can you prepare the numbers by Friday?"),
    ("BOB", "Yes, I will send the spreadsheet to everyone before the weekly meeting."),
    ("CAROL", "We also need a decision on the new office lease before the end of the month."),
    ("ALICE", "Let's decide that next week after we see the offers from the landlords."),
    ("BOB", "Agreed. I will ask the real estate agent for two more offers."),
    ("CAROL", "Then we are done for today. Thank you all for joining the meeting."),
]
RATE = 16000
PAUSE = 0.6


def main(stem):
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    frames, txt, rttm, clock = [], [], [], 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for index, (speaker, text) in enumerate(TURNS):
            raw = Path(tmp) / f"{index}.wav"
            subprocess.run(["espeak-ng", "-v", VOICES[speaker], "-s", "150", "-w", str(raw), text], check=True)
            resampled = Path(tmp) / f"{index}-16k.wav"
            subprocess.run(
                ["ffmpeg", "-loglevel", "error", "-y", "-i", str(raw), "-ar", str(RATE), "-ac", "1", str(resampled)],
                check=True,
            )
            with wave.open(str(resampled)) as clip:
                data = clip.readframes(clip.getnframes())
            seconds = len(data) / 2 / RATE
            rttm.append(f"SPEAKER {stem.name} 1 {clock:.3f} {seconds:.3f} <NA> <NA> {speaker} <NA> <NA>")
            txt.append(f"{speaker}\t{text}")
            frames.append(data + b"\x00\x00" * int(PAUSE * RATE))
            clock += seconds + PAUSE
    with wave.open(str(stem.with_suffix(".wav")), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(b"".join(frames))
    stem.with_suffix(".txt").write_text("\n".join(txt) + "\n", encoding="utf-8")
    stem.with_suffix(".rttm").write_text("\n".join(rttm) + "\n", encoding="utf-8")
    print(f"{stem.with_suffix('.wav')}: {clock:.1f} s, {len(TURNS)} turns, {len(VOICES)} speakers")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "var/bench/english-meeting")
