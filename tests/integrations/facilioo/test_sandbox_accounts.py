"""The sandbox serves several property-management companies, and guards its controls."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
import requests

from tooling.sandbox.testing import MANAGE_PY, running_sandbox


def login(url, email, password):
    response = requests.post(
        f"{url}/api/auth/login", json={"email": email, "password": password}, timeout=10
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['accessToken']}"}


def test_accounts_see_only_their_own_tenants_and_records_but_share_parties():
    with running_sandbox(seed=True, accounts=2) as sandbox:
        url = sandbox.url
        first = login(url, "sandbox@facilioo.example", sandbox.password)
        second = login(url, "sandbox2@facilioo.example", sandbox.password)

        # each company sees its own two tenants
        tenants = requests.get(f"{url}/api/tenants", headers=second, timeout=10).json()["items"]
        assert [t["id"] for t in tenants] == [21, 22]
        # a property of the second company is invisible to the first
        prop = requests.post(
            f"{url}/api/properties",
            json={"tenantId": 21, "name": "Zweite", "externalId": "1000-0001-01"},
            headers=second,
            timeout=10,
        ).json()
        listed = requests.get(f"{url}/api/properties", headers=first, timeout=10).json()
        assert listed["items"] == []
        assert (
            requests.get(f"{url}/api/properties/{prop['id']}", headers=first, timeout=10)
        ).status_code == 404
        found = requests.post(
            f"{url}/api/properties/search",
            json={"externalId": "1000-0001-01"},
            headers=first,
            timeout=10,
        ).json()
        assert found["items"] == []
        # and the first may not write into the second's tenant
        refused = requests.post(
            f"{url}/api/properties",
            json={"tenantId": 21, "name": "Fremd"},
            headers=first,
            timeout=10,
        )
        assert refused.status_code == 400
        assert "nicht sichtbar" in refused.text
        # parties are shared between the companies, as in facilioo
        party = requests.post(
            f"{url}/api/parties",
            json={
                "type": 7,
                "secondaryName": "Geteilt",
                "contactByEmail": False,
                "contactByPush": False,
                "contactByMail": True,
            },
            headers=first,
            timeout=10,
        ).json()
        assert (
            requests.get(f"{url}/api/parties/{party['id']}", headers=second, timeout=10)
        ).status_code == 200
        # the sandbox's bookkeeping of who wrote what never shows in an answer
        assert "_company" not in json.dumps(listed) + json.dumps(prop)


def test_controls_and_overview_need_a_login_beyond_loopback():
    with running_sandbox(seed=True, host="0.0.0.0") as sandbox:  # noqa: S104 (the point)
        url = sandbox.url
        password = sandbox.server.control_password
        assert password
        for path in ("/", "/_control", "/_control/counters", "/_control/state/properties"):
            response = requests.get(f"{url}{path}", timeout=10)
            assert response.status_code == 401, path
            assert response.headers["WWW-Authenticate"].startswith("Basic")
        wrong = requests.get(f"{url}/_control", auth=("sandbox", "falsch"), timeout=10)
        assert wrong.status_code == 401
        assert requests.get(f"{url}/_control", auth=("sandbox", password), timeout=10).ok
        assert requests.get(f"{url}/", auth=("sandbox", password), timeout=10).ok
        assert requests.get(f"{url}/_health", timeout=10).status_code == 204
        # the API itself keeps its own login
        login(url, "sandbox@facilioo.example", sandbox.password)


def test_on_loopback_the_controls_stay_open_for_tests():
    with running_sandbox(seed=True) as sandbox:
        assert requests.get(f"{sandbox.url}/_control", timeout=10).ok


def test_the_command_seeds_n_accounts_and_writes_their_logins(tmp_path):
    logins = tmp_path / "logins.json"
    process = subprocess.Popen(
        [
            sys.executable,
            str(MANAGE_PY),
            "facilioo_sandbox",
            "--port",
            "0",
            "--accounts",
            "3",
            "--logins-file",
            str(logins),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=str(MANAGE_PY.parent),
    )
    try:
        deadline = time.monotonic() + 60
        while not logins.exists() and time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail("the sandbox command ended early")
            time.sleep(0.2)
        time.sleep(0.2)
        accounts = json.loads(logins.read_text())
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert [a["email"] for a in accounts] == [
        "sandbox@facilioo.example",
        "sandbox2@facilioo.example",
        "sandbox3@facilioo.example",
    ]
    assert [a["tenants"] for a in accounts] == [[1, 2], [21, 22], [31, 32]]
    assert all(a["password"] for a in accounts)
    assert oct(logins.stat().st_mode & 0o777) == "0o600"
