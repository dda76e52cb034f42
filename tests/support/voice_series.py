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


def diarize_series(diarizer, meetings):
    """[(turns, {speaker: embedding})] of each meeting, as the diarizer gives them."""
    return [diarizer.diarize_with_embeddings(audio) for audio, _reference in meetings]


def recorded_voiceprints(diarizer, audio, reference, min_speech=0.0):
    """{voice: embedding} with each voice of `reference` enrolled from a recording of its own speech in `audio`
    (own_voice) through the product's recording path (ai_pipeline.diarization.voice); a voice whose stretches
    give no voice is left out."""
    from ai_pipeline.diarization.voice import voice_sample
    from ai_pipeline.pipeline import PipelineError

    prints = {}
    for voice in sorted({who for _start, _end, who in reference}):
        try:
            prints[voice] = voice_sample(own_voice(audio, reference, voice), diarizer, min_speech)["embedding"]
        except PipelineError:
            continue
    return prints


def measure(diarizer, meetings, threshold, diarized=None, enrolled_from=None):
    """Enrol the regular voices from the first meeting, then match later meetings' speakers with the
    product's matching (speakers that are one enrolled voice joined, then one member per speaker). Returns
    {named_correctly, unenrolled_named, scores}: the share of the enrolled voices' speech time named as
    themselves, and the share of newcomers' speech time given someone's name. diarized: diarize_series'
    result, to measure several thresholds on one diarization. enrolled_from: {voice: embedding} to enrol
    instead of "this is me" on the first meeting's speakers (recorded_voiceprints)."""
    from meetings.voiceprints.matching import assign, joined_embedding, similarities, split_voices
    from meetings.voiceprints.services import unit

    diarized = diarized or diarize_series(diarizer, meetings)
    reference = meetings[0][1]
    turns, embeddings = diarized[0]
    owners = _dominant_voice(turns, reference)
    # each voice says "this is me" on every speaker diarization made of it: one voiceprint, the mean
    samples = {}
    for label, vector in embeddings.items():
        if label in owners and enrolled_from is None:
            samples.setdefault(owners[label], []).append(unit(vector))
    for voice, vector in (enrolled_from or {}).items():
        samples[voice] = [unit(vector)]
    voiceprints = [SimpleNamespace(member_id=voice, vector=np.mean(rows, axis=0)) for voice, rows in samples.items()]
    enrolled = set(samples)
    correct = enrolled_time = wrong_new = new_time = 0.0
    scores = {"same": [], "other": [], "newcomer": []}
    for (_audio, reference), (turns, embeddings) in zip(meetings[1:], diarized[1:], strict=True):
        embeddings = dict(embeddings)
        speakers = [SimpleNamespace(pk=label, embedding=vector) for label, vector in embeddings.items()]
        pairs = similarities(speakers, voiceprints)
        truth = _dominant_voice(turns, reference)
        for score, speaker, voiceprint in pairs:
            voice = truth.get(speaker.pk)
            kind = "same" if voice == voiceprint.member_id else "other" if voice in enrolled else "newcomer"
            scores[kind].append(round(score, 3))
        # the product joins the speakers that clearly are one enrolled voice before it names them
        joins = split_voices(pairs, threshold)
        if joins:
            turns = [(start, end, joins.get(label, label)) for start, end, label in turns]
            for target in set(joins.values()):
                parts = [embeddings[target], *(embeddings[label] for label, into in joins.items() if into == target)]
                embeddings[target] = joined_embedding(parts)
            speakers = [speaker for speaker in speakers if speaker.pk not in joins]
            for speaker in speakers:
                speaker.embedding = embeddings[speaker.pk]
            pairs = similarities(speakers, voiceprints)
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


def pyannote_sample():
    """pyannote.audio's sample.wav (two real speakers, 30 s) and its reference turns, from this environment's
    pyannote.audio or from .venv-pyannote beside it; None where neither has it."""
    import glob
    import importlib.util

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.find_spec("pyannote.audio") if importlib.util.find_spec("pyannote") else None
    if spec is not None:
        candidates = [Path(next(iter(spec.submodule_search_locations))) / "sample" / "sample.wav"]
    else:
        candidates = [
            Path(p)
            for p in glob.glob(str(root / ".venv-pyannote/lib/python*/site-packages/pyannote/audio/sample/sample.wav"))
        ]
    for wav in candidates:
        rttm = wav.with_suffix(".rttm")
        if wav.exists() and rttm.exists():
            return wav, _read_rttm(rttm)
    return None


def _read_rttm(path):
    turns = []
    for line in Path(path).read_text().splitlines():
        parts = line.split()
        if parts and parts[0] == "SPEAKER":
            turns.append((float(parts[3]), float(parts[3]) + float(parts[4]), parts[7]))
    return sorted(turns)


def halves(audio, reference):
    """The recording cut in two at its middle: [(first half, its turns), (second half, its turns)], each
    half's turns clipped to it and timed from its own start."""
    middle = len(audio) // 2
    cut = middle / RATE
    first = [(start, min(end, cut), voice) for start, end, voice in reference if start < cut]
    second = [(max(start, cut) - cut, end - cut, voice) for start, end, voice in reference if end > cut]
    return [(audio[:middle], first), (audio[middle:], second)]


def own_voice(audio, reference, voice):
    """The stretches of `audio` where `voice` speaks alone (others' overlapping speech cut out), joined: what
    that person would record of themselves for enrolment."""
    spans = []
    for start, end, who in reference:
        if who != voice:
            continue
        pieces = [(start, end)]
        for other_start, other_end, other in reference:
            if other == voice:
                continue
            pieces = [
                part
                for piece_start, piece_end in pieces
                for part in ((piece_start, min(piece_end, other_start)), (max(piece_start, other_end), piece_end))
                if part[1] - part[0] > 0.05
            ]
        spans += pieces
    return np.concatenate([audio[int(start * RATE) : int(end * RATE)] for start, end in sorted(spans)])
