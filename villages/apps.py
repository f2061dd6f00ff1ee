from django.apps import AppConfig


class VillagesConfig(AppConfig):
    name = "villages"
    verbose_name = "区划与驻村工作队"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Area, WorkTeam

        auditlog.register(Area)
        auditlog.register(WorkTeam)
