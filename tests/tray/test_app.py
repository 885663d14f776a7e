"""The running tray against the fake service on loopback, with a clock the test moves."""

from __future__ import annotations

import asyncio
import random
import threading
from datetime import datetime

import pytest

from shared.feed import AlertEvent
from tests.tray.factories import PARIS, alert, at, feed, leads, shift
from tests.tray.fake_msal import DEVICE_LOGIN, MESSAGE, USER_CODE, FakeMsal
from tests.tray.fake_service import TOKEN, FakeService
from tests.tray.waiting import WAIT, Changes
from tray.app import Options, TrayApp
from tray.auth import Credentials, MicrosoftSignIn, PairedToken
from tray.cache import Cache
from tray.feed_client import Backoff
from tray.notify import Notice
from tray.reminders import Lead
from tray.state import Action, Connection, IconState, MenuEntry, TrayView

SHIFT = shift(at("2026-03-10 12:00"), at("2026-03-10 20:00"))


class Clock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


class Screen(Changes):
    """Records what the tray shows, notifies, prints and opens."""

    def __init__(self) -> None:
        super().__init__()
        self.views: list[TrayView] = []
        self.notices: list[Notice] = []
        self.opened: list[str] = []
        self.printed: list[str] = []

    def open(self, url: str) -> None:
        self.opened.append(url)
        self.changed()

    def show(self, shown: TrayView) -> None:
        self.views.append(shown)
        self.changed()

    async def notify(self, notice: Notice) -> None:
        self.notices.append(notice)
        self.changed()


class Notifications:
    def __init__(self, screen: Screen) -> None:
        self.show = screen.notify


def make_app(
    tmp_path, url: str, screen: Screen, clock: Clock, leads=(Lead.parse("15m"),), microsoft: MicrosoftSignIn | None = None
) -> TrayApp:
    cache = Cache(tmp_path)
    paired = PairedToken(tmp_path)
    paired.save(TOKEN)
    return TrayApp(
        Options(url=url, zone=PARIS, leads=None if leads is None else tuple(leads)),
        cache,
        Credentials(paired, microsoft),
        Notifications(screen),
        show=screen.show,
        open_url=screen.open,
        echo=screen.printed.append,
        clock=clock,
        backoff=Backoff(base=0.05, cap=0.2, rng=random.Random(3)),
    )


@pytest.fixture
async def service():
    fake = FakeService(feed(SHIFT, alerts=[alert("a-1")]))
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def online(tmp_path, service):
    """A tray running against the service, connected, on 2 March 2026."""
    screen = Screen()
    app = make_app(tmp_path, service.url, screen, Clock(at("2026-03-02 09:00")))
    task = await started(app)
    await screen.until(lambda: app.connection is Connection.ONLINE)
    yield app, screen
    await finished(app, task)


async def started(app: TrayApp) -> asyncio.Task:
    return asyncio.create_task(app.run())


async def finished(app: TrayApp, task: asyncio.Task) -> None:
    app.stop()
    await asyncio.wait_for(task, WAIT)


async def test_the_icon_follows_my_feed_and_the_connection(tmp_path, service):
    screen, clock = Screen(), Clock(at("2026-03-10 11:30"))
    app = make_app(tmp_path, service.url, screen, clock)
    task = await started(app)
    await screen.until(lambda: screen.views and screen.views[-1].state is IconState.STARTS_SOON)
    clock.current = at("2026-03-10 12:00")
    app.wake()
    await screen.until(lambda: screen.views[-1].state is IconState.ON_DUTY)
    await service.stop()
    await screen.until(lambda: screen.views[-1].state is IconState.OFFLINE)
    assert screen.views[-1].duty is IconState.ON_DUTY
    assert "cannot reach Rota" in screen.views[-1].tooltip
    await finished(app, task)


async def test_reminders_fire_on_time_while_the_service_is_down_and_after_it_restarts(tmp_path, service):
    screen, clock = Screen(), Clock(at("2026-03-10 11:00"))
    app = make_app(tmp_path, service.url, screen, clock)
    task = await started(app)
    await screen.until(lambda: app.connection is Connection.ONLINE)
    port = service.port
    await service.stop()
    await screen.until(lambda: app.connection is Connection.OFFLINE)
    clock.current = at("2026-03-10 11:45")
    app.wake()
    await screen.until(lambda: any("starts in 15 minutes" in n.title for n in screen.notices))
    moved = shift(at("2026-03-10 14:00"), at("2026-03-10 20:00"))
    service.feed = feed(moved)
    await service.start(port)
    await screen.until(lambda: app.connection is Connection.ONLINE and app.feed.shifts == [moved])
    clock.current = at("2026-03-10 13:45")
    app.wake()
    await screen.until(lambda: sum("starts in 15 minutes" in n.title for n in screen.notices) == 2)
    await finished(app, task)


