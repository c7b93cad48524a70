from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from shop.seed.images import SvgFile, initials, product_card, view_name, write_svgs

SVG_NS = "{http://www.w3.org/2000/svg}"


class TestProductCard:
    def test_escapes_markup_in_text(self) -> None:
        svg = product_card(name='Bold <"Quill"> & Crane', caption="Tom & Jerry's", color="#b3322c")

        root = ET.fromstring(svg.encode())  # noqa: S314 (our own output)
        texts = [t.text for t in root.iter(f"{SVG_NS}text")]
        assert root.attrib["aria-label"] == 'Bold <"Quill"> & Crane'
        assert root.findtext(f"{SVG_NS}title") == 'Bold <"Quill"> & Crane'
        assert "Tom & Jerry's" in texts

    def test_initials_and_wrapped_name(self) -> None:
        svg = product_card(name="Granite Merino Zip Hoodie", caption="Kestrel", color="#22252b")

        texts = [t.text for t in ET.fromstring(svg.encode()).iter(f"{SVG_NS}text")]  # noqa: S314
        assert texts == ["GM", "Granite Merino Zip", "Hoodie", "Kestrel"]

    @pytest.mark.parametrize(("color", "ink"), [("#e9e6df", "#1b1d21"), ("#1f3a5f", "#ffffff")])
    def test_text_colour_reads_on_the_background(self, color: str, ink: str) -> None:
        root = ET.fromstring(product_card(name="A", caption="B", color=color).encode())  # noqa: S314
        assert root.find(f"{SVG_NS}g").attrib["fill"] == ink  # type: ignore[union-attr]

    def test_images_of_one_product_differ(self) -> None:
        cards = {product_card(name="Tee", caption="X", color="#6b7042", index=n) for n in (1, 2, 3)}
        assert len(cards) == 3


class TestInitials:
    @pytest.mark.parametrize(
        ("name", "expected"),
        [("Classic Tee", "CT"), ("chef's knife set", "CK"), ("Tee", "T"), ("& ", "?")],
    )
    def test_initials(self, name: str, expected: str) -> None:
        assert initials(name) == expected


class TestViewName:
    def test_cycles(self) -> None:
        assert [view_name(n) for n in range(1, 5)] == ["front", "detail", "in use", "front"]


class TestWriteSvgs:
    def test_writes_under_products(self, tmp_path: Path) -> None:
        files = [SvgFile("a-1.svg", "<svg/>"), SvgFile("a-2.svg", "<svg></svg>")]

        assert write_svgs(tmp_path, files) == 2
        assert (tmp_path / "products" / "a-1.svg").read_text() == "<svg/>"
        assert files[1].url == "/media/products/a-2.svg"

    def test_overwrites(self, tmp_path: Path) -> None:
        write_svgs(tmp_path, [SvgFile("a-1.svg", "old")])
        write_svgs(tmp_path, [SvgFile("a-1.svg", "new")])
        assert (tmp_path / "products" / "a-1.svg").read_text() == "new"
