"""Asking for post-mortems, and keeping the answers.

A timer source: due at once when a critical alert resolved recently has not been asked
about. The alerts service wakes it after every change (see `context`); it also
looks by itself every `Services.replan`. The prompt is recorded after its card is queued,
under the alert's id, so each alert is asked about once.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from bot.alerts.model import Alert
from bot.cards.postmortem import postmortem_card
from bot.conversations import CardAction, CardActionResult
from bot.shifts.postmortem import ASK_WITHIN, Postmortem, checked_answer, handled_by, to_ask
from bot.shifts.services import UNKNOWN_PRESSER, Services
from bot.storage import NotFound
from shared.oncall import on_call
from shared.rotation import ValidationError

log = logging.getLogger(__name__)

SOURCE_NAME = "postmortems"
PREFIX = "postmortem."


class PostmortemSource:
    name = SOURCE_NAME

    def __init__(self, services: Services) -> None:
        self._services = services

    async def next_due(self, now: datetime) -> datetime | None:
        return now if await self._waiting(now) else self._services.next_look(None, now)

    async def run_due(self, now: datetime) -> None:
        for alert, asked_of in await self._waiting(now):
            await self.ask(alert, asked_of, now)

    async def ask(self, alert: Alert, asked_of: str, now: datetime) -> Postmortem:
        services = self._services
        assert alert.id is not None
        prompt = Postmortem(alert.id, alert.rotation, alert.title, asked_of, now, f"postmortem:{alert.id}")
        rotation = await services.store.get_rotation(alert.rotation)
        zone = await services.zone_of(asked_of, rotation.timezone)
        card = postmortem_card(postmortem=prompt, resolved_at=alert.resolved_at, viewer_zone=zone,
                               people=await services.names([asked_of]))  # fmt: skip
        if not await services.direct(asked_of, prompt.message_key, rotation=alert.rotation, card=card):
            log.info("no chat with %s: no post-mortem asked for alert %s", asked_of, alert.id)
        await services.shifts.ask(prompt)
        return prompt

    async def _waiting(self, now: datetime) -> list[tuple[Alert, str]]:
        """The alerts to ask about, with whom to ask: whoever handled each, else whoever
        was on duty when it ended (an alert with neither is not asked about)."""
        recent = await self._services.shifts.resolved_critical(now - ASK_WITHIN)
        asked = await self._services.shifts.asked(a.id for a in recent if a.id is not None)
        waiting = []
        for alert in to_ask(recent, asked, now):
            asked_of = handled_by(alert) or await self._on_duty_when_it_ended(alert)
            if asked_of is not None:
                waiting.append((alert, asked_of))
        return waiting

    async def _on_duty_when_it_ended(self, alert: Alert) -> str | None:
        try:
            rotation = await self._services.store.get_rotation(alert.rotation)
        except NotFound:
            return None
        return on_call(rotation, alert.resolved_at).primary


class PostmortemActions:
    """The post-mortem card's button (`postmortem.submit`)."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def __call__(self, action: CardAction) -> CardActionResult:
        alert_id, by = action.data.get("alert"), action.user.email
        if not isinstance(alert_id, int) or isinstance(alert_id, bool):
            return CardActionResult(refused="This button does not name an alert; the card may be out of date.")
        if not by:
            return CardActionResult(refused=UNKNOWN_PRESSER)
        services = self._services
        try:
            asked = await services.shifts.postmortem(alert_id)
            rotation = await services.store.get_rotation(asked.rotation)
        except NotFound:
            return CardActionResult(refused="This alert no longer exists (its rotation may have been deleted).")
        if by not in {*rotation.members, asked.asked_of}:
            return CardActionResult(refused=f"Only members of {asked.rotation} can write its post-mortems.")
        zone = action.user.timezone if action.user.timezone != "UTC" else rotation.timezone
        resolved_at = await self._resolved_at(alert_id)
        names = await services.names([asked.asked_of, by])
        try:
            summary, link = checked_answer(action.data.get("summary"), action.data.get("link"))
        except ValidationError as problem:
            typed = replace(asked, summary=_text(action.data.get("summary")), link=_text(action.data.get("link")))
            why = problem.message[:1].upper() + problem.message[1:]
            card = postmortem_card(postmortem=typed, resolved_at=resolved_at, viewer_zone=zone, people=names,
                                   problem=f"Not saved. {why}.")  # fmt: skip
            return CardActionResult(card=card)
        saved = await services.shifts.submit(alert_id, summary, link, by)
        return CardActionResult(card=postmortem_card(postmortem=saved, resolved_at=resolved_at, viewer_zone=zone,
                                                     people=names))  # fmt: skip

    async def _resolved_at(self, alert_id: int) -> datetime | None:
        try:
            return (await self._services.alerts.get(alert_id)).alert.resolved_at
        except NotFound:
            return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
