"""The transformers engine on the bundled Whisper base, converted from the CTranslate2 model that
faster-whisper runs: the same weights must give the same encoder output and (nearly) the same text,
and the word times must come from the real alignment heads. One espeak-ng clip and one load of each
model per module."""

import difflib
import re

import numpy as np
import pytest

from tests.support.audio import spoken_sentences

pytestmark = pytest.mark.slow

SENTENCES = [
    "Today we will review the budget for the new office.",
    "Please send me the schedule by Friday so that we can approve it.",
]


def words_of(text):
    return re.findall(r"[a-z0-9']+", text.lower())


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    from ai_pipeline.audio import decode_audio

    path, _seconds = spoken_sentences(tmp_path_factory.mktemp("bundled-whisper"), SENTENCES)
    return decode_audio(path)


@pytest.fixture(scope="module")
def folder():
    from ai_pipeline.stt.offline import whisper_base_transformers_dir

    return whisper_base_transformers_dir()


@pytest.fixture(scope="module")
def engine(folder):
    from ai_pipeline.stt import get_engine

    # no model named: the bundled base
    return get_engine("transformers", "", "cpu")


@pytest.fixture(scope="module")
def whisper():
    from ai_pipeline.stt import get_engine

    return get_engine("faster-whisper", "", "cpu")


def test_every_weight_is_converted_and_nothing_is_left_random(folder):
    import torch
    from transformers import WhisperForConditionalGeneration, WhisperProcessor

    from ai_pipeline.stt.offline import whisper_base_transformers_dir

    assert whisper_base_transformers_dir() == folder  # converted once, then reused
    model, info = WhisperForConditionalGeneration.from_pretrained(
        folder, dtype=torch.float32, local_files_only=True, output_loading_info=True
    )
    assert info == {"missing_keys": [], "unexpected_keys": [], "mismatched_keys": [], "error_msgs": []}
    config = model.config
    assert (config.d_model, config.encoder_layers, config.decoder_layers, config.encoder_attention_heads) == (
        512,
        6,
        6,
        8,
    )
    assert (config.vocab_size, config.num_mel_bins, config.max_source_positions, config.max_target_positions) == (
        51865,
        80,
        1500,
        448,
    )
    assert model.proj_out.weight.data_ptr() == model.model.decoder.embed_tokens.weight.data_ptr()
    generation = model.generation_config
    assert generation.lang_to_id["<|ko|>"] == 50264 and generation.task_to_id["transcribe"] == 50359
    assert generation.no_timestamps_token_id == 50363 and len(generation.alignment_heads) == 8
    tokenizer = WhisperProcessor.from_pretrained(folder, local_files_only=True).tokenizer
    assert len(tokenizer) == 51865
    assert tokenizer.convert_ids_to_tokens([50258, 50364, 51864]) == ["<|startoftranscript|>", "<|0.00|>", "<|30.00|>"]


def test_the_encoder_gives_what_ctranslate2_gives_on_the_same_features(engine, whisper, clip):
    import ctranslate2
    import torch

    features = engine.processor.feature_extractor(clip, sampling_rate=16000, return_tensors="pt").input_features
    with torch.inference_mode():
        ours = engine.model.model.encoder(features).last_hidden_state.numpy()[0]
    reference = ctranslate2.models.Whisper(whisper.location, device="cpu", compute_type="float32")
    theirs = np.array(reference.encode(ctranslate2.StorageView.from_array(features.numpy()), to_cpu=True))[0]
    assert ours.shape == theirs.shape == (1500, 512)
    # same float16 weights; only the order of float32 sums differs
    assert np.abs(ours - theirs).max() < 0.05 * np.abs(theirs).max()
    assert np.corrcoef(ours.ravel(), theirs.ravel())[0, 1] > 0.999


def test_greedy_text_matches_faster_whisper_on_the_same_clip(engine, whisper, clip):
    ours = " ".join(engine._decode([clip], "en", None)[0])
    segments, _info = whisper.model.transcribe(
        clip, language="en", beam_size=1, temperature=0.0, without_timestamps=True, vad_filter=False
    )
    theirs = " ".join(segment.text for segment in segments)
    ratio = difflib.SequenceMatcher(None, words_of(ours), words_of(theirs)).ratio()
    assert ratio >= 0.9, (ours, theirs)
    for word in ("budget", "office", "schedule", "friday"):
        assert word in words_of(ours)


def test_the_bundled_model_transcribes_with_word_times_inside_the_clip_in_order(engine, whisper, clip):
    seconds = len(clip) / 16000
    transcript = engine.transcribe(clip, language="en", speech_regions=[(0.0, seconds)])
    words = transcript.words
    assert transcript.language == "en"
    assert len(words) >= 15
    assert all(0.0 <= w.start <= w.end <= seconds for w in words)
    assert [w.start for w in words] == sorted(w.start for w in words)
    assert words[0].end - words[0].start > 0.1  # the first word has its own time, not zero
    # real alignment: the same words start where faster-whisper's alignment puts them
    theirs = whisper.transcribe(clip, language="en", speech_regions=[(0.0, seconds)]).words
    ours_text, theirs_text = ([w.text.strip(" .,").lower() for w in side] for side in (words, theirs))
    matcher = difflib.SequenceMatcher(None, ours_text, theirs_text, autojunk=False)
    offsets = sorted(
        abs(words[block.a + k].start - theirs[block.b + k].start)
        for block in matcher.get_matching_blocks()
        for k in range(block.size)
    )
    assert len(offsets) >= 15
    assert offsets[len(offsets) // 2] < 0.1 and offsets[int(len(offsets) * 0.9)] < 0.3, offsets
    # the second sentence starts well into the second of silence that follows the first (or after it)
    loud = np.flatnonzero(np.abs(clip) > 0.01) / 16000
    pause_start, pause_end = next((a, b) for a, b in zip(loud, loud[1:], strict=False) if b - a > 0.5)
    please = ours_text.index("please")
    assert words[please - 1].start < pause_start and pause_start + 0.5 <= words[please].start <= pause_end + 0.3
