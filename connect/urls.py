from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from connect import views
from connect.converters import IdConverter

register_converter(IdConverter, "id")

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("connect.api.urls")),
    path("", include("connect.portal_urls")),
]