async def test_a_reminder_that_fired_does_not_fire_again_after_a_restart(tmp_path):
    Cache(tmp_path).save_feed(feed(SHIFT))
    clock = Clock(at("2026-03-10 11:45"))
    first, second = Screen(), Screen()
    app = make_app(tmp_path, "http://127.0.0.1:9", first, clock)
    app.step()
    await first.until(lambda: len(first.notices) == 1)
    clock.current = at("2026-03-10 11:46")
    make_app(tmp_path, "http://127.0.0.1:9", second, clock).step()
    await asyncio.sleep(0)
    assert second.notices == []


async def test_the_tray_sleeps_until_the_next_reminder_or_change(tmp_path):
    Cache(tmp_path).save_feed(feed(SHIFT))
    app = make_app(tmp_path, "http://127.0.0.1:9", Screen(), Clock(at("2026-03-10 10:00")))
    assert app.step() == at("2026-03-10 11:00")
    app.clock.current = at("2026-03-10 11:10")
    assert app.step() == at("2026-03-10 11:45")


async def test_a_new_alert_pops_up_with_a_link_to_its_card(online, service):
    app, screen = online
    await screen.until(lambda: any(n.url for n in screen.notices))
    service.push(AlertEvent(type="alert", data=alert("a-2", title="Disk full")))
    await screen.until(lambda: any(n.title == "Alert for you: Disk full" for n in screen.notices))
    notice = next(n for n in screen.notices if n.title == "Alert for you: Disk full")
    assert (notice.url, notice.urgent, notice.body) == (
        "https://teams.microsoft.com/l/message/19:abc/1",
        True,
        "data-platform · critical",
    )


async def test_acknowledging_from_the_menu_reaches_the_service_and_empties_the_list(online, service):
    app, screen = online
    await app.handle(MenuEntry("Acknowledge all 1", Action.ACKNOWLEDGE_ALL))
    assert service.acknowledged == ["a-1"]
    await screen.until(lambda: any(e.text == "Acknowledge my open alerts" for e in screen.views[-1].menu))


async def test_reminder_times_chosen_in_the_menu_apply_at_once_and_are_remembered(tmp_path):
    app = make_app(tmp_path, "http://127.0.0.1:9", Screen(), Clock(at("2026-03-02 09:00")))
    await app.handle(MenuEntry("5 minutes before it starts", Action.TOGGLE_LEAD, "5m", checked=False))
    assert [lead.key for lead in app.options.leads] == ["15m", "5m"]
    assert Cache(tmp_path).load_settings().leads == ["15m", "5m"]


async def test_offline_my_times_in_rota_from_the_cached_feed_remind_once_per_shift_and_lead(tmp_path):
    Cache(tmp_path).save_feed(feed(SHIFT, reminders={"data-platform": leads(["evening 18:00", "15m"], [])}))
    clock, screen = Clock(at("2026-03-09 18:00")), Screen()
    app = make_app(tmp_path, "http://127.0.0.1:9", screen, clock, leads=None)
    for now in ("2026-03-09 18:00", "2026-03-09 18:01", "2026-03-10 11:00", "2026-03-10 11:45", "2026-03-10 19:45"):
        clock.current = at(now)
        app.step()
    await screen.until(lambda: len(screen.notices) == 2)
    clock.current = at("2026-03-10 11:46")
    restarted = Screen()
    make_app(tmp_path, "http://127.0.0.1:9", restarted, clock, leads=None).step()
    await asyncio.sleep(0)
    assert [n.title for n in screen.notices] == ["Your shift starts tomorrow 12:00", "Your shift starts in 15 minutes"]
    assert restarted.notices == []


