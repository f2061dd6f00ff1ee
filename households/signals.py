"""Keep Household.card_data_changed_at current.

A signal rather than a service call: every service that touches what a 明白卡
prints would otherwise have to remember it, and a stale card in a
household's hands is exactly the mistake the print queue exists to catch.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from . import models as m

PRINTED_ON_CARD = (m.Member, m.Income, m.Assignment, m.Measure, m.Monitoring)


def _touch(household_id) -> None:
    m.Household.objects.filter(pk=household_id).update(card_data_changed_at=timezone.now())


@receiver(post_save, sender=m.Household)
def household_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _touch(instance.pk)


for model in PRINTED_ON_CARD:

    @receiver(post_save, sender=model, weak=False)
    @receiver(post_delete, sender=model, weak=False)
    def related_saved(sender, instance, raw=False, **kwargs):
        if not raw:
            _touch(instance.household_id)
