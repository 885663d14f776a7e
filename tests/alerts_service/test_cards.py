"""The alert and digest cards: valid Adaptive Cards 1.5, the words and buttons each state
shows, and pictures drawn by Microsoft's renderer (test-artifacts/cards/alert-*.png)."""

from __future__ import annotations

import pytest

from bot.cards.alert import alert_card
from tests.alerts_service import samples
from tests.cards.reading import actions, schema_errors, shown
from tests.render.fixtures import ARTIFACTS, RenderCardPng

CARDS = samples.cards()
VERBS = ["alert.ack", "alert.resolve", "alert.escalate", "alert.snooze", "alert.snooze", "alert.snooze"]
#: What must be readable on each picture.
EXPECTED = {
    "alert-triggered": ["CRITICAL", "Nightly ETL job orders failed", "paged the primary, Alice Martin",
                        "Repeats", "3 times, last 09:12", "Runbook", "Acknowledge", "Escalate", "Snooze"],
    "alert-acknowledged": ["Acknowledged by Bob Smith at 09:12", "Resolve"],
    "alert-snoozed": ["Snoozed until 09:43 by Alice Martin"],
    "alert-held": ["Outside business hours: held until Tue 3 Mar 08:05", "WARNING", "grafana"],
    "alert-escalated": ["escalated to the secondary, Bob Smith"],
    "alert-resolved": ["Resolved by the source at Tue 3 Mar 11:05", "Dashboard"],
    "digest": ["Held outside business hours", "Waiting for someone (2)", "Dealt with meanwhile (2)",
               "Disk 91% full on db1"],
    "digest-all-resolved": ["Nothing is waiting"],
}


@pytest.mark.parametrize("name", sorted(CARDS))
def test_the_card_is_valid_adaptive_card_1_5(name: str) -> None:
    assert CARDS[name]["version"] == "1.5"
    assert schema_errors(CARDS[name]) == []


def test_a_firing_alert_offers_every_action_with_the_alert_and_verb_in_its_data() -> None:
    card = CARDS["alert-triggered"]
    executes = [a for a in actions(card) if a["type"] == "Action.Execute"]

    assert [a["verb"] for a in executes] == VERBS
    assert all(a["data"]["verb"] == a["verb"] and a["data"]["alert"] == 42 for a in executes)
    assert [a["data"].get("until") for a in executes[3:]] == ["30m", "2h", "business"]
    assert [a["title"] for a in executes[3:]] == ["30 minutes", "2 hours", "Until business hours"]


def test_each_state_offers_only_what_makes_sense() -> None:
    def verbs(name: str) -> list[str]:
        return list(dict.fromkeys(a["verb"] for a in actions(CARDS[name]) if a["type"] == "Action.Execute"))

    assert verbs("alert-acknowledged") == ["alert.resolve", "alert.escalate", "alert.snooze"]
    assert verbs("alert-held") == ["alert.ack", "alert.resolve", "alert.escalate"]
    assert verbs("alert-resolved") == []


def test_the_card_says_what_fired_since_when_and_where_to_look_in_the_viewers_zone() -> None:
    text = shown(CARDS["alert-triggered"])

    assert "Since: Mon 2 Mar 09:02" in text
    assert "alertname: NightlyETLFailed" in text
    assert "[Runbook](https://runbooks.example.com/etl) · [Dashboard](https://grafana.example.com/d/etl)" in text
    assert "Times in Europe/Paris" in text
    new_york = shown(alert_card(alert=samples.stages()["triggered"], viewer_zone="America/New_York"))
    assert "Since: Mon 2 Mar 03:02" in new_york


def test_without_business_hours_there_is_no_snooze_until_then() -> None:
    card = alert_card(alert=samples.stages()["triggered"], viewer_zone=samples.ZONE, snooze_until_business=False)

    assert [a["data"]["until"] for a in actions(card) if a.get("verb") == "alert.snooze"] == ["30m", "2h"]


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("name", sorted(CARDS))
def test_the_card_renders(render_card_png: RenderCardPng, name: str, theme: str) -> None:
    rendered = render_card_png(CARDS[name], ARTIFACTS / f"{name}-{theme}.png", width=500, theme=theme)

    assert rendered.path.stat().st_size > 1000 and rendered.height > 150
    for words in EXPECTED[name]:
        assert words in rendered.text
