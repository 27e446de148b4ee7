#!/usr/bin/env python
"""Django's command-line utility for Connect · facilioo."""

import os
import sys

from django.core.management import execute_from_command_line


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connect.settings.base")
    # Audit entries written by a command say they came from the command line.
    if len(sys.argv) > 1 and sys.argv[1] not in {"runserver", "serve"}:
        os.environ.setdefault("CONNECT_AUDIT_CHANNEL", "cli")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
