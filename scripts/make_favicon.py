"""Draw Byline's icon, a "B" on the accent colour, as byline/static/byline/favicon.svg and favicon.ico.

Both come from the shapes below (a 32-unit square), so they match. Run it again after changing them:
    .venv/bin/python scripts/make_favicon.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "byline" / "static" / "byline"
ACCENT, PAPER = "#8a2c0d", "#fdfcf8"  # --accent and --bg of byline.css
UNITS = 32
# (x0, y0, x1, y1, radius of the right-hand corners, colour), painted in order: the letter, then its counters.
SHAPES = [
    (9, 6, 21, 16.5, 5, PAPER),     # upper bowl
    (9, 15, 23, 26, 5.5, PAPER),    # lower bowl (the stem is their shared left side)
    (13.5, 9.5, 17, 12.5, 1.5, ACCENT),
    (13.5, 19, 18.5, 22.5, 1.75, ACCENT),
]


def _path(x0: float, y0: float, x1: float, y1: float, r: float) -> str:
    return (f"M{x0} {y0}H{x1 - r}A{r} {r} 0 0 1 {x1} {y0 + r}V{y1 - r}"
            f"A{r} {r} 0 0 1 {x1 - r} {y1}H{x0}Z")


def svg() -> str:
    shapes = "".join(f'<path fill="{colour}" d="{_path(x0, y0, x1, y1, r)}"/>' for x0, y0, x1, y1, r, colour in SHAPES)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {UNITS} {UNITS}">'
            f'<rect width="{UNITS}" height="{UNITS}" rx="7" fill="{ACCENT}"/>{shapes}</svg>\n')


def bitmap(scale: int = 16) -> Image.Image:
    """The icon drawn large; the .ico holds it scaled down, which smooths the edges."""
    size = UNITS * scale
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=7 * scale, fill=ACCENT)
    for x0, y0, x1, y1, r, colour in SHAPES:
        box = [round(value * scale) for value in (x0, y0, x1, y1)]
        # Pillow wants the radius under half the height; the SVG's arcs meet there, which looks the same.
        radius = min(round(r * scale), (box[3] - box[1]) // 2 - 1)
        draw.rounded_rectangle(box, radius=radius, fill=colour, corners=(False, True, True, False))
    return image


def main() -> None:
    (OUT / "favicon.svg").write_text(svg())
    # Pillow scales the 48 px image down to each smaller size the .ico holds.
    bitmap().resize((48, 48), Image.Resampling.LANCZOS).save(OUT / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])


if __name__ == "__main__":
    main()
