"""The routed-mention card: a question for the person on duty, with `Take it` / `Pass to secondary`.

The same card is sent to the person on duty and kept in the thread; once someone takes or
passes it, it is rebuilt with the outcome and without the buttons, and replaces both copies.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.cards.elements import Element, adaptive_card, container, execute, text
from bot.cards.wording import People, person, when

TAKE_VERB = "mention.take"
PASS_VERB = "mention.pass"


def routed_mention_card(
    *,
    item_id: str,
    rotation: str,
    question: str,
    asked_by: str,
    asked_at: datetime,
    message_url: str,
    viewer_zone: str,
    now: datetime,
    passed_by: str | None = None,
    passed_to: str | None = None,
    passed_at: datetime | None = None,
    taken_by: str | None = None,
    taken_at: datetime | None = None,
    people: People | None = None,
) -> Element:
    """`item_id` identifies the routed item in the buttons' data. Once passed on, the card says
    to whom and keeps only `Take it` (for the secondary); once taken, it says by whom and has
    no buttons left."""
    zone = ZoneInfo(viewer_zone)
    body: list[Element] = [
        text(f"For the person on duty · {rotation}", size="Small", weight="Bolder", color="Accent"),
        text(f"{person(asked_by, people)} asked {when(asked_at, zone, now)} · [open the message]({message_url})",
             spacing="Small", isSubtle=True),  # fmt: skip
        container([text(question)], style="emphasis", spacing="Small"),
    ]
    if passed_to is not None:
        passer, stamp = person(passed_by, people), when(passed_at or now, zone, now)
        body.append(text(f"↪ Passed to {person(passed_to, people)} by {passer}, {stamp}", weight="Bolder",
                         color="Warning"))  # fmt: skip
    if taken_by is not None:
        line = f"✔ Taken by {person(taken_by, people)}, {when(taken_at or now, zone, now)}"
        body.append(text(line, weight="Bolder", color="Good"))
        return adaptive_card(body)
    data = {"routed": item_id, "rotation": rotation}
    actions = [execute("Take it", TAKE_VERB, data, style="positive")]
    if passed_to is None:
        actions.append(execute("Pass to secondary", PASS_VERB, data))
    return adaptive_card(body, actions)
