from __future__ import annotations

import pytest

from shop.kit.pagination import PageRequest
from shop.kit.slugs import is_slug, slugify


class TestSlugify:
    @pytest.mark.parametrize(
        ("text", "slug"),
        [
            ("Cotton T-Shirt", "cotton-t-shirt"),
            ("  Crème Brûlée!! ", "creme-brulee"),
            ("A/B  testing", "a-b-testing"),
            ("***", ""),
        ],
    )
    def test_examples(self, text: str, slug: str) -> None:
        assert slugify(text) == slug

    def test_truncates_without_trailing_hyphen(self) -> None:
        assert slugify("ab " * 100, max_length=5) == "ab-ab"

    def test_is_slug(self) -> None:
        assert is_slug("blue-shirt-2")
        assert not is_slug("Blue Shirt")
        assert not is_slug("-x")


class TestPageRequest:
    def test_offset(self) -> None:
        assert PageRequest(page=3, page_size=24).offset == 48

    @pytest.mark.parametrize(("page", "size"), [(0, 24), (1, 0), (1, 101)])
    def test_refuses_out_of_range(self, page: int, size: int) -> None:
        with pytest.raises(ValueError, match="page"):
            PageRequest(page=page, page_size=size)
