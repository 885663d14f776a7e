"""The app's two icons, drawn with Pillow, and Teams' rules for them.

Teams shows the colour icon (192×192) in the store, the app's details and chats, cropped
to its own rounded shape: so a full-bleed tile with the symbol well inside. It shows the
outline icon (32×32) in the app bar, tinting it for the theme: so white on transparent,
nothing else (https://learn.microsoft.com/microsoftteams/platform/concepts/build-and-test/apps-package).

The symbol is a person inside a circular arrow: someone on duty, in a rotation. The PNGs are
committed; `python -m manifest.icons` draws them again after a change here.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
COLOR_FILE = "color.png"
OUTLINE_FILE = "outline.png"
COLOR_SIZE = 192
OUTLINE_SIZE = 32
#: The tile's colour, also the manifest's `accentColor`: a deep teal, with white readable on it.
ACCENT = "#0A7F8C"
WHITE = (255, 255, 255)
#: Drawn this many times larger, then scaled down: smooth edges without a vector renderer.
SUPERSAMPLE = 8


class IconError(ValueError):
    """An icon breaks one of Teams' rules; the message says which."""


@dataclass(frozen=True)
class Symbol:
    """The symbol's proportions, as fractions of the square it is drawn in."""

    ring_radius: float
    ring_width: float
    arrow_size: float
    head_radius: float
    shoulders_width: float


#: Bolder strokes for the tiny outline icon, so it still reads at 32 px.
COLOR_SYMBOL = Symbol(ring_radius=0.30, ring_width=0.055, arrow_size=0.12, head_radius=0.085, shoulders_width=0.30)
OUTLINE_SYMBOL = Symbol(ring_radius=0.37, ring_width=0.095, arrow_size=0.2, head_radius=0.1, shoulders_width=0.34)
#: The ring's gap (degrees, Pillow's clockwise from 3 o'clock), where the arrow head sits.
RING_START = -50.0
RING_END = 235.0


def draw_color() -> Image.Image:
    """The 192×192 colour icon: the white symbol on a full-bleed teal tile."""
    size = COLOR_SIZE * SUPERSAMPLE
    image = Image.new("RGBA", (size, size), ACCENT)
    _draw_symbol(ImageDraw.Draw(image), size, COLOR_SYMBOL)
    return image.resize((COLOR_SIZE, COLOR_SIZE), Image.Resampling.LANCZOS)


def draw_outline() -> Image.Image:
    """The 32×32 outline icon: the same symbol, white on transparent (alpha carries the shape)."""
    size = OUTLINE_SIZE * SUPERSAMPLE
    mask = Image.new("L", (size, size), 0)
    _draw_symbol(ImageDraw.Draw(mask), size, OUTLINE_SYMBOL, ink=255)
    alpha = mask.resize((OUTLINE_SIZE, OUTLINE_SIZE), Image.Resampling.LANCZOS)
    image = Image.new("RGBA", (OUTLINE_SIZE, OUTLINE_SIZE), (*WHITE, 0))
    image.putalpha(alpha)
    return image


def _draw_symbol(draw: ImageDraw.ImageDraw, size: int, symbol: Symbol, ink: object = WHITE) -> None:
    centre = size / 2
    radius = symbol.ring_radius * size
    width = max(1, round(symbol.ring_width * size))
    box = (centre - radius, centre - radius, centre + radius, centre + radius)
    draw.arc(box, RING_START, RING_END, fill=ink, width=width)
    draw.polygon(_arrow_head(centre, radius - width / 2, symbol.arrow_size * size), fill=ink)
    _draw_person(draw, centre, size, symbol, ink)


def _arrow_head(centre: float, radius: float, length: float) -> list[tuple[float, float]]:
    """A triangle at the ring's end, pointing along it (clockwise), as the rotation turns."""
    angle = math.radians(RING_END)
    tip_angle = angle + length / radius * 0.9
    base = (centre + radius * math.cos(angle), centre + radius * math.sin(angle))
    tip = (centre + radius * math.cos(tip_angle), centre + radius * math.sin(tip_angle))
    outward = (math.cos(angle), math.sin(angle))
    half = length * 0.62
    return [
        tip,
        (base[0] + outward[0] * half, base[1] + outward[1] * half),
        (base[0] - outward[0] * half, base[1] - outward[1] * half),
    ]


def _draw_person(draw: ImageDraw.ImageDraw, centre: float, size: int, symbol: Symbol, ink: object) -> None:
    head = symbol.head_radius * size
    head_y = centre - head * 0.85
    draw.ellipse((centre - head, head_y - head, centre + head, head_y + head), fill=ink)
    half = symbol.shoulders_width * size / 2
    top = head_y + head * 1.35
    draw.chord((centre - half, top, centre + half, top + half * 1.5), 180, 360, fill=ink)


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def check_color(data: bytes) -> None:
    """Raise IconError unless `data` is a 192×192 PNG."""
    _open_png(data, COLOR_SIZE, "color")


def check_outline(data: bytes) -> None:
    """Raise IconError unless `data` is a 32×32 PNG, white where it is not transparent,
    with some transparency (Teams tints it; any other colour would show as drawn)."""
    pixels = rgba_pixels(_open_png(data, OUTLINE_SIZE, "outline"))
    if all(alpha == 255 for *_, alpha in pixels):
        raise IconError("the outline icon must have a transparent background")
    coloured = [rgb for *rgb, alpha in pixels if alpha and tuple(rgb) != WHITE]
    if coloured:
        raise IconError(f"the outline icon must be white on transparent; {len(coloured)} pixels have colour")
    if not any(alpha for *_, alpha in pixels):
        raise IconError("the outline icon is empty")


def rgba_pixels(image: Image.Image) -> list[tuple[int, int, int, int]]:
    raw = image.convert("RGBA").tobytes()
    return [(raw[i], raw[i + 1], raw[i + 2], raw[i + 3]) for i in range(0, len(raw), 4)]


def _open_png(data: bytes, size: int, name: str) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (OSError, ValueError) as exc:
        raise IconError(f"the {name} icon is not an image: {exc}") from exc
    if image.format != "PNG":
        raise IconError(f"the {name} icon must be a PNG, not {image.format}")
    if image.size != (size, size):
        raise IconError(f"the {name} icon must be {size}×{size} pixels, not {image.size[0]}×{image.size[1]}")
    return image


def write_icons(directory: Path = HERE) -> None:
    (directory / COLOR_FILE).write_bytes(png_bytes(draw_color()))
    (directory / OUTLINE_FILE).write_bytes(png_bytes(draw_outline()))


if __name__ == "__main__":
    write_icons()
