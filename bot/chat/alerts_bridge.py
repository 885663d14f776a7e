"""`ack <alert>` typed in chat, applied by the alerts service as if its card's button had
been pressed: the same checks (a member of the rotation, an alert not resolved), the same
audit, and every copy of the alert card updated by the service itself."""

from __future__ import annotations

from typing import Protocol

from bot.alerts.model import AlertStateError, IntegrationKind
from bot.alerts.service import NotAllowed, Verb
from bot.chat.context import ACTOR_PREFIX
from bot.conversations import ConversationRecord, Reply
from bot.storage import NotFound
from bot.storage.alerts import Integration, StoredAlert


class IntegrationMaker(Protocol):
    """`bot.storage.alerts.AlertStore`, as far as chat uses it."""

    async def create_integration(self, rotation: str, kind: IntegrationKind, name: str,
                                 actor: str) -> tuple[Integration, str]: ...


class AlertApplier(Protocol):
    """`bot.alerts.service.AlertService`, as far as chat uses it."""

    @property
    def alerts(self) -> IntegrationMaker: ...

    async def apply(self, alert_id: int, verb: Verb, person: str, *, actor: str | None = None) -> StoredAlert: ...


class AlertsInChat:
    """Satisfies `bot.chat.ports.AlertActions`. `base_url` is where monitoring reaches the
    service (`ROTA_PUBLIC_URL`), for the URLs of new webhooks."""

    def __init__(self, alerts: AlertApplier, base_url: str) -> None:
        self._alerts = alerts
        self._base_url = base_url

    async def add_integration(self, rotation: str, kind: str, name: str, actor: str) -> tuple[str, str]:
        created, secret = await self._alerts.alerts.create_integration(rotation, IntegrationKind(kind), name, actor)
        return created.url(self._base_url), secret

    async def acknowledge(self, alert: str, person: str, conversation: ConversationRecord) -> Reply:
        if not alert.isdigit():
            return Reply(text=f"“{alert}” is not an alert number; the number is on the alert card.")
        try:
            stored = await self._alerts.apply(int(alert), Verb.ACK, person, actor=f"{ACTOR_PREFIX}{person}")
        except NotFound:
            return Reply(text=f"I can't find alert {alert}.")
        except NotAllowed as refused:
            return Reply(text=refused.reason)
        except AlertStateError as refused:
            return Reply(text=refused.message)
        return Reply(text=f"You acknowledged alert {stored.id}: {stored.alert.title}. It won't escalate any further.")
