from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from connect.models import SyncRun, SyncRunItem
from tests.factories import sync_run


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def finished_run(tenancy) -> SyncRun:
    """A finished run of customer A with a record log of 30 entries."""
    run = sync_run(tenancy.a, status="succeeded")
    SyncRunItem.objects.bulk_create(
        SyncRunItem(
            run=run,
            customer=tenancy.a,
            entity="tenant" if n % 2 else "unit",
            action="skipped" if n % 3 == 0 else "created",
            reason="no_email" if n % 3 == 0 else "",
            erp_key=f"1000-{n:03d}",
            external_id=f"1000-{n:03d}",
        )
        for n in range(30)
    )
    return run
