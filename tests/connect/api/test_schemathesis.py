"""Schemathesis against the live API: no operation answers with a server error.

Property-based requests from the OpenAPI schema, a few per operation, with a fixed seed
(derandomised), authenticated as an operator, whose customer has a connection, an active use
case and a run with a record log, so the generated requests reach the real code paths.
"""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from knox.models import AuthToken as ApiToken
from schemathesis import GenerationMode
from schemathesis.checks import max_response_time, not_a_server_error

from connect.models import UseCaseActivation
from tests.factories import connect_to_sandbox
from tooling.sandbox.testing import running_sandbox

MAX_EXAMPLES = 8
ALL_CHECKS_EXAMPLES = 3
# Revoking the token would only turn the remaining requests into 401s.
SKIPPED = {("DELETE", "/api/auth/token/")}


@pytest.mark.services
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_no_operation_answers_with_a_server_error(live_server, settings, tenancy, finished_run):
    with running_sandbox(seed=True) as sandbox:
        # given: every facilioo environment points at the sandbox (no request leaves the machine)
        settings.FACILIOO_SANDBOX_URL = sandbox.url
        settings.FACILIOO_STAGING_URL = sandbox.url
        settings.FACILIOO_PRODUCTION_URL = sandbox.url
        connect_to_sandbox(tenancy.a, sandbox)
        UseCaseActivation.objects.create(
            customer=tenancy.a,
            use_case="stammdaten",
            enabled=True,
            settings={"separator": "-", "mandanten": ["1000"], "default_tenant_id": None},
        )
        _token, secret = ApiToken.objects.create(user=tenancy.operator)
        headers = {"Authorization": f"Token {secret}"}
        fixed = {"slug": tenancy.a.slug, "run_id": finished_run.pk}
        schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json")

        # when: each operation gets a few generated requests
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 15
        tested = 0
        for operation in operations:
            if (operation.method.upper(), operation.path) in SKIPPED:
                continue
            path_parameters = {k: v for k, v in fixed.items() if f"{{{k}}}" in operation.path}

            @given(case=operation.as_strategy(path_parameters=path_parameters))
            @hypothesis_settings(
                max_examples=MAX_EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def check(case: schemathesis.Case) -> None:
                # then: never a 5xx
                case.call_and_validate(
                    base_url=live_server.url, headers=headers, checks=[not_a_server_error]
                )

            check()
            tested += 1
        assert tested == len(operations) - len(SKIPPED)


@pytest.mark.services
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_every_operation_answers_as_its_schema_says(live_server, settings, tenancy, finished_run):
    """All of Schemathesis' checks (status codes, content types and bodies as documented,
    rejected bad input, authentication), a few valid and a few invalid generated requests per
    operation, as an admin."""
    with running_sandbox(seed=True) as sandbox:
        settings.FACILIOO_SANDBOX_URL = sandbox.url
        settings.FACILIOO_STAGING_URL = sandbox.url
        settings.FACILIOO_PRODUCTION_URL = sandbox.url
        connect_to_sandbox(tenancy.a, sandbox)
        UseCaseActivation.objects.create(
            customer=tenancy.a,
            use_case="stammdaten",
            enabled=True,
            settings={"separator": "-", "mandanten": ["1000"], "default_tenant_id": None},
        )
        _token, secret = ApiToken.objects.create(user=tenancy.admin_a)
        headers = {"Authorization": f"Token {secret}"}
        fixed = {"slug": tenancy.a.slug, "run_id": finished_run.pk}
        schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json")
        failures: list[str] = []
        operations = [result.ok() for result in schema.get_all_operations()]
        for mode, operation in itertools.product(GenerationMode, operations):
            if (operation.method.upper(), operation.path) in SKIPPED:
                continue
            path_parameters = {k: v for k, v in fixed.items() if f"{{{k}}}" in operation.path}

            @given(case=operation.as_strategy(mode, path_parameters=path_parameters))
            @hypothesis_settings(
                max_examples=ALL_CHECKS_EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def check(case: schemathesis.Case) -> None:
                case.call_and_validate(
                    base_url=live_server.url, headers=headers, excluded_checks=[max_response_time]
                )

            try:
                check()
            except Unsatisfiable:  # no input of the operation can be made invalid
                assert mode is GenerationMode.NEGATIVE
            except Exception as exc:  # every operation's failures, reported together
                failures.append(f"{mode.value} {operation.method.upper()} {operation.path}: {exc}")
        assert not failures, "\n\n".join(failures)
