"""What the tray shows: icon state, tooltip and menu, as values, without a display."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.feed import AlertEvent, AlertState, FeedEvent, Ping, PingEvent, RotationNow, ShiftChangedEvent, ShiftsChanged
from shared.oncall import Layer
from tests.tray.factories import ME, NEW_YORK, PARIS, alert, at, feed, leads, shift
from tray.auth import DeviceCode
from tray.reminders import DEFAULT_LEADS, Lead
from tray.state import (
    Action,
    Connection,
    IconState,
    MenuEntry,
    Settings,
    apply,
    duty,
    icon_state,
    new_alerts,
    next_change,
    reminder_leads,
    toggled,
    view,
)

SETTINGS = Settings(zone=PARIS, leads=DEFAULT_LEADS)
WEEK = shift(at("2026-03-10 12:00"), at("2026-03-17 12:00"))


def texts(entries: tuple[MenuEntry, ...]) -> list[str]:
    return [entry.text for entry in entries if not entry.separator]


def entry(entries: tuple[MenuEntry, ...], prefix: str) -> MenuEntry:
    return next(e for e in entries if e.text.startswith(prefix))


@pytest.mark.parametrize(
    ("now", "state"),
    [
        (at("2026-03-10 10:59"), IconState.OFF_DUTY),
        (at("2026-03-10 11:00"), IconState.STARTS_SOON),
        (at("2026-03-10 12:00"), IconState.ON_DUTY),
        (at("2026-03-17 11:59"), IconState.ON_DUTY),
        (at("2026-03-17 12:00"), IconState.OFF_DUTY),
    ],
)
def test_the_icon_says_on_duty_starts_soon_or_off_duty(now, state):
    assert icon_state(feed(WEEK), now, Connection.ONLINE) is state


@pytest.mark.parametrize("connection", [Connection.OFFLINE, Connection.UNAUTHORIZED, Connection.SIGNED_OUT])
def test_the_icon_says_offline_when_rota_cannot_be_reached_but_keeps_my_duty(connection):
    shown = view(feed(WEEK), at("2026-03-11 09:00"), connection, SETTINGS)
    assert shown.state is IconState.OFFLINE
    assert shown.duty is IconState.ON_DUTY


def test_while_connecting_the_icon_shows_the_last_known_duty():
    assert view(feed(WEEK), at("2026-03-11 09:00"), Connection.CONNECTING, SETTINGS).state is IconState.ON_DUTY


def test_a_secondary_shift_alone_is_not_being_on_duty():
    backup = shift(at("2026-03-10 12:00"), layer=Layer.SECONDARY)
    assert duty(feed(backup), at("2026-03-11 09:00")).state is IconState.OFF_DUTY


def test_touching_segments_keep_me_on_duty_until_the_real_end():
    regular = shift(at("2026-03-10 12:00"), at("2026-03-12 12:00"))
    override = shift(at("2026-03-12 12:00"), at("2026-03-14 12:00"))
    mine = duty(feed(regular, override), at("2026-03-11 12:00"))
    assert mine.current is not None and mine.current.end == at("2026-03-14 12:00")


def test_the_view_changes_next_at_the_start_of_soon_the_edges_or_a_handoff():
    now = at("2026-03-09 12:00")
    steady = feed(WEEK, rotations=[RotationNow(name="data-platform", timezone="Europe/Paris", primary=ME, until=None)])
    assert next_change(steady, now, PARIS) == at("2026-03-10 00:00")
    assert next_change(steady, at("2026-03-10 10:00"), PARIS) == at("2026-03-10 11:00")
    assert next_change(steady, at("2026-03-10 11:30"), PARIS) == at("2026-03-10 12:00")
    assert next_change(feed(WEEK), at("2026-03-02 10:00"), PARIS) == at("2026-03-02 12:00")
    assert next_change(None, now, PARIS) == at("2026-03-10 00:00")


def test_the_tooltip_says_until_when_i_am_on_duty_in_my_zone():
    shown = view(feed(WEEK), at("2026-03-11 09:00"), Connection.ONLINE, Settings(zone=NEW_YORK, leads=DEFAULT_LEADS))
    assert shown.tooltip == "Rota: on duty in data-platform until Tue 17 Mar 07:00"


def test_the_tooltip_says_when_rota_cannot_be_reached_and_how_old_my_shifts_are():
    shown = view(feed(WEEK, generated_at=at("2026-03-09 08:30")), at("2026-03-09 12:00"), Connection.OFFLINE, SETTINGS)
    assert shown.tooltip == "Rota: off duty, next shift tomorrow 12:00 (data-platform) · cannot reach Rota (shifts as of today 08:30)"


def test_the_menu_holds_status_who_is_on_duty_my_next_shifts_and_the_actions():
    second = shift(at("2026-03-24 09:00"), at("2026-03-24 17:00"), rotation="releases")
    menu = view(feed(WEEK, second, alerts=[alert()]), at("2026-03-02 09:00"), Connection.ONLINE, SETTINGS).menu
    assert texts(menu) == [
        "Off duty, next shift Tue 10 Mar 12:00 (data-platform)",
        "On duty now",
        "data-platform: Bob Martin until today 12:00",
        "releases: Bob Martin until today 12:00",
        "My next shifts",
        "Tue 10 Mar 12:00 – Tue 17 Mar 12:00 · data-platform",
        "Tue 24 Mar 09:00 – 17:00 · releases",
        "Open Teams",
        "Open schedule",
        "Acknowledge my open alerts (1)",
        "Reminder times",
        "Sign out",
        "Quit",
    ]


def test_next_shifts_are_shown_in_my_own_zone_not_the_rotations():
    menu = view(feed(WEEK), at("2026-03-02 09:00"), Connection.ONLINE, Settings(zone=NEW_YORK, leads=DEFAULT_LEADS)).menu
    assert "Tue 10 Mar 07:00 – Tue 17 Mar 07:00 · data-platform" in texts(menu)


def test_a_rotation_without_anyone_available_shows_the_gap_and_a_past_handoff_shows_as_out_of_date():
    rotations = [
        RotationNow(name="data-platform", timezone="Europe/Paris", primary=None, until=at("2026-03-02 12:00")),
        RotationNow(name="releases", timezone="Europe/Paris", primary=ME, secondary="bob@example.com", until=at("2026-03-01 12:00")),
    ]
    menu = view(feed(rotations=rotations), at("2026-03-02 09:00"), Connection.OFFLINE, SETTINGS).menu
    assert "data-platform: nobody (gap) until today 12:00" in texts(menu)
    assert "releases: Alice Durand until Sun 1 Mar 12:00 (out of date) (secondary Bob Martin)" in texts(menu)


def test_open_teams_and_open_schedule_carry_their_links():
    menu = view(feed(WEEK), at("2026-03-02 09:00"), Connection.ONLINE, SETTINGS).menu
    assert entry(menu, "Open Teams").argument == "https://teams.microsoft.com/l/team/19:abc"
    assert (entry(menu, "Open schedule").action, entry(menu, "Open schedule").argument) == (
        Action.OPEN_URL,
        "http://127.0.0.1:3978/schedule",
    )
    without = view(feed(WEEK, schedule=None), at("2026-03-02 09:00"), Connection.ONLINE, SETTINGS).menu
    assert entry(without, "Open schedule").enabled is False


def test_open_alerts_can_be_acknowledged_one_by_one_or_all_while_online():
    alerts = [alert("a-1"), alert("a-2", title="Disk full"), alert("a-3", state=AlertState.ACKNOWLEDGED)]
    menu = view(feed(WEEK, alerts=alerts), at("2026-03-02 09:00"), Connection.ONLINE, SETTINGS).menu
    item = entry(menu, "Acknowledge my open alerts")
    assert item.text == "Acknowledge my open alerts (2)"
    assert [(c.text, c.action, c.argument) for c in item.children if not c.separator] == [
        ("[critical] data-platform: Nightly ETL failed", Action.ACKNOWLEDGE, "a-1"),
        ("[critical] data-platform: Disk full", Action.ACKNOWLEDGE, "a-2"),
        ("Acknowledge all 2", Action.ACKNOWLEDGE_ALL, None),
    ]
    offline = entry(view(feed(WEEK, alerts=alerts), at("2026-03-02 09:00"), Connection.OFFLINE, SETTINGS).menu, "Acknowledge")
    assert not any(c.enabled for c in offline.children if c.action)
    assert entry(view(feed(WEEK), at("2026-03-02 09:00"), Connection.ONLINE, SETTINGS).menu, "Acknowledge").enabled is False


def test_reminder_times_are_checkboxes_for_the_chosen_leads():
    chosen = (Lead.parse("1h"), Lead.parse("2h"))
    item = entry(view(feed(WEEK), at("2026-03-02 09:00"), Connection.ONLINE, Settings(zone=PARIS, leads=chosen)).menu, "Reminder times")
    checked = {c.text for c in item.children if c.checked}
    assert checked == {"1 hour before it starts", "2 hours before it starts"}
    assert all(c.action is Action.TOGGLE_LEAD for c in item.children)


def test_clicking_a_reminder_time_switches_it_on_or_off():
    leads = toggled(DEFAULT_LEADS, "5m")
    assert Lead.parse("5m") in leads
    assert toggled(leads, "5m") == DEFAULT_LEADS


def keys(chosen) -> list[str]:
    return [lead.key for lead in chosen]


ROTA_S = {"data-platform": leads(["evening 18:00", "15m"]), "releases": leads(["1h"], ["15m"])}


def test_without_reminder_times_of_its_own_the_tray_reminds_at_my_times_in_rota():
    mine = feed(WEEK, shift(at("2026-03-24 09:00"), rotation="releases"), reminders=ROTA_S)
    by_rotation = reminder_leads(mine, None)
    assert {name: keys(chosen) for name, chosen in by_rotation.items()} == {
        "data-platform": ["evening-18:00", "15m"], "releases": ["1h", "end-15m"]}
    assert reminder_leads(feed(WEEK), None) == DEFAULT_LEADS
    assert reminder_leads(None, None) == DEFAULT_LEADS


def test_reminder_times_chosen_on_this_computer_win_over_rota_s():
    local = (Lead.parse("5m"),)
    assert reminder_leads(feed(WEEK, reminders=ROTA_S), local) == local
    assert reminder_leads(feed(WEEK), ()) == ()


def test_my_times_in_rota_stay_through_shift_changes_until_a_new_feed_brings_others():
    before = feed(WEEK, reminders=ROTA_S)
    now = RotationNow(name="data-platform", timezone="Europe/Paris", primary="carol@example.com")
    moved = ShiftChangedEvent(type="shift-changed", data=ShiftsChanged(rotation=now, shifts=[shift(at("2026-03-11 12:00"))]))
    assert apply(before, moved).reminders == ROTA_S
    newer = feed(WEEK, reminders={"data-platform": leads(["1h"])})
    assert apply(before, FeedEvent(type="feed", data=newer)).reminders == newer.reminders


def test_the_menu_shows_my_times_in_rota_until_a_click_makes_them_this_computer_s():
    mine = feed(WEEK, reminders=ROTA_S)
    rota_s = entry(view(mine, at("2026-03-02 09:00"), Connection.ONLINE, Settings(zone=PARIS, leads=None)).menu, "Reminder times")
    assert rota_s.children[0] == MenuEntry("As set in Rota")
    assert {c.argument for c in rota_s.children if c.checked} == {"evening-18:00", "1h", "15m", "end-15m"}
    local = entry(view(mine, at("2026-03-02 09:00"), Connection.ONLINE, Settings(zone=PARIS, leads=(Lead.parse("5m"),))).menu,
                  "Reminder times")
    assert [c.argument for c in local.children if c.checked] == ["5m"]
    assert local.children[-1] == MenuEntry("Use my times in Rota", Action.USE_ROTA_LEADS)


def test_signed_out_the_menu_offers_sign_in_instead():
    menu = view(None, at("2026-03-02 09:00"), Connection.SIGNED_OUT, Settings(zone=PARIS, leads=(), can_sign_in=True)).menu
    assert entry(menu, "Sign in").action is Action.SIGN_IN
    assert "Not signed in" in texts(menu)
    assert "Sign out" not in texts(menu)


def test_a_device_code_being_waited_for_is_shown_in_the_tooltip_and_at_the_top_of_the_menu():
    code = DeviceCode("ABCD-EFGH", "https://microsoft.com/devicelogin", "To sign in, ...")
    settings = Settings(zone=PARIS, leads=(), can_sign_in=True)
    shown = view(None, at("2026-03-02 09:00"), Connection.SIGNED_OUT, settings, device_code=code)
    assert shown.tooltip == "Rota: off duty, no shift ahead · to sign in, enter ABCD-EFGH at https://microsoft.com/devicelogin"
    assert texts(shown.menu)[:2] == ["Off duty, no shift ahead", "To sign in, enter ABCD-EFGH at https://microsoft.com/devicelogin"]
    assert "Not signed in" not in texts(shown.menu)


def test_a_shift_change_replaces_what_the_tray_knows_of_that_rotation():
    before = feed(WEEK, shift(at("2026-03-24 09:00"), at("2026-03-24 17:00"), rotation="releases"))
    moved = shift(at("2026-03-11 12:00"), at("2026-03-18 12:00"))
    now = RotationNow(name="data-platform", timezone="Europe/Paris", primary="carol@example.com", until=at("2026-03-03 12:00"))
    after = apply(before, ShiftChangedEvent(type="shift-changed", data=ShiftsChanged(rotation=now, shifts=[moved], cause="swap")))
    assert [(s.rotation, s.start) for s in after.shifts] == [("data-platform", moved.start), ("releases", at("2026-03-24 09:00"))]
    assert after.rotations[0].primary == "carol@example.com"
    assert [r.name for r in after.rotations] == ["data-platform", "releases"]


def test_alert_events_add_update_and_drop_resolved_alerts():
    before = feed(WEEK, alerts=[alert("a-1")])
    added = apply(before, AlertEvent(type="alert", data=alert("a-2")))
    assert [a.id for a in added.alerts] == ["a-1", "a-2"]
    assert [a.id for a in new_alerts(before, added)] == ["a-2"]
    acked = apply(added, AlertEvent(type="alert", data=alert("a-1", state=AlertState.ACKNOWLEDGED)))
    assert new_alerts(added, acked) == []
    reopened = apply(acked, AlertEvent(type="alert", data=alert("a-1")))
    assert [a.id for a in new_alerts(acked, reopened)] == ["a-1"]
    resolved = apply(reopened, AlertEvent(type="alert", data=alert("a-1", state=AlertState.RESOLVED)))
    assert [a.id for a in resolved.alerts] == ["a-2"]


def test_a_snapshot_replaces_the_feed_and_a_ping_changes_nothing():
    before = feed(WEEK)
    snapshot = feed(shift(at("2026-04-01 09:00")))
    assert apply(before, FeedEvent(type="feed", data=snapshot)) == snapshot
    assert apply(before, PingEvent(type="ping", data=Ping(at=at("2026-03-02 09:00")))) is before
    assert apply(None, AlertEvent(type="alert", data=alert())) is None


def test_a_starting_shift_turns_the_icon_amber_an_hour_before_by_default_and_as_configured():
    now = at("2026-03-10 11:30")
    assert duty(feed(WEEK), now).state is IconState.STARTS_SOON
    assert duty(feed(WEEK), now, soon=timedelta(minutes=15)).state is IconState.OFF_DUTY
