"""Runs of a customer: list and start, detail, cancel, and the per-record log."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from connect.api.pagination import ItemCursorPagination, RunCursorPagination
from connect.api.problems import validate_query
from connect.api.serializers import (
    ErrorSerializer,
    RunItemSerializer,
    RunSerializer,
    UseCaseField,
)
from connect.api.views.base import RUN_ID, SLUG, CustomerAPIView, CustomerMixin
from connect.models import ItemAction, RunStatus, SyncRun, SyncRunItem, Trigger
from connect.selectors.activations import activation_require_enabled
from connect.selectors.runs import sync_run_get, sync_run_item_list, sync_run_list
from connect.services.sync_logs import sync_run_cancel, sync_run_request


class RunFilterSerializer(serializers.Serializer[Any]):
    use_case = UseCaseField(required=False)
    status = serializers.ChoiceField(choices=RunStatus.choices, required=False)


class RunCreateSerializer(serializers.Serializer[Any]):
    use_case = UseCaseField()
    dry_run = serializers.BooleanField(default=False, help_text="A preview: nothing is written.")
    reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why (kept in the audit log).",
    )


class RunCancelSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why (kept in the audit log).",
    )


@extend_schema_view(
    get=extend_schema(operation_id="runs_list", parameters=[SLUG, RunFilterSerializer]),
)
class RunListCreateApi(CustomerMixin, generics.ListAPIView[SyncRun]):
    """GET lists the runs, newest first (cursor pages); POST starts one."""

    write_role = "operate"
    serializer_class = RunSerializer
    pagination_class = RunCursorPagination

    def get_queryset(self) -> QuerySet[SyncRun]:
        if getattr(self, "swagger_fake_view", False):
            return SyncRun.objects.none()
        filters = validate_query(RunFilterSerializer(data=self.request.query_params), self.request)
        runs = sync_run_list(customer=self.customer, use_case=filters.get("use_case"))
        if filters.get("status"):
            runs = runs.filter(status=filters["status"])
        return runs.select_related("requested_by")

    @extend_schema(
        operation_id="runs_create",
        parameters=[SLUG],
        request=RunCreateSerializer,
        responses={201: RunSerializer, 400: ErrorSerializer, 409: ErrorSerializer},
        description="Start a run. 409 with a German message while one of the use case is "
        "queued or running (with its `run_id`), and for a use case that is not activated.",
    )
    def post(self, request: Request, slug: str) -> Response:
        data = RunCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        activation_require_enabled(customer=self.customer, use_case=data.validated_data["use_case"])
        run = sync_run_request(
            customer=self.customer,
            use_case=data.validated_data["use_case"],
            trigger=Trigger.API,
            dry_run=data.validated_data["dry_run"],
            actor=self.user,
            reason=data.validated_data["reason"],
        )
        return Response(RunSerializer(run).data, status=status.HTTP_201_CREATED)


class RunDetailApi(CustomerAPIView):
    @extend_schema(operation_id="runs_retrieve", parameters=[SLUG, RUN_ID], responses=RunSerializer)
    def get(self, request: Request, slug: str, run_id: int) -> Response:
        run = sync_run_get(customer=self.customer, run_id=run_id)
        return Response(RunSerializer(run).data)


class RunCancelApi(CustomerAPIView):
    write_role = "operate"

    @extend_schema(
        operation_id="runs_cancel",
        parameters=[SLUG, RUN_ID],
        request=RunCancelSerializer,
        responses={200: RunSerializer, 400: ErrorSerializer},
        description="A queued run is cancelled at once, a running one at its next batch.",
    )
    def post(self, request: Request, slug: str, run_id: int) -> Response:
        data = RunCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = sync_run_cancel(
            customer=self.customer,
            run=sync_run_get(customer=self.customer, run_id=run_id),
            actor=self.user,
            reason=data.validated_data["reason"],
        )
        return Response(RunSerializer(run).data)


class RunItemFilterSerializer(serializers.Serializer[Any]):
    entity = serializers.CharField(max_length=30, required=False)
    action = serializers.ChoiceField(choices=ItemAction.choices, required=False)
    reason = serializers.CharField(max_length=40, required=False)
    q = serializers.CharField(
        max_length=200, required=False, help_text="Part of the ERP key or of the externalId."
    )


@extend_schema_view(
    get=extend_schema(
        operation_id="runs_items_list", parameters=[SLUG, RUN_ID, RunItemFilterSerializer]
    ),
)
class RunItemListApi(CustomerMixin, generics.ListAPIView[SyncRunItem]):
    """The record log of a run, in cursor pages (no COUNT)."""

    serializer_class = RunItemSerializer
    pagination_class = ItemCursorPagination

    def get_queryset(self) -> QuerySet[SyncRunItem]:
        if getattr(self, "swagger_fake_view", False):
            return SyncRunItem.objects.none()
        params = validate_query(
            RunItemFilterSerializer(data=self.request.query_params), self.request
        )
        run = sync_run_get(customer=self.customer, run_id=self.kwargs["run_id"])
        return sync_run_item_list(customer=self.customer, run=run, **params)