async def test_a_click_makes_reminder_times_this_computer_s_until_rota_s_are_chosen_again(tmp_path):
    Cache(tmp_path).save_feed(feed(SHIFT, reminders={"data-platform": leads(["evening 18:00", "15m"])}))
    app = make_app(tmp_path, "http://127.0.0.1:9", Screen(), Clock(at("2026-03-02 09:00")), leads=None)
    await app.handle(MenuEntry("5 minutes before it starts", Action.TOGGLE_LEAD, "5m", checked=False))
    assert [lead.key for lead in app.options.leads] == ["evening-18:00", "15m", "5m"]
    assert Cache(tmp_path).load_settings().leads == ["evening-18:00", "15m", "5m"]
    await app.handle(MenuEntry("Use my times in Rota", Action.USE_ROTA_LEADS))
    assert app.options.leads is None
    assert Cache(tmp_path).load_settings().leads is None


async def test_open_teams_opens_the_link(tmp_path):
    screen = Screen()
    app = make_app(tmp_path, "http://127.0.0.1:9", screen, Clock(at("2026-03-02 09:00")))
    await app.handle(MenuEntry("Open Teams", Action.OPEN_URL, "https://teams.microsoft.com/"))
    assert screen.opened == ["https://teams.microsoft.com/"]


async def test_signing_out_forgets_the_token_and_my_shifts(tmp_path, online):
    app, screen = online
    await app.handle(MenuEntry("Sign out", Action.SIGN_OUT))
    await screen.until(lambda: app.connection is Connection.SIGNED_OUT)
    assert PairedToken(tmp_path).load() is None
    assert Cache(tmp_path).load_feed() is None
    assert screen.views[-1].state is IconState.OFFLINE


async def test_a_device_code_reaches_the_notifier_the_terminal_and_the_menu_until_signed_in(tmp_path):
    screen, entered = Screen(), threading.Event()
    msal = FakeMsal(device_code_entered=entered)
    microsoft = MicrosoftSignIn(["api://rota/Feed.Read"], lambda: msal, browser=lambda: False)
    app = make_app(tmp_path, "http://127.0.0.1:9", screen, Clock(at("2026-03-02 09:00")), microsoft=microsoft)
    signing_in = asyncio.create_task(app.handle(MenuEntry("Sign in", Action.SIGN_IN)))
    await screen.until(lambda: bool(screen.notices))
    assert screen.notices == [Notice(f"Sign in to Rota: code {USER_CODE}", MESSAGE)]
    assert screen.printed == [MESSAGE]
    app.step()
    prompt = f"to sign in, enter {USER_CODE} at {DEVICE_LOGIN}"
    assert screen.views[-1].tooltip.endswith(" · " + prompt)
    assert MenuEntry(prompt[:1].upper() + prompt[1:], heading=True) in screen.views[-1].menu
    entered.set()
    await asyncio.wait_for(signing_in, WAIT)
    assert "acquire_token_interactive" not in msal.calls
    assert app.device_code is None
    app.step()
    assert USER_CODE not in screen.views[-1].tooltip


async def test_quit_ends_the_tray(tmp_path):
    quits = []
    app = make_app(tmp_path, "http://127.0.0.1:9", Screen(), Clock(at("2026-03-02 09:00")))
    app._on_quit = lambda: quits.append(True)
    task = await started(app)
    await app.handle(MenuEntry("Quit", Action.QUIT))
    await asyncio.wait_for(task, WAIT)
    assert quits == [True]


def test_a_menu_click_from_the_gui_thread_is_handled_on_the_event_loop(tmp_path):
    async def scenario() -> list[str]:
        screen = Screen()
        app = make_app(tmp_path, "http://127.0.0.1:9", screen, Clock(at("2026-03-02 09:00")))
        loop = asyncio.get_running_loop()
        await asyncio.to_thread(app.request, loop, MenuEntry("Open schedule", Action.OPEN_URL, "http://x.test/s"))
        await screen.until(lambda: bool(screen.opened))
        return screen.opened

    assert asyncio.run(scenario()) == ["http://x.test/s"]



async def test_a_cache_that_cannot_be_written_does_not_stop_the_reminders(tmp_path, monkeypatch, caplog):
    Cache(tmp_path).save_feed(feed(SHIFT))
    screen = Screen()
    app = make_app(tmp_path, "http://127.0.0.1:9", screen, Clock(at("2026-03-10 11:45")))

    def full_disk(fired):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(app.cache, "save_fired", full_disk)
    app.step()
    await screen.until(lambda: len(screen.notices) == 1)
    assert "cannot write the tray's cache" in caplog.text
    app.clock.current = at("2026-03-10 11:46")
    app.step()
    assert len(screen.notices) == 1, "what fired is still known in memory"
