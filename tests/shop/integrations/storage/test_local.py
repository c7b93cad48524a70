from __future__ import annotations

from pathlib import Path

import pytest

from shop.config import Settings
from shop.integrations.storage.factory import build_image_storage
from shop.integrations.storage.local import LocalImageStorage
from tests.shop.integrations.storage.images import PNG


class TestLocalImageStorage:
    async def test_put_writes_the_file_and_returns_its_media_url(self, tmp_path: Path) -> None:
        storage = LocalImageStorage(tmp_path)
        url = await storage.put("products/1/abc.png", PNG, content_type="image/png")
        assert url == "/media/products/1/abc.png"
        assert (tmp_path / "products/1/abc.png").read_bytes() == PNG
        assert not list(tmp_path.rglob("*.part"))

    async def test_delete_removes_and_tolerates_missing(self, tmp_path: Path) -> None:
        storage = LocalImageStorage(tmp_path)
        await storage.put("a/b.png", PNG, content_type="image/png")
        await storage.delete("a/b.png")
        await storage.delete("a/b.png")
        assert not (tmp_path / "a/b.png").exists()

    async def test_refuses_keys_outside_the_root(self, tmp_path: Path) -> None:
        storage = LocalImageStorage(tmp_path / "media")
        with pytest.raises(ValueError, match="invalid storage key"):
            await storage.put("../escape.png", PNG, content_type="image/png")
        assert not (tmp_path / "escape.png").exists()

    def test_is_the_default_adapter(self, tmp_path: Path) -> None:
        storage = build_image_storage(Settings(var_dir=tmp_path))
        assert isinstance(storage, LocalImageStorage)
        assert storage.root == tmp_path / "media"
