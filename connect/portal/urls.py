"""Portal pages. Every URL with <slug> is a page of one customer (tested for isolation)."""

from django.urls import path

from connect.portal import (
    alerts,
    customers,
    dokumente,
    erp,
    facilioo,
    mapping,
    reconciliations,
    records,
    runs,
    stammdaten,
    support,
    usecases,
)

app_name = "portal"

urlpatterns = [
    path("", customers.home, name="home"),
    path("support/", support.SupportView.as_view(), name="support"),
    path(
        "support/records/",
        support.SupportRecordSearchView.as_view(),
        name="support-records",
    ),
    path("support/audit/", support.SupportAuditView.as_view(), name="support-audit"),
    path("c/<slug:slug>/", customers.DashboardView.as_view(), name="dashboard"),
    path("c/<slug:slug>/facilioo/", facilioo.FaciliooConnectionView.as_view(), name="facilioo"),
    path(
        "c/<slug:slug>/facilioo/test/",
        facilioo.FaciliooConnectionTestView.as_view(),
        name="facilioo-test",
    ),
    path(
        "c/<slug:slug>/stammdaten/existing/",
        facilioo.ExistingDataView.as_view(),
        name="existing-data",
    ),
    path(
        "c/<slug:slug>/stammdaten/existing/refresh/",
        facilioo.ExistingDataRefreshView.as_view(),
        name="existing-data-refresh",
    ),
    path(
        "c/<slug:slug>/facilioo/probe/",
        facilioo.FaciliooProbeView.as_view(),
        name="facilioo-probe",
    ),
    path(
        "c/<slug:slug>/usecases/dokumente/",
        dokumente.DokumenteUseCaseView.as_view(),
        name="usecase-dokumente",
    ),
    path("c/<slug:slug>/usecases/<str:use_case>/", usecases.UseCaseView.as_view(), name="usecase"),
    path(
        "c/<slug:slug>/usecases/<str:use_case>/run/",
        runs.RunStartView.as_view(),
        name="run-start",
    ),
    path(
        "c/<slug:slug>/usecases/<str:use_case>/refresh/",
        stammdaten.StammdatenRefreshView.as_view(),
        name="usecase-refresh",
    ),
    path(
        "c/<slug:slug>/usecases/<str:use_case>/pause/",
        runs.RunPauseView.as_view(),
        name="usecase-pause",
    ),
    path("c/<slug:slug>/runs/", runs.RunListView.as_view(), name="runs"),
    path(
        "c/<slug:slug>/runs/progress.json",
        runs.RunProgressView.as_view(),
        name="runs-progress",
    ),
    path("c/<slug:slug>/runs/<id:run_id>/", runs.RunDetailView.as_view(), name="run"),
    path(
        "c/<slug:slug>/runs/<id:run_id>/cancel/",
        runs.RunCancelView.as_view(),
        name="run-cancel",
    ),
    path(
        "c/<slug:slug>/records/<str:entity>/<path:erp_key>/",
        records.RecordInspectorView.as_view(),
        name="record",
    ),
    path(
        "c/<slug:slug>/reconciliations/",
        reconciliations.ReconciliationListView.as_view(),
        name="reconciliations",
    ),
    path(
        "c/<slug:slug>/reconciliations/<int:reconciliation_id>/",
        reconciliations.ReconciliationDetailView.as_view(),
        name="reconciliation",
    ),
    path(
        "c/<slug:slug>/reconciliations/<int:reconciliation_id>/hold/",
        reconciliations.FieldHoldView.as_view(),
        name="reconciliation-hold",
    ),
    path("c/<slug:slug>/mapping/", mapping.FieldMappingView.as_view(), name="mapping"),
    path("c/<slug:slug>/members/", customers.MembersView.as_view(), name="members"),
    path(
        "c/<slug:slug>/members/alerts/",
        alerts.MemberAlertsView.as_view(),
        name="members-alerts",
    ),
    path("c/<slug:slug>/audit/", customers.AuditLogView.as_view(), name="audit"),
    path("c/<slug:slug>/erp/", erp.ErpView.as_view(), name="erp"),
    path("c/<slug:slug>/erp/upload/", erp.ErpUploadView.as_view(), name="erp-upload"),
    path("c/<slug:slug>/erp/profile/", erp.ErpProfileView.as_view(), name="erp-profile"),
    path(
        "c/<slug:slug>/erp/samples/<id:sample_id>/",
        erp.ErpSampleView.as_view(),
        name="erp-sample",
    ),
    path(
        "c/<slug:slug>/erp/samples/<id:sample_id>/status/",
        erp.ErpSampleStatusView.as_view(),
        name="erp-sample-status",
    ),
    path("c/<slug:slug>/erp/watch/", erp.ErpWatchFolderView.as_view(), name="erp-watch"),
    path("c/<slug:slug>/erp/tokens/", erp.ErpTokenCreateView.as_view(), name="erp-tokens"),
    path(
        "c/<slug:slug>/erp/tokens/<id:token_id>/revoke/",
        erp.ErpTokenRevokeView.as_view(),
        name="erp-token-revoke",
    ),
    path(
        "c/<slug:slug>/erp/exports/<id:export_id>/",
        erp.ErpExportView.as_view(),
        name="erp-export",
    ),
]
