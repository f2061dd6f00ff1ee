from django.apps import AppConfig


class PovertyReliefConfig(AppConfig):
    name = "povertyrelief"
    verbose_name = "系统与权限"

    def ready(self) -> None:
        from .audit import audit_register

        # Job runners register themselves on import; the task worker only
        # imports installed apps, so load them here (the access log's ledger
        # too, so the worker can run its large exports).
        from . import access_log, exports, pdf, signals  # noqa: F401
        from .models import User

        audit_register(User, exclude=("password", "last_login"))
