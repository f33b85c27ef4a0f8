"""Project URLs: the two apps' pages, sign-in, the admin and the liveness probe."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from gradebook.health import healthz

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("", include("grading.urls")),
    path("", include("exams.urls")),
]
