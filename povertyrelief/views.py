from auditlog.models import LogEntry
from axes.models import AccessFailureLog, AccessLog
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.views import View
from django_otp.plugins.otp_totp.models import TOTPDevice

from dashboard.views import render_map

from .audit import audit_log_search
from .models import User
from .permissions import restrict
from .two_factor import has_two_factor
from .two_factor_views import start_code_step
from .user_forms import AuditSearchForm, PasswordResetByAdminForm, UserCreateForm, UserUpdateForm
from .user_services import user_password_reset
from .views_base import ScopedCreateView, ScopedListView, ScopedMixin, ScopedUpdateView, ServiceFormView


class LoginView(auth_views.LoginView):
    """Password first; a user with a second factor is not logged in until the
    code step (two_factor_views.LoginCodeView) accepts a code."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if has_two_factor(user):
            start_code_step(self.request, user, self.get_success_url())
            return redirect("login_code")
        return super().form_valid(form)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        user = form.save()
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
        update_session_auth_hash(self.request, user)
        messages.success(self.request, "密码已修改。")
        return redirect(self.success_url)


@login_required
def home(request):
    """Every user with an area starts on the battle map of that area; the
    auditor (no business data) and a user without an area get the plain page."""
    user = request.user
    if user.can("view") and user.area is not None:
        return render_map(request, user.area)
    return render(request, "home.html", {"area": user.area})


class UserListView(ScopedListView):
    model = User
    action = "manage"
    template_name = "povertyrelief/user_list.html"

    def get_queryset(self):
        confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        users = super().get_queryset().select_related("area").annotate(two_factor=Exists(confirmed))
        query = self.request.GET.get("q", "").strip()
        if query:
            users = users.filter(
                Q(username__icontains=query) | Q(last_name__contains=query) | Q(first_name__contains=query)
            )
        role = self.request.GET.get("role", "")
        if role:
            users = users.filter(role=role)
        return users.order_by("area__code", "username")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["roles"] = User._meta.get_field("role").choices
        return context


class UserCreateView(ScopedCreateView):
    model = User
    form_class = UserCreateForm
    action = "manage"
    success_message = "用户已创建，首次登录时须修改密码。"

    def get_success_url(self):
        return reverse("user_list")


class UserUpdateView(ScopedUpdateView):
    model = User
    form_class = UserUpdateForm
    action = "manage"
    success_message = "用户已保存。"

    def get_success_url(self):
        return reverse("user_list")


class UserResetPasswordView(ServiceFormView):
    action = "manage"
    form_class = PasswordResetByAdminForm
    template_name = "generic/object_form.html"

    def get_object(self):
        return get_object_or_404(restrict(User, self.request.user, self.action), pk=self.kwargs["pk"])

    def get_form_kwargs_extra(self) -> dict:
        return {"target": self.object}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=f"重置密码：{self.object}", **kwargs)

    def perform(self, form, target):
        return user_password_reset(actor=self.request.user, user=target, password=form.cleaned_data["password"])

    def get_success_message(self, target) -> str:
        return f"已重置 {target} 的密码，对方下次登录时须修改。"

    def get_success_url(self, result=None) -> str:
        return reverse("user_list")


class AuditLogView(ScopedMixin, View):
    """Searchable, read-only audit log for the auditor."""

    action = "audit"

    def get(self, request):
        form = AuditSearchForm(request.GET or None)
        entries = LogEntry.objects.none()
        if form.is_valid() or not request.GET:
            data = form.cleaned_data if form.is_bound else {}
            entries = audit_log_search(
                query=data.get("q", ""),
                actor=data.get("actor", ""),
                action=data.get("action", ""),
                model=data.get("model", ""),
                date_from=data.get("date_from"),
                date_to=data.get("date_to"),
            )
        page = Paginator(entries, 50).get_page(request.GET.get("page"))
        return render(request, "povertyrelief/audit_log.html", {"form": form, "page_obj": page})


class AuditEntryView(ScopedMixin, View):
    action = "audit"

    def get(self, request, pk):
        entry = get_object_or_404(LogEntry.objects.select_related("actor", "content_type"), pk=pk)
        return render(request, "povertyrelief/audit_entry.html", {"entry": entry})


class LoginLogView(ScopedMixin, View):
    action = "audit"

    def get(self, request):
        username = request.GET.get("username", "").strip()
        failures = AccessFailureLog.objects.order_by("-attempt_time")
        successes = AccessLog.objects.order_by("-attempt_time")
        if username:
            failures = failures.filter(username=username)
            successes = successes.filter(username=username)
        return render(
            request,
            "povertyrelief/login_log.html",
            {
                "username": username,
                "failures": Paginator(failures, 50).get_page(request.GET.get("fpage")),
                "successes": Paginator(successes, 50).get_page(request.GET.get("spage")),
            },
        )


def permission_denied(request, exception=None):
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


user_list = UserListView.as_view()
user_create = UserCreateView.as_view()
user_update = UserUpdateView.as_view()
user_reset_password = UserResetPasswordView.as_view()
audit_log = AuditLogView.as_view()
audit_entry = AuditEntryView.as_view()
login_log = LoginLogView.as_view()
