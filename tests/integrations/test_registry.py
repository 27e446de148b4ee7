"""The use-case registry, the typed settings behind it, and the one facilioo client factory."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core.management import load_command_class
from django.urls import reverse
from rest_framework.test import APIClient

from connect.models import Customer, FaciliooConnection
from connect.portal.base import CustomerView
from connect.portal.usecases import CUSTOM_PAGES, UseCaseSettingsView
from connect.selectors.credentials import facilioo_client_for
from connect.services.credentials import facilioo_connection_test
from integrations import registry
from integrations.facilioo.ratelimit import rate_limiter_for
from integrations.sync.settings import (
    SettingsInvalid,
    dokumente_from_stored,
    stammdaten_from_stored,
    validate_dokumente,
    validate_stammdaten,
)
from integrations.sync.types import DokumenteSettings, StammdatenSettings
from integrations.usecases import UseCase
from tests.factories import connect_to_sandbox, sandbox_for

ROOT = Path(__file__).resolve().parents[2]
# The places that handle every use case: they ask the registry and never name one.
DISPATCHERS = (
    "connect/services/runner.py",
    "connect/services/activations.py",
    "connect/api/views/usecases.py",
    "connect/management/commands/usecase.py",
    "connect/management/commands/sync.py",
)
NAMES = {uc.value for uc in UseCase} | {uc.name for uc in UseCase}


def test_every_use_case_the_product_offers_has_a_registry_entry(tenancy, client):
    """Checked from the outside: the use cases the API lists, each with its API page, its
    portal settings page and the command line accepting it."""
    api = APIClient()
    api.force_authenticate(tenancy.admin_a)
    client.force_login(tenancy.admin_a)
    sync_cli = load_command_class("connect", "sync").create_parser("manage.py", "sync")

    offered = [u["use_case"] for u in api.get("/api/customers/alpha/usecases/").json()]

    assert offered, "the API offers no use case"
    assert sorted(offered) == sorted(registry.names())
    for name in offered:
        assert registry.entry(name).use_case == name
        assert api.get(f"/api/customers/alpha/usecases/{name}/").status_code == 200
        url = reverse("portal:usecase", kwargs={"slug": "alpha", "use_case": name})
        assert client.get(url).status_code == 200
        assert sync_cli.parse_args(["alpha", name]).use_case == name
    with pytest.raises(registry.UnknownUseCase):
        registry.entry("betriebskosten")


@pytest.mark.parametrize("use_case", registry.names())
def test_each_entry_agrees_with_its_pipeline(use_case):
    entry = registry.entry(use_case)
    assert set(entry.default_schedule) == {"minute", "hour", "day_of_week"}
    pipeline = entry.pipeline
    assert pipeline.use_case == entry.use_case
    assert entry.streams == pipeline.entities
    assert set(pipeline.removal_order) <= set(entry.streams)
    assert str(entry.description).endswith(".")


@pytest.mark.parametrize("use_case", [uc.value for uc in UseCase])
def test_the_defaults_of_each_entry_validate_into_its_settings_type(use_case):
    entry = registry.entry(use_case)
    raw = {**entry.default_settings, "mandanten": ["1000"]}
    stored = entry.validate(raw, known_mandanten={"1000"}, tenants=None)
    typed = entry.from_stored(stored)
    assert isinstance(typed, entry.settings_type)
    assert typed.safety_brake_percent == 20
    assert typed.mandanten == frozenset({"1000"})


def _use_case_modules() -> set[str]:
    """The portal modules of the use cases' own settings pages: they may name them."""
    import connect.urls  # noqa: F401  (the custom pages register when the URLs load)

    return {
        "connect/portal/" + view.__module__.split(".")[2] + ".py" for view in CUSTOM_PAGES.values()
    }


# Every other module of the portal is generic: it asks the registry.
PORTAL = sorted(
    str(path.relative_to(ROOT))
    for path in (ROOT / "connect/portal").glob("*.py")
    if str(path.relative_to(ROOT)) not in _use_case_modules()
)


