"""Recordings going up: a multipart body built by hand, an upload through the meeting page, and an
uploaded-file object for the service functions."""

import uuid
from pathlib import Path

from django.core.files.uploadedfile import TemporaryUploadedFile
from django.urls import reverse

XHR = {"x-requested-with": "XMLHttpRequest", "accept": "application/json"}


def multipart(filename, content, content_type="application/octet-stream", field="file"):
    """A multipart body built by hand: Django's test client strips directories from file names,
    and these tests need to send names like "../../etc/passwd.wav" as a browser could."""
    boundary = uuid.uuid4().hex
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    body = head + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def upload_file(client, meeting, path_or_bytes, name=None, content_type="audio/wav", xhr=True):
    content = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    if name is None:
        name = Path(path_or_bytes).name
    body, ctype = multipart(name, content, content_type)
    return client.generic(
        "POST", reverse("meetings:upload", args=[meeting.pk]), body, content_type=ctype, headers=XHR if xhr else {}
    )


def uploaded(path, name=None, content_type="audio/wav"):
    data = path.read_bytes()
    upload = TemporaryUploadedFile(name or path.name, content_type, len(data), None)
    upload.write(data)
    upload.seek(0)
    return upload
