"""Project URLs: the two apps' pages, sign-in and set-password, the admin and the liveness
probe."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from gradebook.accounts import SetPasswordLinkForm
from gradebook.health import healthz

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Set a password: from an invitation's link, or asked for again on the sign-in page.
    path(
        "accounts/password/",
        auth_views.PasswordResetView.as_view(form_class=SetPasswordLinkForm),
        name="password_reset",
    ),
    path(
        "accounts/password/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("", include("grading.urls")),
    path("", include("exams.urls")),
]
