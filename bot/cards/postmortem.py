"""The post-mortem card: sent to whoever resolved a critical alert, asking for a summary
and a link; once saved it shows what was written, still editable in place."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.cards.elements import Element, adaptive_card, execute, heading, text
from bot.cards.wording import People, person, stamp, zone_note
from bot.shifts.postmortem import MAX_LINK, MAX_SUMMARY, Postmortem

SUBMIT_VERB = "postmortem.submit"


def postmortem_card(
    *,
    postmortem: Postmortem,
    resolved_at: datetime | None,
    viewer_zone: str,
    people: People | None = None,
    problem: str | None = None,
) -> Element:
    """The question with its two fields; `problem` says what was wrong with the last try."""
    zone = ZoneInfo(viewer_zone)
    resolved = f" at {stamp(resolved_at, zone)}" if resolved_at else ""
    body: list[Element] = [
        heading(f"Post-mortem: {postmortem.title}"),
        text(f"{postmortem.rotation} · critical alert #{postmortem.alert_id}, resolved{resolved} by "
             f"{person(postmortem.asked_of, people)}", isSubtle=True, spacing="None"),  # fmt: skip
        text("What happened, in a sentence or two, and where is the write-up? It goes in the handover and the "
             "reports, for whoever meets this next.", spacing="Medium"),  # fmt: skip
        _input("summary", "Summary", postmortem.summary, MAX_SUMMARY, multiline=True, required=True),
        _input("link", "Link to the post-mortem (optional)", postmortem.link, MAX_LINK, style="Url"),
    ]
    if problem:
        body.append(text(problem, color="Attention", weight="Bolder"))
    if postmortem.submitted and postmortem.submitted_at is not None:
        body.append(text(f"Saved by {person(postmortem.submitted_by, people)} at "
                         f"{stamp(postmortem.submitted_at, zone)}.", color="Good"))  # fmt: skip
    body.append(text(f"{zone_note(zone)}.", size="Small", isSubtle=True))
    title = "Save changes" if postmortem.submitted else "Save"
    return adaptive_card(body, [execute(title, SUBMIT_VERB, {"alert": postmortem.alert_id}, style="positive")])


def _input(name: str, label: str, value: str | None, limit: int, *, multiline: bool = False, required: bool = False,
           style: str | None = None) -> Element:  # fmt: skip
    field: Element = {"type": "Input.Text", "id": name, "label": label, "maxLength": limit}
    if value:
        field["value"] = value
    if multiline:
        field["isMultiline"] = True
    if required:
        field.update(isRequired=True, errorMessage="Write a sentence or two.")
    if style:
        field["style"] = style
    return field
