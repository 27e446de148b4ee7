"""REST API routes. Every URL with <slug> belongs to one customer (tested for isolation)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from connect.api.views import (
    auth,
    customers,
    erp,
    facilioo,
    reconciliations,
    records,
    runs,
    support,
    usecases,
)

app_name = "api"

C = "customers/<slug:slug>/"

urlpatterns = [
    path("auth/token/", auth.TokenView.as_view(), name="token"),
    path("auth/tokens/", auth.TokenListApi.as_view(), name="tokens"),
    path("auth/tokens/<str:token_key>/", auth.TokenDetailApi.as_view(), name="token-detail"),
    path("auth/logout-everywhere/", auth.LogoutEverywhereApi.as_view(), name="logout-everywhere"),
    path("customers/", customers.CustomerListApi.as_view(), name="customers"),
    path(C, customers.CustomerDetailApi.as_view(), name="customer"),
    path(f"{C}facilioo/", facilioo.FaciliooConnectionApi.as_view(), name="facilioo"),
    path(f"{C}facilioo/test/", facilioo.FaciliooConnectionTestApi.as_view(), name="facilioo-test"),
    path(f"{C}existing-data/", facilioo.ExistingDataApi.as_view(), name="existing-data"),
    path(f"{C}usecases/", usecases.UseCaseListApi.as_view(), name="usecases"),
    path(f"{C}usecases/<str:use_case>/", usecases.UseCaseDetailApi.as_view(), name="usecase"),
    path(
        f"{C}usecases/<str:use_case>/pause/",
        usecases.UseCasePauseApi.as_view(),
        name="usecase-pause",
    ),
    path(
        f"{C}usecases/<str:use_case>/resume/",
        usecases.UseCaseResumeApi.as_view(),
        name="usecase-resume",
    ),
    path(f"{C}erp/exports/", erp.ErpExportListApi.as_view(), name="erp-exports"),
    path(f"{C}erp/exports/<int:export_id>/", erp.ErpExportDetailApi.as_view(), name="erp-export"),
    path(f"{C}runs/", runs.RunListCreateApi.as_view(), name="runs"),
    path(f"{C}runs/<id:run_id>/", runs.RunDetailApi.as_view(), name="run"),
    path(f"{C}runs/<id:run_id>/cancel/", runs.RunCancelApi.as_view(), name="run-cancel"),
    path(f"{C}runs/<id:run_id>/items/", runs.RunItemListApi.as_view(), name="run-items"),
    path(
        f"{C}records/<str:entity>/<path:erp_key>/",
        records.RecordInspectorApi.as_view(),
        name="record",
    ),
    path(
        f"{C}reconciliations/",
        reconciliations.ReconciliationListCreateApi.as_view(),
        name="reconciliations",
    ),
    path(
        f"{C}reconciliations/<id:reconciliation_id>/",
        reconciliations.ReconciliationDetailApi.as_view(),
        name="reconciliation",
    ),
    path(
        f"{C}reconciliations/<id:reconciliation_id>/hold/",
        reconciliations.FieldHoldApi.as_view(),
        name="reconciliation-hold",
    ),
    path("support/customers/", support.CustomerHealthListApi.as_view(), name="support-customers"),
    path("support/records/", support.RecordSearchApi.as_view(), name="support-records"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
