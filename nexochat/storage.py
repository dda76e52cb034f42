"""Where recordings live: the local filesystem (the embedded default) or an S3-compatible object
store (STORAGE_BACKEND=s3). Everything goes through Django's storage API; these subclasses only
fix what the stock backends do badly for multi-gigabyte audio:

- FileSystemStorage leaves a half-written file behind when the disk fills up mid-save.
- S3Storage.open() downloads the whole object before the first byte is read, so a player seeking
  in a two-hour recording would wait for all of it; here reads are ranged GETs, streamed.
- S3Storage reports a missing object as a botocore ClientError; views expect FileNotFoundError.
"""

import contextlib
import functools
import io
import logging
import os

from django.core.files.base import File
from django.core.files.storage import FileSystemStorage

logger = logging.getLogger(__name__)


class LocalStorage(FileSystemStorage):
    def _save(self, name, content):
        try:
            return super()._save(name, content)
        except FileExistsError:
            raise
        except OSError:
            # The name was reserved by get_available_name, so a file there now is our partial write.
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.path(name))
            raise


def _is_missing(exc):
    error = getattr(exc, "response", {}).get("Error", {})
    return str(error.get("Code")) in ("404", "NoSuchKey", "NotFound")


class _RangeReader(io.RawIOBase):
    """A read-only, seekable file over one object. A read continues the current GET; a seek drops it
    and the next read opens `Range: bytes=<pos>-`. Nothing is buffered beyond botocore's socket reads."""

    def __init__(self, obj, size):
        super().__init__()
        self._obj = obj
        self._size = size
        self._pos = 0
        self._body = None

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self._pos

    def seek(self, offset, whence=io.SEEK_SET):
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        position = max(0, base + offset)
        if position != self._pos:
            self._drop_body()
            self._pos = position
        return self._pos

    def readinto(self, buffer):
        if self._pos >= self._size or len(buffer) == 0:
            return 0
        if self._body is None:
            self._body = self._obj.get(Range=f"bytes={self._pos}-")["Body"]
        data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def read(self, size=-1):
        if size is None or size < 0:
            size = self._size - self._pos
        buffer = bytearray(max(0, min(size, self._size - self._pos)))
        view = memoryview(buffer)
        filled = 0
        while filled < len(buffer):
            count = self.readinto(view[filled:])
            if not count:
                break
            filled += count
        return bytes(buffer[:filled])

    def _drop_body(self):
        if self._body is not None:
            self._body.close()
            self._body = None

    def close(self):
        self._drop_body()
        super().close()


@functools.cache
def _s3_storage_class():
    from botocore.exceptions import ClientError
    from storages.backends.s3 import S3Storage

    class ObjectStorage(S3Storage):
        def _open(self, name, mode="rb"):
            if "w" in mode or "a" in mode or "+" in mode:
                return super()._open(name, mode)
            obj = self.bucket.Object(self._normalize_name(name))
            try:
                size = obj.content_length  # one HEAD; also proves the object exists
            except ClientError as exc:
                if _is_missing(exc):
                    raise FileNotFoundError(name) from exc
                raise
            return File(_RangeReader(obj, size), name=name)

        def size(self, name):
            try:
                return super().size(name)
            except ClientError as exc:
                if _is_missing(exc):
                    raise FileNotFoundError(name) from exc
                raise

    return ObjectStorage


def __getattr__(name):
    # Lazy, so the filesystem default never imports boto3.
    if name == "ObjectStorage":
        return _s3_storage_class()
    raise AttributeError(name)


def signed_url(fieldfile, *, content_type, filename, ttl):
    """A short-lived URL the browser can fetch the object from directly, or None where the storage
    cannot sign one (the filesystem). The object store then answers Range requests itself."""
    storage = fieldfile.storage
    if not hasattr(storage, "bucket"):
        return None
    from django.utils.http import content_disposition_header

    parameters = {"ResponseContentType": content_type, "ResponseCacheControl": "private, no-store"}
    if filename:
        parameters["ResponseContentDisposition"] = content_disposition_header(False, filename)
    return storage.url(fieldfile.name, parameters=parameters, expire=ttl)
