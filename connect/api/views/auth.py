"""POST /api/auth/token/ (log in, get a token) and DELETE /api/auth/token/ (revoke it)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from knox.models import AuthToken
from rest_framework import exceptions, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from connect.api.auth import token_issue
from connect.api.serializers import ErrorSerializer
from connect.models import User
from connect.services.api_tokens import token_list, token_revoke
from connect.services.sessions import logout_everywhere


class TokenView(APIView):
    @extend_schema_serializer(component_name="Login")
    class InputSerializer(serializers.Serializer[Any]):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=4096, trim_whitespace=False)
        otp = serializers.CharField(
            max_length=16,
            required=False,
            allow_blank=True,
            help_text="The current two-factor code (or a recovery code), for users who use it.",
        )

    @extend_schema_serializer(component_name="Token")
    class OutputSerializer(serializers.Serializer[Any]):
        token = serializers.CharField(help_text="Shown once; only its digest is stored.")
        token_key = serializers.CharField(help_text="The first characters, to list and revoke.")
        expiry = serializers.DateTimeField(allow_null=True)

    def get_permissions(self) -> list[BasePermission]:
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        operation_id="auth_token_create",
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
            403: ErrorSerializer,
            429: ErrorSerializer,
        },
        auth=[],
        description="A token for the header `Authorization: Token <token>`. Failed logins "
        "count towards the same lockout as the portal's (429 with Retry-After). 403: the user "
        "already has the maximum of live tokens (20); revoke one first.",
    )
    def post(self, request: Request) -> Response:
        # The login throttle reads a posted form before DRF sees the body, so a form would
        # arrive here empty: refuse anything but JSON first (415, like every other write).
        if not (request.content_type or "").startswith("application/json"):
            raise exceptions.UnsupportedMediaType(request.content_type)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, secret = token_issue(request=request._request, **data.validated_data)
        return Response(
            self.OutputSerializer(
                {"token": secret, "token_key": token.token_key, "expiry": token.expiry}
            ).data
        )

    @extend_schema(
        operation_id="auth_token_destroy",
        request=None,
        responses={204: None},
        description="Revoke the token of this request (with a session: nothing to revoke).",
    )
    def delete(self, request: Request, *args: Any) -> Response:
        if isinstance(request.auth, AuthToken):
            token_revoke(user=request.user, token_key=request.auth.token_key)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenInfoSerializer(serializers.ModelSerializer):
    last_used_at = serializers.DateTimeField(source="info.last_used_at", allow_null=True)
    user_agent = serializers.CharField(source="info.user_agent")
    created_ip = serializers.IPAddressField(source="info.created_ip", allow_null=True)

    class Meta:
        model = AuthToken
        fields = ("token_key", "created", "expiry", "last_used_at", "user_agent", "created_ip")
        read_only_fields = fields


class TokenListApi(APIView):
    """The caller's own tokens (never anyone else's), with their last use."""

    @extend_schema(operation_id="auth_tokens_list", responses=TokenInfoSerializer(many=True))
    def get(self, request: Request) -> Response:
        user: User = request.user  # type: ignore[assignment]
        return Response(TokenInfoSerializer(token_list(user=user), many=True).data)


class TokenDetailApi(APIView):
    @extend_schema(
        operation_id="auth_tokens_destroy",
        request=None,
        responses={204: None, 404: ErrorSerializer},
    )
    def delete(self, request: Request, token_key: str) -> Response:
        user: User = request.user  # type: ignore[assignment]
        if not token_revoke(user=user, token_key=token_key):
            raise NotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutEverywhereApi(APIView):
    @extend_schema(
        operation_id="auth_logout_everywhere",
        request=None,
        responses={
            200: inline_serializer(
                "LoggedOut",
                {"tokens": serializers.IntegerField(), "sessions": serializers.IntegerField()},
            )
        },
        description="Revoke every token of the caller and end every portal session.",
    )
    def post(self, request: Request) -> Response:
        user: User = request.user  # type: ignore[assignment]
        tokens, sessions = logout_everywhere(user=user, actor=user)
        session = getattr(request._request, "session", None)
        if session is not None and session.session_key:
            session.flush()  # this session went with the others; the answer still saves one
        return Response({"tokens": tokens, "sessions": sessions})
