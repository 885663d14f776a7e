"""Chat text to commands: every command, mentions as Teams sends them, and friendly refusals."""

from __future__ import annotations

import json
import re
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from jsonschema import Draft7Validator

from bot.chat.commands import (
    COMMANDS,
    Ack,
    Away,
    BacklogAdd,
    BacklogDone,
    BacklogList,
    BacklogTake,
    Bind,
    Cover,
    Handover,
    Help,
    Join,
    Leave,
    Log,
    MyShifts,
    NotACommand,
    ParseError,
    PersonRef,
    RemindReset,
    RemindSet,
    RemindShow,
    Report,
    Schedule,
    Scope,
    Setup,
    Swap,
    Tray,
    Who,
    clean_text,
    manifest_command_lists,
    parse,
)
from bot.shifts.reminders import Event, Lead
from tests.reference import REFERENCE

#: Thursday 5 March 2026, 09:30 in Paris.
NOW = datetime(2026, 3, 5, 8, 30, tzinfo=timezone.utc)
ZONE = "Europe/Paris"
BOB = ("Bob Smith", "bob@example.com")
BOBBY = ("Bob", "29:1bobby-teams-id")
MENTIONS = [BOB, BOBBY]


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(ZONE)).astimezone(timezone.utc)


def personal(text: str, mentions: list[tuple[str, str]] = MENTIONS) -> object:
    return parse(text, mentions, NOW, ZONE)


def channel(text: str, mentions: list[tuple[str, str]] = MENTIONS) -> object:
    return parse(text, mentions, NOW, ZONE, scope=Scope.CHANNEL)


BOB_REF = PersonRef("bob@example.com", "Bob Smith")
EVENING = Lead(evening=time(18, 0))
QUARTER = Lead(before=timedelta(minutes=15))


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("help", Help()),
        ("help swap", Help("swap")),
        ("help my shifts", Help("my shifts")),
        ("who", Who()),
        ("who data-platform", Who("data-platform")),
        ("schedule", Schedule(None, 4)),
        ("schedule 6", Schedule(None, 6)),
        ("schedule data-platform", Schedule("data-platform", 4)),
        ("schedule data-platform 2 weeks", Schedule("data-platform", 2)),
        ("my shifts", MyShifts()),
        ("swap fri with <at>Bob Smith</at>", Swap(paris(2026, 3, 6), paris(2026, 3, 7), BOB_REF)),
        ("swap 2026-03-09 12:00 with bob@example.com", Swap(paris(2026, 3, 9, 12), None, PersonRef("bob@example.com"))),
        ("cover <at>Bob Smith</at> tomorrow 9:00 friday 18:00",
         Cover(BOB_REF, paris(2026, 3, 6, 9), paris(2026, 3, 6, 18))),
        ("cover @Bob Smith mon fri", Cover(BOB_REF, paris(2026, 3, 9), paris(2026, 3, 14))),
        ("away mon fri", Away(paris(2026, 3, 9), paris(2026, 3, 14))),
        ("away 24 dec 2 jan", Away(paris(2026, 12, 24), paris(2027, 1, 3))),
        ("join data-platform", Join("data-platform")),
        ("leave Data-Platform", Leave("data-platform")),
        ("setup", Setup()),
        ("setup data-platform", Setup("data-platform")),
        ("setup Data-Platform", Setup("data-platform")),
        ("ack 42", Ack("42")),
        ("ack #42", Ack("42")),
        ("log Restarted the nightly ETL", Log("Restarted the nightly ETL")),
        ("handover", Handover()),
        ("handover the Kafka upgrade is half done", Handover("the Kafka upgrade is half done")),
        ("backlog", BacklogList()),
        ("backlog add rotate the TLS certs", BacklogAdd("rotate the TLS certs", None, 2)),
        ("backlog add rotate certs https://jira.example.com/OPS-12 P1",
         BacklogAdd("rotate certs", "https://jira.example.com/OPS-12", 1)),
        ("backlog take 3", BacklogTake(3)),
        ("backlog done #3", BacklogDone(3)),
        ("tray", Tray()),
        ("remind", RemindShow()),
        ("remind start evening 18:00, 15m", RemindSet(Event.START, (EVENING, QUARTER))),
        ("Remind START Eve 18:00 and 15 min, 15m", RemindSet(Event.START, (EVENING, QUARTER))),
        ("remind end 15m 1h 1d", RemindSet(Event.END, (QUARTER, Lead(before=timedelta(hours=1)),
                                                       Lead(before=timedelta(days=1))))),
        ("remind end none", RemindSet(Event.END, ())),
        ("remind start off", RemindSet(Event.START, ())),
        ("remind reset", RemindReset()),
    ],
)  # fmt: skip
def test_each_command_parses_into_its_typed_value(text: str, command: object) -> None:
    assert personal(text) == command


