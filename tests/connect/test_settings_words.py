"""The settings pages in words an admin of a housing company uses: where the schedule comes
from, no "Anwendungsfall", and which separator the other data area uses."""

from __future__ import annotations

import re

from django.urls import reverse

from connect.models import SyncRun, UseCaseActivation


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_preset_schedule_says_where_it_comes_from_and_that_it_can_be_changed(
    client, tenancy, settings
):
    settings.SYNC_SCHEDULE_SPREAD_MINUTES = 30
    client.force_login(tenancy.admin_a)
    page = _text(client.get(reverse("portal:usecase", args=["alpha", "stammdaten"])).text)
    assert "Das ist die Vorgabe für neue Einrichtungen (Di, Do, So um 02:00)." in page
    assert "Sie können Tage und Uhrzeiten hier ändern" in page
    assert "bis zu 30 Minuten nach der eingestellten Uhrzeit" in page


def test_a_changed_schedule_names_the_preset(client, tenancy):
    client.force_login(tenancy.admin_a)
    UseCaseActivation.objects.create(
        customer=tenancy.a,
        use_case="stammdaten",
        enabled=True,
        settings={"separator": "-", "mandanten": ["1000"]},
        schedule_minute="30",
        schedule_hour="5",
        schedule_day_of_week="mon",
    )
    page = _text(client.get(reverse("portal:usecase", args=["alpha", "stammdaten"])).text)
    assert (
        "Von Ihnen eingestellt; die Vorgabe für neue Einrichtungen ist Di, Do, So um 02:00." in page
    )


def test_no_page_says_anwendungsfall(client, tenancy):
    SyncRun.objects.create(customer=tenancy.a, use_case="stammdaten", trigger="manual")
    client.force_login(tenancy.admin_a)
    for name, args in [
        ("portal:runs", ["alpha"]),
        ("portal:usecase", ["alpha", "stammdaten"]),
        ("portal:usecase", ["alpha", "dokumente"]),
        ("portal:audit", ["alpha"]),
        ("portal:dashboard", ["alpha"]),
    ]:
        page = client.get(reverse(name, args=args)).text
        assert "Anwendungsfall" not in page, name
    assert "Datenbereich" in client.get(reverse("portal:runs", args=["alpha"])).text


def test_the_dokumente_page_names_the_stammdaten_separator_before_one_is_chosen(client, tenancy):
    UseCaseActivation.objects.create(
        customer=tenancy.a,
        use_case="stammdaten",
        enabled=True,
        settings={"separator": "-", "mandanten": ["1000"]},
    )
    client.force_login(tenancy.admin_a)
    page = _text(client.get(reverse("portal:usecase", args=["alpha", "dokumente"])).text)
    assert "Die Stammdaten verwenden „-“. Jedes angebotene Zeichen funktioniert (auch „_“)" in page
