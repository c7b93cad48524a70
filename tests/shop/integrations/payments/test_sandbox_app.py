"""The sandbox provider's HTTP API, webhook delivery and shared state."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shop.config import Environment, Settings
from shop.integrations.payments.base import GatewayStatus, NotificationKind
from shop.integrations.payments.sandbox import SandboxGateway, parse_webhook
from shop.integrations.payments.sandbox_app import (
    create_sandbox_app,
    create_sandbox_app_from_settings,
    sandbox_webhook_url,
)
from tests.conftest import TEST_SECRET
from tests.fakes.webhook_receiver import SANDBOX_TEST_SECRET, SandboxServer
from tests.live import free_port

AUTH = {"Authorization": "Bearer sk_sandbox_test"}


def new_payment(**changes: Any) -> dict[str, Any]:
    return {"amount": 1500, "currency": "USD", "token": "tok_visa", **changes}


@pytest.fixture
async def api(sandbox_server: SandboxServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sandbox_server.url) as client:
        yield client


async def create(api: httpx.AsyncClient, **changes: Any) -> dict[str, Any]:
    response = await api.post("/v1/payments", json=new_payment(**changes), headers=AUTH)
    assert response.status_code == 201, response.text
    document: dict[str, Any] = response.json()
    return document


class TestAuthentication:
    @pytest.mark.parametrize("header", [None, "Bearer", "Basic abc", "sk_sandbox_test"])
    async def test_api_key_required(self, api: httpx.AsyncClient, header: str | None) -> None:
        headers = {} if header is None else {"Authorization": header}
        response = await api.post("/v1/payments", json=new_payment(), headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["error"]["type"] == "authentication_error"
        assert response.json()["error"]["code"] == "missing_api_key"

    async def test_any_key_is_accepted(self, api: httpx.AsyncClient) -> None:
        response = await api.post(
            "/v1/payments", json=new_payment(), headers={"Authorization": "Bearer x"}
        )
        assert response.status_code == 201


class TestCreatePayment:
    async def test_document(self, api: httpx.AsyncClient) -> None:
        payment = await create(api, currency="usd", metadata={"order_id": "12"})
        assert payment["id"].startswith("sbx_")
        assert {k: payment[k] for k in payment if k not in ("id", "created")} == {
            "object": "payment",
            "amount": 1500,
            "currency": "USD",
            "status": "captured",
            "capture_method": "automatic",
            "captured_amount": 1500,
            "refunded_amount": 0,
            "failure_code": None,
            "failure_message": None,
            "metadata": {"order_id": "12"},
            "refunds": [],
            "livemode": False,
        }

    @pytest.mark.parametrize(
        ("changes", "code", "param"),
        [
            ({"amount": 0}, "invalid_amount", "amount"),
            ({"amount": 12.5}, "invalid_amount", "amount"),
            ({"amount": True}, "invalid_amount", "amount"),
            ({"amount": 100_000_000}, "invalid_amount", "amount"),
            ({"currency": "US"}, "invalid_currency", "currency"),
            ({"token": "tok_unknown"}, "invalid_token", "token"),
            ({"token": None}, "invalid_token", "token"),
            ({"capture": "yes"}, "invalid_capture", "capture"),
            ({"metadata": {"a": 1}}, "invalid_metadata", "metadata"),
            ({"metadata": ["a"]}, "invalid_metadata", "metadata"),
        ],
    )
    async def test_invalid_request(
        self, api: httpx.AsyncClient, changes: dict[str, Any], code: str, param: str
    ) -> None:
        response = await api.post("/v1/payments", json=new_payment(**changes), headers=AUTH)
        assert response.status_code == 400
        error = response.json()["error"]
        assert (error["type"], error["code"], error["param"]) == (
            "invalid_request_error",
            code,
            param,
        )

    @pytest.mark.parametrize("body", [b"{not json", b"[1, 2]"])
    async def test_not_a_json_object(self, api: httpx.AsyncClient, body: bytes) -> None:
        response = await api.post("/v1/payments", content=body, headers=AUTH)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_json"

    async def test_body_too_large(self, api: httpx.AsyncClient) -> None:
        payload = new_payment(metadata={"a": "x" * 70_000})
        response = await api.post("/v1/payments", json=payload, headers=AUTH)
        assert response.status_code == 413

    async def test_idempotent_replay_is_marked(self, api: httpx.AsyncClient) -> None:
        headers = {**AUTH, "Idempotency-Key": uuid.uuid4().hex}
        first = await api.post("/v1/payments", json=new_payment(), headers=headers)
        again = await api.post("/v1/payments", json=new_payment(), headers=headers)
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.json() == first.json()
        assert "idempotent-replayed" not in first.headers
        assert again.headers["idempotent-replayed"] == "true"

    async def test_idempotency_key_reused_with_another_body(self, api: httpx.AsyncClient) -> None:
        headers = {**AUTH, "Idempotency-Key": uuid.uuid4().hex}
        await api.post("/v1/payments", json=new_payment(), headers=headers)
        response = await api.post("/v1/payments", json=new_payment(amount=1501), headers=headers)
        assert response.status_code == 422
        assert response.json()["error"] == {
            "type": "idempotency_error",
            "code": "idempotency_key_reused",
            "message": "this Idempotency-Key was used with a different request; use a new key "
            "for a new request",
        }

    async def test_idempotency_keys_are_per_api_key(self, api: httpx.AsyncClient) -> None:
        key = uuid.uuid4().hex
        first = await api.post(
            "/v1/payments",
            json=new_payment(),
            headers={"Authorization": "Bearer one", "Idempotency-Key": key},
        )
        other = await api.post(
            "/v1/payments",
            json=new_payment(),
            headers={"Authorization": "Bearer two", "Idempotency-Key": key},
        )
        assert first.json()["id"] != other.json()["id"]

    async def test_failed_validation_is_not_remembered(self, api: httpx.AsyncClient) -> None:
        headers = {**AUTH, "Idempotency-Key": uuid.uuid4().hex}
        refused = await api.post("/v1/payments", json=new_payment(amount=0), headers=headers)
        accepted = await api.post("/v1/payments", json=new_payment(amount=0), headers=headers)
        assert (refused.status_code, accepted.status_code) == (400, 400)
        fixed = await api.post("/v1/payments", json=new_payment(), headers=headers)
        assert fixed.status_code == 201


class TestErrors:
    async def test_unknown_payment(self, api: httpx.AsyncClient) -> None:
        response = await api.get("/v1/payments/sbx_nope", headers=AUTH)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "payment_not_found"

    async def test_unknown_route(self, api: httpx.AsyncClient) -> None:
        response = await api.get("/v2/anything", headers=AUTH)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"

    async def test_wrong_method(self, api: httpx.AsyncClient) -> None:
        response = await api.delete("/v1/payments", headers=AUTH)
        assert response.status_code == 405
        assert response.json()["error"]["code"] == "method_not_allowed"


class TestWebhookDelivery:
    async def test_async_capture_delivers_one_signed_webhook(
        self, api: httpx.AsyncClient, sandbox_server: SandboxServer
    ) -> None:
        started = time.time()
        payment = await create(api, token="tok_asyncCapture", metadata={"payment_id": "31"})
        assert payment["status"] == "authorized"
        [delivery] = await sandbox_server.receiver.wait_for(payment["id"])
        assert delivery.received_at - started >= sandbox_server.capture_delay
        assert delivery.headers["content-type"] == "application/json"
        event = parse_webhook(
            delivery.headers, delivery.body, secret=SANDBOX_TEST_SECRET, now=time.time()
        )
        assert event.event_id.startswith("evt_")
        assert (event.type, event.kind) == ("payment.captured", NotificationKind.CAPTURED)
        assert (event.reference, event.amount, event.payment_id) == (payment["id"], 1500, 31)
        await asyncio.sleep(0.3)  # nothing more arrives
        assert len(sandbox_server.receiver.for_payment(payment["id"])) == 1

    async def test_retried_with_backoff_until_accepted(
        self, api: httpx.AsyncClient, sandbox_server: SandboxServer
    ) -> None:
        receiver = sandbox_server.receiver
        held = await create(api, capture=False)
        receiver.fail_next(2)
        await api.post(
            f"/v1/payments/{held['id']}/webhooks", json={"type": "payment.captured"}, headers=AUTH
        )
        deliveries = await receiver.wait_for(held["id"])
        assert [d.status for d in deliveries] == [500, 500, 200]
        assert len({d.event["id"] for d in deliveries}) == 1
        gaps = [b.received_at - a.received_at for a, b in itertools.pairwise(deliveries)]
        assert gaps[0] >= 0.05
        assert gaps[1] >= 0.1  # doubled
        for delivery in deliveries:  # each attempt signed afresh, all valid
            parse_webhook(
                delivery.headers, delivery.body, secret=SANDBOX_TEST_SECRET, now=time.time()
            )
        await asyncio.sleep(0.3)
        assert len(receiver.for_payment(held["id"])) == 3
        listing = await api.get(f"/v1/payments/{held['id']}/webhooks", headers=AUTH)
        [event] = listing.json()["data"]
        assert event["delivery"] == {
            "status": "delivered",
            "attempts": 3,
            "last_error": None,
            "delivered_at": event["delivery"]["delivered_at"],
        }

    async def test_gives_up_after_max_attempts(self, tmp_path: Path) -> None:
        app = create_sandbox_app(
            db_path=tmp_path / "sandbox.db",
            webhook_url=f"http://127.0.0.1:{free_port()}/refused",
            webhook_secret=SANDBOX_TEST_SECRET,
            max_attempts=3,
            retry_base_delay=0.01,
        )
        # Deliveries go over the network, to a port where nobody listens.
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
            held = await client.post("/v1/payments", json=new_payment(capture=False), headers=AUTH)
            reference = held.json()["id"]
            await client.post(
                f"/v1/payments/{reference}/webhooks",
                json={"type": "payment.captured"},
                headers=AUTH,
            )
            for _ in range(200):
                listing = await client.get(f"/v1/payments/{reference}/webhooks", headers=AUTH)
                delivery = listing.json()["data"][0]["delivery"]
                if delivery["status"] != "pending":
                    break
                await asyncio.sleep(0.02)
        assert delivery["status"] == "failed"
        assert delivery["attempts"] == 3
        assert delivery["last_error"].startswith("ConnectError")


class TestSharedState:
    async def test_two_app_instances_on_one_file_act_as_one_provider(self, tmp_path: Path) -> None:
        # What two `shop run --workers 2` processes see: each its own app, one SQLite file.
        apps = [
            create_sandbox_app(
                db_path=tmp_path / "shared.db",
                webhook_url="http://127.0.0.1:9/unused",
                webhook_secret=SANDBOX_TEST_SECRET,
            )
            for _ in range(2)
        ]
        clients = [
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://s")
            for app in apps
        ]
        headers = {**AUTH, "Idempotency-Key": uuid.uuid4().hex}
        try:
            created = await clients[0].post(
                "/v1/payments", json=new_payment(amount=4000), headers=headers
            )
            replayed = await clients[1].post(
                "/v1/payments", json=new_payment(amount=4000), headers=headers
            )
            reference = created.json()["id"]
            refunded = await clients[1].post(
                f"/v1/payments/{reference}/refunds", json={"amount": 4000}, headers=AUTH
            )
            seen = await clients[0].get(f"/v1/payments/{reference}", headers=AUTH)
            too_much = await clients[0].post(
                f"/v1/payments/{reference}/refunds", json={"amount": 1}, headers=AUTH
            )
        finally:
            for client in clients:
                await client.aclose()
        assert replayed.json()["id"] == reference
        assert replayed.headers["idempotent-replayed"] == "true"
        assert refunded.status_code == 201
        assert seen.json()["refunded_amount"] == 4000
        assert too_much.status_code == 400
        assert too_much.json()["error"]["code"] == "amount_exceeds_refundable"

    async def test_state_survives_a_restart(self, tmp_path: Path) -> None:
        def app() -> Any:
            return create_sandbox_app(
                db_path=tmp_path / "sandbox.db",
                webhook_url="http://127.0.0.1:9/unused",
                webhook_secret=SANDBOX_TEST_SECRET,
            )

        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app()), base_url="http://s"
        ) as client:
            reference = (
                await client.post("/v1/payments", json=new_payment(), headers=AUTH)
            ).json()["id"]
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app()), base_url="http://s"
        ) as client:
            again = await client.get(f"/v1/payments/{reference}", headers=AUTH)
        assert again.json()["status"] == "captured"


class TestProductionRefusal:
    def test_factory_refuses_in_production(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setenv("SHOP_ENV", "production")
        with pytest.raises(RuntimeError, match="refused when SHOP_ENV=production"):
            create_sandbox_app(
                db_path=tmp_path / "s.db", webhook_url="http://x", webhook_secret="s"
            )
        assert not (tmp_path / "s.db").exists()

    def test_from_settings_refuses_in_production(self, tmp_path: Path) -> None:
        settings = Settings(
            env=Environment.PRODUCTION,
            secret_key=TEST_SECRET,
            var_dir=tmp_path,
            database_url="sqlite+aiosqlite:///:memory:",
        )
        with pytest.raises(RuntimeError, match="refused"):
            create_sandbox_app_from_settings(settings)

    def test_from_settings_defaults(self, tmp_path: Path) -> None:
        settings = Settings(
            env=Environment.TEST,
            secret_key=TEST_SECRET,
            var_dir=tmp_path,
            public_url="http://127.0.0.1:8123/",
        )
        app = create_sandbox_app_from_settings(settings)
        assert app.state.provider.store.db_path == tmp_path / "sandbox.db"
        assert app.state.dispatcher.webhook_url == (
            "http://127.0.0.1:8123/api/v1/payments/webhooks/sandbox"
        )
        overridden = settings.model_copy(update={"sandbox_webhook_url": "http://hooks/x"})
        assert sandbox_webhook_url(overridden) == "http://hooks/x"


class TestMounted:
    async def test_works_under_a_prefix_of_another_app(self, tmp_path: Path) -> None:
        # How the shop embeds it: mounted at /_sandbox, reached over HTTP like any provider.
        shop = FastAPI()
        shop.mount(
            "/_sandbox",
            create_sandbox_app(
                db_path=tmp_path / "sandbox.db",
                webhook_url="http://127.0.0.1:9/unused",
                webhook_secret=SANDBOX_TEST_SECRET,
            ),
        )
        transport = httpx.ASGITransport(app=shop)
        async with httpx.AsyncClient(transport=transport) as http:
            gateway = SandboxGateway(http, base_url="http://shop/_sandbox")
            first = await gateway.authorize(
                amount=900, currency="USD", token="tok_visa", idempotency_key="mounted-1"
            )
            again = await gateway.authorize(
                amount=900, currency="USD", token="tok_visa", idempotency_key="mounted-1"
            )
            assert first.reference is not None
            payment = await gateway.retrieve(first.reference)
        assert first == again
        assert (first.status, payment["captured_amount"]) == (GatewayStatus.CAPTURED, 900)
