"""Every save or deletion of what a 明白卡 prints marks the household's card
out of date (``services.printing.card_data_changed``, the one place the rule
lives; bulk writes call it themselves).

A signal rather than a call in each service: every service that touches what
a card prints would otherwise have to remember it, and a stale card in a
household's hands is exactly the mistake the print queue exists to catch.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import models as m
from .services.printing import card_data_changed

PRINTED_ON_CARD = (m.Member, m.Income, m.Assignment, m.Measure, m.Monitoring)


@receiver(post_save, sender=m.Household)
def household_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        card_data_changed(household_ids=[instance.pk])


for model in PRINTED_ON_CARD:

    @receiver(post_save, sender=model, weak=False)
    @receiver(post_delete, sender=model, weak=False)
    def related_saved(sender, instance, raw=False, **kwargs):
        if not raw:
            card_data_changed(household_ids=[instance.household_id])
