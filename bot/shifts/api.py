"""The shift lifecycle's part of the public API (`/api/v1/`): routine duties and their runs,
handovers and log books of past shifts, reminders, post-mortems, and reports (JSON, CSV
and the chart).

The models here are the contract for these routes (the OpenAPI document is built from
them); handlers are thin and speak to the shift services only.
"""

from __future__ import annotations

from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from bot.api.auth import actor, authorize
from bot.api.table import ApiRoute
from bot.appkeys import SHIFTS
from bot.chat.shiftbook import current_shift
from bot.shifts.checklist import DutyRun
from bot.shifts.duties import SOURCE_NAME as DUTIES_SOURCE
from bot.shifts.reminding import REMINDERS as REMINDERS_SOURCE
from bot.shifts.reminders import ReminderPrefs
from bot.shifts.report import Report, report_csv
from bot.shifts.reporting import REPORTS_PATH, Reports
from bot.shifts.routine import MAX_DUTIES, MAX_ITEMS, DutySchedule, RoutineDuty
from bot.shifts.services import Services
from bot.storage.shifts import HandoverRecord
from bot.storage.teams import ShiftRecord
from shared.api_models import AtQuery, Email, Id, RotationName, Timestamp, WindowQuery

V1 = "/api/v1"
ROTATION = f"{V1}/rotations/{{name}}"
REPORT = f"{REPORTS_PATH}/{{name}}"
CSV = "text/csv"
PNG = "image/png"
LINK = "link"


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Reply(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, from_attributes=True)


# routine duties ---------------------------------------------------------------------------------
class DutyIn(_Request):
    days: str = Field(max_length=40, description="daily, weekdays, weekends, thu, mon-fri or mon-wed,fri",
                      examples=["weekdays"])  # fmt: skip
    at: str = Field(max_length=5, description="local time of day in the rotation's zone", examples=["16:00"])
    title: str = Field(min_length=1, max_length=200, examples=["Production rollout checklist"])
    items: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(default_factory=list, max_length=MAX_ITEMS)

    def to_duty(self) -> RoutineDuty:
        return RoutineDuty(DutySchedule.parse(self.days, self.at), self.title, tuple(self.items))


class DutiesIn(_Request):
    duties: list[DutyIn] = Field(max_length=MAX_DUTIES)


class DutyOut(_Reply):
    days: str
    at: str
    title: str
    items: list[str]
    line: str = Field(description="the duty as the chat and the rotations file write it")

    @classmethod
    def of(cls, duty: RoutineDuty) -> DutyOut:
        days, at = duty.schedule.describe().split(" ")
        return cls(days=days, at=at, title=duty.title, items=list(duty.items), line=duty.line())


class DutiesOut(_Reply):
    rotation: RotationName
    duties: list[DutyOut]


class RunOut(_Reply):
    id: Id
    title: str
    items: list[str]
    due_at: Timestamp
    closes_at: Timestamp = Field(description="the handoff that ends the run's shift")
    person: Email | None
    done: bool
    done_at: Timestamp | None
    unticked: list[str]

    @classmethod
    def of(cls, run: DutyRun) -> RunOut:
        return cls(id=run.id, title=run.title, items=list(run.items), due_at=run.due_at, closes_at=run.closes_at,
                   person=run.person, done=run.done, done_at=run.done_at, unticked=list(run.unticked))  # fmt: skip


# past shifts -----------------------------------------------------------------------------------
class HandoverOut(_Reply):
    handoff_at: Timestamp
    shift_start: Timestamp
    outgoing: Email | None
    incoming: Email | None
    posted_at: Timestamp
    late: bool


class RecordOut(_Reply):
    at: Timestamp
    author: str
    text: str


class LogBookOut(_Reply):
    rotation: RotationName
    shift_start: Timestamp
    shift_end: Timestamp
    entries: list[RecordOut]
    handover_notes: list[RecordOut]


# reminders --------------------------------------------------------------------------------------
Leads = Annotated[list[Annotated[str, Field(max_length=40)]], Field(max_length=4)]


class RemindersModel(_Request):
    """Leads before a shift starts and ends: `15m`, `2h`, `1d` or `evening 18:00`; null
    keeps the default (the rotation's, else Rota's: evening 18:00 and 15m, and 15m)."""

    before_start: Leads | None = Field(default=None, examples=[["evening 18:00", "15m"]])
    before_end: Leads | None = Field(default=None, examples=[["15m"]])

    @classmethod
    def of(cls, prefs: ReminderPrefs | None) -> RemindersModel:
        return cls.model_validate((prefs or ReminderPrefs()).to_dict())

    def to_prefs(self) -> ReminderPrefs:
        return ReminderPrefs.from_dict(self.model_dump())


# post-mortems and reports ----------------------------------------------------------------------
class PostmortemOut(_Reply):
    alert_id: Id
    title: str
    asked_of: Email
    asked_at: Timestamp
    summary: str | None
    link: str | None
    submitted_by: Email | None
    submitted_at: Timestamp | None


