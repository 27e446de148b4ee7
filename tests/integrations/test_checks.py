"""The system check that workbooks are parsed without XML entity expansion."""

from __future__ import annotations

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from integrations.checks import xml_without_entities


def test_the_product_runs_with_defusedxml():
    assert openpyxl.DEFUSEDXML is True
    assert xml_without_entities() == []


def test_without_defusedxml_the_product_refuses_to_start(monkeypatch):
    # given: openpyxl falling back to the standard library's parser
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    # then: Django's checks fail with the reason
    with pytest.raises(SystemCheckError, match=r"integrations\.E001") as failed:
        call_command("check")
    assert "defusedxml" in str(failed.value)
