"""Files under the media directory, served by the shop itself at /media."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from shop.integrations.storage.base import check_key


class LocalImageStorage:
    def __init__(self, root: Path, *, url_prefix: str = "/media") -> None:
        self.root = root
        self.url_prefix = url_prefix.rstrip("/")

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put(self, key: str, data: bytes, *, content_type: str) -> str:
        await asyncio.to_thread(self._write, self._path(key), data)
        return f"{self.url_prefix}/{key}"

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        # Write aside and rename, so that a reader never sees half a file.
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(data)
        os.replace(partial, path)
