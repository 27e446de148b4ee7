"""Server-rendered portal pages.

Every page of a customer resolves it through the user asking (404 otherwise).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST

from connect.exceptions import ApplicationError
from connect.forms import FaciliooConnectionForm
from connect.models import Customer, FaciliooConnection, User
from connect.selectors.customers import (
    audit_list,
    can_change,
    can_operate,
    customer_get_for_user,
    customer_list_for_user,
    membership_list,
    role_of,
)
from connect.services.credentials import (
    facilioo_connection_set,
    facilioo_connection_test,
    facilioo_probe_run,
)
from connect.services.existing_data import existing_data_decide, existing_data_rows


class CustomerView(LoginRequiredMixin, View):
    """Base of every page of one customer: loads the customer for the user, guards changes."""

    customer: Customer
    user: User
    # Which POSTs this page accepts: "change" (customer admins), "operate" (admins and support).
    post_permission = "change"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.user = request.user  # type: ignore[assignment]
        self.customer = customer_get_for_user(user=self.user, slug=kwargs["slug"])
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            allowed = (
                can_operate(user=self.user, customer=self.customer)
                if self.post_permission == "operate"
                else can_change(user=self.user, customer=self.customer)
            )
            if not allowed:
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def context(self, **extra: Any) -> dict[str, Any]:
        return {
            "customer": self.customer,
            "role": role_of(user=self.user, customer=self.customer),
            "can_change": can_change(user=self.user, customer=self.customer),
            "can_operate": can_operate(user=self.user, customer=self.customer),
            **extra,
        }


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    customers = customer_list_for_user(user=user)
    if user.sees_all_customers:
        return redirect("portal:support")
    if customers.count() == 1:
        return redirect("portal:dashboard", slug=customers.get().slug)
    return render(request, "connect/home.html", {"customers": customers})


class DashboardView(CustomerView):
    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        from django.utils import timezone

        from connect.models import SyncRun, UseCaseActivation
        from connect.schedules import schedule_label
        from connect.selectors.activations import activation_next_run
        from connect.selectors.alerts import alert_list_open
        from connect.services.erp_freshness import erp_data_time
        from integrations import registry
        from integrations.models import Reconciliation

        connection = FaciliooConnection.objects.filter(customer=self.customer).first()
        cards = []
        for use_case, entry in registry.ENTRIES.items():
            activation = (
                UseCaseActivation.objects.filter(customer=self.customer, use_case=use_case)
                .select_related("periodic_task")
                .first()
            )
            last_run = SyncRun.objects.filter(
                customer=self.customer, use_case=use_case, dry_run=False
            ).first()
            next_run = (
                activation_next_run(activation=activation, now=timezone.now())
                if activation is not None
                else None
            )
            cards.append(
                {
                    "use_case": entry.use_case,
                    "entry": entry,
                    "activation": activation,
                    "last_run": last_run,
                    "next_run": next_run,
                    "schedule_label": schedule_label(activation) if activation else "",
                    "last_reconciliation": Reconciliation.objects.filter(
                        customer=self.customer, use_case=use_case
                    ).first(),
                }
            )
        from connect.stats import run_chart

        return render(
            request,
            "connect/dashboard.html",
            self.context(
                connection=connection,
                cards=cards,
                chart=run_chart(customers=[self.customer]),
                alerts=alert_list_open(customer=self.customer),
                erp_data_time=erp_data_time(customer=self.customer),
            ),
        )


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
        result = connection.probe_result if connection else None
        return self.context(
            connection=connection,
            result=result,
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
            rows = existing_data_rows(customer=self.customer)
        except ApplicationError as exc:
            error = exc.message
        return render(request, self.template, self.context(rows=rows, error=error), status=status)


class MembersView(CustomerView):
    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        return render(
            request,
            "connect/members.html",
            self.context(memberships=membership_list(customer=self.customer)),
        )


class AuditLogView(CustomerView):
    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        page = Paginator(audit_list(customer=self.customer), 50).get_page(request.GET.get("page"))
        return render(request, "connect/audit_log.html", self.context(page=page))


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    from django.contrib.auth import logout

    logout(request)
    return redirect("login")
