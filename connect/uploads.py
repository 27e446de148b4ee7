"""Upload handling: files stream to disk, and the size limit is enforced while receiving.

Django keeps small uploads in memory and large ones in a temporary file. Every upload of the
product is an ERP export, so every upload goes to a temporary file at once, and the upload stops
as soon as it passes ``ERP_UPLOAD_MAX_BYTES``: nothing beyond the limit is ever stored. The view
learns of the refusal from ``upload_refusal(request)``.
"""

from __future__ import annotations

import tempfile
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.http import HttpRequest

_REFUSED = "_erp_upload_refused"
CHUNK = 64 * 1024


class LimitedUploadHandler(TemporaryFileUploadHandler):
    """A temporary file for every upload; stops the upload beyond ERP_UPLOAD_MAX_BYTES."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.received = 0
        self.limit = int(settings.ERP_UPLOAD_MAX_BYTES)

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        self.received = 0
        super().new_file(field_name, file_name, *args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            if self.request is not None:
                setattr(self.request, _REFUSED, self.file_name or "")
            self.file.close()  # the temporary file is removed with it
            raise StopUpload(connection_reset=False)
        return super().receive_data_chunk(raw_data, start)


def upload_refusal(request: HttpRequest) -> str | None:
    """The name of a file that was refused while receiving (too large), else None."""
    value = getattr(request, _REFUSED, None)
    if value is None:
        wrapped = getattr(request, "_request", None)  # a DRF request
        value = getattr(wrapped, _REFUSED, None) if wrapped is not None else None
    return value if isinstance(value, str) else None


class BodyTooLarge(Exception):
    """The request body is larger than ERP_UPLOAD_MAX_BYTES."""


def receive_body(request: HttpRequest) -> File[bytes]:
    """The raw request body (an API push of a .zip) streamed into a temporary file; stops with
    ``BodyTooLarge`` as soon as it passes ERP_UPLOAD_MAX_BYTES (or the announced length does)."""
    limit = int(settings.ERP_UPLOAD_MAX_BYTES)
    try:
        announced = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        announced = 0
    if announced > limit:
        raise BodyTooLarge
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - handed on, closed by the caller
        suffix=".upload", dir=settings.FILE_UPLOAD_TEMP_DIR
    )
    received = 0
    while chunk := request.read(CHUNK):
        received += len(chunk)
        if received > limit:
            handle.close()
            raise BodyTooLarge
        handle.write(chunk)
    handle.flush()
    handle.seek(0)
    upload = File(handle)
    upload.size = received
    return upload
