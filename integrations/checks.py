"""System checks of the integration library: what must hold before anything is parsed."""

from __future__ import annotations

from typing import Any

import openpyxl
from django.core.checks import CheckMessage, Error


def xml_without_entities(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Workbooks are parsed by openpyxl, which expands no XML entities only when it parses
    through defusedxml (or lxml without entity resolution). Refuse to run otherwise."""

    if openpyxl.DEFUSEDXML:
        return []
    return [
        Error(
            "openpyxl would parse workbooks without defusedxml (XML entity expansion).",
            hint="Install defusedxml and do not set OPENPYXL_DEFUSEDXML=False.",
            id="integrations.E001",
        )
    ]
