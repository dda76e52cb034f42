"""Whisper through Hugging Face transformers: any checkpoint by hub id or local folder
(e.g. SungBeom/whisper-small-ko); with no model named, the bundled Whisper base converted from
CTranslate2 (offline.whisper_base_transformers_dir). Long recordings are cut at pauses into windows of up to
30 s and decoded in batches (fp16 + SDPA attention on CUDA); word times come from the
cross-attention alignment heads."""

import logging
import os
import re
from importlib.util import find_spec
from pathlib import Path

from .base import ModelLoadError, OutOfMemory, SttEngine, SttSegment, Transcript, Word, is_out_of_memory
from .guards import clean_segments

logger = logging.getLogger(__name__)

SPECIAL_TOKEN = re.compile(r"<\|[^|]*\|>")
WINDOW = 30.0
SAMPLE_RATE = 16000


def windows(regions, duration, max_length=WINDOW):
    """Pack speech regions into windows of at most max_length seconds, cutting only in pauses
    (a single region longer than that is cut into equal pieces)."""
    if not regions:
        regions = [(0.0, duration)]
    result = []
    for start, end in regions:
        while end - start > max_length:
            result.append([start, start + max_length])
            start += max_length
        if result and end - result[-1][0] <= max_length and start - result[-1][1] < 2.0:
            result[-1][1] = end
        else:
            result.append([start, end])
    return [(round(s, 3), round(e, 3)) for s, e in result]


class TransformersWhisperEngine(SttEngine):
    name = "transformers"
    default_batch_size = 16

    def __init__(self, model, device):
        super().__init__(model, device)
        if not model:
            from .offline import whisper_base_transformers_dir

            model = str(whisper_base_transformers_dir())
        import torch
        from transformers import WhisperForConditionalGeneration, WhisperProcessor

        local = Path(model).exists()
        if not local and model.startswith((".", "/")):
            raise ModelLoadError(f"The speech-to-text model folder {model} does not exist.")
        self.torch = torch
        self.dtype = torch.float16 if device == "cuda" else torch.float32
        offline = local or os.environ.get("HF_HUB_OFFLINE") == "1"
        attention = "sdpa"
        if device == "cuda" and find_spec("flash_attn") is not None:
            attention = "flash_attention_2"
        try:
            self.processor = WhisperProcessor.from_pretrained(model, local_files_only=offline)
            self.model = WhisperForConditionalGeneration.from_pretrained(
                model, dtype=self.dtype, attn_implementation=attention, local_files_only=offline
            )
        except Exception as exc:
            raise ModelLoadError(f"The speech-to-text model {model!r} could not be loaded: {exc}") from exc
        self.model.to(device).eval()
        self.has_alignment = bool(getattr(self.model.generation_config, "alignment_heads", None))
        if self.has_alignment and hasattr(self.model, "_extract_token_timestamps"):
            self.model._extract_token_timestamps = _keep_first_token_row(self.model._extract_token_timestamps)
        self.suppress = _SuppressMasks(self.model.generation_config, self.model.config.vocab_size, device)

    def transcribe(
        self, audio, language=None, initial_prompt=None, progress=None, speech_regions=None, batch_size=None
    ):
        duration = len(audio) / SAMPLE_RATE
        spans = windows(speech_regions, duration)
        batch_size = int(batch_size or (self.default_batch_size if self.device == "cuda" else 4))
        segments = []
        detected = language
        try:
            for first in range(0, len(spans), batch_size):
                batch = spans[first : first + batch_size]
                pieces = [audio[int(s * SAMPLE_RATE) : int(e * SAMPLE_RATE)] for s, e in batch]
                texts, words, lang = self._decode(pieces, language, initial_prompt)
                detected = detected or lang
                for (start, end), text, piece_words in zip(batch, texts, words, strict=True):
                    shifted = [
                        Word(w.text, min(end, start + w.start), min(end, start + w.end), w.probability)
                        for w in piece_words
                    ]
                    segments.append(SttSegment(start=start, end=end, text=text, words=shifted))
                if progress:
                    progress(min(1.0, batch[-1][1] / duration))
        except Exception as exc:
            if is_out_of_memory(exc):
                raise OutOfMemory(str(exc)) from exc
            raise
        kept, dropped = clean_segments(segments, speech_regions)
        return Transcript(language=detected or "", segments=kept, dropped=dropped)

    def redecode(self, audio, language=None, initial_prompt=None):
        end = len(audio) / SAMPLE_RATE
        try:
            texts, words, lang = self._decode(
                [audio],
                language,
                initial_prompt,
                # every temperature is tried until the text stops looking like a loop or noise
                temperature=(0.0, 0.2, 0.4, 0.6, 0.8, 1.0),
                logprob_threshold=-1.0,
                compression_ratio_threshold=1.35,  # transformers measures it on token ids, not bytes
                condition_on_prev_tokens=False,
            )
        except Exception as exc:
            if is_out_of_memory(exc):
                raise OutOfMemory(str(exc)) from exc
            raise
        clipped = [Word(w.text, min(end, w.start), min(end, w.end), w.probability) for w in words[0]]
        kept, dropped = clean_segments([SttSegment(start=0.0, end=end, text=texts[0], words=clipped)], [(0.0, end)])
        return Transcript(language=language or lang or "", segments=kept, dropped=dropped)

    def _decode(self, pieces, language, initial_prompt, **generate_options):
        torch = self.torch
        features = self.processor.feature_extractor(
            pieces, sampling_rate=SAMPLE_RATE, return_tensors="pt", return_attention_mask=True
        )
        kwargs = {"task": "transcribe", "return_dict_in_generate": True, **self.suppress.options(), **generate_options}
        if language:
            kwargs["language"] = language
        if initial_prompt:
            kwargs["prompt_ids"] = torch.tensor(self.processor.get_prompt_ids(initial_prompt), device=self.device)
        if self.has_alignment:
            kwargs["return_token_timestamps"] = True
        with torch.inference_mode():
            out = self.model.generate(
                features.input_features.to(self.device, self.dtype),
                attention_mask=features.attention_mask.to(self.device),
                **kwargs,
            )
        sequences = out["sequences"] if isinstance(out, dict) or hasattr(out, "keys") else out
        stamps = out.get("token_timestamps") if hasattr(out, "get") else None
        tokenizer = self.processor.tokenizer
        special = set(tokenizer.all_special_ids)
        start_id = self.model.generation_config.decoder_start_token_id
        lang = None
        texts, all_words = [], []
        for row, sequence in enumerate(sequences.tolist()):
            if lang is None:
                lang = next((tokenizer.convert_ids_to_tokens(t)[2:-2] for t in sequence if self._is_language(t)), None)
            words = []
            # the prompt (glossary) comes back in front of <|startoftranscript|>: skip it
            begin = max((i for i, t in enumerate(sequence) if t == start_id), default=-1) + 1
            for position, token in enumerate(sequence):
                if position < begin or token in special or token >= len(tokenizer):
                    continue
                piece = tokenizer.decode([token])
                if SPECIAL_TOKEN.fullmatch(piece.strip()):
                    continue
                if stamps is not None:
                    start = float(stamps[row][position - 1]) if position else 0.0
                    end = float(stamps[row][position])
                else:
                    start = end = 0.0
                if words and not piece.startswith(" ") and not words[-1].text.endswith(" "):
                    words[-1].text += piece
                    words[-1].end = max(words[-1].end, end)
                else:
                    words.append(Word(piece, start, max(start, end), 1.0))
            words = [w for w in words if w.text.strip()]
            if stamps is None and words:
                span = len(pieces[row]) / SAMPLE_RATE / len(words)
                for i, word in enumerate(words):
                    word.start, word.end = i * span, (i + 1) * span
            if words and not words[0].text.startswith(" "):
                words[0].text = " " + words[0].text
            texts.append("".join(w.text for w in words))
            all_words.append(words)
        return texts, all_words, lang

    def _is_language(self, token):
        lang_to_id = getattr(self.model.generation_config, "lang_to_id", None) or {}
        return token in set(lang_to_id.values())


