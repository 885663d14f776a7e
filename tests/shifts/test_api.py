"""The shift lifecycle's API on the live service: routine duties, reminders, log books of
past shifts, and reports as JSON, CSV and a chart (with a token, or a report card's link)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.appkeys import SHIFTS, STORE
from bot.settings import Settings
from bot.shifts.reporting import Reports
from tests.api.conftest import Api, rotation_body

NOW = datetime(2026, 3, 20, 10, 30, tzinfo=timezone.utc)
WINDOW = "from=2026-03-02T11:00:00Z&to=2026-03-16T11:00:00Z"
ROLLOUT = {"days": "mon-fri", "at": "16:00", "title": "Production rollout checklist", "items": ["dashboards", "deploy"]}


@pytest.fixture
def app(sqlite_url: str) -> web.Application:
    clock: Callable[[], datetime] = lambda: NOW  # noqa: E731
    return create_app(Settings(database_url=sqlite_url, public_url="https://rota.example.com"), clock=clock)


@pytest.fixture
async def client(aiohttp_client: Any, app: web.Application) -> TestClient:
    return await aiohttp_client(app)


@pytest.fixture
async def api(client: TestClient) -> Api:
    store = client.app[STORE]
    _, admin = await store.create_token("admin", admin=True)
    caller = Api(client, admin)
    await caller.ok("POST", "/api/v1/rotations", json=rotation_body())
    return caller


async def test_routine_duties_are_replaced_as_a_list_and_read_back(api: Api) -> None:
    path = "/api/v1/rotations/data-platform/duties"
    body = {"duties": [ROLLOUT, {"days": "thu", "at": "18:00", "title": "Pre-prod push"}]}

    put = await api.ok("PUT", path, json=body)
    audit = await api.ok("GET", "/api/v1/audit?rotation=data-platform")
    again = await api.ok("PUT", path, json=body)

    assert [d["line"] for d in put["duties"]] == ["weekdays 16:00 Production rollout checklist: dashboards; deploy",
                                                  "thu 18:00 Pre-prod push"]  # fmt: skip
    assert again == put == await api.ok("GET", path)
    assert await api.ok("GET", "/api/v1/audit?rotation=data-platform") == audit
    status, problem = await api.call("PUT", path, json={"duties": [{**ROLLOUT, "days": "someday"}]})
    assert (status, problem["error"]["field"]) == (422, "days")


async def test_reminders_of_a_rotation_and_of_a_person(api: Api) -> None:
    rotation = await api.ok("PUT", "/api/v1/rotations/data-platform/reminders", json={"before_end": ["30m"]})
    person = await api.ok("PUT", "/api/v1/people/bob@example.com/reminders",
                          json={"before_start": ["Evening 19:00", "15 min"]})  # fmt: skip

    assert rotation == {"before_start": None, "before_end": ["30m"]}
    assert person == {"before_start": ["evening 19:00", "15m"], "before_end": None}
    assert await api.ok("GET", "/api/v1/people/bob@example.com/reminders") == person
    status, problem = await api.call("PUT", "/api/v1/people/bob@example.com/reminders", json={"before_end": ["soon"]})
    assert (status, problem["error"]["field"]) == (422, "lead")


async def test_the_log_book_of_a_past_shift(api: Api, client: TestClient) -> None:
    shifts = client.app[SHIFTS]
    await shifts.teams.add_log_entry("data-platform", datetime(2026, 3, 9, 11, tzinfo=timezone.utc),
                                     "bob@example.com", "Restarted the orders ETL")  # fmt: skip

    book = await api.ok("GET", "/api/v1/rotations/data-platform/log-book?at=2026-03-12T09:00:00Z")

    assert (book["shift_start"], book["shift_end"]) == ("2026-03-09T11:00:00Z", "2026-03-16T11:00:00Z")
    assert [(e["author"], e["text"]) for e in book["entries"]] == [("bob@example.com", "Restarted the orders ETL")]
    assert (await api.ok("GET", "/api/v1/rotations/data-platform/log-book"))["entries"] == []


async def test_a_report_as_json_csv_and_chart(api: Api, client: TestClient) -> None:
    report = await api.ok("GET", f"/api/v1/reports/data-platform?{WINDOW}")
    response = await client.get(f"/api/v1/reports/data-platform.csv?{WINDOW}", headers=api.headers())
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    chart = await client.get(f"/api/v1/reports/data-platform/chart.png?{WINDOW}", headers=api.headers())

    assert [(p["person"], p["shifts"], p["hours_on_duty"]) for p in report["people"]] == [
        ("alice@example.com", 1, 168.0), ("bob@example.com", 1, 168.0), ("carol@example.com", 0, 0.0)]
    assert round(report["duty_share"], 3) == 0.333
    assert response.content_type == "text/csv" and [r["person"] for r in rows][:2] == ["alice@example.com",
                                                                                      "bob@example.com"]
    assert chart.status == 200 and chart.content_type == "image/png"
    assert (await chart.read()).startswith(b"\x89PNG")
    status, _ = await api.call("GET", "/api/v1/reports/nope?" + WINDOW)
    assert status == 404


async def test_the_chart_opens_with_a_report_card_s_link_for_its_window_only(api: Api, client: TestClient) -> None:
    start, end = datetime(2026, 3, 2, 11, tzinfo=timezone.utc), datetime(2026, 3, 16, 11, tzinfo=timezone.utc)
    url = await Reports(client.app[SHIFTS]).chart_url("data-platform", start, end)
    parts = urlsplit(url)

    assert f"{parts.scheme}://{parts.netloc}" == "https://rota.example.com"
    with_link = await client.get(f"{parts.path}?{parts.query}")
    other_window = await client.get(f"{parts.path}?{parts.query.replace('2026-03-16', '2026-03-17')}")
    nothing = await client.get(f"{parts.path}?{WINDOW}")

    assert with_link.status == 200 and (await with_link.read()).startswith(b"\x89PNG")
    assert (other_window.status, nothing.status) == (401, 401)
