from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import factory

from connect.models import Customer, Membership, Role, UseCaseActivation, User
from connect.services.credentials import facilioo_connection_set
from tooling.sandbox.testing import SandboxHandle, running_sandbox


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def _save(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Wohnungsbau {n} GmbH")
    slug = factory.Sequence(lambda n: f"kunde-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    customer = factory.SubFactory(CustomerFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.VIEWER


# --- a customer connected to the facilioo sandbox ---------------------------------------------

STAMMDATEN_MANDANTEN = ("1000", "2000", "3000")


@contextmanager
def sandbox_for(settings: Any, **options: Any) -> Iterator[SandboxHandle]:
    """A running facilioo sandbox that the "sandbox" environment of the settings points at."""
    with running_sandbox(seed=True, **options) as sandbox:
        settings.FACILIOO_SANDBOX_URL = sandbox.url
        yield sandbox


def connect_to_sandbox(customer: Customer, sandbox: SandboxHandle) -> None:
    """The customer's facilioo connection: the sandbox account."""
    facilioo_connection_set(
        customer=customer,
        actor=None,
        username=sandbox.email,
        password=sandbox.password,
        environment="sandbox",
    )


def activate_stammdaten(
    customer: Customer, *, mandanten: Iterable[str] = STAMMDATEN_MANDANTEN, **settings: Any
) -> UseCaseActivation:
    """Stammdaten switched on with separator "-" and project 1 (no connection test)."""
    return UseCaseActivation.objects.create(
        customer=customer,
        use_case="stammdaten",
        enabled=True,
        settings={
            "separator": "-",
            "mandanten": list(mandanten),
            "default_tenant_id": 1,
            **settings,
        },
    )


def activate_dokumente(
    customer: Customer, *, mandanten: Iterable[str] = STAMMDATEN_MANDANTEN, **settings: Any
) -> UseCaseActivation:
    """Dokumente switched on with separator "-" and the registry's defaults."""
    from integrations.registry import entry

    return UseCaseActivation.objects.create(
        customer=customer,
        use_case="dokumente",
        enabled=True,
        settings={
            **entry("dokumente").default_settings,
            "separator": "-",
            "mandanten": list(mandanten),
            **settings,
        },
    )