def test_bind_is_read_in_a_channel() -> None:
    assert channel("bind data-platform") == Bind("data-platform")


def test_setup_of_a_rotation_is_read_in_a_channel_too() -> None:
    assert channel("<at>Rota</at> setup data-platform") == Setup("data-platform")
    assert channel("setup") == Setup()


def test_dates_are_aware_utc_instants() -> None:
    away = personal("away tomorrow 9:00 friday 17:00")
    assert isinstance(away, Away)
    assert away.start.tzinfo is timezone.utc and away.end.tzinfo is timezone.utc


@pytest.mark.parametrize(
    ("text", "rotation", "period"),
    [
        ("report", None, "the last 4 weeks"),
        ("report last month", None, "last month"),
        ("report data-platform quarter", "data-platform", "quarter"),
        ("report data-platform 2026-q1", "data-platform", "Q1 2026"),
        ("report data-platform 90d", "data-platform", "the last 90 days"),
    ],
)
def test_report_takes_an_optional_rotation_and_period(text: str, rotation: str | None, period: str) -> None:
    report = personal(text)
    assert isinstance(report, Report)
    assert (report.rotation, report.period) == (rotation, period)
    assert report.start < report.end


def test_report_last_month_is_february_in_paris() -> None:
    report = personal("report last month")
    assert isinstance(report, Report)
    assert (report.start, report.end) == (paris(2026, 2, 1), paris(2026, 3, 1))


@pytest.mark.parametrize(
    "text",
    ["  WHO  ", "Who?", "who&nbsp;", "<p>who</p>", "<at>Rota</at> who", "who\u200b", "<at></at> who"],
)
def test_case_spaces_and_teams_leftovers_are_tolerated(text: str) -> None:
    assert channel(text) == Who()


def test_a_mention_of_someone_else_is_kept_in_text() -> None:
    assert clean_text("log asked <at>Bob Smith</at> about it", MENTIONS) == "log asked @Bob Smith about it"


def test_the_longest_mentioned_name_wins() -> None:
    swap = personal("swap fri with @Bob")
    assert isinstance(swap, Swap) and swap.person == PersonRef("29:1bobby-teams-id", "Bob")
    swap = personal("swap fri with @Bob Smith")
    assert isinstance(swap, Swap) and swap.person == BOB_REF


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("hepl", "Did you mean “help”"),
        ("shedule data-platform", "Did you mean “schedule”"),
        ("myshifts", "Did you mean “my shifts”"),
        ("the nightly ETL failed", "Type “help”"),
    ],
)
def test_unknown_commands_in_a_personal_chat_suggest_the_closest(text: str, words: str) -> None:
    result = personal(text)
    assert isinstance(result, ParseError)
    assert "I don't know the command" in result.message
    assert words in result.hint


def test_in_a_channel_anything_that_does_not_start_with_a_command_is_routed() -> None:
    assert channel("the nightly ETL failed") == NotACommand("the nightly ETL failed")
    assert channel("shedule is late, <at>Bob Smith</at> please look") == NotACommand(
        "shedule is late, @Bob Smith please look"
    )


