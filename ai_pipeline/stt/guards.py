"""Guards against Whisper's known failure modes: phantom lines on silence or music (subtitle
credits learnt from video data), repetition loops, and segments the model itself thinks are
not speech."""

import re
import unicodedata
import zlib

from ..audio import speech_seconds
from .base import DroppedText

# Lines Whisper emits from its training subtitles when there is little or no speech.
PHANTOM_PHRASES = [
    "시청해주셔서 감사합니다",
    "시청해 주셔서 감사합니다",
    "시청 해주셔서 감사합니다",
    "구독과 좋아요",
    "구독 좋아요",
    "좋아요와 구독",
    "알림 설정",
    "다음 영상에서 만나요",
    "다음 시간에 만나요",
    "mbc 뉴스",
    "kbs 뉴스",
    "sbs 뉴스",
    "자막 제공",
    "자막 by",
    "한글자막",
    "thank you for watching",
    "thanks for watching",
    "please subscribe",
    "like and subscribe",
    "subtitles by",
    "amara.org",
    "ご視聴ありがとうございました",
]

# Why a guard removed text: stable keys, stored with the gaps they leave (meetings' TranscriptGap).
PHANTOM = "phantom"
NO_SPEECH = "no_speech"
OUTSIDE_SPEECH = "outside_speech"
REPEATED_SEGMENT = "repeated_segment"
REPETITION = "repetition"

NO_SPEECH_PROB = 0.6
LOW_LOGPROB = -1.0
COMPRESSION_RATIO = 2.4
SPEECH_COVER_FOR_PHANTOM = 0.5


def normalise(text):
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[\s\W_]+", " ", text).strip()


_PHANTOMS = [normalise(p) for p in PHANTOM_PHRASES]


def is_phantom(text):
    norm = normalise(text)
    return bool(norm) and any(p in norm for p in _PHANTOMS)


def compression_ratio(text):
    data = text.encode("utf-8")
    if not data:
        return 0.0
    return len(data) / len(zlib.compress(data))


def repeated_ngram_run(tokens, max_n=6, min_repeats=4):
    """(start index, n, repeats) of the longest run of one n-gram repeated back to back, or None."""
    best = None
    for n in range(1, max_n + 1):
        i = 0
        while i + n <= len(tokens):
            gram = tokens[i : i + n]
            repeats = 1
            j = i + n
            while tokens[j : j + n] == gram:
                repeats += 1
                j += n
            if repeats >= min_repeats and (best is None or repeats * n > best[1] * best[2]):
                best = (i, n, repeats)
            i = j if repeats > 1 else i + 1
    return best


def collapse_repetition(words, max_n=6, min_repeats=4):
    """Cut a repetition loop down to one copy of the repeated n-gram. Works on Word lists."""
    tokens = [normalise(w.text) for w in words]
    run = repeated_ngram_run(tokens, max_n, min_repeats)
    if run is None:
        return words, False
    start, n, repeats = run
    kept = words[: start + n] + words[start + n * repeats :]
    return collapse_repetition(kept, max_n, min_repeats)[0], True


def clean_segments(segments, speech_regions=None):
    """Remove only clear hallucination signatures: phantom subtitle lines and text the model itself
    scored as non-speech where the VAD heard little speech, text outside all speech, the same sentence
    looping window after window, and repetition loops inside a segment (cut to one copy).

    Text that is merely uncertain (a low average log-probability is common for real Korean speech on a
    small model) is kept; it is shown as low confidence instead. Returns (kept, [DroppedText])."""
    kept, dropped = [], []
    for segment in segments:
        text = segment.text.strip()
        if not text:
            continue

        def drop(reason):
            dropped.append(DroppedText(segment.start, segment.end, reason, text))  # noqa: B023

        duration = max(0.01, segment.end - segment.start)
        speech = speech_seconds(speech_regions, segment.start, segment.end) if speech_regions is not None else duration
        low_speech = speech / duration < SPEECH_COVER_FOR_PHANTOM
        if is_phantom(text) and (low_speech or segment.no_speech_prob > 0.3):
            drop(PHANTOM)
            continue
        if low_speech and segment.no_speech_prob > NO_SPEECH_PROB and segment.avg_logprob < LOW_LOGPROB:
            drop(NO_SPEECH)
            continue
        if speech_regions is not None and speech == 0.0:
            drop(OUTSIDE_SPEECH)
            continue
        if kept and len(normalise(text)) >= 10 and normalise(text) == normalise(kept[-1].text):
            # the same sentence again, window after window: the decoder looping on its own prompt
            drop(REPEATED_SEGMENT)
            continue
        if segment.words:
            words, looped = collapse_repetition(segment.words)
            if looped:
                drop(REPETITION)
                segment.words = words
                segment.text = "".join(w.text for w in words)
        elif compression_ratio(text) > COMPRESSION_RATIO:
            tokens = text.split()
            run = repeated_ngram_run([normalise(t) for t in tokens])
            if run is not None:
                start, n, repeats = run
                segment.text = " ".join(tokens[: start + n] + tokens[start + n * repeats :])
                drop(REPETITION)
        kept.append(segment)
    return kept, dropped
