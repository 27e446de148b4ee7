"""The field-mapping page: which ERP field fills which facilioo field, by which rule."""

from __future__ import annotations

from itertools import groupby

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from connect.models import UseCaseActivation
from connect.portal.base import CustomerView
from integrations import registry
from integrations.reasons import REASONS
from integrations.sync.mapping_table import MAPPING
from integrations.sync.types import DEFAULT_FORMER_CONTRACT_MONTHS


class FieldMappingView(CustomerView):
    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        declared = [row for entry in registry.ENTRIES.values() for row in entry.pipeline.mapping]
        groups = [
            (str(label), list(rows))
            for label, rows in groupby((*MAPPING, *declared), key=lambda r: r.entity)
        ]
        reasons = sorted((code, str(message)) for code, message in REASONS.items())
        former_months = DEFAULT_FORMER_CONTRACT_MONTHS
        for entry in registry.holding("former_contract_months"):
            activation = UseCaseActivation.objects.filter(
                customer=self.customer, use_case=entry.use_case
            ).first()
            if activation is not None:
                former_months = entry.from_stored(activation.settings or {}).former_contract_months
                break
        return render(
            request,
            "connect/field_mapping.html",
            self.context(groups=groups, reasons=reasons, former_months=former_months),
        )
