"""Second factor for logins (TOTP authenticator apps, django-otp).

Required for the roles in ``settings.OTP_REQUIRED_ROLES`` (county
administrators), optional for everyone else. Enrolment confirms a TOTP device
with one code and hands out ten one-time recovery codes (a django-otp static
device). A login of a user with a confirmed device asks for a code after the
password (``two_factor_views.LoginCodeView``); wrong codes count towards the
same lockout as wrong passwords.
"""

import logging

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

security_log = logging.getLogger("povertyrelief.security")

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "手机验证器"
RECOVERY_DEVICE_NAME = "恢复码"
AUDIT_FIELD = "两步验证"


def otp_required(user) -> bool:
    """Whether the user's role must log in with a second factor."""
    return getattr(user, "role", None) in settings.OTP_REQUIRED_ROLES


def has_two_factor(user) -> bool:
    """Whether the user has a confirmed authenticator (recovery codes alone do not count)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def pending_totp_device(user) -> TOTPDevice:
    """The unconfirmed device being enrolled: the same key until confirmed,
    so reloading the page does not invalidate a scanned QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def normalize_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _audit(*, actor, target, before: str, after: str) -> None:
    LogEntry.objects.log_create(
        target, action=LogEntry.Action.UPDATE, changes={AUDIT_FIELD: [before, after]}, actor=actor, force_log=True
    )


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with ten new ones (returned once, to show)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def confirm_enrolment(*, actor, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the pending device with a code from the app; the recovery codes
    on success, None when the code is wrong."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=actor, confirmed=False)
    if not device.verify_token(normalize_code(code)):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
    codes = new_recovery_codes(actor)
    _audit(actor=actor, target=actor, before="未启用", after="已启用")
    security_log.info("two-factor enrolled user=%s", actor.username)
    return codes


def verify_login_code(user, code: str):
    """The device that accepts the code (authenticator first, then a recovery
    code, which is used up), or None. Each device's own throttle applies."""
    code = normalize_code(code)
    if not code:
        return None
    with transaction.atomic():
        if code.isdigit():
            for device in TOTPDevice.objects.filter(user=user, confirmed=True).select_for_update():
                if device.verify_token(code):
                    return device
        for device in StaticDevice.objects.filter(user=user, confirmed=True).select_for_update():
            if device.verify_token(code):
                return device
    return None


@transaction.atomic
def remove_two_factor(*, actor, target) -> bool:
    """Delete the target's authenticator and recovery codes. ``actor`` is the
    user themself (turning it off), another county administrator (reset), or
    None (reset from the command line)."""
    had = has_two_factor(target)
    itself = actor is not None and actor.pk == target.pk
    if not had and not itself:
        return False
    TOTPDevice.objects.filter(user=target).delete()
    StaticDevice.objects.filter(user=target).delete()
    if itself:
        _audit(actor=actor, target=target, before="已启用", after="已关闭")
        security_log.info("two-factor disabled user=%s", target.username)
    else:
        by = actor.username if actor is not None else "命令行"
        _audit(actor=actor, target=target, before="已启用", after=f"已由 {by} 重置")
        security_log.warning("two-factor reset user=%s by=%s", target.username, by)
    return had


class TwoFactorRequiredMiddleware:
    """A signed-in user whose role requires a second factor reaches nothing but
    the enrolment page (and password change, logout, static files) until a
    device is confirmed. A session of such a user that was not verified with a
    code while a device exists is ended: the user logs in again with a code."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and otp_required(user) and not user.is_verified():
            if has_two_factor(user):
                logout(request)
                messages.info(request, "请重新登录并输入两步验证码。")
                return redirect(f"{reverse('login')}?next={request.path}")
            allowed = {reverse("two_factor"), reverse("password_change"), reverse("logout")}
            if request.path not in allowed and not request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
                return redirect("two_factor")
        return self.get_response(request)


def forget_verification(request) -> None:
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
