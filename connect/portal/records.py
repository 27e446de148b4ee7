"""The record inspector page ("Datensatz erklären")."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from connect.labels import entity_label
from connect.portal.base import CustomerView
from connect.services.inspector import UnknownRecord
from connect.services.records import record_inspect


class RecordInspectorView(CustomerView):
    def get(self, request: HttpRequest, slug: str, entity: str, erp_key: str) -> HttpResponse:
        try:
            explanation = record_inspect(
                customer=self.customer, user=self.user, entity=entity, erp_key=erp_key
            )
        except UnknownRecord as exc:
            raise Http404 from exc
        return render(
            request,
            "connect/record.html",
            self.context(x=explanation, entity_name=entity_label(entity)),
        )
