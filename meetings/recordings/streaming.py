"""Serving stored recordings with HTTP Range support, so audio players can seek.

Django's FileResponse always sends the whole file; browsers seeking in a long recording ask for
`Range: bytes=N-` and expect 206 Partial Content. One range per request is enough for media players;
a multi-range request gets the whole file (RFC 9110 allows ignoring Range)."""

import mimetypes
import re

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.http import content_disposition_header

_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)
UNSATISFIABLE = "unsatisfiable"


def parse_range(header, size):
    """(start, end) inclusive for a single satisfiable range, UNSATISFIABLE, or None to send it all."""
    match = _RANGE.match(header or "")
    if not match:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        suffix = int(last)
        if suffix == 0:
            return UNSATISFIABLE
        return (max(0, size - suffix), size - 1) if size else UNSATISFIABLE
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        return UNSATISFIABLE
    return start, min(end, size - 1)


def _read_range(fileobj, start, length, chunk_size):
    try:
        fileobj.seek(start)
        remaining = length
        while remaining > 0:
            chunk = fileobj.read(min(chunk_size, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        fileobj.close()


def ranged_file_response(request, fileobj, *, size, content_type, filename=None, etag=None, chunk_size=256 * 1024):
    """A 200 with the whole file, a 206 with the requested bytes, or a 416 for a range past the end."""
    header = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    byte_range = parse_range(header, size) if header else None
    if byte_range is not None and if_range and (etag is None or if_range.strip() != etag):
        byte_range = None  # the client's copy is stale: send the current file whole
    if byte_range == UNSATISFIABLE:
        fileobj.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    elif byte_range is None:
        response = FileResponse(fileobj, content_type=content_type)
        response["Content-Length"] = str(size)
    else:
        start, end = byte_range
        length = end - start + 1
        response = StreamingHttpResponse(
            _read_range(fileobj, start, length, chunk_size), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if etag:
        response["ETag"] = etag
    if filename and response.status_code != 416:
        response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


def recording_response(request, recording, *, content_type, etag=None):
    """The recording for a caller that has already checked permission: streamed from storage
    (filesystem or object store) with Range support, or, with RECORDING_SIGNED_URLS on and a storage
    that can sign, a redirect to a URL that expires after RECORDING_URL_TTL seconds."""
    from nexochat.storage import signed_url

    if recording is None or not recording.file:
        raise Http404("No recording.")
    if settings.RECORDING_SIGNED_URLS:
        url = signed_url(
            recording.file, content_type=content_type, filename=recording.original_name, ttl=settings.RECORDING_URL_TTL
        )
        if url:
            response = HttpResponseRedirect(url)
            response["Cache-Control"] = "private, no-store"
            return response
    storage = recording.file.storage
    try:
        size = storage.size(recording.file.name)
        fileobj = storage.open(recording.file.name, "rb")
    except FileNotFoundError as exc:
        raise Http404("The recording file is missing.") from exc
    return ranged_file_response(
        request, fileobj, size=size, content_type=content_type, filename=recording.original_name, etag=etag
    )


def content_type_for(recording):
    """Only audio/video types are served; the browser-declared type is otherwise not trusted."""
    declared = (recording.content_type or "").split(";")[0].strip().lower()
    if declared.startswith(("audio/", "video/")):
        return declared
    guessed, _encoding = mimetypes.guess_type(recording.file.name)
    if guessed and guessed.startswith(("audio/", "video/")):
        return guessed
    return "application/octet-stream"
