from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import access_log_views, health, job_views, two_factor_views, views

# The admin site logs in through the one login (password, then code).
admin.site.login = two_factor_views.admin_login

urlpatterns = [
    path("", views.home, name="home"),
    # Answered by health.HealthCheckMiddleware ahead of sign-in; named here.
    path("healthz", health.healthz, name="healthz"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/login/code/", two_factor_views.login_code, name="login_code"),
    path("accounts/two-factor/", two_factor_views.two_factor_page, name="two_factor"),
    path("accounts/two-factor/disable/", two_factor_views.two_factor_disable, name="two_factor_disable"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/edit/", views.user_update, name="user_update"),
    path("users/<int:pk>/password/", views.user_reset_password, name="user_reset_password"),
    path("users/<int:pk>/two-factor/reset/", two_factor_views.user_reset_two_factor, name="user_reset_two_factor"),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/<int:pk>/", views.audit_entry, name="audit_entry"),
    path("audit/logins/", views.login_log, name="login_log"),
    path("audit/access/", access_log_views.access_log, name="access_log"),
    path("jobs/", job_views.job_list, name="job_list"),
    path("jobs/<int:pk>/", job_views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/download/", job_views.job_download, name="job_download"),
    path("areas/", include("villages.urls")),
    path("households/", include("households.urls")),
    path("funds/", include("funds.urls")),
    path("assessment/", include("assessment.urls")),
    path("exports/", include("povertyrelief.export_urls")),
    path("", include("dashboard.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "povertyrelief.views.permission_denied"
handler404 = "povertyrelief.views.page_not_found"
