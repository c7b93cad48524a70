"""Any S3-compatible object store (AWS S3, MinIO, Ceph, R2 ...) through boto3.

boto3 is synchronous: each call runs in a worker thread so the event loop keeps serving."""

from __future__ import annotations

import asyncio
from typing import Any

import boto3
from botocore.config import Config

from shop.integrations.storage.base import check_key

CACHE_CONTROL = "public, max-age=31536000, immutable"  # keys are never reused


class S3ImageStorage:
    def __init__(
        self,
        *,
        bucket: str,
        public_url: str,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
    ) -> None:
        self.bucket = bucket
        self.public_url = public_url.rstrip("/")
        # Any: the S3 client stubs (mypy-boto3-s3) are not installed.
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(
                connect_timeout=5,
                read_timeout=15,
                retries={"max_attempts": 3, "mode": "standard"},
                # Path style works with every S3-compatible server, virtual hosts need DNS.
                s3={"addressing_style": "path"},
            ),
        )

    async def put(self, key: str, data: bytes, *, content_type: str) -> str:
        check_key(key)
        await asyncio.to_thread(
            self.client.put_object,
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            CacheControl=CACHE_CONTROL,
        )
        return f"{self.public_url}/{key}"

    async def delete(self, key: str) -> None:
        check_key(key)
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=key)
