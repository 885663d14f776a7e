"""Pytest fixtures for drawing cards; a test folder's conftest imports the ones it needs:

    from tests.render.fixtures import card_renderer, render_card_png  # noqa: F401

`render_card_png(card, path, width=500, theme="light")` writes the PNG and returns what
was rendered; it fails the test when the renderer reports a problem or draws nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.render.renderer import CardRenderer, Rendered

#: Where pictures of cards go (git-ignored), from the repository root.
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "cards"

RenderCardPng = Callable[..., Rendered]


@pytest.fixture(scope="session")
def card_renderer() -> Iterator[CardRenderer]:
    with CardRenderer() as renderer:
        yield renderer


@pytest.fixture(scope="session")
def render_card_png(card_renderer: CardRenderer) -> RenderCardPng:
    def render(card: dict, path: Path | str, width: int = 500, theme: str = "light") -> Rendered:
        return card_renderer.render(card, path, width=width, theme=theme)  # type: ignore[arg-type]

    return render
