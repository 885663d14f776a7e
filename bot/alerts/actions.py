"""The alert card's buttons, as the Teams boundary hands them over (`alert.` verbs).

A press is applied as the person who pressed it, and answered with the refreshed card
(alert card, or digest card when pressed on a digest); the other copies are updated
through the outbox. A refusal (not a member, already resolved, a stale button) is
answered with the reason, and the card stays as it was.
"""

from __future__ import annotations

from bot.alerts.model import AlertStateError, is_whole_number
from bot.alerts.service import AlertService, NotAllowed, Pressed, Verb
from bot.conversations import CardAction, CardActionResult, ConversationKind
from bot.storage import NotFound
from bot.storage.alerts import StoredAlert
from shared.rotation import ValidationError

PREFIX = "alert."
UNKNOWN_PERSON = ("I could not tell who you are from Teams; send me a message in a personal chat once, "
                  "then press the button again.")


class AlertActions:
    """Registered on the app's `ActionRouter` for the `alert.` prefix."""

    def __init__(self, service: AlertService) -> None:
        self._service = service

    async def __call__(self, action: CardAction) -> CardActionResult:
        verb = _verb(action.verb or action.data.get("verb"))
        alert_id = action.data.get("alert")
        if verb is None or not is_whole_number(alert_id) or alert_id < 1:
            return CardActionResult(refused="This button does not name an alert action; the card may be out of date.")
        if not action.user.email:
            return CardActionResult(refused=UNKNOWN_PERSON)
        digest_key = action.data.get("digest") if isinstance(action.data.get("digest"), str) else None
        pressed = Pressed(action.conversation.key, action.activity_id)
        until = action.data.get("until") if isinstance(action.data.get("until"), str) else None
        try:
            saved = await self._service.apply(alert_id, verb, action.user.email, until=until, pressed=pressed,
                                              digest_key=digest_key)
        except NotFound:
            return CardActionResult(refused="This alert no longer exists (its rotation may have been deleted).")
        except NotAllowed as exc:
            return CardActionResult(refused=exc.reason)
        except AlertStateError as exc:
            return CardActionResult(refused=exc.message)
        except ValidationError as exc:
            return CardActionResult(refused=exc.message[:1].upper() + exc.message[1:] + ".")
        return CardActionResult(card=await self._card(saved, action, digest_key))

    async def _card(self, saved: StoredAlert, action: CardAction, digest_key: str | None) -> dict:
        """The card to show in place of the pressed one, in that copy's zone."""
        service = self._service
        if digest_key is not None:
            copy = await service.digest_copy(digest_key, action.conversation.key)
            if copy is not None:
                return await service.digest_card_for(copy)
        copy = await service.copy_pressed(saved.id, Pressed(action.conversation.key, action.activity_id))
        zone = copy.body["zone"] if copy is not None else _viewer_zone(action, saved.timezone)
        settings = await service.alerts.settings(saved.alert.rotation)
        note = copy.body.get("note") if copy is not None else None
        return await service.deliveries.card_for(saved.alert, zone, settings, note)


def _verb(value: object) -> Verb | None:
    if not isinstance(value, str) or not value.startswith(PREFIX):
        return None
    try:
        return Verb(value.removeprefix(PREFIX))
    except ValueError:
        return None


def _viewer_zone(action: CardAction, rotation_zone: str) -> str:
    """The presser's own zone in a personal chat (when Teams told it), else the rotation's."""
    personal = action.conversation.kind is ConversationKind.PERSONAL
    return action.user.timezone if personal and action.user.timezone != "UTC" else rotation_zone
