from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    name = "households"
    verbose_name = "建档立卡户"

    def ready(self) -> None:
        from povertyrelief.audit import audit_register

        from . import models as m

        # Derived columns are left out: they follow from audited fields.
        audit_register(
            m.Household, exclude=("version", "updated_at", "head_name", "member_count", "card_data_changed_at", "township")
        )
        audit_register(m.Member)
        audit_register(m.AnnualStandard)
        audit_register(m.Income, exclude=("recorded_at",))
        audit_register(m.Cadre)
        audit_register(m.Assignment)
        audit_register(m.Visit)
        audit_register(m.MeasureCategory)
        audit_register(m.Measure)
        audit_register(m.Monitoring)
        audit_register(m.Attachment)
        audit_register(m.CardPrint)

        # Signals keep card dates current; the imports and printing services
        # register their background job runners for the task worker.
        from . import signals  # noqa: F401
        from .services import printing  # noqa: F401
        # Adds the household seeder to seed_demo (povertyrelief.demo.DEMO_SEEDERS).
        from . import demo  # noqa: F401
        from .services import imports  # noqa: F401

        # Household.township's triggers survive SQLite rebuilding the table.
        from django.db.models.signals import post_migrate

        from .township import ensure_township_triggers

        post_migrate.connect(ensure_township_triggers, sender=self, dispatch_uid="households_township_triggers")
