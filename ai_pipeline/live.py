"""Live transcription's windows: audio that is still arriving is cut at pauses into windows of a bounded
length, and each closed window is transcribed on its own. Plain data in and out (samples, seconds,
an engine); the app (meetings/live) decides which audio to hand over and stores the text."""

from dataclasses import dataclass, field

from .audio import SAMPLE_RATE

# A speech region that ends at least this far before the audio does was followed by a pause the VAD heard
# (it closes a region only after its own minimum silence); one reaching the end may still be going on.
PAUSE_SECONDS = 0.25


@dataclass
class LiveWindow:
    start: float  # seconds from the start of the audio handed in
    end: float
    text: str = ""
    words: list = field(default_factory=list)


def live_windows(regions, audio_seconds, max_seconds, final=False):
    """The closed windows among `regions` (speech [(start, end)] seconds, from the VAD) of audio that is
    `audio_seconds` long so far, and the second up to which that audio is settled.

    Each region followed by a pause is a window; a region longer than `max_seconds` is cut into windows of
    `max_seconds`. The last region, still going on at the end of the audio, stays open (its start is where
    the next call begins) unless `final`, or unless it is already `max_seconds` long. Silence with no open
    region is settled up to the last PAUSE_SECONDS (the start of a word may be there)."""
    windows = []
    open_start = None
    for index, (start, end) in enumerate(regions):
        still_going = index == len(regions) - 1 and not final and audio_seconds - end < PAUSE_SECONDS
        while end - start > max_seconds:
            windows.append(LiveWindow(start, start + max_seconds))
            start += max_seconds
        if still_going:
            open_start = start
            break
        windows.append(LiveWindow(start, end))
    if open_start is not None:
        settled = open_start
    elif final:
        settled = audio_seconds
    else:
        settled = max(0.0, audio_seconds - PAUSE_SECONDS, windows[-1].end if windows else 0.0)
    return windows, round(min(settled, audio_seconds), 3)


def transcribe_windows(audio, windows, engine, language=None, initial_prompt=None):
    """Fill each window's text and words (times from the start of `audio`) with `engine` (ai_pipeline.stt)."""
    for window in windows:
        first, last = int(window.start * SAMPLE_RATE), int(window.end * SAMPLE_RATE)
        clip = audio[first:last]
        if clip.size < SAMPLE_RATE // 10:
            continue
        transcript = engine.transcribe(clip, language=language, initial_prompt=initial_prompt)
        window.text = " ".join(segment.text.strip() for segment in transcript.segments).strip()
        window.words = [
            {**word.as_dict(), "s": round(word.start + window.start, 3), "e": round(word.end + window.start, 3)}
            for segment in transcript.segments
            for word in segment.words
        ]
    return windows
