"""Login successes and failures go to the security log (axes keeps them in the
database as well, for the auditor's pages)."""

import logging

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .client_ip import client_ip

security_log = logging.getLogger("povertyrelief.security")


def _ip(request) -> str:
    return client_ip(request) or "-"


@receiver(user_logged_in)
def log_login(sender, request, user, **kwargs):
    security_log.info("login ok user=%s ip=%s", user.username, _ip(request))


@receiver(user_login_failed)
def log_login_failure(sender, credentials, request=None, **kwargs):
    security_log.warning("login failed user=%s ip=%s", credentials.get("username", "?"), _ip(request))


@receiver(user_logged_out)
def log_logout(sender, request, user, **kwargs):
    security_log.info("logout user=%s ip=%s", getattr(user, "username", "-"), _ip(request))