class PersonReportOut(_Reply):
    person: Email
    name: str | None
    shifts: int
    hours_on_duty: float
    pages: int
    out_of_hours_pages: int
    mean_minutes_to_acknowledge: float | None
    backlog_closed: int
    routine_duties_done: int
    routine_duties_missed: int
    hours_vs_team_mean: float | None = Field(description="0.25: a quarter above the team's mean")
    out_of_hours_pages_vs_team_mean: float | None


class ReportOut(_Reply):
    rotation: RotationName
    start: Timestamp
    end: Timestamp = Field(description="the period's end, or now if it runs on")
    team_size: int
    duty_share: float = Field(description="the part of the team's time spent on duty: 0.2 is one of five")
    mean_hours_on_duty: float
    mean_out_of_hours_pages: float
    pages: int
    out_of_hours_pages: int
    people: list[PersonReportOut]
    postmortems: list[PostmortemOut]

    @classmethod
    def of(cls, report: Report, names: dict[str, str]) -> ReportOut:
        people = [PersonReportOut(
            person=line.person, name=names.get(line.person), shifts=line.shifts, hours_on_duty=round(line.hours, 2),
            pages=line.pages, out_of_hours_pages=line.out_of_hours_pages,
            mean_minutes_to_acknowledge=None if line.mean_ack is None else round(line.mean_ack.total_seconds() / 60, 1),
            backlog_closed=line.backlog_closed, routine_duties_done=line.duties_done,
            routine_duties_missed=line.duties_missed, hours_vs_team_mean=line.hours_vs_mean,
            out_of_hours_pages_vs_team_mean=line.out_of_hours_vs_mean) for line in report.people]  # fmt: skip
        return cls(rotation=report.rotation, start=report.start, end=report.end, team_size=report.team_size,
                   duty_share=report.duty_share, mean_hours_on_duty=report.mean_hours,
                   mean_out_of_hours_pages=report.mean_out_of_hours, pages=report.pages,
                   out_of_hours_pages=report.out_of_hours_pages, people=people,
                   postmortems=[PostmortemOut.model_validate(p) for p in report.postmortems])  # fmt: skip


# handlers ------------------------------------------------------------------------------------------
def _services(request: web.Request) -> Services:
    return request.app[SHIFTS]


async def get_duties(request: web.Request, name: str) -> DutiesOut:
    """The rotation's routine duties, in order."""
    duties = await _services(request).shifts.duties(name)
    return DutiesOut(rotation=name, duties=[DutyOut.of(d) for d in duties])


async def put_duties(request: web.Request, name: str, body: DutiesIn) -> DutiesOut:
    """Replace the rotation's routine duties (the same list again changes nothing)."""
    services = _services(request)
    duties = [duty.to_duty() for duty in body.duties]
    stored = await services.shifts.replace_duties(name, duties, actor(request))
    await services.poke(DUTIES_SOURCE)
    return DutiesOut(rotation=name, duties=[DutyOut.of(d) for d in stored])


async def list_duty_runs(request: web.Request, name: str, query: WindowQuery) -> list[RunOut]:
    """Routine duties as they fell due in the window: who had them, what is left unticked."""
    return [RunOut.of(run) for run in await _services(request).shifts.runs(name, query.start, query.end)]


async def list_handovers(request: web.Request, name: str, query: WindowQuery) -> list[HandoverOut]:
    """Handovers posted for handoffs in the window."""
    found: list[HandoverRecord] = await _services(request).shifts.handovers(name, query.start, query.end)
    return [HandoverOut.model_validate(record) for record in found]


async def get_log_book(request: web.Request, name: str, query: AtQuery) -> LogBookOut:
    """The log book and handover notes of the regular shift under way at `at` (default: now)."""
    services = _services(request)
    rotation = await services.store.get_rotation(name)
    start, end = current_shift(rotation, query.at or services.clock())
    entries = await services.teams.log_entries(name, start)
    notes = await services.teams.handover_notes(name, start)
    return LogBookOut(rotation=name, shift_start=start, shift_end=end, entries=_records(entries),
                      handover_notes=_records(notes))  # fmt: skip


def _records(records: list[ShiftRecord]) -> list[RecordOut]:
    return [RecordOut.model_validate(record) for record in records]


async def get_rotation_reminders(request: web.Request, name: str) -> RemindersModel:
    """The rotation's default reminders (null: Rota's own)."""
    services = _services(request)
    await services.store.get_rotation(name)
    return RemindersModel.of((await services.shifts.reminder_defaults()).get(name))


async def put_rotation_reminders(request: web.Request, name: str, body: RemindersModel) -> RemindersModel:
    """Set the rotation's default reminders."""
    services = _services(request)
    await services.shifts.set_reminder_defaults(name, body.to_prefs(), actor(request))
    await services.poke(REMINDERS_SOURCE)
    return RemindersModel.of(body.to_prefs())


