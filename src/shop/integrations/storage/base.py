"""The image storage port, and the checks every upload passes before it reaches an adapter:
the type is read from the bytes (never from the file name or the browser's content type), and
the size is limited."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol

from shop.errors import InvalidInput

# Magic numbers of the formats a product page can show.
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
)


@dataclass(frozen=True, slots=True)
class ImageKind:
    content_type: str
    extension: str


class ImageStorage(Protocol):
    """Stores objects under a key and tells where browsers can fetch them."""

    async def put(self, key: str, data: bytes, *, content_type: str) -> str:
        """Store `data` under `key`; returns its public URL."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; removing a missing one is not an error."""
        ...


class UnsupportedImage(InvalidInput):
    code = "unsupported_image"


class ImageTooLarge(InvalidInput):
    code = "image_too_large"
    status = 413
    title = "Image too large"


def sniff_image(data: bytes) -> ImageKind | None:
    """The image format by its leading bytes, or None if it is not one we accept."""
    for signature, content_type, extension in _SIGNATURES:
        if data.startswith(signature):
            return ImageKind(content_type, extension)
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ImageKind("image/webp", "webp")
    return None


def check_image(data: bytes, *, max_bytes: int) -> ImageKind:
    """The kind of an acceptable upload; raises a 4xx error naming the problem otherwise."""
    if not data:
        raise UnsupportedImage("the file is empty", errors=[{"field": "file", "message": "empty"}])
    if len(data) > max_bytes:
        raise ImageTooLarge(
            f"the image is {len(data)} bytes; the limit is {max_bytes}",
            errors=[{"field": "file", "message": f"larger than {max_bytes} bytes"}],
        )
    kind = sniff_image(data)
    if kind is None:
        raise UnsupportedImage(
            "the file is not a PNG, JPEG, WebP or GIF image",
            errors=[{"field": "file", "message": "must be a PNG, JPEG, WebP or GIF image"}],
        )
    return kind


def new_image_key(prefix: str, kind: ImageKind) -> str:
    """A fresh, unguessable object key such as 'products/42/3f9a...c1.png'."""
    return f"{prefix.strip('/')}/{secrets.token_hex(16)}.{kind.extension}"


def check_key(key: str) -> str:
    """Keys are relative paths of plain segments: nothing can escape the store's root."""
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in {"", ".", ".."} for p in parts):
        raise ValueError(f"invalid storage key: {key!r}")
    if not all(c.isalnum() or c in "-_./" for c in key):
        raise ValueError(f"invalid storage key: {key!r}")
    return key
