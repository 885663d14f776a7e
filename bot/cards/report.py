"""The duty report card: the chart first (people look before they read), then the numbers
per person with their distance from the team's mean, then the post-mortems written."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.cards.elements import Element, adaptive_card, facts, heading, table, table_row, text
from bot.cards.wording import People, person, stamp, zone_note
from bot.shifts.report import PersonLine, Report

#: A share of hours or night pages this far from the team's mean is pointed out.
UNFAIR = 0.25


def report_card(*, report: Report, chart_url: str | None, viewer_zone: str, people: People | None = None) -> Element:
    zone = ZoneInfo(viewer_zone)
    body: list[Element] = [
        heading(f"{report.rotation}: duty report, {report.label}"),
        text(f"{stamp(report.start, zone)} → {stamp(report.end, zone)}", isSubtle=True, spacing="None"),
    ]
    if chart_url:
        body.append({"type": "Image", "url": chart_url, "altText": f"Hours on duty and pages per person, {report.label}",
                     "size": "Stretch", "spacing": "Medium"})  # fmt: skip
    body.append(facts(_summary(report), spacing="Medium"))
    if report.people:
        rows = [_row(line, people) for line in report.people]
        body.append(table([4, 2, 3, 3, 2, 2, 2], ["Person", "Shifts", "Hours", "Pages (night)", "Ack", "Backlog",
                                                  "Missed"], rows, spacing="Medium"))  # fmt: skip
    body.extend(_fairness(report, people))
    body.extend(_postmortems(report))
    body.append(text(f"{zone_note(zone)}. Hours and night pages are compared with the team's mean.", size="Small",
                     isSubtle=True))  # fmt: skip
    return adaptive_card(body)


def _summary(report: Report) -> list[tuple[str, str]]:
    share = round(report.duty_share * 100)
    at_once = report.on_duty_at_once
    people = "1 person" if round(at_once, 1) == 1 else f"{at_once:.1f} people"
    return [
        ("Duty share", f"{people} of {report.team_size} on duty at a time = {share} % of the team's time"),
        ("Pages", f"{report.pages} ({report.out_of_hours_pages} out of hours)"),
        ("Mean per person", f"{report.mean_hours:.0f} h on duty, {report.mean_out_of_hours:.1f} night pages"),
    ]


def _row(line: PersonLine, people: People | None) -> Element:
    cells = [
        person(line.person, people),
        str(line.shifts),
        f"{line.hours:.0f} ({_relative(line.hours_vs_mean)})",
        f"{line.pages} ({line.out_of_hours_pages})",
        _minutes(line.mean_ack),
        str(line.backlog_closed),
        str(line.duties_missed),
    ]
    return table_row([[text(cell, size="Small")] for cell in cells])


def _relative(value: float | None) -> str:
    if value is None:
        return "–"
    percent = round(value * 100)
    return f"{percent:+d}%" if percent else "±0%"


def _minutes(value: timedelta | None) -> str:
    if value is None:
        return "–"
    minutes = value.total_seconds() / 60
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def _fairness(report: Report, people: People | None) -> list[Element]:
    """A line for each person carrying well over the mean, so the card says it outright
    (those below it are the other side of the same coin)."""
    notes = []
    for line in report.people:
        for value, what in ((line.hours_vs_mean, "hours on duty"), (line.out_of_hours_vs_mean, "night pages")):
            if value is not None and value >= UNFAIR:
                notes.append(f"{person(line.person, people)}: {what} {value * 100:.0f} % above the mean")
    if not notes:
        return [text("Duty is shared evenly in this period.", color="Good", spacing="Medium")]
    return [text("**Uneven**", spacing="Medium", color="Warning"), *(text(f"• {n}", spacing="None") for n in notes)]


def _postmortems(report: Report) -> list[Element]:
    if not report.postmortems:
        return []
    lines = [text(f"• #{p.alert_id} {p.title}: {p.summary}" + (f" [write-up]({p.link})" if p.link else ""),
                  spacing="None") for p in report.postmortems]  # fmt: skip
    return [text("**Post-mortems**", spacing="Medium"), *lines]
