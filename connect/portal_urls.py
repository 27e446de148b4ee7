"""Portal pages. Every URL with <slug> is a page of one customer (tested for isolation)."""

from django.urls import path

from connect import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("support/", views.SupportView.as_view(), name="support"),
    path("c/<slug:slug>/", views.DashboardView.as_view(), name="dashboard"),
    path("c/<slug:slug>/facilioo/", views.FaciliooConnectionView.as_view(), name="facilioo"),
    path(
        "c/<slug:slug>/facilioo/test/",
        views.FaciliooConnectionTestView.as_view(),
        name="facilioo-test",
    ),
    path("c/<slug:slug>/members/", views.MembersView.as_view(), name="members"),
    path("c/<slug:slug>/audit/", views.AuditLogView.as_view(), name="audit"),
]