async def get_person_reminders(request: web.Request, email: str) -> RemindersModel:
    """The person's own reminders (null: their rotations' defaults)."""
    return RemindersModel.of((await _services(request).shifts.person_reminders([email])).get(email))


async def put_person_reminders(request: web.Request, email: str, body: RemindersModel) -> RemindersModel:
    """Set the person's own reminders, e.g. the evening before at 18:00 and 15 minutes before."""
    services = _services(request)
    await services.shifts.set_person_reminders(email, body.to_prefs(), actor(request))
    await services.poke(REMINDERS_SOURCE)
    return RemindersModel.of(body.to_prefs())


async def list_postmortems(request: web.Request, name: str, query: WindowQuery) -> list[PostmortemOut]:
    """Post-mortems asked or written in the window."""
    found = await _services(request).shifts.postmortems(name, query.start, query.end)
    return [PostmortemOut.model_validate(p) for p in found]


async def get_report(request: web.Request, name: str, query: WindowQuery) -> ReportOut:
    """Duty per person over the window: shifts, hours, pages (out of hours), time to
    acknowledge, backlog closed, routine duties missed, and fairness against the mean."""
    reported = await Reports(_services(request)).build(name, query.start, query.end, _label(query))
    return ReportOut.of(reported.report, reported.names)


async def get_report_csv(request: web.Request, name: str, query: WindowQuery) -> web.Response:
    """The report as CSV, one row per person."""
    reported = await Reports(_services(request)).build(name, query.start, query.end, _label(query))
    return web.Response(text=report_csv(reported.report), content_type=CSV, headers={
        "Content-Disposition": f'attachment; filename="{name}-report.csv"'})


async def get_report_chart(request: web.Request, name: str, query: WindowQuery) -> web.Response:
    """Hours on duty and pages per person as a PNG. Takes an API token, or the `link` a
    report card carries (it shows this rotation's chart for this window only)."""
    services = _services(request)
    link = request.query.get(LINK)
    if not (link and await services.shifts.report_link_allows(link, name, query.start, query.end)):
        await authorize(request, query_token=False)
    png = await Reports(services).chart(name, query.start, query.end, _label(query))
    return web.Response(body=png, content_type=PNG, headers={"Cache-Control": "private, max-age=300"})


def _label(query: WindowQuery) -> str:
    """The window in words, for the chart's title (UTC dates: the API speaks UTC)."""
    return f"{query.start.day} {query.start:%b %Y} – {query.end.day} {query.end:%b %Y}"

ROUTES: tuple[ApiRoute, ...] = (
    ApiRoute("GET", f"{ROTATION}/duties", get_duties, "Read routine duties", "shifts", reply=DutiesOut),
    ApiRoute("PUT", f"{ROTATION}/duties", put_duties, "Replace routine duties", "shifts", body=DutiesIn,
             reply=DutiesOut),
    ApiRoute("GET", f"{ROTATION}/duty-runs", list_duty_runs, "Routine duties as they fell due", "shifts",
             query=WindowQuery, reply=RunOut, many=True),
    ApiRoute("GET", f"{ROTATION}/handovers", list_handovers, "Handovers posted", "shifts", query=WindowQuery,
             reply=HandoverOut, many=True),
    ApiRoute("GET", f"{ROTATION}/log-book", get_log_book, "A shift's log book", "shifts", query=AtQuery,
             reply=LogBookOut),
    ApiRoute("GET", f"{ROTATION}/reminders", get_rotation_reminders, "Read a rotation's reminders", "reminders",
             reply=RemindersModel),
    ApiRoute("PUT", f"{ROTATION}/reminders", put_rotation_reminders, "Set a rotation's reminders", "reminders",
             body=RemindersModel, reply=RemindersModel),
    ApiRoute("GET", f"{V1}/people/{{email}}/reminders", get_person_reminders, "Read a person's reminders",
             "reminders", reply=RemindersModel),
    ApiRoute("PUT", f"{V1}/people/{{email}}/reminders", put_person_reminders, "Set a person's reminders",
             "reminders", body=RemindersModel, reply=RemindersModel),
    ApiRoute("GET", f"{ROTATION}/postmortems", list_postmortems, "Post-mortems", "shifts", query=WindowQuery,
             reply=PostmortemOut, many=True),
    # The CSV and the chart before the JSON report: `{name}` would match `x.csv` too.
    ApiRoute("GET", f"{REPORT}.csv", get_report_csv, "Duty report as CSV", "reports", query=WindowQuery,
             media_type=CSV),
    ApiRoute("GET", f"{REPORT}/chart.png", get_report_chart, "Duty report chart", "reports", query=WindowQuery,
             media_type=PNG, public=True),
    ApiRoute("GET", REPORT, get_report, "Duty report", "reports", query=WindowQuery, reply=ReportOut),
)
