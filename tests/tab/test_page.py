"""The Schedule tab in a real browser against a real service: it shows the seeded rotations
and who is on duty, in the viewer's zone, and their recent alerts; an override added from the
page is what `rota who` answers; the token never travels in an address the page makes; screenshots at desktop and
phone widths, light and dark, land in test-artifacts/tab/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.tab.browser import TabBrowser
from tests.tab.conftest import LiveService
from tests.tab.seed import NOW

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844, "mobile": True, "scale": 2}
#: The viewer is in New York, the rotation in Paris: times must be shown in New York time.
VIEWER_ZONE = "America/New_York"


def _open(browser: TabBrowser, service: LiveService, token: str, *, size: dict = DESKTOP,
          scheme: str = "light", routes: list | None = None) -> dict:  # fmt: skip
    return browser("open", url=f"{service.base_url}/tab/schedule?token={token}", now=NOW.isoformat(),
                   timezoneId=VIEWER_ZONE, colorScheme=scheme, routes=routes or [], **size)  # fmt: skip


def _card(browser: TabBrowser, rotation: str) -> str:
    return browser("text", selector=f".card[data-rotation='{rotation}']")[0]


def test_the_page_shows_who_is_on_duty_in_the_viewer_s_zone(browser: TabBrowser, live_service: LiveService,
                                                            artifacts: Path) -> None:  # fmt: skip
    opened = _open(browser, live_service, live_service.tokens.reader)

    assert opened["state"] == "ready"
    assert "token=" not in opened["location"]
    data_platform = _card(browser, "data-platform")
    assert "Carol" in data_platform
    assert "until Mon 23 Mar, 07:00" in data_platform  # 12:00 in Paris is 07:00 in New York
    assert "Secondary: Alice" in data_platform and "Next: Alice" in data_platform
    assert "Frank" in _card(browser, "ml-serving")
    assert browser("text", selector=".tl-row .tl-label .name") == ["data-platform", "ml-serving"]
    assert browser("text", selector="#zone") == [f"Times in {VIEWER_ZONE}"]
    assert not browser("visible", selector="#change")
    browser("screenshot", path=str(artifacts / "desktop-light.png"))
    assert browser("problems") == []


def test_overrides_time_off_and_the_viewer_s_own_shifts_are_marked(browser: TabBrowser,
                                                                   live_service: LiveService) -> None:  # fmt: skip
    _open(browser, live_service, live_service.tokens.reader)
    browser("select", selector="#me", value="bob@example.com")

    overrides = browser("attrs", selector=".tl-row[data-rotation='data-platform'] .block.override", name="data-person")
    assert overrides == ["dave@example.com"]
    away = browser("attrs", selector=".tl-row[data-rotation='data-platform'] .block.away-span", name="title")
    assert len(away) == 1 and away[0].startswith("Bob away")
    covering = browser("attrs", selector=".tl-row[data-rotation='data-platform'] .block.covering", name="data-person")
    assert covering and "bob@example.com" not in covering
    mine = browser("attrs", selector=".block.mine", name="data-person")
    assert mine and set(mine) == {"bob@example.com"}
    assert len(browser("text", selector=".tl-now")) == 1


@pytest.mark.parametrize(("name", "size", "scheme"), [
    ("desktop-dark", DESKTOP, "dark"), ("phone-light", PHONE, "light"), ("phone-dark", PHONE, "dark"),
])
def test_screenshots_at_desktop_and_phone_widths(browser: TabBrowser, live_service: LiveService, artifacts: Path,
                                                 name: str, size: dict, scheme: str) -> None:  # fmt: skip
    assert _open(browser, live_service, live_service.tokens.admin, size=size, scheme=scheme)["state"] == "ready"
    browser("select", selector="#me", value="carol@example.com")

    overflow = browser("eval", expression="document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    theme = browser("eval", expression="document.documentElement.dataset.theme")
    assert theme == scheme
    browser("screenshot", path=str(artifacts / f"{name}.png"))
    assert browser("problems") == []


def test_an_override_added_from_the_page_is_what_rota_who_answers(browser: TabBrowser,
                                                                  own_service: LiveService) -> None:  # fmt: skip
    assert _who(own_service, "data-platform", "2026-03-21T14:00:00Z")["primary"] == "carol@example.com"
    _open(browser, own_service, own_service.tokens.admin)
    browser("check", selector="input[name=kind][value=overrides]")
    browser("select", selector="#change-rotation", value="data-platform")
    browser("fill", selector="#change-person", value="erin@example.com")
    browser("fill", selector="#change-start", value="2026-03-21T09:00")  # New York time: 13:00 UTC
    browser("fill", selector="#change-end", value="2026-03-22T09:00")
    browser("click", selector="#change-submit")
    browser("waitText", selector="#change-result.ok", text="Added")

    answer = _who(own_service, "data-platform", "2026-03-21T14:00:00Z")
    assert answer["primary"] == "erin@example.com"
    assert answer["start"] == "2026-03-21T13:00:00+00:00" and answer["end"] == "2026-03-22T13:00:00+00:00"
    assert "erin@example.com" in browser("attrs", selector=".block.override", name="data-person")


def test_a_change_the_service_refuses_is_explained_on_the_page(browser: TabBrowser,
                                                               live_service: LiveService) -> None:  # fmt: skip
    _open(browser, live_service, live_service.tokens.admin)
    browser("check", selector="input[name=kind][value=time-off]")
    browser("select", selector="#change-rotation", value="data-platform")
    browser("fill", selector="#change-person", value="zoe@example.com")
    browser("click", selector="#change-submit")

    browser("waitText", selector="#change-result.error", text="not a member")


def test_a_read_only_token_sees_no_change_form_and_a_wrong_one_is_asked_again(
    browser: TabBrowser, live_service: LiveService
) -> None:
    _open(browser, live_service, live_service.tokens.reader)
    assert not browser("visible", selector="#change")

    opened = _open(browser, live_service, "rota_not-a-token-we-issued")
    assert opened["state"] == "signin"
    assert "refused" in browser("text", selector="#status")[0]
    assert browser("eval", expression="sessionStorage.getItem('rota.token')") is None


def test_the_token_never_travels_in_an_address_the_page_makes(browser: TabBrowser,
                                                               live_service: LiveService) -> None:  # fmt: skip
    secret = live_service.tokens.admin
    _open(browser, live_service, secret)
    browser("eval", expression="location.reload()")
    assert browser("settled")["state"] == "ready"

    requests = browser("requests")
    assert requests[0].endswith(f"?token={secret}")
    assert all(secret not in url for url in requests[1:])
    assert not any(secret in text for text in browser("text", selector="body"))
    assert browser("eval", expression="sessionStorage.getItem('rota.token')") == secret


def test_recent_alerts_are_listed_with_their_state_from_the_service(browser: TabBrowser, live_service: LiveService,
                                                                    artifacts: Path) -> None:  # fmt: skip
    _open(browser, live_service, live_service.tokens.reader)

    items = browser("text", selector="#alert-list li")
    assert len(items) == 2
    assert "TRIGGERED" in items[0] and "Model latency p99 above 2 s" in items[0] and "25 min ago" in items[0]
    assert "ACKNOWLEDGED" in items[1] and "Nightly ETL failed" in items[1] and "acknowledged by Carol" in items[1]
    assert "1 h 20 min ago" in items[1]
    asked = [url for url in browser("requests") if "alerts" in url]
    assert len(asked) == 1 and "/api/v1/schedule/alerts?" in asked[0]
    browser("screenshot", path=str(artifacts / "desktop-light-alerts.png"))
    assert browser("problems") == []


def test_when_the_alerts_cannot_be_read_the_section_says_why(browser: TabBrowser, live_service: LiveService) -> None:
    unavailable = {"error": {"code": "unavailable", "message": "cannot check the Teams sign-in token now; try again",
                             "field": None}}  # fmt: skip
    _open(browser, live_service, live_service.tokens.admin,
          routes=[{"pattern": "**/api/v1/schedule/alerts?*", "status": 503, "body": unavailable}])

    assert browser("text", selector="#alert-list li") == [
        "Cannot show the recent alerts: cannot check the Teams sign-in token now; try again."
    ]
    assert browser("visible", selector="#timeline")


def _who(service: LiveService, rotation: str, at: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["--database-url", service.database_url, "who", rotation, "--at", at, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_outside_teams_the_teams_pages_say_so_and_offer_a_token(browser: TabBrowser,
                                                                live_service: LiveService) -> None:  # fmt: skip
    config = browser("open", url=f"{live_service.base_url}/tab/config", now=NOW.isoformat(), **DESKTOP)
    assert config["state"] == "error"
    assert "This page is for Teams" in browser("text", selector="#status")[0]

    tab = browser("open", url=f"{live_service.base_url}/tab/schedule?inTeams=1", now=NOW.isoformat(), **DESKTOP)
    assert tab["state"] == "signin"
    assert "Could not sign in through Teams" in browser("text", selector="#status")[0]
    assert browser("visible", selector="#signin")
