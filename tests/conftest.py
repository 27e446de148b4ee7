from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.utils import translation

from connect.models import Customer, Role, User
from tests.factories import CustomerFactory, MembershipFactory, UserFactory

PASSWORD = "pw-for-tests-1"


@dataclass
class Tenancy:
    """Two customers with their admins and viewers, a support user and an operator."""

    a: Customer
    b: Customer
    admin_a: User
    viewer_a: User
    admin_b: User
    viewer_b: User
    support: User
    operator: User


@pytest.fixture
def tenancy(db: None) -> Tenancy:
    a, b = (
        CustomerFactory(name="Alpha Wohnen", slug="alpha"),
        CustomerFactory(name="Beta Bau", slug="beta"),
    )
    admin_a = MembershipFactory(customer=a, role=Role.ADMIN).user
    viewer_a = MembershipFactory(customer=a, role=Role.VIEWER).user
    admin_b = MembershipFactory(customer=b, role=Role.ADMIN).user
    viewer_b = MembershipFactory(customer=b, role=Role.VIEWER).user
    support = UserFactory(is_support=True)
    operator = UserFactory(is_superuser=True, is_staff=True)
    return Tenancy(a, b, admin_a, viewer_a, admin_b, viewer_b, support, operator)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Every test starts with an empty cache (settings page data, request throttles)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in the product's default language (German). A request in English
    switches the language of its thread and leaves it on; without this, a later test in the
    same worker would read English."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
