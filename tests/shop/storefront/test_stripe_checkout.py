"""Paying with Stripe's Payment Element, server side, against the fake Stripe API on loopback.

What Stripe.js would do in the browser (confirm the PaymentIntent with its client secret) is done
here over HTTP against the fake; what the shopper does at the bank (3-D Secure) and a bank
debit that settles later are the fake's test hooks. The shop's side is exercised as a browser
would: the checkout form, the pay page, Stripe's redirect to the return URL, the webhook."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from shop.checkout import tasks as checkout_tasks
from shop.config import Settings
from shop.db.session import Database
from shop.models.catalog import Variant
from shop.models.jobs import OutboxJob
from shop.models.orders import Order, OrderEvent
from shop.models.payments import Payment
from tests.conftest import make_settings
from tests.fakes.stripe_server import FakeStripe, ServerThread
from tests.shop.storefront.conftest import Catalog, build_catalog, sign_in
from tests.shop.storefront.html import csrf_token, parse

SECRET_KEY = "sk_test_shopwright"
PUBLISHABLE_KEY = "pk_test_shopwright"
WEBHOOK_PATH = "/api/v1/payments/webhooks/stripe"
ADDRESS = {
    "email": "ada@example.com",
    "ship_name": "Ada Lovelace",
    "ship_line1": "12 St James's Square",
    "ship_line2": "",
    "ship_city": "London",
    "ship_region": "",
    "ship_postal_code": "SW1Y 4JH",
    "ship_country": "gb",
    "billing_same": "1",
    "shipping_method": "standard",
}


@dataclass(frozen=True)
class StripeApi:
    fake: FakeStripe
    url: str


@pytest.fixture(scope="session")
def stripe_api() -> Iterator[StripeApi]:
    fake = FakeStripe()
    server = ServerThread(fake.app()).start()
    yield StripeApi(fake, server.url)
    server.stop()


@pytest.fixture
def app_settings(database_url: str, tmp_path: Path, stripe_api: StripeApi) -> Settings:
    settings: Settings = make_settings(
        database_url,
        tmp_path / "var",
        payment_providers=["stripe"],
        stripe_api_key=SECRET_KEY,
        stripe_webhook_secret=stripe_api.fake.webhook_secret,
        stripe_publishable_key=PUBLISHABLE_KEY,
        stripe_api_base=stripe_api.url,
        # http: the test clients are on http://testserver, and https would make cookies Secure.
        public_url="http://shop.example",
    )
    return settings


@pytest.fixture
async def catalog(database: Database) -> Catalog:
    return await build_catalog(database)


@pytest.fixture
async def other_browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("198.51.100.9", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@dataclass(frozen=True)
class PayPage:
    number: str
    response: httpx.Response
    client_secret: str
    return_url: str

    @property
    def intent_id(self) -> str:
        return self.client_secret.split("_secret_")[0]


async def _fill_cart(client: httpx.AsyncClient, catalog: Catalog, quantity: int = 1) -> None:
    page = await client.get("/products/ridge-tent")
    added = await client.post(
        "/cart/items",
        data={
            "csrf_token": csrf_token(page.text),
            "variant_id": str(catalog.tent.variants[0].id),
            "quantity": str(quantity),
        },
    )
    assert added.status_code == 303


async def _checkout_form(client: httpx.AsyncClient) -> dict[str, str]:
    page = await client.get("/checkout")
    assert page.status_code == 200
    form = parse(page.text).find("checkout-form")
    hidden = {
        name: str(form.named(name)[0].get("value"))
        for name in ("csrf_token", "idempotency_key", "cart_id")
    }
    return {**hidden, **ADDRESS, "action": "place"}


async def _pay_page(client: httpx.AsyncClient, location: str) -> PayPage:
    response = await client.get(location)
    assert response.status_code == 200, response.text
    element = parse(response.text).find("stripe-payment-element")
    return PayPage(
        number=location.rsplit("/", 1)[1],
        response=response,
        client_secret=str(element.get("data-client-secret")),
        return_url=str(element.get("data-return-url")),
    )


async def _place(client: httpx.AsyncClient, catalog: Catalog) -> PayPage:
    """Cart -> checkout form -> the pay page, as a shopper clicks through."""
    await _fill_cart(client, catalog)
    placed = await client.post("/checkout", data=await _checkout_form(client))
    assert placed.status_code == 303, placed.text
    assert placed.headers["location"].startswith("/checkout/stripe/pay/")
    return await _pay_page(client, placed.headers["location"])


async def _confirm_in_browser(
    stripe_api: StripeApi, pay: PayPage, payment_method: str
) -> httpx.Response:
    """What stripe.confirmPayment sends from the page: the publishable key and client secret."""
    async with httpx.AsyncClient() as http:
        return await http.post(
            f"{stripe_api.url}/v1/payment_intents/{pay.intent_id}/confirm",
            headers={"Authorization": f"Bearer {PUBLISHABLE_KEY}"},
            data={
                "payment_method": payment_method,
                "client_secret": pay.client_secret,
                "return_url": pay.return_url,
            },
        )


async def _come_back(
    client: httpx.AsyncClient, pay: PayPage, *, intent_id: str | None = None
) -> httpx.Response:
    """Stripe's redirect to the return URL, with the parameters it appends."""
    target = urlsplit(pay.return_url)
    url = (
        f"{target.path}?{target.query}&payment_intent={intent_id or pay.intent_id}"
        f"&payment_intent_client_secret={pay.client_secret}&redirect_status=succeeded"
    )
    return await client.get(url)


