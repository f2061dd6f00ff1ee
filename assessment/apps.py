from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = "脱贫退出"

    def ready(self) -> None:
        from povertyrelief.audit import audit_register

        from . import models as m

        audit_register(m.ExitReview)
        audit_register(m.ExitStep)
        audit_register(m.ExitObjection)
        audit_register(m.VillageChecklistItem)
        audit_register(m.VillageExit)
        audit_register(m.VillageChecklistResult)
        # The real 拟退出 公示 list, for the households' publicity page.
        from . import publicity  # noqa: F401
        # Adds the exit seeder to seed_demo after the households' (INSTALLED_APPS order).
        from . import demo  # noqa: F401
