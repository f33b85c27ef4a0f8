"""Project URLs."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from gradebook import views

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("submissions/<int:submission_id>/", views.submission_detail, name="submission_detail"),
    path("", include("exams.urls")),
]