@pytest.mark.parametrize("text", ["who broke the build?", "help! prod is down", "schedule: the nightly load is late!"])
def test_in_a_channel_a_question_that_starts_with_a_command_name_is_routed(text: str) -> None:
    assert channel(text) == NotACommand(text)


def test_in_a_channel_a_command_with_unreadable_arguments_still_says_what_was_wrong() -> None:
    assert isinstance(channel("swap someday with <at>Bob Smith</at>"), ParseError)
    assert isinstance(personal("who broke the build?"), ParseError)


def test_in_a_channel_a_lone_near_miss_is_a_typo() -> None:
    result = channel("hepl")
    assert isinstance(result, ParseError) and result.suggestion == "help"


def test_an_empty_message_gets_help() -> None:
    assert channel("") == Help()


@pytest.mark.parametrize(
    ("text", "scope", "says"),
    [
        ("bind data-platform", Scope.PERSONAL, "works in a channel"),
        ("tray", Scope.CHANNEL, "personal chat"),
        ("my shifts", Scope.CHANNEL, "personal chat"),
        ("away mon fri", Scope.CHANNEL, "personal chat"),
        ("remind start 15m", Scope.CHANNEL, "personal chat"),
    ],
)
def test_commands_used_in_the_wrong_place_say_where_they_work(text: str, scope: Scope, says: str) -> None:
    result = parse(text, MENTIONS, NOW, ZONE, scope=scope)
    assert isinstance(result, ParseError) and says in result.message


@pytest.mark.parametrize(
    ("text", "says", "example"),
    [
        ("swap fri", "needs a date and a person", "swap fri with @Bob"),
        ("swap fri with @carol", "I can't tell who @carol is", "swap fri with @Bob"),
        ("swap 03/04 with @Bob Smith", "write it year-month-day, e.g. 2026-04-03", "swap fri with @Bob"),
        ("swap fri with @Bob Smith and @Bob", "one person", "swap fri with @Bob"),
        ("cover mon fri", "@mention", "cover @Bob"),
        ("cover @Bob Smith", "from when to when", "cover @Bob"),
        ("away", "from when to when", "away mon fri"),
        ("away tomorrow 14:00", "end as well as a start", "away mon fri"),
        ("away fri 03/04", "2026-04-03", "away mon fri"),
        ("away jan", "name a day", "away mon fri"),
        ("join", "needs a rotation name", "join data-platform"),
        ("join data platform", "one rotation name", "join data-platform"),
        ("setup data platform", "one rotation name", "setup data-platform"),
        ("setup ../etc", "not a rotation name", "setup data-platform"),
        ("who Data Platform!", "one rotation name", "who data-platform"),
        ("join ../etc", "not a rotation name", "join data-platform"),
        ("schedule 40", "1 to 26 weeks", "schedule data-platform 6"),
        ("log", "needs the text", "log "),
        ("ack", "alert's number", "ack 42"),
        ("backlog add p2", "needs a title", "backlog add"),
        ("backlog add fix it p7", "p1 (most urgent) to p3", "backlog add"),
        ("backlog take", "item's number", "backlog take 3"),
        ("backlog take three", "item's number", "backlog take 3"),
        ("backlog frobnicate", "not a backlog command", "backlog add"),
        ("report data-platform someday", "I don't know the period", "report data-platform last month"),
        ("my shifts please", "takes nothing after it", "my shifts"),
        ("help me", "no command “me”", "help swap"),
        ("remind start soon", "I can't use “soon”", "remind start evening 18:00, 15m"),
        ("remind end 1h30m", "I can't use “1h30m”", "remind end 30m"),
        ("remind end 3d", "at most 2 days ahead", "remind end 30m"),
        ("remind start 5m 10m 15m 30m 1h", "at most 4 reminders", "remind start evening 18:00, 15m"),
        ("remind start", "needs when to remind you", "remind start evening 18:00, 15m"),
        ("remind end off 15m", "comes alone", "remind end none"),
        ("remind sometimes", "not a reminder command", "remind start evening 18:00, 15m"),
        ("integration add splunk", "the kind of monitoring", "integration add alertmanager data-platform"),
        ("integration add", "the kind of monitoring", "integration add alertmanager data-platform"),
        ("logbook the day before the outage", "can't read “the day before the outage” as a date", "logbook 2026-03-03"),
    ],
)
def test_refusals_say_what_was_wrong_and_show_a_working_example(text: str, says: str, example: str) -> None:
    result = personal(text)
    assert isinstance(result, ParseError), result
    assert says in result.message
    assert example in result.hint


