from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from connect.converters import IdConverter
from connect.portal import accounts

register_converter(IdConverter, "id")

# Under /api/ a missing page or a server error is problem details too, never an HTML page.
handler404 = "connect.api.problems.page_not_found"
handler500 = "connect.api.problems.server_error"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("login/otp/", accounts.login_otp, name="login-otp"),
    path("logout/", accounts.logout_view, name="logout"),
    path("account/", accounts.account, name="account"),
    path(
        "account/tokens/<str:token_key>/revoke/",
        accounts.account_token_revoke,
        name="account-token-revoke",
    ),
    path(
        "account/logout-everywhere/",
        accounts.account_logout_everywhere,
        name="account-logout-everywhere",
    ),
    path("account/2fa/", accounts.two_factor_setup, name="two-factor-setup"),
    path("account/2fa/disable/", accounts.two_factor_disable, name="two-factor-disable"),
    path(
        "account/2fa/recovery-codes/",
        accounts.two_factor_recovery_codes,
        name="two-factor-recovery-codes",
    ),
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(success_url="/account/"),
        name="password_change",
    ),
    path("password-reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("connect.api.urls")),
    path("", include("connect.portal.urls")),
]
