"""A synthetic series of meetings for speaker memory: espeak-ng voices, some reused in every meeting and one
new voice per meeting, with the reference of who spoke when. The slow test and bench/voiceprints.py share it;
the threshold (VOICEPRINT_THRESHOLD) was calibrated on these meetings."""

import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import soundfile as sf

from tests.support.tools import missing_tool

RATE = 16000
PAUSE = 0.4
REGULARS = ["en+m3", "en+f3", "en+m7"]
NEWCOMERS = ["en+f5", "en+m1", "en+f2"]
LINES = [
    "Good morning, let us look at the schedule for this week and the open questions.",
    "The design review moved to Thursday because the drawings were not ready yet.",
    "I can take the budget report, but I need the numbers from finance first.",
    "We agreed last time that the launch date stays in March, unless testing slips.",
    "The customer asked for a second training session for their new staff.",
    "Please send the contract to legal before Friday so we can sign next week.",
    "Our server costs went down after we moved the batch jobs to the night.",
    "I will call the supplier today and ask about the delayed parts.",
    "Let us keep the hiring plan as it is and revisit it after the quarter.",
    "Thanks everyone, I will write the notes and share them this afternoon.",
]


def synth(text, voice, folder, name):
    if not shutil.which("espeak-ng"):
        missing_tool("espeak-ng is not installed (.ci/run installs it)")
    raw = Path(folder) / f"{name}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "160", "-w", str(raw), text], check=True)
    samples, rate = sf.read(raw, dtype="float32")
    raw.unlink()
    if rate != RATE:
        positions = np.arange(0, len(samples), rate / RATE)
        samples = np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)
    return samples


def meeting(voices, number, folder):
    """(audio, [(start, end, voice)]): each voice says two lines, taking turns."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pieces, reference, cursor = [np.zeros(int(0.3 * RATE), dtype=np.float32)], [], 0.3
    order = [voices[i % len(voices)] for i in range(2 * len(voices))]
    for index, voice in enumerate(order):
        text = LINES[(number * 3 + index) % len(LINES)]
        speech = synth(text, voice, folder, f"m{number}-t{index}")
        pieces += [speech, np.zeros(int(PAUSE * RATE), dtype=np.float32)]
        reference.append((cursor, cursor + len(speech) / RATE, voice))
        cursor += len(speech) / RATE + PAUSE
    return np.concatenate(pieces), reference


def series(folder, meetings=4):
    """The first meeting has the regular voices only; each later one the regulars and one newcomer."""
    return [
        meeting(REGULARS if number == 0 else [*REGULARS, NEWCOMERS[number - 1]], number, folder)
        for number in range(meetings)
    ]


def _overlap(a_start, a_end, b_start, b_end):
    return max(0.0, min(a_end, b_end) - max(a_start, b_start))


def _dominant_voice(turns, reference):
    """{diarized label: the reference voice it shares most time with}."""
    shared = {}
    for start, end, label in turns:
        for ref_start, ref_end, voice in reference:
            shared.setdefault(label, {}).setdefault(voice, 0.0)
            shared[label][voice] += _overlap(start, end, ref_start, ref_end)
    return {label: max(voices, key=voices.get) for label, voices in shared.items()}


def measure(diarizer, meetings, threshold):
    """Enrol the regular voices from the first meeting, then match later meetings' speakers with the
    product's matching. Returns {named_correctly, unenrolled_named, scores}: the share of the enrolled voices'
    speech time named as themselves, and the share of newcomers' speech time given someone's name."""
    from meetings.voiceprints.matching import assign, similarities
    from meetings.voiceprints.services import unit

    audio, reference = meetings[0]
    turns, embeddings = diarizer.diarize_with_embeddings(audio)
    owners = _dominant_voice(turns, reference)
    # each voice says "this is me" on every speaker diarization made of it: one voiceprint, the mean
    samples = {}
    for label, vector in embeddings.items():
        if label in owners:
            samples.setdefault(owners[label], []).append(unit(vector))
    voiceprints = [SimpleNamespace(member_id=voice, vector=np.mean(rows, axis=0)) for voice, rows in samples.items()]
    enrolled = set(samples)
    correct = enrolled_time = wrong_new = new_time = 0.0
    scores = {"same": [], "other": [], "newcomer": []}
    for audio, reference in meetings[1:]:
        turns, embeddings = diarizer.diarize_with_embeddings(audio)
        speakers = [SimpleNamespace(pk=label, embedding=vector) for label, vector in embeddings.items()]
        pairs = similarities(speakers, voiceprints)
        truth = _dominant_voice(turns, reference)
        for score, speaker, voiceprint in pairs:
            voice = truth.get(speaker.pk)
            kind = "same" if voice == voiceprint.member_id else "other" if voice in enrolled else "newcomer"
            scores[kind].append(round(score, 3))
        named = {label: member for label, (member, _score) in assign(pairs, threshold).items()}
        for ref_start, ref_end, voice in reference:
            for start, end, label in turns:
                shared = _overlap(start, end, ref_start, ref_end)
                if voice in enrolled:
                    correct += shared if named.get(label) == voice else 0.0
                elif named.get(label) is not None:
                    wrong_new += shared
            if voice in enrolled:
                enrolled_time += ref_end - ref_start
            else:
                new_time += ref_end - ref_start
    return {
        "named_correctly": correct / enrolled_time if enrolled_time else 0.0,
        "unenrolled_named": wrong_new / new_time if new_time else 0.0,
        "scores": scores,
    }
