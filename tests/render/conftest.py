from tests.render.fixtures import card_renderer, render_card_png  # noqa: F401
