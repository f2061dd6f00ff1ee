"""Writing user accounts beyond the plain edit form."""

from __future__ import annotations

from auditlog.context import set_actor
from django.db import transaction

from .models import User
from .permissions import assert_in_scope, require


def user_password_reset(*, actor: User, user: User, password: str) -> User:
    """An administrator sets a new password for a user in their area; the
    user must change it at the next login."""
    require(actor, "manage")
    with transaction.atomic(), set_actor(actor):
        user.set_password(password)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        assert_in_scope(user, actor, "manage")
    return user
