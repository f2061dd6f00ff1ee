"""Pages of the second factor: the code step of the login, the user's own
两步验证 page (enrol, recovery codes, turn off) and the administrators' reset."""

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.safestring import mark_safe
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from . import two_factor
from .models import User
from .permissions import require, restrict
from .user_forms import TwoFactorCodeForm, TwoFactorDisableForm
from .views_base import ScopedMixin

PENDING_LOGIN = "two_factor_pending"


def start_code_step(request, user, next_url: str) -> None:
    """The password was right and the user has a device: remember who is
    half-way through logging in (not logged in yet) for the code step."""
    request.session[PENDING_LOGIN] = {
        "user": user.pk,
        "backend": user.backend,
        "at": timezone.now().timestamp(),
        "next": next_url,
    }


def _pending(request):
    """(user, backend, next URL) of the login waiting for its code, or None."""
    pending = request.session.get(PENDING_LOGIN)
    if not pending:
        return None
    age = timezone.now().timestamp() - pending.get("at", 0)
    if age > settings.OTP_LOGIN_CODE_TIMEOUT.total_seconds():
        request.session.pop(PENDING_LOGIN, None)
        return None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        return None
    return user, pending["backend"], pending["next"]


@method_decorator([sensitive_post_parameters("code"), never_cache], name="dispatch")
class LoginCodeView(View):
    """Second step of the login: a code from the authenticator app or a
    recovery code. Wrong codes count towards the lockout like wrong passwords."""

    template_name = "registration/login_code.html"

    def dispatch(self, request, *args, **kwargs):
        self.pending = _pending(request)
        if self.pending is None:
            messages.info(request, "请先输入用户名和密码。")
            return redirect("login")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self._render(TwoFactorCodeForm(recovery_allowed=True))

    def post(self, request):
        user, backend, next_url = self.pending
        credentials = {"username": user.get_username()}
        if AxesProxyHandler.is_locked(request, credentials):
            return self._locked(request, credentials)
        form = TwoFactorCodeForm(request.POST, recovery_allowed=True)
        device = two_factor.verify_login_code(user, form.cleaned_data["code"]) if form.is_valid() else None
        if device is None:
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if getattr(request, "axes_locked_out", False):
                return self._locked(request, credentials)
            form.add_error("code", "验证码不正确、已过期或已使用，请重新输入。")
            return self._render(form)
        request.session.pop(PENDING_LOGIN, None)
        user.backend = backend
        login(request, user, backend=backend)
        otp_login(request, device)
        if isinstance(device, StaticDevice):
            left = two_factor.recovery_codes_left(user)
            messages.warning(request, f"您使用了一个恢复码，还剩 {left} 个。手机丢失时请联系其他县级管理员重置两步验证。")
        return redirect(next_url)

    def _locked(self, request, credentials):
        request.session.pop(PENDING_LOGIN, None)
        request.axes_locked_out = True
        request.axes_credentials = credentials
        # AxesMiddleware answers with the lockout page.
        return self._render(TwoFactorCodeForm(recovery_allowed=True))

    def _render(self, form):
        return render(self.request, self.template_name, {"form": form, "pending_user": self.pending[0]})


def _qr_svg(device) -> str:
    """The enrolment QR code as inline SVG, drawn here (no image service)."""
    return mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=5, border=2))


def _secret(device) -> str:
    from base64 import b32encode

    key = b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@method_decorator([login_required, sensitive_post_parameters("code", "password"), never_cache], name="dispatch")
class TwoFactorView(View):
    """The user's own 两步验证 page: enrol (QR code, confirm with a code,
    recovery codes shown once) or see the status and turn it off."""

    template_name = "registration/two_factor.html"

    def get(self, request):
        user = request.user
        if two_factor.has_two_factor(user):
            return self._render(disable_form=self._disable_form())
        return self._render_enrol(TwoFactorCodeForm())

    def post(self, request):
        user = request.user
        if two_factor.has_two_factor(user):
            return redirect("two_factor")
        form = TwoFactorCodeForm(request.POST)
        device = two_factor.pending_totp_device(user)
        codes = two_factor.confirm_enrolment(actor=user, device=device, code=form.cleaned_data["code"]) if form.is_valid() else None
        if codes is None:
            form.add_error("code", "验证码不正确，请核对手机时间后重新输入当前显示的 6 位数字。")
            return self._render_enrol(form)
        device.refresh_from_db()
        otp_login(request, device)
        messages.success(request, "两步验证已启用。以后登录时，输入密码后还须输入验证器应用显示的验证码。")
        return render(request, "registration/two_factor_recovery_codes.html", {"codes": codes})

    def _disable_form(self, data=None):
        if two_factor.otp_required(self.request.user):
            return None
        return TwoFactorDisableForm(data, user=self.request.user)

    def _render_enrol(self, form):
        device = two_factor.pending_totp_device(self.request.user)
        return self._render(form=form, qr_svg=_qr_svg(device), secret=_secret(device))

    def _render(self, **context):
        user = self.request.user
        context.update(
            enabled=two_factor.has_two_factor(user),
            required=two_factor.otp_required(user),
            recovery_left=two_factor.recovery_codes_left(user),
            issuer=settings.OTP_TOTP_ISSUER,
        )
        return render(self.request, self.template_name, context)


@method_decorator([login_required, sensitive_post_parameters("password"), never_cache], name="dispatch")
class TwoFactorDisableView(TwoFactorView):
    """Turn the second factor off (roles that do not require it), with the password."""

    http_method_names = ["post"]

    def post(self, request):
        user = request.user
        if two_factor.otp_required(user):
            raise PermissionDenied("您的角色必须启用两步验证；更换手机请联系其他县级管理员重置。")
        form = self._disable_form(request.POST)
        if not form.is_valid():
            if "password" in form.errors:
                user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
            return self._render(disable_form=form)
        two_factor.remove_two_factor(actor=user, target=user)
        two_factor.forget_verification(request)
        messages.success(request, "两步验证已关闭。")
        return redirect("two_factor")


class UserResetTwoFactorView(ScopedMixin, View):
    """A county administrator resets another user's second factor (lost
    phone): the devices and recovery codes go; the audit trail names both."""

    action = "manage"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require(request.user, self.action)
            self.target = get_object_or_404(restrict(User, request.user, self.action), pk=kwargs["pk"])
            if self.target.pk == request.user.pk:
                raise PermissionDenied("不能重置自己的两步验证，请联系其他县级管理员。")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        return render(
            request,
            "povertyrelief/user_two_factor_reset.html",
            {"target": self.target, "enabled": two_factor.has_two_factor(self.target)},
        )

    def post(self, request, pk):
        had = two_factor.remove_two_factor(actor=request.user, target=self.target)
        if had:
            messages.success(request, f"已重置 {self.target} 的两步验证，对方下次登录时须重新设置。")
        else:
            messages.info(request, f"{self.target} 尚未启用两步验证，无需重置。")
        return redirect("user_list")


def admin_login(request, extra_context=None):
    """The admin site's own login form would skip the code step: it sends
    people to the one login instead."""
    if request.user.is_authenticated:
        raise PermissionDenied("没有系统管理后台的权限。")
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"), reverse("login"))


login_code = LoginCodeView.as_view()
two_factor_page = TwoFactorView.as_view()
two_factor_disable = TwoFactorDisableView.as_view()
user_reset_two_factor = UserResetTwoFactorView.as_view()