class _SuppressMasks:
    """The generation config's suppress_tokens and begin_suppress_tokens, applied with masks made once.
    transformers rebuilds them with torch.isin over the whole vocabulary at every step, which took about
    0.2 s a step on a 2-core CPU, more than the model itself (Whisper base: 50 s for one 30 s window)."""

    def __init__(self, generation_config, vocab_size, device):
        import torch

        def mask(tokens):
            result = torch.zeros(vocab_size, dtype=torch.bool, device=device)
            if tokens:
                result[torch.tensor([t for t in tokens if t < vocab_size], dtype=torch.long)] = True
            return result

        self.always = mask(getattr(generation_config, "suppress_tokens", None))
        self.at_begin = mask(getattr(generation_config, "begin_suppress_tokens", None))
        # generate builds its own processors from these (and does not take None for them as options)
        generation_config.suppress_tokens = None
        generation_config.begin_suppress_tokens = None

    def options(self):
        from transformers.generation.logits_process import (
            LogitsProcessorList,
            SuppressTokensAtBeginLogitsProcessor,
            SuppressTokensLogitsProcessor,
        )

        masks = self

        # subclasses, so that Whisper's generate still finds the suppressed tokens where it looks for them
        class Always(SuppressTokensLogitsProcessor):
            def __call__(self, input_ids, scores):
                return scores.masked_fill(masks.always, -float("inf"))

        class AtBegin(SuppressTokensAtBeginLogitsProcessor):
            def __call__(self, input_ids, scores):
                if input_ids.shape[-1] != self.begin_index:
                    return scores
                return scores.masked_fill(masks.at_begin, -float("inf"))

        device = self.always.device
        processors = [
            Always(self.always.nonzero().flatten().tolist(), device=device),
            AtBegin(self.at_begin.nonzero().flatten().tolist(), begin_index=0, device=device),
        ]
        return {"logits_processor": LogitsProcessorList(processors)}


def _keep_first_token_row(extract):
    """transformers leaves every decoder input's cross-attention row out of the alignment, the last one
    (<|notimestamps|>, whose row predicts the first word) included; OpenAI's alignment keeps it. Without
    it the time warping starts at the second word: the first word of every window ended where it began
    and the second took its time (7.48-7.48 and 7.48-8.48 s where faster-whisper has 7.44-7.88 and
    8.28-8.46 s)."""

    def extract_with_first_row(
        generate_outputs, alignment_heads, time_precision=0.02, num_frames=None, num_input_ids=None
    ):
        if num_input_ids is not None and num_input_ids > 1:
            num_input_ids -= 1
        return extract(generate_outputs, alignment_heads, time_precision, num_frames, num_input_ids)

    return extract_with_first_row
