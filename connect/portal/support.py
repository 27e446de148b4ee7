"""The support console: all customers' health, record search across runs, the audit log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View

from connect.models import AuditLog, User
from connect.selectors.customers import customer_list_for_user
from connect.selectors.support import customer_health_list, record_find, record_search
from connect.stats import run_chart


class SupportOnlyView(View):
    user: User

    @method_decorator(login_required)
    def dispatch(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        self.user = request.user  # type: ignore[assignment]
        if not self.user.sees_all_customers:
            raise Http404
        return super().dispatch(request, *args, **kwargs)  # type: ignore[return-value]


class SupportView(SupportOnlyView):
    def get(self, request: HttpRequest) -> HttpResponse:
        query = request.GET.get("q", "")
        sort = request.GET.get("sort", "name")
        problems = request.GET.get("problems") == "1"
        health = customer_health_list(user=self.user, query=query, problem_only=problems, sort=sort)
        return render(
            request,
            "connect/support.html",
            {
                "health": health,
                "query": query,
                "sort": sort,
                "problems": problems,
                "chart": run_chart(customers=[h.customer for h in health]),
            },
        )


class SupportRecordSearchView(SupportOnlyView):
    def get(self, request: HttpRequest) -> HttpResponse:
        query = request.GET.get("q", "")
        slug = request.GET.get("customer", "")
        customer = (
            customer_list_for_user(user=self.user).filter(slug=slug).first() if slug else None
        )
        items = record_search(user=self.user, query=query, customer=customer) if query else []
        matches = record_find(user=self.user, query=query, customer=customer) if query else []
        return render(
            request,
            "connect/support_records.html",
            {
                "query": query,
                "items": items,
                "matches": matches,
                "customer_slug": slug,
                "customers": customer_list_for_user(user=self.user).order_by("name"),
            },
        )


class SupportAuditView(SupportOnlyView):
    def get(self, request: HttpRequest) -> HttpResponse:
        entries = AuditLog.objects.select_related("customer").order_by("-id")
        filters = {k: request.GET.get(k, "") for k in ("customer", "user", "kind")}
        if filters["customer"]:
            entries = entries.filter(customer__slug=filters["customer"])
        if filters["user"]:
            entries = entries.filter(actor_name__icontains=filters["user"])
        if filters["kind"]:
            entries = entries.filter(action__startswith=filters["kind"])
        kinds = sorted(
            {a.split(".")[0] for a in AuditLog.objects.values_list("action", flat=True).distinct()}
        )
        page = Paginator(entries, 50).get_page(request.GET.get("page"))
        query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
        return render(
            request,
            "connect/support_audit.html",
            {
                "page": page,
                "filters": filters,
                "kinds": kinds,
                "query": query,
                "customers": customer_list_for_user(user=self.user).order_by("name"),
            },
        )
