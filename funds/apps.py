from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "funds"
    verbose_name = "资金与项目"

    def ready(self) -> None:
        from povertyrelief.audit import audit_register

        from . import models as m

        # Running totals are left out: they follow from the audited entries
        # (check_ledger recomputes them), and logging them would double every
        # money change in the trail.
        audit_register(m.FundSource, exclude=("allocated_total",))
        # The villages and beneficiaries decide who sees a project and who
        # is named in its 公示: their changes are audited as well.
        from auditlog.registry import auditlog

        auditlog.register(
            m.Project,
            include_fields=[f.name for f in m.Project._meta.concrete_fields if not f.primary_key],
            m2m_fields={"villages", "beneficiaries"},
        )
        audit_register(m.ProjectStep)
        audit_register(m.Allocation, exclude=("confirmed_total", "pending_total"))
        audit_register(m.AllocationMeasure)
        audit_register(m.Disbursement)
        # Adds the funds seeder to seed_demo after the households' (INSTALLED_APPS order).
        from . import demo  # noqa: F401
