"""Portal pages of the runs: start (or preview) and pause a use case, run list, run detail."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from connect.exceptions import ApplicationError
from connect.labels import action_label, entity_label, phase_label
from connect.models import ItemAction, RunStatus, SyncRun, Trigger
from connect.pagination import keyset_links, keyset_page, parse_cursor
from connect.portal.base import CustomerView
from connect.portal.usecases import use_case_or_404
from connect.selectors.runs import sync_run_get, sync_run_item_list, sync_run_list
from connect.services.activations import activation_set_paused
from connect.services.sync_logs import RunAlreadyActive, sync_run_cancel, sync_run_request
from integrations import registry

# Page sizes of the run list and the record log (keyset pages: no COUNT, no OFFSET).
RUNS_PER_PAGE = 25
ITEMS_PER_PAGE = 50


class RunStartView(CustomerView):
    post_permission = "operate"

    def post(self, request: HttpRequest, slug: str, use_case: str) -> HttpResponse:
        use_case = use_case_or_404(use_case)
        dry_run = request.POST.get("dry_run") == "1"
        try:
            run = sync_run_request(
                customer=self.customer,
                use_case=use_case,
                trigger=Trigger.MANUAL,
                dry_run=dry_run,
                actor=self.user,
                reason=request.POST.get("reason", "")[:500],
            )
        except RunAlreadyActive as exc:
            messages.error(request, exc.message)
            return redirect("portal:runs", slug=self.customer.slug)
        messages.success(
            request, _("Vorschau gestartet.") if dry_run else _("Synchronisation gestartet.")
        )
        return redirect("portal:run", slug=self.customer.slug, run_id=run.pk)


class RunPauseView(CustomerView):
    post_permission = "operate"

    def post(self, request: HttpRequest, slug: str, use_case: str) -> HttpResponse:
        paused = request.POST.get("paused") == "1"
        name = registry.label(use_case_or_404(use_case))
        try:
            activation_set_paused(
                customer=self.customer,
                use_case=use_case,
                actor=self.user,
                paused=paused,
                reason=request.POST.get("reason", ""),
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                (
                    _(
                        "%(name)s ist pausiert: Geplante Läufe starten nicht, bis Sie "
                        "fortsetzen. Manuelle Läufe und Vorschauen bleiben möglich."
                    )
                    if paused
                    else _("%(name)s läuft wieder nach Zeitplan.")
                )
                % {"name": name},
            )
        return redirect("portal:usecase", slug=self.customer.slug, use_case=use_case)


class RunListView(CustomerView):
    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        page = keyset_page(
            sync_run_list(customer=self.customer),
            size=RUNS_PER_PAGE,
            after=parse_cursor(request.GET.get("after")),
            before=parse_cursor(request.GET.get("before")),
            descending=True,
        )
        return render(
            request,
            "connect/runs.html",
            self.context(page=page, page_links=keyset_links(page, params={})),
        )


def _started_text(run: SyncRun) -> str:
    """Since when a run runs, or waits: the run page's text, kept current by the polling."""
    if run.started_at:
        when = date_format(timezone.localtime(run.started_at), "d.m.Y H:i:s")
        return _("gestartet") + " " + when
    if run.status == RunStatus.QUEUED:
        since = date_format(timezone.localtime(run.created_at), "d.m.Y H:i:s")
        return _("in der Warteschlange seit %(since)s") % {"since": since}
    return _("nicht gestartet")


def no_counts_text(run: SyncRun) -> str:
    """Why the counts table is empty."""
    if run.status == RunStatus.QUEUED:
        return _("Noch keine Zahlen: der Lauf wartet auf einen Worker.")
    if run.is_active:
        return _(
            "Noch keine Zahlen: sie erscheinen hier, sobald der Lauf die ersten Datensätze "
            "verarbeitet hat."
        )
    return _("Keine Zahlen.")


def _count_table(run: SyncRun) -> dict[str, Any]:
    """The run page's counts as the polling redraws them: column labels, then one row per
    entity (its label and a number or "" per column). A running run's counts are those of
    the batches it has written so far."""
    actions = sorted({a for c in run.counts.values() for a in c})
    return {
        "empty": no_counts_text(run),
        "columns": [action_label(a) for a in actions],
        "rows": [
            [entity_label(entity), [run.counts[entity].get(a, "") for a in actions]]
            for entity in sorted(run.counts)
        ],
    }


def _started_short(run: SyncRun) -> str:
    """The run list's "gestartet" column: when, or since when it waits."""
    if run.started_at:
        return date_format(timezone.localtime(run.started_at), "d.m.Y H:i")
    if run.status == RunStatus.QUEUED:
        since = date_format(timezone.localtime(run.created_at), "d.m.Y H:i")
        return _("in der Warteschlange seit %(since)s") % {"since": since}
    return "\N{EN DASH}"


class RunProgressView(CustomerView):
    """JSON of the active and recent runs, polled by the run list and detail pages."""

    def get(self, request: HttpRequest, slug: str) -> JsonResponse:
        runs = sync_run_list(customer=self.customer)[:25]
        return JsonResponse(
            {
                "runs": [
                    {
                        "id": r.pk,
                        "status": r.status,
                        "status_label": r.get_status_display(),
                        "phase": r.phase,
                        "phase_label": phase_label(r.phase),
                        "started_text": _started_text(r),
                        "started_short": _started_short(r),
                        "done": r.progress_done,
                        "total": r.progress_total,
                        "percent": r.progress_percent,
                        "active": r.is_active,
                        "counts": _count_table(r),
                    }
                    for r in runs
                ]
            }
        )


class RunDetailView(CustomerView):
    def get(self, request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
        try:
            run = sync_run_get(customer=self.customer, run_id=run_id)
        except SyncRun.DoesNotExist as exc:
            raise Http404 from exc
        filters = {k: request.GET.get(k, "") for k in ("entity", "action", "reason", "q")}
        items = sync_run_item_list(customer=self.customer, run=run, **filters)
        page = keyset_page(
            items,
            size=ITEMS_PER_PAGE,
            after=parse_cursor(request.GET.get("after")),
            before=parse_cursor(request.GET.get("before")),
        )
        query = urlencode({k: v for k, v in filters.items() if v})
        entities = sorted(run.counts)
        actions = sorted({a for c in run.counts.values() for a in c})
        return render(
            request,
            "connect/run_detail.html",
            self.context(
                run=run,
                page=page,
                filters=filters,
                query=query,
                page_links=keyset_links(page, params=filters),
                entities=entities,
                action_choices=ItemAction.choices,
                count_columns=actions,
                no_counts=no_counts_text(run),
            ),
        )


class RunCancelView(CustomerView):
    post_permission = "operate"

    def post(self, request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
        try:
            run = sync_run_get(customer=self.customer, run_id=run_id)
            sync_run_cancel(
                customer=self.customer,
                run=run,
                actor=self.user,
                reason=request.POST.get("reason", "")[:500],
            )
        except SyncRun.DoesNotExist as exc:
            raise Http404 from exc
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Der Lauf wird abgebrochen."))
        return redirect("portal:run", slug=self.customer.slug, run_id=run_id)
