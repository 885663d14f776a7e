"""Adaptive Cards built from domain values: pure functions with keyword arguments returning dicts."""

from bot.cards.chat import error_card, help_card, welcome_card
from bot.cards.routed import routed_mention_card
from bot.cards.schedule import my_shifts_card, schedule_card, upcoming_shifts
from bot.cards.setup import rotation_from_form, setup_card
from bot.cards.who import WhoView, who_card, who_view

__all__ = [
    "WhoView",
    "error_card",
    "help_card",
    "my_shifts_card",
    "rotation_from_form",
    "routed_mention_card",
    "schedule_card",
    "setup_card",
    "upcoming_shifts",
    "welcome_card",
    "who_card",
    "who_view",
]
