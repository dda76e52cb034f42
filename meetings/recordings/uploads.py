"""Upload handling: recordings stream to a temporary file while their SHA-256 is computed,
so a multi-gigabyte upload never sits in memory and is never read twice."""

import contextlib
import hashlib
import logging

from django.conf import settings
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def storage_unavailable_message():
    return _("The recording could not be stored. Please try again later.")


class HashingLimitedUploadHandler(TemporaryFileUploadHandler):
    """Writes each uploaded file to disk, hashes it on the way, and drops it past MAX_UPLOAD_SIZE.

    A dropped file is recorded in request.upload_errors so the view can say why it is missing."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.sha256 = hashlib.sha256()
        self.received = 0
        self.limit = settings.MAX_UPLOAD_SIZE

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self._drop("too_large")
            raise SkipFile()
        self.sha256.update(raw_data)
        try:
            return super().receive_data_chunk(raw_data, start)
        except OSError:
            self._drop("storage_unavailable")
            raise SkipFile() from None

    def file_complete(self, file_size):
        try:
            uploaded = super().file_complete(file_size)  # flushes the last buffered bytes
        except OSError:
            self._drop("storage_unavailable")
            return None
        uploaded.sha256 = self.sha256.hexdigest()
        return uploaded

    def _drop(self, reason):
        """Forget the file (the temporary file is deleted on close) and say why for the view."""
        if reason == "storage_unavailable":
            logger.exception("writing an upload to %s failed", settings.FILE_UPLOAD_TEMP_DIR or "the temp dir")
        with contextlib.suppress(OSError):  # a full disk can fail the last flush; the file is unlinked anyway
            self.file.close()
        errors = getattr(self.request, "upload_errors", {})
        errors[self.field_name] = reason
        self.request.upload_errors = errors
