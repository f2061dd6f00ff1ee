"""Access matrix entries for measures, the catalogue, monitoring and attachments."""

from datetime import date

from django.core.files.base import ContentFile

from tests.access import CHANGERS, MANAGERS, VIEWERS, Case

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _category(ctx):
    from households.models import MeasureCategory

    return MeasureCategory.objects.get(group="就业扶贫", name="公益岗位")


def _measure(household):
    from households.models import Measure

    return Measure.objects.create(household=household, year=2024, category=_category(None), content="村保洁员", amount=6000)


def _monitoring(household):
    from households.models import Monitoring

    return Monitoring.objects.create(
        household=household, object_type="边缘易致贫户", risk_description="因病住院自付费用高", risk_identified_date=date(2024, 5, 1)
    )


def _signalled(household):
    """A case just opened by its first signal: its next step is the village's."""
    from households.models import Monitoring

    return Monitoring.objects.create(
        household=household, object_type="边缘易致贫户", risk_description="务工收入中断", signal_kind="干部排查",
        signal_date=date(2024, 5, 1), due_date=date(2024, 5, 16), stage_date=date(2024, 5, 1),
    )


def _attachment(ctx, household):
    from households.models import Attachment

    attachment = Attachment(
        household=household, kind="申请书", original_name="申请书.png", content_type="image/png", size=len(PNG),
        uploaded_by=ctx.personas.county_admin,
    )
    attachment.file.save("matrix.png", ContentFile(PNG), save=False)
    attachment.save()
    return attachment


CASES = {
    "households:category_list": Case(MANAGERS),
    "households:category_create": Case(MANAGERS),
    "households:category_update": Case(MANAGERS, in_x=_category),
    "households:measure_list": Case(VIEWERS),
    "households:measure_bulk_add": Case(CHANGERS),
    "households:measure_create": Case(CHANGERS, in_x=lambda c: c.households.x, in_b=lambda c: c.households.z),
    "households:measure_update": Case(
        CHANGERS, in_x=lambda c: _measure(c.households.x), in_b=lambda c: _measure(c.households.z)
    ),
    "households:monitoring_list": Case(VIEWERS),
    "households:monitoring_create": Case(CHANGERS, in_x=lambda c: c.households.x, in_b=lambda c: c.households.z),
    "households:monitoring_update": Case(
        CHANGERS, in_x=lambda c: _monitoring(c.households.x), in_b=lambda c: _monitoring(c.households.z)
    ),
    # Each level's steps have their own page; other roles are refused (403).
    "households:monitoring_step": Case(
        {"village_x"}, in_x=lambda c: _signalled(c.households.x), in_b=lambda c: _signalled(c.households.z)
    ),
    "households:monitoring_township": Case(
        {"township_a", "outsider"}, in_x=lambda c: _signalled(c.households.x), in_b=lambda c: _signalled(c.households.z)
    ),
    "households:monitoring_county": Case(
        MANAGERS, in_x=lambda c: _signalled(c.households.x), in_b=lambda c: _signalled(c.households.z)
    ),
    "households:monitoring_eliminate": Case(
        CHANGERS, in_x=lambda c: _monitoring(c.households.x), in_b=lambda c: _monitoring(c.households.z)
    ),
    "households:attachment_upload": Case(CHANGERS, in_x=lambda c: c.households.x, in_b=lambda c: c.households.z),
    "households:attachment_download": Case(
        VIEWERS, in_x=lambda c: _attachment(c, c.households.x), in_b=lambda c: _attachment(c, c.households.z)
    ),
    "households:attachment_delete": Case(
        CHANGERS, in_x=lambda c: _attachment(c, c.households.x), in_b=lambda c: _attachment(c, c.households.z)
    ),
}