async def _order(database: Database, number: str) -> tuple[Order, Payment]:
    async with database.read() as session:
        order = (await session.execute(select(Order).where(Order.number == number))).scalar_one()
        payment = (
            await session.execute(select(Payment).where(Payment.order_id == order.id))
        ).scalar_one()
        session.expunge_all()  # readable after the read-only transaction ends
        return order, payment


async def _stock(database: Database, catalog: Catalog) -> int:
    async with database.read() as session:
        variant = await session.get(Variant, catalog.tent.variants[0].id)
        assert variant is not None
        return variant.stock_quantity


async def _count(database: Database, model: Any, *conditions: Any) -> int:
    async with database.read() as session:
        statement = select(func.count()).select_from(model).where(*conditions)
        return int((await session.execute(statement)).scalar_one())


async def _confirmation_mails(database: Database, number: str) -> int:
    async with database.read() as session:
        payloads = (await session.execute(select(OutboxJob.payload))).scalars().all()
    return sum(
        1
        for payload in payloads
        if payload.get("template") == "order_confirmation"
        and payload.get("context", {}).get("order_number") == number
    )


async def _send_webhook(
    client: httpx.AsyncClient, stripe_api: StripeApi, event_type: str, intent_id: str
) -> httpx.Response:
    """Stripe's signed event about the intent as it is now."""
    body = stripe_api.fake.event(event_type, dict(stripe_api.fake.intents[intent_id]))
    return await client.post(
        WEBHOOK_PATH,
        content=body,
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": stripe_api.fake.sign(body),
        },
    )


def _csp(response: httpx.Response) -> dict[str, str]:
    directives = response.headers["content-security-policy"].split(";")
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in directives
        if part.strip()
    }


def _cart_count(page: httpx.Response) -> str:
    return parse(page.text).find("cart-count").text


class TestCheckoutForm:
    async def test_says_the_card_comes_next_and_offers_no_test_cards(
        self, client: httpx.AsyncClient, catalog: Catalog
    ) -> None:
        await _fill_cart(client, catalog)

        page = parse((await client.get("/checkout")).text)

        page.find("stripe-next-step")
        assert page.find_all("card-token") == []
        assert page.find_all("stripe-payment-element") == []


