"""Speech engines read files from disk; stored files may live in object storage (S3), which has no path."""

import shutil
from pathlib import Path


def local_path(field_file, folder, stem=None):
    """A filesystem path for a stored file: the storage's own where it has one, otherwise a copy made in
    `folder` (named stem + the file's suffix, or the file's own name), copied once."""
    try:
        return Path(field_file.storage.path(field_file.name))
    except NotImplementedError:
        name = Path(field_file.name)
        target = Path(folder) / (stem + name.suffix if stem else name.name)
        if not target.exists():
            with field_file.open("rb") as source, target.open("wb") as out:
                shutil.copyfileobj(source, out, 1024 * 1024)
        return target
