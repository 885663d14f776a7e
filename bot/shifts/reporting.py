"""Reports from the database: the numbers (`report.build_report`), the chart, the card,
and the chart's link for the card.

A card's image is fetched by Teams without Rota's API token, so the card carries a link
with a token of its own (`report_links`): it shows that rotation's chart for that period
and nothing else, for `LINK_LIFETIME`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

from bot.cards.report import report_card
from bot.chat.ports import ReportRequest
from bot.conversations import Reply
from bot.shifts.chart import report_chart
from bot.shifts.report import Activity, Report, build_report
from bot.shifts.services import Services

LINK_LIFETIME = timedelta(days=90)
REPORTS_PATH = "/api/v1/reports"


@dataclass(frozen=True)
class Reported:
    """A report and the display names of the people in it."""

    report: Report
    names: dict[str, str]


class Reports:
    """Implements the chat service's `Reporter`; the API uses it too."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def build(self, rotation: str, start: datetime, end: datetime, label: str) -> Reported:
        """Raises NotFound for an unknown rotation."""
        services = self._services
        rotations = await services.rotations()
        stored = await services.store.get_rotation(rotation)
        activity = Activity(
            alerts=await services.shifts.alerts(rotation, start, end),
            backlog=await services.teams.backlog(rotation, include_done=True),
            runs=await services.shifts.runs(rotation, start, end),
            postmortems=await services.shifts.postmortems(rotation, start, end),
        )
        report = build_report(stored, rotations, (start, end, label), services.clock(), activity,
                              await services.business_hours(stored))  # fmt: skip
        return Reported(report, await services.names(line.person for line in report.people))

    async def chart(self, rotation: str, start: datetime, end: datetime, label: str) -> bytes:
        reported = await self.build(rotation, start, end, label)
        return report_chart(reported.report, reported.names)

    async def chart_url(self, rotation: str, start: datetime, end: datetime) -> str:
        """A link to the chart that works without an API token, for `LINK_LIFETIME`."""
        services = self._services
        token = await services.shifts.add_report_link(rotation, start, end, services.clock() + LINK_LIFETIME)
        query = urlencode({"from": start.isoformat(), "to": end.isoformat(), "link": token})
        return f"{services.base_url}{REPORTS_PATH}/{quote(rotation)}/chart.png?{query}"

    async def report(self, request: ReportRequest) -> list[Reply]:
        """`report [rotation] [period]` in chat: one card per rotation."""
        if not request.rotations:
            return [Reply(text="You are not in any rotation, so there is nothing to report. Name one: "
                               "“report data-platform last month”.")]  # fmt: skip
        replies = []
        for rotation in request.rotations:
            reported = await self.build(rotation, request.start, request.end, request.period)
            url = await self.chart_url(rotation, request.start, request.end)
            card = report_card(report=reported.report, chart_url=url, viewer_zone=request.viewer_zone,
                               people=reported.names)  # fmt: skip
            replies.append(Reply(card=card))
        return replies