class TestPayPage:
    async def test_places_the_order_and_renders_the_payment_element(
        self, client: httpx.AsyncClient, database: Database, catalog: Catalog, stripe_api: StripeApi
    ) -> None:
        stock_before = await _stock(database, catalog)

        pay = await _place(client, catalog)

        order, payment = await _order(database, pay.number)
        intent = stripe_api.fake.intents[pay.intent_id]
        assert (order.status, payment.status, payment.provider) == ("pending", "pending", "stripe")
        assert payment.provider_reference == pay.intent_id
        assert await _stock(database, catalog) == stock_before - 1
        assert intent["amount"] == order.total_amount == payment.amount
        assert intent["currency"] == order.currency.lower() == "usd"
        assert intent["metadata"] == {
            "payment_id": str(payment.id),
            "order_id": str(order.id),
            "order_number": order.number,
        }
        assert intent["automatic_payment_methods"]["enabled"] is True
        assert intent["status"] == "requires_payment_method"
        assert pay.client_secret == intent["client_secret"]
        element = parse(pay.response.text).find("stripe-payment-element")
        assert element.get("data-publishable-key") == PUBLISHABLE_KEY
        assert pay.return_url == f"http://shop.example/checkout/stripe/return?order={order.number}"
        assert parse(pay.response.text).find("order-number").text == order.number
        # The cart stays until the payment succeeds.
        assert _cart_count(await client.get("/")) == "1"

    async def test_the_csp_allows_exactly_stripe_and_no_inline_script(
        self, client: httpx.AsyncClient, catalog: Catalog
    ) -> None:
        pay = await _place(client, catalog)

        csp = _csp(pay.response)
        assert csp["script-src"] == "'self' https://js.stripe.com"
        assert csp["frame-src"] == "https://js.stripe.com"
        assert csp["connect-src"] == "'self' https://api.stripe.com"
        assert csp["style-src"] == "'self'"
        assert csp["default-src"] == "'self'"
        origins = {word for value in csp.values() for word in value.split() if "://" in word}
        assert origins == {"https://js.stripe.com", "https://api.stripe.com"}
        assert pay.response.headers["cache-control"] == "no-store"
        assert "<script>" not in pay.response.text
        assert 'src="https://js.stripe.com/v3/"' in pay.response.text
        assert 'src="/static/stripe-checkout.js"' in pay.response.text
        assert "style=" not in pay.response.text
        script = await client.get("/static/stripe-checkout.js")
        assert script.status_code == 200
        assert "confirmPayment" in script.text

    async def test_a_reload_shows_the_same_payment_intent(
        self, client: httpx.AsyncClient, catalog: Catalog, stripe_api: StripeApi
    ) -> None:
        pay = await _place(client, catalog)

        again = await _pay_page(client, f"/checkout/stripe/pay/{pay.number}")

        assert again.client_secret == pay.client_secret
        mine = [
            intent
            for intent in list(stripe_api.fake.intents.values())
            if intent["metadata"].get("order_number") == pay.number
        ]
        assert len(mine) == 1

    async def test_the_same_form_twice_places_one_order(
        self, client: httpx.AsyncClient, database: Database, catalog: Catalog
    ) -> None:
        await _fill_cart(client, catalog)
        form = await _checkout_form(client)

        first = await client.post("/checkout", data=form)
        second = await client.post("/checkout", data=form)

        assert first.status_code == second.status_code == 303
        assert second.headers["location"] == first.headers["location"]
        assert await _count(database, Order) == 1

    async def test_a_new_form_for_a_cart_awaiting_payment_returns_to_its_pay_page(
        self, client: httpx.AsyncClient, database: Database, catalog: Catalog
    ) -> None:
        pay = await _place(client, catalog)

        again = await client.post("/checkout", data=await _checkout_form(client))

        assert again.status_code == 303
        assert again.headers["location"] == f"/checkout/stripe/pay/{pay.number}"
        assert await _count(database, Order) == 1

    async def test_another_browser_cannot_open_it(
        self,
        client: httpx.AsyncClient,
        other_browser: httpx.AsyncClient,
        catalog: Catalog,
    ) -> None:
        pay = await _place(client, catalog)

        response = await other_browser.get(f"/checkout/stripe/pay/{pay.number}")

        assert response.status_code == 404
        assert pay.client_secret not in response.text

    async def test_a_signed_in_customer_pays_for_their_own_order(
        self,
        client: httpx.AsyncClient,
        database: Database,
        app_settings: Settings,
        catalog: Catalog,
        stripe_api: StripeApi,
    ) -> None:
        user = await sign_in(client, database, app_settings)
        pay = await _place(client, catalog)
        await _confirm_in_browser(stripe_api, pay, "pm_card_visa")

        back = await _come_back(client, pay)

        assert back.headers["location"] == f"/checkout/confirmation/{pay.number}"
        order, _ = await _order(database, pay.number)
        assert (order.user_id, order.status) == (user.id, "paid")


