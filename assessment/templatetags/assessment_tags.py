"""The exit checklist on the household page and the 明白卡, and small
helpers of the exit pages."""

from __future__ import annotations

from django import template
from django.utils import timezone

from ..selectors import checklists_for

register = template.Library()


@register.simple_tag
def household_checklist(household, year=None):
    """The household's seven criteria for ``year`` (this year by default):
    as saved at 核实 when a review of that year verified them, otherwise as
    the record stands today."""
    year = int(year or timezone.localdate().year)
    return checklists_for([household], year=year)[household.pk]


@register.simple_tag
def card_checklists(cards) -> dict:
    """{household id: Checklist} for a batch of 明白卡, from what the cards
    already hold (members, the year's income and standard) plus one query
    for the year's reviews."""
    cards = list(cards or [])
    if not cards:
        return {}
    year = cards[0].year
    households = [card.household for card in cards]
    members = {card.household.pk: list(getattr(card.household, "card_members", [])) for card in cards}
    incomes = {card.household.pk: card.income for card in cards if card.income is not None}
    return checklists_for(households, year=year, on=cards[0].on, members=members, incomes=incomes, standard=cards[0].standard)


@register.filter
def checklist_of(checklists: dict, household_id):
    return (checklists or {}).get(household_id)


@register.filter
def tick(check) -> str:
    """√ met, × not met, ？ cannot be judged yet."""
    if check.ok is True:
        return "√"
    if check.ok is False:
        return "×"
    return "？"


@register.filter
def param(query, name: str) -> str:
    return query.get(name, "")
