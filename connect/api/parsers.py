"""The API's JSON parser: bounded in size and nesting, so no body can cost a 500 or the memory.

DRF reads the request stream itself, past Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``; this parser
reads at most ``API_MAX_BODY_BYTES`` and refuses JSON nested deeper than ``API_MAX_JSON_DEPTH``
with a 400 and a German message (Python's JSON decoder would otherwise raise RecursionError).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, DataAndFiles, JSONParser


def json_depth(value: Any) -> int:
    """How deep lists and objects nest in a parsed JSON value (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        stack.extend((child, depth + 1) for child in children)
    return deepest


class BoundedJSONParser(JSONParser):
    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = int(getattr(settings, "API_MAX_BODY_BYTES", 1_048_576))
        max_depth = int(getattr(settings, "API_MAX_JSON_DEPTH", 32))
        too_large = _("Die Anfrage ist zu groß (höchstens %(kb)d KB).") % {"kb": limit // 1024}
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH", "") if request is not None else ""
        if str(declared).isdecimal() and int(declared) > limit:
            raise ParseError(too_large)
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise ParseError(too_large)
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding), parse_constant=self._refuse_constant)
        except RecursionError:
            data = None
            max_depth = -1
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(_("Der Inhalt ist kein gültiges JSON.")) from exc
        if max_depth < 0 or json_depth(data) > max_depth:
            raise ParseError(
                _("Das JSON ist zu tief verschachtelt (höchstens %(n)d Ebenen).")
                % {"n": int(getattr(settings, "API_MAX_JSON_DEPTH", 32))}
            )
        return data

    @staticmethod
    def _refuse_constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")


class ExportBodyParser(BaseParser):
    """The ERP export push: the body stays for the view, which streams it to a file itself.

    A ``.zip`` body is not read here at all; a multipart form is Django's own (streamed to a
    temporary file by the upload handler, with its limit). So a logged-in admin's session can
    push too: DRF's CSRF check of a session write asks for the form fields, which used to make
    DRF parse the body and refuse it with 415.
    """

    media_type = "*/*"

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        request = (parser_context or {}).get("request")
        if request is not None and (media_type or "").startswith("multipart/form-data"):
            django_request = request._request
            return DataAndFiles(django_request.POST, django_request.FILES)
        return {}