class TestCancelFromThePayPage:
    async def test_cancels_the_order_and_keeps_the_cart(
        self, client: httpx.AsyncClient, database: Database, catalog: Catalog, stripe_api: StripeApi
    ) -> None:
        stock_before = await _stock(database, catalog)
        pay = await _place(client, catalog)

        response = await client.post(
            f"/checkout/stripe/cancel/{pay.number}",
            data={"csrf_token": csrf_token(pay.response.text)},
        )

        assert response.status_code == 303
        assert response.headers["location"] == "/cart"
        order, payment = await _order(database, pay.number)
        assert (order.status, payment.status) == ("cancelled", "voided")
        assert stripe_api.fake.intents[pay.intent_id]["status"] == "canceled"
        assert await _stock(database, catalog) == stock_before
        cart = await client.get("/cart")
        assert f"Order {pay.number} was cancelled" in parse(cart.text).find("flash").text
        assert _cart_count(cart) == "1"
        retry = await client.post("/checkout", data=await _checkout_form(client))
        assert retry.headers["location"] != f"/checkout/stripe/pay/{pay.number}"

    async def test_a_payment_made_meanwhile_is_kept(
        self, client: httpx.AsyncClient, database: Database, catalog: Catalog, stripe_api: StripeApi
    ) -> None:
        pay = await _place(client, catalog)
        await _confirm_in_browser(stripe_api, pay, "pm_card_visa")

        response = await client.post(
            f"/checkout/stripe/cancel/{pay.number}",
            data={"csrf_token": csrf_token(pay.response.text)},
        )

        assert response.headers["location"] == f"/checkout/stripe/pay/{pay.number}"
        order, payment = await _order(database, pay.number)
        assert (order.status, payment.status) == ("paid", "captured")
        then = await client.get(response.headers["location"])
        assert then.headers["location"] == f"/checkout/confirmation/{pay.number}"

    async def test_without_the_csrf_token_nothing_changes(
        self, client: httpx.AsyncClient, database: Database, catalog: Catalog
    ) -> None:
        pay = await _place(client, catalog)

        response = await client.post(f"/checkout/stripe/cancel/{pay.number}")

        assert response.status_code == 403
        order, payment = await _order(database, pay.number)
        assert (order.status, payment.status) == ("pending", "pending")


