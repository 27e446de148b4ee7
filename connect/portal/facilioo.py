"""facilioo pages: the connection, its test, the interface probe, existing facilioo data."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from connect.exceptions import ApplicationError
from connect.models import FaciliooConnection
from connect.portal.base import CustomerView
from connect.portal.forms import FaciliooConnectionForm
from connect.selectors.activations import facilioo_projects, stammdaten_default_project
from connect.selectors.customers import can_change, can_operate
from connect.services.credentials import (
    facilioo_connection_set,
    facilioo_connection_test,
    facilioo_probe_run,
)
from connect.services.existing_data import (
    existing_data_decide,
    existing_data_refresh,
    existing_data_rows,
)
from integrations import registry
from integrations.facilioo.probe import probe_result_readable


class FaciliooConnectionView(CustomerView):
    template = "connect/facilioo_connection.html"

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        connection = FaciliooConnection.objects.filter(customer=self.customer).first()
        initial = (
            {"username": connection.username, "environment": connection.environment}
            if connection
            else {"environment": "sandbox"}
        )
        form = FaciliooConnectionForm(
            initial=initial,
            password_required=connection is None,
            support=self.user.sees_all_customers,
        )
        return render(request, self.template, self.context(form=form, connection=connection))

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        connection = FaciliooConnection.objects.filter(customer=self.customer).first()
        form = FaciliooConnectionForm(
            request.POST,
            password_required=connection is None,
            support=self.user.sees_all_customers,
        )
        if form.is_valid():
            try:
                facilioo_connection_set(
                    customer=self.customer,
                    actor=self.user,
                    username=form.cleaned_data["username"],
                    environment=form.cleaned_data["environment"],
                    password=form.cleaned_data["password"] or None,
                    shared_reason=form.cleaned_data.get("shared_reason") or "",
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Die facilioo-Verbindung wurde gespeichert."))
                return redirect("portal:facilioo", slug=self.customer.slug)
        return render(
            request, self.template, self.context(form=form, connection=connection), status=400
        )


class FaciliooConnectionTestView(CustomerView):
    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        result = facilioo_connection_test(customer=self.customer, actor=self.user)
        if result.ok:
            names = ", ".join(str(t.get("name", t.get("id"))) for t in result.tenants[:10])
            messages.success(request, f"{result.message} {names}".strip())
        else:
            messages.error(request, result.message)
        return redirect("portal:facilioo", slug=self.customer.slug)


class FaciliooProbeView(CustomerView):
    """ "Schnittstelle prüfen": the conformance probe, its last result with its time."""

    template = "connect/facilioo_probe.html"
    post_permission = "operate"  # admins and support

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        return render(request, self.template, self._context())

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        raw = (request.POST.get("tenant_id") or "").strip()
        if raw and not raw.isdigit():
            messages.error(request, _("Bitte geben Sie die Nummer eines facilioo-Projekts an."))
            return render(request, self.template, self._context(), status=400)
        try:
            result = facilioo_probe_run(
                customer=self.customer, actor=self.user, tenant_id=int(raw) if raw else None
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return render(request, self.template, self._context(), status=400)
        if result["ok"]:
            messages.success(request, _("Die Schnittstelle arbeitet wie erwartet."))
        else:
            messages.error(
                request,
                _("Die Prüfung hat Abweichungen gefunden. Details stehen in der Tabelle."),
            )
        return redirect("portal:facilioo-probe", slug=self.customer.slug)

    def _context(self) -> dict[str, Any]:
        connection = FaciliooConnection.objects.filter(customer=self.customer).first()
        stored = connection.probe_result if connection else None
        result = probe_result_readable(stored) if stored else None
        projects, projects_error = (
            facilioo_projects(customer=self.customer) if connection else ([], "")
        )
        return self.context(
            connection=connection,
            result=result,
            projects=projects,
            projects_error=projects_error,
            default_project=stammdaten_default_project(customer=self.customer),
            mismatches=[c for c in (result or {}).get("checks", []) if c["outcome"] != "accepted"],
        )


class ExistingDataView(CustomerView):
    """ "Bestehende facilioo-Daten zuordnen": confirm or reject suggested matches."""

    template = "connect/existing_data.html"

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        return self._page(request)

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        raw_id = request.POST.get("facilioo_id", "")
        if not raw_id.isdigit():
            messages.error(request, _("Die Auswahl ist unvollständig."))
            return self._page(request, status=400)
        try:
            existing_data_decide(
                customer=self.customer,
                actor=self.user,
                entity=request.POST.get("entity", ""),
                facilioo_id=int(raw_id),
                natural_key=request.POST.get("natural_key", ""),
                external_id=request.POST.get("external_id", ""),
                confirm=request.POST.get("decision") == "confirm",
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return self._page(request, status=400)
        messages.success(
            request,
            _("Zuordnung bestätigt: der nächste Lauf übernimmt den Datensatz.")
            if request.POST.get("decision") == "confirm"
            else _("Zuordnung abgelehnt."),
        )
        return redirect("portal:existing-data", slug=self.customer.slug)

    def _page(self, request: HttpRequest, status: int = 200) -> HttpResponse:
        rows: list[Any] = []
        error = ""
        try:
            rows = existing_data_rows(
                customer=self.customer,
                may_load=can_change(user=self.user, customer=self.customer)
                or can_operate(user=self.user, customer=self.customer),
            )
        except ApplicationError as exc:
            error = exc.message
        return render(
            request,
            self.template,
            self.context(rows=rows, error=error, owner=registry.with_existing_data()),
            status=status,
        )


class ExistingDataRefreshView(CustomerView):
    """POST only (admins and support): read facilioo and the ERP again on the next visit."""

    post_permission = "operate"

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        existing_data_refresh(customer=self.customer)
        return redirect("portal:existing-data", slug=self.customer.slug)
