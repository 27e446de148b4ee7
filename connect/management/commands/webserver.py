"""The embedded web server of ``manage.py serve``: Django's ``runserver`` (with the static
files, like ``runserver --insecure``), except that a path out of the static folder
(``/static/../var/secret_key``) is a plain 404.

Django's static file handler turns such a path into ``SuspiciousFileOperation``, which it
does not catch: the server answered 500. The file itself was never served, and is not now.
"""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand
from django.core.exceptions import SuspiciousOperation
from django.http import FileResponse, Http404, HttpRequest, HttpResponse


class SafeStaticFilesHandler(StaticFilesHandler):
    def serve(self, request: HttpRequest) -> HttpResponse | FileResponse:
        try:
            return super().serve(request)
        except SuspiciousOperation as exc:
            raise Http404 from exc


class Command(RunserverCommand):
    help = "Der eingebaute Webserver (runserver) mit den statischen Dateien."

    def get_handler(self, *args: Any, **options: Any) -> Any:
        handler = super().get_handler(*args, **options)
        if isinstance(handler, StaticFilesHandler):
            return SafeStaticFilesHandler(handler.application)
        return handler
