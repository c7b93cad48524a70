"""Chooses the image storage adapter from the settings."""

from __future__ import annotations

from shop.config import Settings, StorageBackend
from shop.integrations.storage.base import ImageStorage
from shop.integrations.storage.local import LocalImageStorage
from shop.integrations.storage.s3 import S3ImageStorage


def build_image_storage(settings: Settings) -> ImageStorage:
    if settings.storage_backend is StorageBackend.S3:
        bucket = settings.storage_bucket or ""
        endpoint = settings.storage_endpoint_url
        default_public = (
            f"{endpoint.rstrip('/')}/{bucket}"
            if endpoint
            else f"https://{bucket}.s3.{settings.storage_region}.amazonaws.com"
        )
        secret = settings.storage_secret_access_key
        return S3ImageStorage(
            bucket=bucket,
            public_url=settings.storage_public_url or default_public,
            endpoint_url=endpoint,
            region=settings.storage_region,
            access_key_id=settings.storage_access_key_id,
            secret_access_key=secret.get_secret_value() if secret else None,
        )
    return LocalImageStorage(settings.media_dir)
