"""Rota's cards drawn by Microsoft's Adaptive Cards renderer, as Teams would show them.

The pictures land in test-artifacts/cards/ (light and dark theme) for people to look at;
the test fails if the renderer complains about a card or draws nothing.
"""

from __future__ import annotations

import pytest

from tests.cards import samples
from tests.render.fixtures import ARTIFACTS, RenderCardPng
from tests.render.renderer import CardRenderError

CARDS = samples.every_card()
#: What must be readable on each picture (the renderer's own text of the drawn card).
EXPECTED = {
    "who": ["Alice Martin", "Mon 12:00 (in 4 days)", "Nobody is on duty", "out of date"],
    "schedule": ["Mon 2 Mar 12:00", "Carol Diaz", "override", "covering time off"],
    "my-shifts": ["Your shifts", "primary (override)"],
    "help": ["swap <date> with @person", "@Rota who data-platform"],
    "help-topic": ["swap fri with @Bob"],
    "error": ["I can't tell who @carol is."],
    "welcome": ["@Rota bind <rotation>", "Set up a rotation"],
    "routed-mention": ["the nightly ETL failed again", "Take it", "Pass to secondary"],
    "routed-mention-taken": ["Taken by Alice Martin"],
    "routed-mention-passed": ["Passed to Bob Smith"],
    "setup": ["New rotation", "Members, in rotation order", "Create rotation"],
    "setup-refused": ["is not an IANA time zone", "Save rotation"],
    "setup-edit": ["Rotation data-platform", "Members, in rotation order", "The next person in line", "Save rotation"],
    "setup-in-bound-channel": ["New rotation", "@Rota setup data-platform", "Create rotation"],
}


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("name", sorted(CARDS))
def test_card_renders(render_card_png: RenderCardPng, name: str, theme: str) -> None:
    rendered = render_card_png(CARDS[name], ARTIFACTS / f"{name}-{theme}.png", width=500, theme=theme)
    assert rendered.path.stat().st_size > 1000
    assert rendered.width == 500 and rendered.height > 80
    for words in EXPECTED[name]:
        assert words in rendered.text


def test_an_unknown_element_is_reported(render_card_png: RenderCardPng, tmp_path) -> None:
    card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "Rota.Widget", "text": "?"}]}
    with pytest.raises(CardRenderError, match="Rota.Widget"):
        render_card_png(card, tmp_path / "unknown.png")


def test_an_empty_card_is_reported(render_card_png: RenderCardPng, tmp_path) -> None:
    with pytest.raises(CardRenderError, match="empty"):
        render_card_png({"type": "AdaptiveCard", "version": "1.5", "body": []}, tmp_path / "empty.png")
