"""Upload handling: recordings stream to a temporary file while their SHA-256 is computed,
so a multi-gigabyte upload never sits in memory and is never read twice."""

import hashlib

from django.conf import settings
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler


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
            self.file.close()  # the temporary file is deleted on close
            errors = getattr(self.request, "upload_errors", {})
            errors[self.field_name] = "too_large"
            self.request.upload_errors = errors
            raise SkipFile()
        self.sha256.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        uploaded = super().file_complete(file_size)
        uploaded.sha256 = self.sha256.hexdigest()
        return uploaded
