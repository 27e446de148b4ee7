"""Portal pages. Every URL with <slug> is a page of one customer (tested for isolation)."""

from django.urls import path

from connect import (
    alert_views,
    dokumente_views,
    erp_views,
    mapping_views,
    reconciliation_views,
    record_views,
    run_views,
    support_views,
    views,
)

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("support/", support_views.SupportView.as_view(), name="support"),
    path(
        "support/records/",
        support_views.SupportRecordSearchView.as_view(),
        name="support-records",
    ),
    path("support/audit/", support_views.SupportAuditView.as_view(), name="support-audit"),
    path("c/<slug:slug>/", views.DashboardView.as_view(), name="dashboard"),
    path("c/<slug:slug>/facilioo/", views.FaciliooConnectionView.as_view(), name="facilioo"),
    path(
        "c/<slug:slug>/facilioo/test/",
        views.FaciliooConnectionTestView.as_view(),
        name="facilioo-test",
    ),
    path(
        "c/<slug:slug>/stammdaten/existing/",
        views.ExistingDataView.as_view(),
        name="existing-data",
    ),
    path(
        "c/<slug:slug>/facilioo/probe/",
        views.FaciliooProbeView.as_view(),
        name="facilioo-probe",
    ),
    path(
        "c/<slug:slug>/usecases/dokumente/",
        dokumente_views.DokumenteUseCaseView.as_view(),
        name="usecase-dokumente",
    ),
    path("c/<slug:slug>/usecases/<str:use_case>/", run_views.UseCaseView.as_view(), name="usecase"),
    path(
        "c/<slug:slug>/usecases/<str:use_case>/run/",
        run_views.RunStartView.as_view(),
        name="run-start",
    ),
    path(
        "c/<slug:slug>/usecases/<str:use_case>/refresh/",
        run_views.UseCaseRefreshView.as_view(),
        name="usecase-refresh",
    ),
    path(
        "c/<slug:slug>/usecases/<str:use_case>/pause/",
        run_views.RunPauseView.as_view(),
        name="usecase-pause",
    ),
    path("c/<slug:slug>/runs/", run_views.RunListView.as_view(), name="runs"),
    path(
        "c/<slug:slug>/runs/progress.json",
        run_views.RunProgressView.as_view(),
        name="runs-progress",
    ),
    path("c/<slug:slug>/runs/<id:run_id>/", run_views.RunDetailView.as_view(), name="run"),
    path(
        "c/<slug:slug>/runs/<id:run_id>/cancel/",
        run_views.RunCancelView.as_view(),
        name="run-cancel",
    ),
    path(
        "c/<slug:slug>/records/<str:entity>/<path:erp_key>/",
        record_views.RecordInspectorView.as_view(),
        name="record",
    ),
    path(
        "c/<slug:slug>/reconciliations/",
        reconciliation_views.ReconciliationListView.as_view(),
        name="reconciliations",
    ),
    path(
        "c/<slug:slug>/reconciliations/<int:reconciliation_id>/",
        reconciliation_views.ReconciliationDetailView.as_view(),
        name="reconciliation",
    ),
    path(
        "c/<slug:slug>/reconciliations/<int:reconciliation_id>/hold/",
        reconciliation_views.FieldHoldView.as_view(),
        name="reconciliation-hold",
    ),
    path("c/<slug:slug>/mapping/", mapping_views.FieldMappingView.as_view(), name="mapping"),
    path("c/<slug:slug>/members/", views.MembersView.as_view(), name="members"),
    path(
        "c/<slug:slug>/members/alerts/",
        alert_views.MemberAlertsView.as_view(),
        name="members-alerts",
    ),
    path("c/<slug:slug>/audit/", views.AuditLogView.as_view(), name="audit"),
    path("c/<slug:slug>/erp/", erp_views.ErpView.as_view(), name="erp"),
    path("c/<slug:slug>/erp/upload/", erp_views.ErpUploadView.as_view(), name="erp-upload"),
    path("c/<slug:slug>/erp/profile/", erp_views.ErpProfileView.as_view(), name="erp-profile"),
    path("c/<slug:slug>/erp/watch/", erp_views.ErpWatchFolderView.as_view(), name="erp-watch"),
    path("c/<slug:slug>/erp/tokens/", erp_views.ErpTokenCreateView.as_view(), name="erp-tokens"),
    path(
        "c/<slug:slug>/erp/tokens/<int:token_id>/revoke/",
        erp_views.ErpTokenRevokeView.as_view(),
        name="erp-token-revoke",
    ),
    path(
        "c/<slug:slug>/erp/exports/<id:export_id>/",
        erp_views.ErpExportView.as_view(),
        name="erp-export",
    ),
]
