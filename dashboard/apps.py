from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "挂图作战"

    def ready(self) -> None:
        from povertyrelief.audit import audit_register

        from .models import AnnualTarget

        audit_register(AnnualTarget, exclude=("updated_at",))
        # Adds the annual targets to seed_demo, after every app's own data.
        from . import demo  # noqa: F401
