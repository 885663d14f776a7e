"""`ack <alert>` from chat, answered the way the alerts service decides."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.alerts.model import AlertState, AlertStateError
from bot.alerts.service import NotAllowed, Verb
from bot.chat.alerts_bridge import AlertsInChat
from bot.storage import NotFound
from tests.chat_service.conftest import ALICE

BASE_URL = "https://rota.example.com"


class Alerts:
    def __init__(self, outcome: Exception | None = None) -> None:
        self.outcome = outcome
        self.applied: list[tuple] = []

    async def apply(self, alert_id: int, verb: Verb, person: str, *, actor: str | None = None):
        self.applied.append((alert_id, verb, person, actor))
        if self.outcome is not None:
            raise self.outcome
        return SimpleNamespace(id=alert_id, alert=SimpleNamespace(title="Nightly ETL failed"))


async def test_ack_is_applied_as_the_person_and_audited_as_them_in_teams():
    alerts = Alerts()

    reply = await AlertsInChat(alerts, BASE_URL).acknowledge("42", ALICE.email, ALICE.chat)

    assert reply.text == "You acknowledged alert 42: Nightly ETL failed. It won't escalate any further."
    assert alerts.applied == [(42, Verb.ACK, ALICE.email, f"teams:{ALICE.email}")]


@pytest.mark.parametrize(("outcome", "said"), [
    (NotFound("alert", 42), "I can't find alert 42."),
    (NotAllowed("Only members of data-platform can act on its alerts."), "Only members of data-platform"),
    (AlertStateError("acknowledge", AlertState.RESOLVED, "It is resolved: nothing to acknowledge."), "It is resolved"),
])  # fmt: skip
async def test_a_refused_ack_says_why(outcome: Exception, said: str):
    reply = await AlertsInChat(Alerts(outcome), BASE_URL).acknowledge("42", ALICE.email, ALICE.chat)

    assert reply.text.startswith(said)


async def test_an_alert_is_named_by_its_number():
    alerts = Alerts()

    reply = await AlertsInChat(alerts, BASE_URL).acknowledge("etl", ALICE.email, ALICE.chat)

    assert "not an alert number" in reply.text and alerts.applied == []
