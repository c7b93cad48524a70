"""Product images generated locally as SVG cards: a coloured tile with initials and a name.

Text is XML-escaped (brand names such as "Quill & Crane" contain markup characters). Writing is
synchronous; async callers run `write_svgs` in a worker thread.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

MEDIA_SUBDIR = "products"
MEDIA_URL_PREFIX = f"/media/{MEDIA_SUBDIR}"
SIZE = 800
_VIEWS = ("front", "detail", "in use")


@dataclass(frozen=True, slots=True)
class SvgFile:
    file_name: str  # "<slug>-<n>.svg": a slug is [a-z0-9-], so it is a safe file name
    content: str

    @property
    def url(self) -> str:
        return f"{MEDIA_URL_PREFIX}/{self.file_name}"


def view_name(index: int) -> str:
    """What image number `index` (from 1) shows, for alt texts."""
    return _VIEWS[(index - 1) % len(_VIEWS)]


def initials(name: str) -> str:
    letters = [word[0] for word in name.split() if word[:1].isalnum()]
    return "".join(letters[:2]).upper() or "?"


def _shade(hex_color: str, percent: int) -> str:
    """Lighten (percent > 0) or darken (< 0) a #rrggbb colour."""
    channels = [int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]
    if percent >= 0:
        mixed = [c + (255 - c) * percent // 100 for c in channels]
    else:
        mixed = [c * (100 + percent) // 100 for c in channels]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def _ink(hex_color: str) -> str:
    """Dark or light text, whichever reads better on the background (integer luma)."""
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return "#1b1d21" if (299 * r + 587 * g + 114 * b) // 1000 > 150 else "#ffffff"


def product_card(*, name: str, caption: str, color: str, index: int = 1) -> str:
    """An 800x800 SVG card. `index` varies the layout so a product's images differ."""
    top = _shade(color, 18 if index % 2 else -12)
    bottom = _shade(color, -22 if index % 2 else 10)
    ink = _ink(color)
    lines = textwrap.wrap(name, width=22)[:2] or [name]
    circle_y = 300 + 30 * ((index - 1) % 3)
    texts = "".join(
        f'<text x="400" y="{560 + 58 * n}" font-size="46" font-weight="600">{escape(line)}</text>'
        for n, line in enumerate(lines)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" '
        f'viewBox="0 0 {SIZE} {SIZE}" role="img" aria-label={quoteattr(name)}>'
        f"<title>{escape(name)}</title>"
        '<defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">'
        f'<stop offset="0" stop-color="{top}"/><stop offset="1" stop-color="{bottom}"/>'
        "</linearGradient></defs>"
        f'<rect width="{SIZE}" height="{SIZE}" rx="40" fill="url(#bg)"/>'
        f'<circle cx="400" cy="{circle_y}" r="170" fill="#ffffff" fill-opacity="0.16"/>'
        f'<g fill="{ink}" text-anchor="middle" font-family="system-ui, Helvetica, sans-serif">'
        f'<text x="400" y="{circle_y + 55}" font-size="160" font-weight="700">'
        f"{escape(initials(name))}</text>"
        f"{texts}"
        f'<text x="400" y="740" font-size="30" fill-opacity="0.8">{escape(caption)}</text>'
        "</g></svg>\n"
    )


def write_svgs(media_dir: Path, files: Iterable[SvgFile]) -> int:
    """Write (or overwrite) the files under `media_dir/products/`; returns how many."""
    directory = media_dir / MEDIA_SUBDIR
    directory.mkdir(parents=True, exist_ok=True)
    count = 0
    for svg in files:
        (directory / svg.file_name).write_text(svg.content, encoding="utf-8")
        count += 1
    return count
