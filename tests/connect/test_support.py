"""The support console: health of all customers, record search, audit log, actions with reasons."""

from __future__ import annotations

import pytest
from django.urls import reverse

from connect.models import AuditLog, SyncRun, SyncRunItem, UseCaseActivation
from tests.factories import sync_run


def _run(customer, status, **fields):
    return sync_run(customer, status=status, trigger="schedule", **fields)


@pytest.fixture
def history(tenancy):
    UseCaseActivation.objects.create(customer=tenancy.a, use_case="stammdaten", enabled=True)
    UseCaseActivation.objects.create(
        customer=tenancy.b, use_case="stammdaten", enabled=True, paused=True
    )
    _run(tenancy.a, "succeeded")
    _run(tenancy.a, "failed", error_message="kaputt")
    last = _run(tenancy.a, "failed")
    ok = _run(tenancy.b, "succeeded", counts={"parties": {"created": 3, "skipped": 1}})
    SyncRunItem.objects.create(
        run=last,
        customer=tenancy.a,
        entity="parties",
        action="skipped",
        reason="no_email",
        message="Mieter hat keine E-Mail-Adresse.",
        erp_key="person 1000/40001",
        external_id="1000-40001",
    )
    SyncRunItem.objects.create(
        run=ok,
        customer=tenancy.b,
        entity="parties",
        action="created",
        erp_key="person 1000/40001",
        external_id="1000-40001",
        facilioo_id=7,
    )
    return last


def test_health_shows_consecutive_failures_and_paused_use_cases(client, tenancy, history):
    client.force_login(tenancy.support)
    body = client.get(reverse("portal:support")).content.decode()
    assert "2 Fehlschläge in Folge" in body
    assert "pausiert" in body


def test_health_can_be_filtered_to_problems_and_sorted(client, tenancy, history):
    client.force_login(tenancy.support)
    response = client.get(reverse("portal:support"), {"problems": "1", "sort": "failures"})
    health = response.context["health"]
    assert health[0].customer.slug == "alpha"
    assert all(not h.healthy for h in health)
    only_beta = client.get(reverse("portal:support"), {"q": "Beta"}).context["health"]
    assert [h.customer.slug for h in only_beta] == ["beta"]


def test_record_search_by_external_id_finds_every_run_of_every_customer(client, tenancy, history):
    client.force_login(tenancy.support)
    response = client.get(reverse("portal:support-records"), {"q": "1000-40001"})
    items = list(response.context["items"])
    assert {(i.customer.slug, i.action, i.reason) for i in items} == {
        ("alpha", "skipped", "no_email"),
        ("beta", "created", ""),
    }
    body = response.content.decode()
    assert "Mieter hat keine E-Mail-Adresse." in body


def test_record_search_by_erp_key_within_one_customer(client, tenancy, history):
    client.force_login(tenancy.support)
    items = list(
        client.get(reverse("portal:support-records"), {"q": "40001", "customer": "beta"}).context[
            "items"
        ]
    )
    assert [i.customer.slug for i in items] == ["beta"]


def test_support_pages_are_not_for_customers(client, tenancy, history):
    client.force_login(tenancy.admin_a)
    for name in ("portal:support", "portal:support-records", "portal:support-audit"):
        assert client.get(reverse(name)).status_code == 404


def test_support_starts_and_cancels_a_run_and_both_are_audited_with_the_reason(
    client, tenancy, history
):
    client.force_login(tenancy.support)
    response = client.post(
        reverse("portal:run-start", kwargs={"slug": "beta", "use_case": "stammdaten"}),
        {"reason": "Kunde bittet um Abgleich"},
    )
    assert response.status_code == 302
    run = SyncRun.objects.filter(customer=tenancy.b).order_by("-id").first()
    assert run.status == "queued"
    client.post(
        reverse("portal:run-cancel", kwargs={"slug": "beta", "run_id": run.pk}),
        {"reason": "versehentlich gestartet"},
    )
    run.refresh_from_db()
    assert run.status == "cancelled"
    entries = {e.action: e for e in AuditLog.objects.filter(customer=tenancy.b)}
    assert entries["run.start"].reason == "Kunde bittet um Abgleich"
    assert entries["run.start"].actor == tenancy.support
    assert entries["run.cancel"].reason == "versehentlich gestartet"


def test_audit_log_of_all_customers_filters_by_customer_user_and_kind(client, tenancy, history):
    client.force_login(tenancy.support)
    client.post(
        reverse("portal:run-start", kwargs={"slug": "beta", "use_case": "stammdaten"}),
        {"reason": "Test"},
    )
    page = client.get(
        reverse("portal:support-audit"),
        {"customer": "beta", "kind": "run", "user": tenancy.support.username},
    ).context["page"]
    assert [e.action for e in page] == ["run.start"]
    assert not list(
        client.get(reverse("portal:support-audit"), {"customer": "alpha", "kind": "run"}).context[
            "page"
        ]
    )


def test_dashboard_draws_the_trend_of_finished_runs_as_svg(client, tenancy, history):
    # given: Beta's one run, finished today (the history's)
    client.force_login(tenancy.admin_b)
    body = client.get(reverse("portal:dashboard", kwargs={"slug": "beta"})).content.decode()
    assert "<svg" in body
    assert body.count("<rect") == 2  # created and skipped of the one finished run
    assert "http" not in body.split("<svg")[1].split("</svg>")[0]