def test_every_example_in_the_table_parses_where_the_command_is_allowed() -> None:
    for command in COMMANDS:
        scope = Scope.PERSONAL if command.in_personal else Scope.CHANNEL
        result = parse(command.example, [BOBBY], NOW, ZONE, scope=scope)
        assert not isinstance(result, (ParseError, NotACommand)), (command.name, result)


def test_no_syntax_line_reads_as_a_link_in_a_card() -> None:
    """Markdown (cards, Teams) makes `<scheme:rest>` an autolink: `<HH:MM>` came out blue."""
    autolink = re.compile(r"<[A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*>")
    assert [c.syntax for c in COMMANDS if autolink.search(c.syntax)] == []


def test_the_table_says_which_commands_change_data() -> None:
    changing = {c.name for c in COMMANDS if c.changes_data}
    assert {"swap", "cover", "away", "join", "leave", "bind", "backlog add"} <= changing
    assert not {"help", "who", "schedule", "my shifts", "report"} & changing


@pytest.mark.parametrize("schema_file", ["teams-manifest.schema.json", "teams-manifest-v1.17.schema.json"])
def test_manifest_command_lists_fit_the_teams_manifest_schema(schema_file: str) -> None:
    schema = json.loads((REFERENCE / schema_file).read_text())
    command_lists = schema["properties"]["bots"]["items"]["properties"]["commandLists"]
    validator = Draft7Validator({**command_lists, "definitions": schema.get("definitions", {})})
    assert not list(validator.iter_errors(manifest_command_lists()))


def test_manifest_command_lists_keep_within_the_strictest_limits() -> None:
    for entry in manifest_command_lists():
        assert 1 <= len(entry["commands"]) <= 10
        assert all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in entry["commands"])


def test_manifest_menus_offer_the_main_commands_per_scope() -> None:
    team, personal_list = manifest_command_lists()
    assert team["scopes"] == ["team", "groupChat"] and personal_list["scopes"] == ["personal"]
    team_titles = [c["title"] for c in team["commands"]]
    personal_titles = [c["title"] for c in personal_list["commands"]]
    assert team_titles[:3] == ["help", "who", "schedule"] and "bind" in team_titles
    assert "my shifts" in personal_titles and "away" in personal_titles
    assert "tray" not in team_titles and "bind" not in personal_titles


def test_duty_commands_are_read_and_a_bad_one_gets_the_example() -> None:
    from bot.shifts.duty_commands import DutyAdd, DutyList, DutyRemove

    now = datetime(2026, 3, 5, 8, 30, tzinfo=timezone.utc)
    assert parse("duty", [], now, "Europe/Paris") == DutyList()
    assert parse("duty remove 2", [], now, "Europe/Paris") == DutyRemove(2)
    added = parse("duty add thu 18:00 Pre-prod push: build; smoke tests", [], now, "Europe/Paris")
    assert isinstance(added, DutyAdd) and added.duty.title == "Pre-prod push"
    refused = parse("duty add someday 18:00 Push", [], now, "Europe/Paris")
    assert isinstance(refused, ParseError) and "duty add thu 18:00" in (refused.hint or "") + refused.message
