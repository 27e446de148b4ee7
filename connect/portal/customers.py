"""Server-rendered portal pages: home, dashboard, members, audit log.

Every page of a customer resolves it through the user asking (404 otherwise).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from connect.models import FaciliooConnection, SyncRun, UseCaseActivation, User
from connect.portal.base import CustomerView
from connect.schedules import schedule_label
from connect.selectors.activations import activation_next_run
from connect.selectors.alerts import alert_list_open
from connect.selectors.customers import (
    audit_list,
    customer_list_for_user,
    membership_list,
)
from connect.services.erp_freshness import erp_data_time
from connect.stats import run_chart
from integrations import registry
from integrations.models import Reconciliation


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
