"""ERP exports through the API: an ERP server pushes a .zip, and asks for its status.

Both endpoints also accept an "Übermittlungs-Token" (``Authorization: Bearer erp_…``), which no
other endpoint of the product accepts: it is scoped to pushing exports of its one customer.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NoReturn, cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import authentication, exceptions, serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from connect.api import problems
from connect.api.parsers import ExportBodyParser
from connect.api.permissions import CustomerAccess
from connect.api.serializers import ErrorSerializer
from connect.api.views.base import SLUG
from connect.exceptions import ApplicationError
from connect.models import Customer, ErpExport, ErpPushToken, ExportOrigin, User
from connect.selectors.erp_exports import erp_export_get, erp_export_list, erp_export_report
from connect.services.erp_exports import erp_export_store, too_large_message
from connect.services.erp_push_tokens import erp_push_token_authenticate
from connect.uploads import BodyTooLarge, receive_body, upload_refusal
from integrations.usecases import UseCase

if TYPE_CHECKING:
    from django.core.files import File

EXPORT_ID = OpenApiParameter("export_id", OpenApiTypes.INT, OpenApiParameter.PATH)
SYNCABLE = (UseCase.STAMMDATEN.value, UseCase.DOKUMENTE.value)
LISTED = 50
SHOWN_FINDINGS = 20


class PushTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer erp_…``: an Übermittlungs-Token (only on the ERP export API)."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ErpPushToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Ungültiger Authorization-Header."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Ungültiges Token.")) from exc
        token = erp_push_token_authenticate(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Ungültiges Token."))

        return AnonymousUser(), token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class PushTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "connect.api.views.erp.PushTokenAuthentication"
    name = "pushToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Übermittlungs-Token (erp_…), only for pushing ERP exports.",
        }


class PushAccess(BasePermission):
    """A push token of this customer, or the user rules of every customer endpoint."""

    message = CustomerAccess.message

    def has_permission(self, request: Request, view: APIView) -> bool:
        token = request.auth
        if isinstance(token, ErpPushToken):
            if token.customer.slug != view.kwargs["slug"]:
                raise Http404
            view.customer = token.customer  # type: ignore[attr-defined]
            return request.method in ("POST", "GET", "HEAD", "OPTIONS")
        return IsAuthenticated().has_permission(request, view) and CustomerAccess().has_permission(
            request, view
        )


class ErpExportSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField(help_text="pending (wird geprüft), valid or invalid")
    status_label = serializers.CharField()
    origin = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()
    checked_at = serializers.DateTimeField(allow_null=True)
    status_url = serializers.CharField()
    sync_requested = serializers.ListField(child=serializers.CharField())
    sync = serializers.DictField(help_text="{use_case: {run: id} or {error: message}}")
    errors = serializers.ListField(  # type: ignore[assignment]
        child=serializers.CharField(), help_text="The report's first errors, in German."
    )


def export_data(request: Request, customer: Customer, export: ErpExport) -> dict[str, Any]:
    report = erp_export_report(export=export)
    return {
        "id": export.pk,
        "name": export.original_name,
        "status": export.status,
        "status_label": str(export.get_status_display()),
        "origin": export.origin,
        "size": export.size,
        "uploaded_at": export.uploaded_at,
        "checked_at": export.checked_at,
        "status_url": request.build_absolute_uri(
            reverse("api:erp-export", kwargs={"slug": customer.slug, "export_id": export.pk})
        ),
        "sync_requested": list(export.sync_requested),
        "sync": dict(export.sync_result),
        "errors": [finding.render_de() for finding in report.errors[:SHOWN_FINDINGS]],
    }


def parse_sync(value: str | None) -> list[str]:
    if not value:
        return []
    chosen: list[str] = []
    for part in value.split(","):
        name = part.strip().lower()
        if not name:
            continue
        if name not in SYNCABLE:
            raise ApplicationError(
                _("Unbekannter Datenbereich „%(name)s“ in sync. Erlaubt sind: %(allowed)s.")
                % {"name": part.strip(), "allowed": ", ".join(SYNCABLE)}
            )
        if name not in chosen:
            chosen.append(name)
    return chosen


class PushThrottled(exceptions.Throttled):
    """429 with a German message and ``Retry-After``."""

    wait: int

    def __init__(self, seconds: int) -> None:
        super().__init__(
            detail=ngettext(
                "Zu viele Übermittlungen mit diesem Zugang. Bitte versuchen Sie es in "
                "%(seconds)d Sekunde erneut.",
                "Zu viele Übermittlungen mit diesem Zugang. Bitte versuchen Sie es in "
                "%(seconds)d Sekunden erneut.",
                seconds,
            )
            % {"seconds": seconds}
        )
        self.wait = seconds


class ErpPushThrottle(SimpleRateThrottle):
    """At most ``ERP_PUSH_RATE`` pushes (POST) per Übermittlungs-Token, or per user pushing
    with a login; the status URL is not limited. Counted in the Django cache."""

    scope = "erp_push"

    def get_rate(self) -> str | None:
        return str(settings.ERP_PUSH_RATE) or None

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if request.method != "POST":
            return None
        if isinstance(request.auth, ErpPushToken):
            ident = f"token-{request.auth.token_hash}"
        elif request.user is not None and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = str(self.get_ident(request))
        return f"throttle_erp_push_{ident}"


class ErpExportBase(APIView):
    # The user API's authentication (whatever it is), then the push token.
    authentication_classes = [
        *cast(
            list[type[authentication.BaseAuthentication]],
            api_settings.DEFAULT_AUTHENTICATION_CLASSES,
        ),
        PushTokenAuthentication,
    ]
    permission_classes = [PushAccess]
    throttle_classes = [ErpPushThrottle]
    # The body is the export itself (a .zip or a form), streamed to a file by the view.
    parser_classes = [ExportBodyParser]
    write_role = "change"
    customer: Customer

    def throttled(self, request: Request, wait: float | None) -> NoReturn:
        raise PushThrottled(max(1, math.ceil(wait or 1)))

    def actor(self) -> User | None:
        user = self.request.user
        return user if isinstance(user, User) else None


class ErpExportListApi(ErpExportBase):
    """GET lists the customer's ERP exports; POST pushes a new one (.zip)."""

    @extend_schema(
        operation_id="erp_exports_list",
        parameters=[SLUG],
        responses={200: ErpExportSerializer(many=True)},
    )
    def get(self, request: Request, slug: str) -> Response:
        exports = erp_export_list(customer=self.customer)[:LISTED]
        return Response([export_data(request, self.customer, export) for export in exports])

    @extend_schema(
        operation_id="erp_exports_push",
        parameters=[
            SLUG,
            OpenApiParameter(
                "sync",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                description="stammdaten,dokumente: start these runs once the export is valid",
            ),
            OpenApiParameter(
                "name", OpenApiTypes.STR, OpenApiParameter.QUERY, description="File name"
            ),
        ],
        request={"application/octet-stream": OpenApiTypes.BINARY},
        responses={202: ErpExportSerializer, 400: ErrorSerializer, 413: ErrorSerializer},
        description=(
            "The body is the .zip itself (Content-Type: application/zip or "
            "application/octet-stream), or a multipart form "
            "with the field 'export'. A customer with an active import profile may also push "
            "one .csv or .xlsx file (name it with the query parameter 'name'), or a multipart form "
            "with the field 'export'. The answer comes at once (202); the export is validated "
            "in the background: poll status_url until status is valid or invalid."
        ),
    )
    def post(self, request: Request, slug: str) -> Response:
        sync = parse_sync(request.query_params.get("sync"))
        name = request.query_params.get("name") or "erp-export.zip"
        upload: File[bytes]
        content_type = request.content_type or ""
        if content_type.startswith("multipart/form-data"):
            django_request = request._request
            files = django_request.FILES
            refused = upload_refusal(django_request)
            if refused is not None:
                return too_large(too_large_message(refused))
            found = files.get("export")
            if found is None:
                raise ApplicationError(_("Bitte senden Sie den ERP-Export im Feld „export“."))
            upload = found
            name = found.name or name
        else:
            try:
                upload = receive_body(request._request)
            except BodyTooLarge:
                return too_large(too_large_message(name))
        try:
            token = request.auth if isinstance(request.auth, ErpPushToken) else None
            export = erp_export_store(
                customer=self.customer,
                actor=self.actor(),
                uploaded_file=upload,
                name=name,
                origin=ExportOrigin.API,
                push_token=token,
                sync=sync,
            )
        finally:
            upload.close()
        return Response(
            export_data(request, self.customer, export), status=status.HTTP_202_ACCEPTED
        )


def too_large(message: str) -> Response:
    return Response(
        problems.problem(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, message),
        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        content_type=problems.CONTENT_TYPE,
    )


class ErpExportDetailApi(ErpExportBase):
    """GET: one export's status (the status URL of a push)."""

    @extend_schema(
        operation_id="erp_exports_detail",
        parameters=[SLUG, EXPORT_ID],
        responses={200: ErpExportSerializer},
    )
    def get(self, request: Request, slug: str, export_id: int) -> Response:
        export = erp_export_get(customer=self.customer, export_id=export_id)
        return Response(export_data(request, self.customer, export))
