from django.apps import AppConfig


class PovertyReliefConfig(AppConfig):
    name = "povertyrelief"
    verbose_name = "系统与权限"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import signals  # noqa: F401
        from .models import User

        auditlog.register(User, exclude_fields=["password", "last_login"])
