from django.apps import AppConfig


class VillagesConfig(AppConfig):
    name = "villages"
    verbose_name = "区划与驻村工作队"

    def ready(self) -> None:
        from povertyrelief.audit import audit_register

        from .models import Area, WorkTeam

        audit_register(Area)
        audit_register(WorkTeam)
