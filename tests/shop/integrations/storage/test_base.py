from __future__ import annotations

import pytest

from shop.integrations.storage.base import (
    ImageTooLarge,
    UnsupportedImage,
    check_image,
    check_key,
    new_image_key,
    sniff_image,
)
from tests.shop.integrations.storage.images import GIF, HTML_NAMED_PNG, JPEG, PNG, SVG, WEBP


class TestSniffImage:
    @pytest.mark.parametrize(
        ("data", "content_type", "extension"),
        [
            (PNG, "image/png", "png"),
            (JPEG, "image/jpeg", "jpg"),
            (GIF, "image/gif", "gif"),
            (WEBP, "image/webp", "webp"),
        ],
    )
    def test_accepted_formats(self, data: bytes, content_type: str, extension: str) -> None:
        kind = sniff_image(data)
        assert kind is not None
        assert (kind.content_type, kind.extension) == (content_type, extension)

    @pytest.mark.parametrize("data", [SVG, HTML_NAMED_PNG, b"RIFF\x00\x00\x00\x00WAVE", b"\x89PN"])
    def test_anything_else_is_refused(self, data: bytes) -> None:
        assert sniff_image(data) is None


class TestCheckImage:
    def test_returns_the_kind(self) -> None:
        assert check_image(PNG, max_bytes=1024).content_type == "image/png"

    def test_too_large(self) -> None:
        with pytest.raises(ImageTooLarge) as caught:
            check_image(PNG + b"\x00" * 2000, max_bytes=1024)
        assert caught.value.status == 413

    def test_empty(self) -> None:
        with pytest.raises(UnsupportedImage, match="empty"):
            check_image(b"", max_bytes=1024)

    def test_svg_is_not_an_image_we_take(self) -> None:
        # SVG can carry scripts: served from our origin it would be stored XSS.
        with pytest.raises(UnsupportedImage) as caught:
            check_image(SVG, max_bytes=1024)
        assert caught.value.status == 422


class TestKeys:
    def test_new_key_is_random_and_typed(self) -> None:
        kind = sniff_image(PNG)
        assert kind is not None
        first, second = new_image_key("products/7", kind), new_image_key("products/7", kind)
        assert first != second
        assert first.startswith("products/7/")
        assert first.endswith(".png")
        assert check_key(first) == first

    @pytest.mark.parametrize(
        "key", ["", "/etc/passwd", "../x.png", "a/../../x.png", "a//b.png", "a/./b.png", "a b.png"]
    )
    def test_escaping_keys_are_refused(self, key: str) -> None:
        with pytest.raises(ValueError, match="invalid storage key"):
            check_key(key)