class TestUnpaidOrdersExpire:
    """A shopper who leaves the pay page without paying or cancelling: the reconciliation pass
    cancels the order after UNPAID_ORDER_AGE, so that its stock and coupon use come back."""

    async def _reconcile(self, app: FastAPI, database: Database) -> int:
        counts = await checkout_tasks.reconcile(database, app.state.gateways)
        return counts["unpaid_orders"]

    async def test_an_abandoned_order_is_cancelled_and_its_stock_returned(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        catalog: Catalog,
        stripe_api: StripeApi,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        stock_before = await _stock(database, catalog)
        pay = await _place(client, catalog)
        assert await _stock(database, catalog) == stock_before - 1

        assert await self._reconcile(app, database) == 0
        monkeypatch.setattr(checkout_tasks, "UNPAID_ORDER_AGE", timedelta(0))
        assert await self._reconcile(app, database) == 1

        order, payment = await _order(database, pay.number)
        assert (order.status, payment.status) == ("cancelled", "voided")
        assert stripe_api.fake.intents[pay.intent_id]["status"] == "canceled"
        assert await _stock(database, catalog) == stock_before
        async with database.read() as session:
            reasons = await session.scalars(
                select(OrderEvent.data).where(OrderEvent.order_id == order.id)
            )
            assert {"reason": "not paid within 0 minutes"} in list(reasons)
        assert await self._reconcile(app, database) == 0  # once only

    async def test_a_payment_made_meanwhile_is_recorded_not_cancelled(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        catalog: Catalog,
        stripe_api: StripeApi,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        pay = await _place(client, catalog)
        await _confirm_in_browser(stripe_api, pay, "pm_card_visa")  # webhook not delivered
        monkeypatch.setattr(checkout_tasks, "UNPAID_ORDER_AGE", timedelta(0))

        assert await self._reconcile(app, database) == 0

        order, payment = await _order(database, pay.number)
        assert (order.status, payment.status) == ("paid", "captured")


class TestReturn:
    async def test_a_succeeded_payment_marks_the_order_paid_and_confirms(
        self, client: httpx.AsyncClient, database: Database, catalog: Catalog, stripe_api: StripeApi
    ) -> None:
        pay = await _place(client, catalog)
        confirmed = await _confirm_in_browser(stripe_api, pay, "pm_card_visa")
        assert confirmed.json()["status"] == "succeeded"

        back = await _come_back(client, pay)

        assert back.status_code == 303
        assert back.headers["location"] == f"/checkout/confirmation/{pay.number}"
        confirmation = parse((await client.get(back.headers["location"])).text)
        assert confirmation.find("order-status").get("data-status") == "paid"
        order, payment = await _order(database, pay.number)
        assert (order.status, payment.status) == ("paid", "captured")
        assert payment.captured_amount == order.captured_amount == order.total_amount
        assert _cart_count(await client.get("/")) == "0"
        assert await _confirmation_mails(database, pay.number) == 1

    async def test_coming_back_twice_captures_and_emails_once(
        self, client: httpx.AsyncClient, database: Database, catalog: Catalog, stripe_api: StripeApi
    ) -> None:
        pay = await _place(client, catalog)
        await _confirm_in_browser(stripe_api, pay, "pm_card_visa")

        first = await _come_back(client, pay)
        second = await _come_back(client, pay)

        assert first.headers["location"] == second.headers["location"]
        order, payment = await _order(database, pay.number)
        assert (order.status, payment.captured_amount) == ("paid", order.total_amount)
        captures = await _count(
            database,
            OrderEvent,
            OrderEvent.order_id == order.id,
            OrderEvent.type == "payment_captured",
        )
        assert captures == 1
        assert await _confirmation_mails(database, pay.number) == 1
        # Only reads went to Stripe for the two returns: nothing was captured twice there.
        calls = [c for c in stripe_api.fake.requests if pay.intent_id in c[1]]
        assert [method for method, path, _ in calls if not path.endswith("/confirm")] == [
            "GET",
            "GET",
        ]

    async def test_3ds_not_completed_shows_a_pending_page(
        self, client: httpx.AsyncClient, database: Database, catalog: Catalog, stripe_api: StripeApi
    ) -> None:
        pay = await _place(client, catalog)
        confirmed = await _confirm_in_browser(stripe_api, pay, "pm_card_threeDSecure2Required")
        assert confirmed.json()["status"] == "requires_action"

        back = await _come_back(client, pay)

        assert back.status_code == 200
        pending = parse(back.text).find("stripe-payment-pending")
        assert pending.get("data-state") == "requires_action"
        assert "not completed" in pending.text
        order, payment = await _order(database, pay.number)
        assert (order.status, payment.status) == ("pending", "pending")
        retry = parse((await client.get(f"/checkout/stripe/pay/{pay.number}")).text)
        retry.find("stripe-action-required")
        assert retry.find("stripe-payment-element").get("data-client-secret") == pay.client_secret

    async def test_3ds_completed_later_settles_on_the_next_return(
        self, client: httpx.AsyncClient, database: Database, catalog: Catalog, stripe_api: StripeApi
    ) -> None:
        pay = await _place(client, catalog)
        await _confirm_in_browser(stripe_api, pay, "pm_card_threeDSecure2Required")
        stripe_api.fake.complete_authentication(pay.intent_id)

        back = await _come_back(client, pay)

        assert back.headers["location"] == f"/checkout/confirmation/{pay.number}"
        order, _ = await _order(database, pay.number)
        assert order.status == "paid"

    async def test_a_failed_payment_keeps_the_cart_and_says_why(
        self, client: httpx.AsyncClient, database: Database, catalog: Catalog, stripe_api: StripeApi
    ) -> None:
        stock_before = await _stock(database, catalog)
        pay = await _place(client, catalog)
        await _confirm_in_browser(stripe_api, pay, "pm_card_threeDSecure2Required")
        stripe_api.fake.complete_authentication(pay.intent_id, succeed=False)

        back = await _come_back(client, pay)

        assert back.status_code == 402
        page = parse(back.text)
        error = page.find("checkout-error")
        assert error.get("role") == "alert"
        assert "verification was not completed" in error.text
        assert "cart is unchanged" in error.text
        form = page.find("checkout-form")
        assert form.named("ship_name")[0].get("value") == "Ada Lovelace"
        assert form.named("email")[0].get("value") == "ada@example.com"
        order, payment = await _order(database, pay.number)
        assert (order.status, payment.status) == ("cancelled", "declined")
        assert payment.failure_code == "payment_intent_authentication_failure"
        assert await _stock(database, catalog) == stock_before
        assert _cart_count(await client.get("/")) == "1"
        assert stripe_api.fake.intents[pay.intent_id]["status"] == "canceled"
        assert await _confirmation_mails(database, pay.number) == 0

    async def test_a_decline_reported_by_webhook_first_reads_the_same(
        self, client: httpx.AsyncClient, database: Database, catalog: Catalog, stripe_api: StripeApi
    ) -> None:
        pay = await _place(client, catalog)
        declined = await _confirm_in_browser(stripe_api, pay, "pm_card_chargeDeclined")
        assert declined.status_code == 402
        hook = await _send_webhook(
            client, stripe_api, "payment_intent.payment_failed", pay.intent_id
        )
        assert hook.status_code < 300
        assert (await _order(database, pay.number))[0].status == "cancelled"

        back = await _come_back(client, pay)

        assert back.status_code == 402
        assert "card was declined" in parse(back.text).find("checkout-error").text
        assert stripe_api.fake.intents[pay.intent_id]["status"] == "canceled"
        assert _cart_count(await client.get("/")) == "1"

    async def test_after_a_failure_a_new_attempt_places_a_new_order(
        self, client: httpx.AsyncClient, database: Database, catalog: Catalog, stripe_api: StripeApi
    ) -> None:
        pay = await _place(client, catalog)
        await _confirm_in_browser(stripe_api, pay, "pm_card_chargeDeclined")
        await _come_back(client, pay)

        retry = await client.post("/checkout", data=await _checkout_form(client))

        assert retry.status_code == 303
        second = await _pay_page(client, retry.headers["location"])
        assert second.number != pay.number
        assert second.intent_id != pay.intent_id

    async def test_processing_waits_for_the_webhook(
        self, client: httpx.AsyncClient, database: Database, catalog: Catalog, stripe_api: StripeApi
    ) -> None:
        pay = await _place(client, catalog)
        stripe_api.fake.process_asynchronously(pay.intent_id)

        back = await _come_back(client, pay)

        assert back.status_code == 200
        assert parse(back.text).find("stripe-payment-pending").get("data-state") == "processing"
        assert (await _order(database, pay.number))[0].status == "pending"
        checked = await client.get(f"/checkout/stripe/pay/{pay.number}")
        assert parse(checked.text).find_all("stripe-payment-element") == []
        stripe_api.fake.finish_processing(pay.intent_id)
        hook = await _send_webhook(client, stripe_api, "payment_intent.succeeded", pay.intent_id)
        assert hook.status_code < 300
        order, payment = await _order(database, pay.number)
        assert (order.status, payment.status) == ("paid", "captured")
        after = await client.get(f"/checkout/stripe/pay/{pay.number}")
        assert after.headers["location"] == f"/checkout/confirmation/{pay.number}"
        assert await _confirmation_mails(database, pay.number) == 1

    async def test_before_any_attempt_it_goes_back_to_the_pay_page(
        self, client: httpx.AsyncClient, catalog: Catalog
    ) -> None:
        pay = await _place(client, catalog)

        back = await _come_back(client, pay)

        assert back.status_code == 303
        assert back.headers["location"] == f"/checkout/stripe/pay/{pay.number}"


class TestForgedReturns:
    async def test_the_payment_of_another_order_is_refused(
        self,
        client: httpx.AsyncClient,
        other_browser: httpx.AsyncClient,
        database: Database,
        catalog: Catalog,
        stripe_api: StripeApi,
    ) -> None:
        mine = await _place(client, catalog)
        theirs = await _place(other_browser, catalog)
        await _confirm_in_browser(stripe_api, theirs, "pm_card_visa")

        forged = await _come_back(client, mine, intent_id=theirs.intent_id)
        not_mine = await client.get(
            f"/checkout/stripe/return?order={theirs.number}&payment_intent={theirs.intent_id}"
        )
        unknown = await _come_back(client, mine, intent_id="pi_000000000000000000000000")

        for response in (forged, not_mine, unknown):
            assert response.status_code == 404
            assert parse(response.text).find("error-page").get("data-status") == "404"
        for number in (mine.number, theirs.number):
            order, payment = await _order(database, number)
            assert (order.status, payment.status) == ("pending", "pending")

    @pytest.mark.parametrize(
        "query",
        ["", "?order=X", "?payment_intent=pi_123", "?order=X&payment_intent=<script>"],
    )
    async def test_bad_parameters_are_a_clear_error_page(
        self, client: httpx.AsyncClient, query: str
    ) -> None:
        response = await client.get(f"/checkout/stripe/return{query}")

        assert response.status_code == 400
        page = parse(response.text)
        assert page.find("error-page").get("data-status") == "400"
        assert "not valid" in page.find("error-page").text