@pytest.mark.parametrize("path", DISPATCHERS + tuple(PORTAL))
def test_no_dispatcher_names_a_use_case(path):
    """String constants and attribute names, docstrings and help texts aside."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    help_texts = {
        id(k.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for k in node.keywords
        if k.arg in {"help", "help_text", "description"}
    }
    named = [
        getattr(node, "value", None) or getattr(node, "attr", None)
        for node in ast.walk(tree)
        if (
            isinstance(node, ast.Constant)
            and node.value in NAMES
            and id(node) not in docstrings | help_texts
        )
        or (isinstance(node, ast.Attribute) and node.attr in NAMES)
    ]
    assert not named, f"{path} names use cases: {named}"


def test_the_portal_scan_covers_the_generic_pages():
    # The settings page URL, the run start and the pause are among the scanned modules.
    assert {
        "connect/portal/usecases.py",
        "connect/portal/runs.py",
        "connect/portal/urls.py",
    } <= set(PORTAL)
    assert _use_case_modules() == {"connect/portal/stammdaten.py", "connect/portal/dokumente.py"}


@pytest.mark.parametrize("use_case", [uc.value for uc in UseCase])
def test_the_portal_serves_each_settings_page_with_its_custom_or_the_generic_view(
    use_case, tenancy, client
):
    view = CUSTOM_PAGES.get(use_case, UseCaseSettingsView)
    assert issubclass(view, CustomerView)
    client.force_login(tenancy.admin_a)
    url = reverse("portal:usecase", kwargs={"slug": "alpha", "use_case": use_case})
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["use_case"] == use_case
    assert response.context["use_case_label"] == registry.entry(use_case).label
    # another customer's page stays hidden, an unknown use case is not found
    other = reverse("portal:usecase", kwargs={"slug": "beta", "use_case": use_case})
    assert client.get(other).status_code == 404
    unknown = reverse("portal:usecase", kwargs={"slug": "alpha", "use_case": "betriebskosten"})
    assert client.get(unknown).status_code == 404


def test_the_settings_page_asks_an_anonymous_visitor_to_log_in(client):
    url = reverse("portal:usecase", kwargs={"slug": "alpha", "use_case": "betriebskosten"})
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


TEMPLATES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "templates").rglob("*.html"))


@pytest.mark.parametrize("path", TEMPLATES)
def test_no_template_names_a_use_case(path):
    """Menu, breadcrumbs, requirements and page features come from the registry."""
    template = (ROOT / path).read_text(encoding="utf-8")
    assert not [name for name in NAMES if f'"{name}"' in template or f"'{name}'" in template]


def test_the_menu_lists_every_use_case_page_and_requirements_link_their_page(client, tenancy):
    from django.urls import reverse

    client.force_login(tenancy.admin_a)
    for name in registry.names():
        page = client.get(reverse("portal:usecase", args=["alpha", name])).content.decode()
        for other in registry.names():
            url = reverse("portal:usecase", args=["alpha", other])
            assert f'<a href="{url}">{registry.entry(other).label}</a>' in page
        # a use case whose requirement is not set up says so and links to its page
        for required in registry.entry(name).requires:
            assert f'id="needs-{required}"' in page


# --- the typed settings: one validation, German messages -------------------------------------


def test_stammdaten_settings_name_every_problem_in_german():
    with pytest.raises(SettingsInvalid) as refused:
        validate_stammdaten(
            {
                "separator": "#",
                "mandanten": ["1000", "9999"],
                "default_tenant_id": "sieben",
                "tenant_overrides": {"1000/0001": "x"},
                "deletion_policy": "vergessen",
                "safety_brake_percent": 0,
            },
            known_mandanten={"1000"},
            tenants=[{"id": 1, "name": "Projekt"}],
        )
    assert refused.value.errors == [
        "Das Trennzeichen muss eines von - _ . / | sein.",
        "Diese Mandanten kennt das ERP nicht: 9999.",
        "Das facilioo-Projekt muss eine Zahl sein.",
        "Das facilioo-Projekt für WE 1000/0001 muss eine Zahl sein.",
        "Unbekannte Lösch-Regel.",
        "Die Sicherheitsbremse muss zwischen 1 und 100 Prozent liegen.",
    ]


def test_stored_settings_become_the_typed_settings_of_the_engine():
    stammdaten = stammdaten_from_stored(
        validate_stammdaten(
            {
                "separator": "_",
                "mandanten": "1000, 2000",
                "default_tenant_id": "3",
                "tenant_overrides": {"1000/0001": 4},
                "deletion_policy": "delete",
            },
            known_mandanten={"1000", "2000"},
            tenants=[{"id": 3}, {"id": 4}],
        )
    )
    assert stammdaten == StammdatenSettings(
        separator="_",
        mandanten=frozenset({"1000", "2000"}),
        default_tenant_id=3,
        tenant_overrides={("1000", "0001"): 4},
        deletion_policy="delete",
        safety_brake_percent=20,
    )
    dokumente = dokumente_from_stored(
        validate_dokumente(
            {"separator": "-", "mandanten": ["1000"], "max_mb": "2", "safety_brake_percent": 30},
            known_mandanten={"1000"},
        )
    )
    assert dokumente == DokumenteSettings(
        separator="-",
        mandanten=frozenset({"1000"}),
        max_bytes=2 * 1024 * 1024,
        safety_brake_percent=30,
    )


# --- one facilioo client factory ---------------------------------------------------------------


@pytest.fixture
def connection(db, settings):
    with sandbox_for(settings) as sandbox:
        customer = Customer.objects.create(name="Musterstadt", slug="musterstadt")
        connect_to_sandbox(customer, sandbox)
        yield FaciliooConnection.objects.get(customer=customer)


def test_the_factory_keeps_the_settings_timeout_and_the_shared_rate_limit(connection, settings):
    settings.REDIS_URL = None
    settings.FACILIOO_REQUESTS_PER_SECOND = 2
    settings.FACILIOO_HTTP_TIMEOUT = 7.5
    with facilioo_client_for(connection=connection) as client:
        assert client.timeout == 7.5
        assert client.max_retries == settings.FACILIOO_MAX_RETRIES
        client.test_connection()
    # the client's requests were booked in the account's shared budget
    assert rate_limiter_for(client.base_url, connection.username).reserve() > 0


def test_the_connection_test_books_the_accounts_shared_request_budget(connection, settings):
    # given: a budget of 2 requests per second for the account, in this process
    settings.REDIS_URL = None
    settings.FACILIOO_REQUESTS_PER_SECOND = 2
    # when: "Verbindung testen" (log in, list the projects)
    result = facilioo_connection_test(customer=connection.customer, actor=None)
    # then: it succeeded, and its requests were booked in the account's budget
    assert result.ok, result.message
    shared = rate_limiter_for(settings.FACILIOO_SANDBOX_URL, connection.username)
    assert shared.reserve() > 0
