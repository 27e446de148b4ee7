from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
from django.urls import reverse

from tests.services import unavailable

ROOT = Path(__file__).resolve().parents[2]


def test_german_is_the_default(client, tenancy):
    client.force_login(tenancy.admin_a)
    body = client.get(reverse("portal:dashboard", kwargs={"slug": "alpha"})).content.decode()
    assert "Übersicht" in body
    assert '<html lang="de"' in body


def test_language_switch_to_english_and_back(client, tenancy):
    client.force_login(tenancy.admin_a)
    url = reverse("portal:dashboard", kwargs={"slug": "alpha"})
    client.post(reverse("set_language"), {"language": "en", "next": url})
    body = client.get(url).content.decode()
    assert '<html lang="en"' in body
    assert "Overview" in body
    assert "Not activated." in body
    client.post(reverse("set_language"), {"language": "de", "next": url})
    assert "Übersicht" in client.get(url).content.decode()


def test_every_string_has_an_english_translation(tmp_path):
    if not shutil.which("xgettext"):
        unavailable("GNU gettext (xgettext) is not installed (apt-get install gettext)")
    # given: a copy of the project, so the extraction never rewrites the tracked catalog
    copy = tmp_path / "project"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")
    for name in ("connect", "integrations", "templates", "locale"):
        shutil.copytree(ROOT / name, copy / name, ignore=ignore)
    shutil.copy2(ROOT / "manage.py", copy / "manage.py")
    tracked = (ROOT / "locale/en/LC_MESSAGES/django.po").read_bytes()
    # when: every translatable string of the copy is extracted afresh
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "en",
            "--no-obsolete",
            "--ignore=.venv/*",
            "--ignore=var/*",
            "--ignore=tests/*",
        ],
        cwd=copy,
        env={**os.environ, "CONNECT_VAR_DIR": str(tmp_path / "var"), "PYTHONPATH": str(copy)},
        check=True,
        capture_output=True,
    )
    po = polib.pofile(str(copy / "locale/en/LC_MESSAGES/django.po"))
    # then: nothing untranslated or fuzzy, and the tracked catalog is untouched
    missing = [e.msgid for e in po.untranslated_entries()] + [e.msgid for e in po.fuzzy_entries()]
    assert not missing, f"{len(missing)} strings lack an English translation: {missing[:20]}"
    assert (ROOT / "locale/en/LC_MESSAGES/django.po").read_bytes() == tracked
