"""Second-factor helpers for tests: codes from a device's key, enrolment
without the pages, and the test client's force_login standing in for the
whole login (password and code)."""

import time

from django.test.client import ClientMixin
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from povertyrelief import two_factor


def totp_code(device, steps_ahead: int = 0) -> str:
    """The code the user's phone shows now (or ``steps_ahead`` steps later,
    still within the accepted tolerance of one step)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enrol(user):
    """A confirmed authenticator and ten recovery codes for the user."""
    device = TOTPDevice.objects.create(user=user, name=two_factor.TOTP_DEVICE_NAME, confirmed=True)
    return device, two_factor.new_recovery_codes(user)


_original_force_login = ClientMixin.force_login


def force_login_with_second_factor(self, user, backend=None):
    """force_login, then mark the session verified by the user's device, as
    the code step would have; a user whose role requires a second factor gets
    a device first."""
    _original_force_login(self, user, backend)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None and two_factor.otp_required(user):
        device, _ = enrol(user)
    if device is not None:
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
