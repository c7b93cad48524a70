"""The S3 adapter against a real S3 wire protocol: moto's server on loopback."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from shop.config import Settings, StorageBackend
from shop.integrations.storage.factory import build_image_storage
from shop.integrations.storage.s3 import S3ImageStorage
from tests.shop.integrations.storage.images import JPEG, PNG

BUCKET = "shop-media"
PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
        }
    ],
}
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    admin = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **CREDENTIALS)
    admin.create_bucket(Bucket=BUCKET)
    # As in production: objects are private by default, the bucket policy makes them readable.
    admin.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC_READ))
    yield endpoint
    server.stop()


@pytest.fixture
def storage(s3_endpoint: str) -> S3ImageStorage:
    return S3ImageStorage(
        bucket=BUCKET,
        public_url=f"{s3_endpoint}/{BUCKET}",
        endpoint_url=s3_endpoint,
        access_key_id="testing",
        secret_access_key="testing",
    )


class TestS3ImageStorage:
    async def test_put_stores_the_object_with_its_type(self, storage: S3ImageStorage) -> None:
        url = await storage.put("products/1/a.png", PNG, content_type="image/png")
        stored = storage.client.get_object(Bucket=BUCKET, Key="products/1/a.png")
        assert stored["Body"].read() == PNG
        assert stored["ContentType"] == "image/png"
        assert stored["CacheControl"].startswith("public")
        assert url.endswith(f"/{BUCKET}/products/1/a.png")

    async def test_public_url_serves_the_bytes(self, storage: S3ImageStorage) -> None:
        url = await storage.put("products/2/b.jpg", JPEG, content_type="image/jpeg")
        async with httpx.AsyncClient() as http:
            response = await http.get(url)
        assert response.status_code == 200
        assert response.content == JPEG

    async def test_delete(self, storage: S3ImageStorage) -> None:
        await storage.put("products/3/c.png", PNG, content_type="image/png")
        await storage.delete("products/3/c.png")
        listing = storage.client.list_objects_v2(Bucket=BUCKET, Prefix="products/3/")
        assert listing.get("KeyCount") == 0

    async def test_refuses_escaping_keys(self, storage: S3ImageStorage) -> None:
        with pytest.raises(ValueError, match="invalid storage key"):
            await storage.put("../x.png", PNG, content_type="image/png")


class TestFactory:
    def test_s3_from_settings(self, s3_endpoint: str, tmp_path: Path) -> None:
        settings = Settings(
            var_dir=tmp_path,
            storage_backend=StorageBackend.S3,
            storage_bucket=BUCKET,
            storage_endpoint_url=s3_endpoint,
            storage_access_key_id="testing",
            storage_secret_access_key="testing",  # type: ignore[arg-type]
        )
        storage = build_image_storage(settings)
        assert isinstance(storage, S3ImageStorage)
        assert storage.public_url == f"{s3_endpoint}/{BUCKET}"

    def test_public_url_setting_wins(self, tmp_path: Path) -> None:
        settings = Settings(
            var_dir=tmp_path,
            storage_backend=StorageBackend.S3,
            storage_bucket=BUCKET,
            storage_public_url="https://cdn.example.com/media/",
        )
        storage = build_image_storage(settings)
        assert isinstance(storage, S3ImageStorage)
        assert storage.public_url == "https://cdn.example.com/media"

    def test_s3_needs_a_bucket(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match="SHOP_STORAGE_BUCKET"):
            Settings(var_dir=tmp_path, storage_backend=StorageBackend.S3)
