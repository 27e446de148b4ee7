"""Compile locale/*/LC_MESSAGES/*.po into .mo files.

Uses GNU gettext (Django's compilemessages) when it is installed, otherwise the pure-Python
polib, so a fresh machine without gettext still gets its translations.
"""

import shutil
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Übersetzungen kompilieren (.po → .mo)."

    def handle(self, *args, **options):
        if shutil.which("msgfmt"):
            call_command("compilemessages", verbosity=0, ignore=[".venv", "var"])
            return
        count = 0
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in Path(locale_dir).glob("*/LC_MESSAGES/*.po"):
                polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
                count += 1
        self.stdout.write(f"{count} Übersetzungsdateien kompiliert (polib).")