def test_field_mapping_page_lists_every_mapping_row_and_reason(client, tenancy):
    from integrations.reasons import REASONS
    from integrations.sync.mapping_table import MAPPING

    client.force_login(tenancy.viewer_a)
    body = client.get(reverse("portal:mapping", kwargs={"slug": "alpha"})).content.decode()
    assert body.count("<code>") >= 2 * len(MAPPING) + len(REASONS)
    assert "Gebäude → Liegenschaft" in body
    assert str(REASONS["no_email"]) in body


def test_dashboard_shows_the_next_scheduled_run_and_open_alerts(client, tenancy):
    from connect.models import Alert

    UseCaseActivation.objects.create(
        customer=tenancy.a,
        use_case="stammdaten",
        enabled=True,
        schedule_minute="0",
        schedule_hour="2",
        schedule_day_of_week="tue,thu,sun",
    )
    Alert.objects.create(
        customer=tenancy.a,
        use_case="stammdaten",
        kind="run_failed",
        message="Der Lauf ist fehlgeschlagen.",
        occurrences=2,
    )
    client.force_login(tenancy.viewer_a)
    body = client.get(reverse("portal:dashboard", kwargs={"slug": "alpha"})).content.decode()
    assert 'id="next-run-stammdaten"' in body
    assert "02:00" in body.split('id="next-run-stammdaten"')[1].split("</p>")[0]
    assert "Der Lauf ist fehlgeschlagen." in body
    assert "2-mal" in body


def test_activation_page_shows_the_last_preview_with_what_it_would_change(client, tenancy):
    sync_run(
        tenancy.a,
        dry_run=True,
        status="succeeded",
        counts={"units": {"created": 60}, "parties": {"skipped": 13}},
    )
    client.force_login(tenancy.viewer_a)
    body = client.get(
        reverse("portal:usecase", kwargs={"slug": "alpha", "use_case": "stammdaten"})
    ).content.decode()
    preview = body.split('id="last-preview"')[1].split("</section>")[0]
    assert "würde angelegt" in preview
    assert "<td>Einheiten</td><td>60</td>" in preview
    assert "<td>13</td>" in preview


def test_support_pauses_and_resumes_a_use_case_with_a_reason(client, tenancy):
    UseCaseActivation.objects.create(customer=tenancy.b, use_case="stammdaten", enabled=True)
    client.force_login(tenancy.support)
    url = reverse("portal:usecase-pause", kwargs={"slug": "beta", "use_case": "stammdaten"})
    client.post(url, {"paused": "1", "reason": "ERP-Wartung beim Kunden"})
    assert UseCaseActivation.objects.get(customer=tenancy.b).paused
    client.post(url, {"paused": "0", "reason": "Wartung beendet"})
    assert not UseCaseActivation.objects.get(customer=tenancy.b).paused
    entries = list(
        AuditLog.objects.filter(customer=tenancy.b, action__startswith="usecase.stammdaten.")
        .order_by("id")
        .values_list("action", "reason", "actor")
    )
    assert entries == [
        ("usecase.stammdaten.pause", "ERP-Wartung beim Kunden", tenancy.support.pk),
        ("usecase.stammdaten.resume", "Wartung beendet", tenancy.support.pk),
    ]


def test_record_search_finds_a_contract_under_its_id_with_and_without_the_kind(
    client, tenancy, history
):
    # given: a contract logged before its id held the kind, and after it moved to the new id
    for external_id, action in (
        ("1000-0001-01-003-V1-40001", "created"),
        ("1000-0001-01-003-V1-40001-MV", "updated"),
    ):
        SyncRunItem.objects.create(
            run=history,
            customer=tenancy.a,
            entity="unit-contracts",
            action=action,
            erp_key="unit_contract 1000/mietvertrag/V1/40001",
            external_id=external_id,
        )
    client.force_login(tenancy.support)
    # when / then: either form of the id finds both rows
    for query in ("1000-0001-01-003-V1-40001-MV", "1000-0001-01-003-V1-40001"):
        response = client.get(reverse("portal:support-records"), {"q": query})
        assert {i.external_id for i in response.context["items"]} == {
            "1000-0001-01-003-V1-40001",
            "1000-0001-01-003-V1-40001-MV",
        }, query
    # and: a party's id still finds only itself
    response = client.get(reverse("portal:support-records"), {"q": "1000-40001"})
    assert {i.entity for i in response.context["items"]} == {"parties"}


def test_pausing_is_confirmed_on_the_use_case_page(client, tenancy):
    UseCaseActivation.objects.create(customer=tenancy.a, use_case="stammdaten", enabled=True)
    client.force_login(tenancy.admin_a)
    url = reverse("portal:usecase-pause", kwargs={"slug": "alpha", "use_case": "stammdaten"})
    paused = client.post(url, {"paused": "1"}, follow=True)
    assert paused.redirect_chain[-1][0] == "/c/alpha/usecases/stammdaten/"
    assert "Stammdaten ist pausiert: Geplante Läufe starten nicht" in paused.content.decode()
    resumed = client.post(url, {"paused": "0"}, follow=True)
    assert "Stammdaten läuft wieder nach Zeitplan." in resumed.content.decode()


def test_the_dokumente_page_names_the_stammdaten_separator_when_it_differs(client, tenancy):
    UseCaseActivation.objects.create(
        customer=tenancy.a,
        use_case="stammdaten",
        enabled=True,
        settings={"separator": "-", "mandanten": ["1000"]},
    )
    UseCaseActivation.objects.create(
        customer=tenancy.a,
        use_case="dokumente",
        enabled=True,
        settings={"separator": "_", "mandanten": ["1000"]},
    )
    client.force_login(tenancy.admin_a)
    page = client.get("/c/alpha/usecases/dokumente/").content.decode()
    assert 'id="separator-differs"' in page
    assert "Die Stammdaten verwenden „-“" in page
