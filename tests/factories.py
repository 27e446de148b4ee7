from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

import factory

from connect.models import (
    Customer,
    Membership,
    Role,
    RunStatus,
    SyncRun,
    Trigger,
    UseCaseActivation,
    User,
)
from connect.services.credentials import facilioo_connection_set
from connect.services.sync_logs import (
    sync_run_cancel,
    sync_run_create,
    sync_run_finish,
    sync_run_progress,
    sync_run_start,
)
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


# --- runs, recorded as the product records them -----------------------------------------------


@contextmanager
def clock_at(moment: datetime | None) -> Iterator[None]:
    """The product's clock (``django.utils.timezone.now``) stands at ``moment`` (None: real)."""
    if moment is None:
        yield
        return
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def sync_run(
    customer: Customer,
    use_case: str = "stammdaten",
    *,
    status: str = RunStatus.QUEUED,
    trigger: str = Trigger.MANUAL,
    dry_run: bool = False,
    phase: str | None = None,
    done: int | None = None,
    total: int | None = None,
    counts: dict[str, dict[str, int]] | None = None,
    error_message: str = "",
    at: datetime | None = None,
    took: timedelta = timedelta(0),
    starts: int = 1,
) -> SyncRun:
    """A run created by ``sync_run_create``, started by ``sync_run_start``, its progress told by
    ``sync_run_progress`` and its end by ``sync_run_finish`` (a cancelled one: cancelled while
    queued, by ``sync_run_cancel``). ``at``: when it was created and started (default now),
    ``took``: how long it ran until it finished, ``starts``: how often a worker picked it up
    (more than once: its task was delivered again)."""
    with clock_at(at):
        run = sync_run_create(
            customer=customer, use_case=use_case, trigger=trigger, dry_run=dry_run
        )
        if status == RunStatus.QUEUED:
            return run
        if status == RunStatus.CANCELLED:
            return sync_run_cancel(customer=customer, run=run, actor=None)
        for _ in range(starts):
            sync_run_start(run=run)
        if (phase, done, total, counts) != (None, None, None, None):
            sync_run_progress(run=run, phase=phase, done=done, total=total, counts=counts)
    if status == RunStatus.RUNNING:
        run.refresh_from_db()
        return run
    with clock_at(at + took if at is not None else None):
        return sync_run_finish(run=run, status=status, counts=counts, error_message=error_message)


def running_run(
    customer: Customer, use_case: str = "stammdaten", *, dry_run: bool = False
) -> SyncRun:
    """A run as a worker holds it when it hands the run to an engine."""
    return sync_run(customer, use_case, status=RunStatus.RUNNING, dry_run=dry_run)


def run_engine(run: SyncRun, engine: Any) -> SyncRun:
    """Execute an engine on its run and record the run's end as the runner does."""
    from connect.services.runner import sync_run_finish_executed

    try:
        engine.execute()
    except Exception as exc:
        sync_run_finish(run=run, status=RunStatus.FAILED, error_message=str(exc))
        raise
    return sync_run_finish_executed(run=run, sync=engine)
