from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.urls import reverse

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


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext (xgettext) is not installed")
def test_every_string_has_an_english_translation(tmp_path):
    # given: a fresh extraction of every translatable string of the project
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
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    po = polib.pofile(str(ROOT / "locale/en/LC_MESSAGES/django.po"))
    # then: nothing untranslated or fuzzy
    missing = [e.msgid for e in po.untranslated_entries()] + [e.msgid for e in po.fuzzy_entries()]
    assert not missing, f"{len(missing)} strings lack an English translation: {missing[:20]}"
