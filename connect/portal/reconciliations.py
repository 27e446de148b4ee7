"""Reconciliation ("Abgleich") pages: list and start, a report, and "facilioo behält"."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from connect.converters import small_int
from connect.exceptions import ApplicationError
from connect.portal.base import CustomerView
from connect.services.reconciliations import field_holds_set, reconciliation_request
from integrations import registry
from integrations.models import FieldHold, FindingKind, Reconciliation


class ReconciliationListView(CustomerView):
    post_permission = "operate"

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        reconciliations = Reconciliation.objects.filter(customer=self.customer)[:50]
        return render(
            request,
            "connect/reconciliations.html",
            self.context(
                reconciliations=reconciliations,
                use_cases=[
                    (name, registered.label)
                    for name, registered in registry.ENTRIES.items()
                    if registered.reconcilable
                ],
            ),
        )

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        try:
            rec = reconciliation_request(
                customer=self.customer,
                use_case=request.POST.get("use_case") or registry.reconcilable()[0],
                trigger="manual",
                actor=self.user,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("portal:reconciliations", slug=slug)
        messages.success(request, _("Abgleich gestartet."))
        return redirect("portal:reconciliation", slug=slug, reconciliation_id=rec.pk)


def _report(
    view: CustomerView, request: HttpRequest, rec: Reconciliation, status: int = 200
) -> HttpResponse:
    findings = list(rec.findings.all()[:2000])
    held = {
        (h.entity, h.natural_key, h.field)
        for h in FieldHold.objects.filter(
            customer=view.customer,
            natural_key__in=[f.natural_key for f in findings if f.kind == FindingKind.CHANGED],
        )
    }
    rows = [
        (
            f,
            [
                (
                    name,
                    values.get("sent"),
                    values.get("live"),
                    (f.entity, f.natural_key, name) in held,
                )
                for name, values in sorted(f.fields.items())
            ],
        )
        for f in findings
    ]
    return render(
        request,
        "connect/reconciliation.html",
        view.context(rec=rec, rows=rows, kinds=FindingKind),
        status=status,
    )


class ReconciliationDetailView(CustomerView):
    def get(self, request: HttpRequest, slug: str, reconciliation_id: int) -> HttpResponse:
        rec = get_object_or_404(Reconciliation, customer=self.customer, pk=reconciliation_id)
        return _report(self, request, rec)


class FieldHoldView(CustomerView):
    post_permission = "change"

    def post(self, request: HttpRequest, slug: str, reconciliation_id: int) -> HttpResponse:
        rec = get_object_or_404(Reconciliation, customer=self.customer, pk=reconciliation_id)
        finding_id = small_int(request.POST.get("finding"))
        if not finding_id:
            messages.error(request, _("Bitte wählen Sie einen Befund dieses Abgleichs."))
            return _report(self, request, rec, status=400)
        finding = get_object_or_404(rec.findings, pk=finding_id)
        try:
            kept = field_holds_set(
                customer=self.customer,
                finding=finding,
                fields=request.POST.getlist("fields"),
                actor=self.user,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("facilioo behält für %(record)s: %(fields)s")
                % {"record": finding.erp_key, "fields": ", ".join(kept) or "-"},
            )
        return redirect("portal:reconciliation", slug=slug, reconciliation_id=rec.pk)
