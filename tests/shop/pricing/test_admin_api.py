"""Admin API of coupons, shipping methods and tax rates, on both databases."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from shop.db.session import Database
from shop.models.accounts import Role
from shop.models.pricing import Coupon, ShippingMethod, TaxRate
from tests.builders.pricing import create_coupon, create_order_row, create_shipping_method

HeadersFor = Callable[[Role], Awaitable[dict[str, str]]]
COUPONS = "/api/v1/admin/coupons"
METHODS = "/api/v1/admin/shipping-methods"
RATES = "/api/v1/admin/tax-rates"
VOLATILE = {"id", "created_at", "updated_at"}


def usd(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "USD"}


def stable(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key not in VOLATILE}


async def count(database: Database, model: type[Coupon | ShippingMethod | TaxRate]) -> int:
    async with database.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
async def manager(headers_for: HeadersFor) -> dict[str, str]:
    return await headers_for(Role.MANAGER)


@pytest.fixture
async def admin(headers_for: HeadersFor) -> dict[str, str]:
    return await headers_for(Role.ADMIN)


# --- coupons --------------------------------------------------------------------------------


class TestCreateCoupon:
    async def test_percentage(self, client: httpx.AsyncClient, manager: dict[str, str]) -> None:
        body = {"code": " summer-15 ", "kind": "percentage", "percent_off": 15}
        response = await client.post(COUPONS, json=body, headers=manager)
        assert response.status_code == 201
        assert stable(response.json()) == {
            "code": "SUMMER-15",
            "kind": "percentage",
            "percent_off": 15,
            "amount_off": None,
            "min_spend": usd(0),
            "starts_at": None,
            "ends_at": None,
            "usage_limit": None,
            "per_customer_limit": None,
            "times_used": 0,
            "is_active": True,
        }

    async def test_fixed_with_limits_and_dates(
        self, client: httpx.AsyncClient, manager: dict[str, str]
    ) -> None:
        body = {
            "code": "TENOFF",
            "kind": "fixed",
            "amount_off": usd(1000),
            "min_spend": usd(5000),
            "starts_at": "2026-12-01T00:00:00Z",
            "ends_at": "2026-12-24T23:00:00-05:00",
            "usage_limit": 100,
            "per_customer_limit": 1,
            "is_active": False,
        }
        response = await client.post(COUPONS, json=body, headers=manager)
        assert response.status_code == 201
        created = response.json()
        assert (created["percent_off"], created["amount_off"], created["min_spend"]) == (
            None,
            usd(1000),
            usd(5000),
        )
        assert (created["starts_at"], created["ends_at"]) == (
            "2026-12-01T00:00:00Z",
            "2026-12-25T04:00:00Z",
        )
        assert (created["usage_limit"], created["per_customer_limit"], created["is_active"]) == (
            100,
            1,
            False,
        )

    async def test_code_taken_ignoring_case(
        self, client: httpx.AsyncClient, database: Database, manager: dict[str, str]
    ) -> None:
        async with database.transaction() as session:
            await create_coupon(session, code="WELCOME")
        body = {"code": "welcome", "kind": "free_shipping"}
        response = await client.post(COUPONS, json=body, headers=manager)
        assert response.status_code == 409
        assert response.json()["code"] == "coupon_code_taken"
        assert await count(database, Coupon) == 1

    async def test_invalid_input(
        self, client: httpx.AsyncClient, database: Database, manager: dict[str, str]
    ) -> None:
        cases: list[tuple[dict[str, Any], list[str]]] = [
            ({"code": "A1", "kind": "free_shipping"}, ["code"]),
            ({"code": "NO SPACES", "kind": "free_shipping"}, ["code"]),
            ({"code": "PCT", "kind": "percentage", "percent_off": 0}, ["percent_off"]),
            ({"code": "PCT", "kind": "percentage", "percent_off": 101}, ["percent_off"]),
            ({"code": "PCT", "kind": "percentage", "percent_off": "10"}, ["percent_off"]),
            ({"code": "PCT", "kind": "percentage"}, ["percent_off"]),
            ({"code": "PCT", "kind": "percentage", "percent_off": 5, "amount_off": usd(1)},
             ["amount_off"]),
            ({"code": "FIX", "kind": "fixed"}, ["amount_off"]),
            ({"code": "FIX", "kind": "fixed", "amount_off": usd(0)}, ["amount_off.amount"]),
            ({"code": "FIX", "kind": "fixed", "amount_off": {"amount": 100, "currency": "EUR"}},
             ["amount_off.currency"]),
            ({"code": "FIX", "kind": "fixed", "amount_off": {"amount": 1.5, "currency": "USD"}},
             ["amount_off.amount"]),
            ({"code": "FREE", "kind": "free_shipping", "percent_off": 10}, ["percent_off"]),
            ({"code": "DATE", "kind": "free_shipping", "starts_at": "2026-12-02T00:00:00Z",
              "ends_at": "2026-12-02T00:00:00Z"}, ["ends_at"]),
            ({"code": "NAIVE", "kind": "free_shipping", "ends_at": "2026-12-02T00:00:00"},
             ["ends_at"]),
            ({"code": "FAR", "kind": "free_shipping", "ends_at": "9999-12-31T23:59:59-23:00"},
             ["ends_at"]),
            ({"code": "LIMIT", "kind": "free_shipping", "usage_limit": 0}, ["usage_limit"]),
            ({"code": "EXTRA", "kind": "free_shipping", "value": 3}, ["value"]),
            ({"code": "KIND", "kind": "bogo"}, ["kind"]),
        ]  # fmt: skip
        wrong: list[tuple[Any, ...]] = []
        for body, fields in cases:
            response = await client.post(COUPONS, json=body, headers=manager)
            problem = response.json()
            named = sorted({error["field"] for error in problem.get("errors", [])})
            if response.status_code != 422 or problem["code"] != "validation_error":
                wrong.append((body, response.status_code, problem["code"]))
            elif named != fields:
                wrong.append((body, named))
        assert wrong == []
        assert await count(database, Coupon) == 0

    async def test_support_lacks_the_permission(
        self, client: httpx.AsyncClient, database: Database, headers_for: HeadersFor
    ) -> None:
        body = {"code": "NOPE", "kind": "free_shipping"}
        response = await client.post(COUPONS, json=body, headers=await headers_for(Role.SUPPORT))
        assert response.status_code == 403
        assert response.json()["code"] == "missing_permission"
        assert await count(database, Coupon) == 0


class TestListCoupons:
    async def test_paged_newest_first(
        self, client: httpx.AsyncClient, database: Database, manager: dict[str, str]
    ) -> None:
        async with database.transaction() as session:
            for code in ("FIRST", "SECOND", "THIRD"):
                await create_coupon(session, code=code)
        first = await client.get(COUPONS, params={"page_size": 2}, headers=manager)
        second = await client.get(COUPONS, params={"page_size": 2, "page": 2}, headers=manager)
        assert first.status_code == second.status_code == 200
        assert [c["code"] for c in first.json()["items"]] == ["THIRD", "SECOND"]
        assert [c["code"] for c in second.json()["items"]] == ["FIRST"]
        assert {k: v for k, v in second.json().items() if k != "items"} == {
            "total": 3,
            "page": 2,
            "page_size": 2,
        }


class TestGetCoupon:
    async def test_found(
        self, client: httpx.AsyncClient, database: Database, manager: dict[str, str]
    ) -> None:
        async with database.transaction() as session:
            coupon = await create_coupon(session, code="SHOWME", value=20, times_used=2)
        response = await client.get(f"{COUPONS}/{coupon.id}", headers=manager)
        assert response.status_code == 200
        assert (response.json()["code"], response.json()["percent_off"]) == ("SHOWME", 20)
        assert response.json()["times_used"] == 2

    async def test_not_found(self, client: httpx.AsyncClient, manager: dict[str, str]) -> None:
        response = await client.get(f"{COUPONS}/999", headers=manager)
        assert response.status_code == 404
        assert response.json()["detail"] == "there is no coupon with id 999"


class TestUpdateCoupon:
    async def test_change_kind_and_clear_a_date(
        self, client: httpx.AsyncClient, database: Database, manager: dict[str, str]
    ) -> None:
        async with database.transaction() as session:
            coupon = await create_coupon(session, code="CHANGE", value=10, usage_limit=9)
        body = {"kind": "fixed", "amount_off": usd(500), "ends_at": None, "code": "changed"}
        response = await client.patch(f"{COUPONS}/{coupon.id}", json=body, headers=manager)
        assert response.status_code == 200
        updated = response.json()
        assert (updated["code"], updated["kind"], updated["amount_off"]) == (
            "CHANGED",
            "fixed",
            usd(500),
        )
        assert (updated["percent_off"], updated["ends_at"], updated["usage_limit"]) == (
            None,
            None,
            9,
        )

    async def test_kind_change_needs_its_value(
        self, client: httpx.AsyncClient, database: Database, manager: dict[str, str]
    ) -> None:
        async with database.transaction() as session:
            coupon = await create_coupon(session, code="KEEP", value=10)
        response = await client.patch(
            f"{COUPONS}/{coupon.id}", json={"kind": "fixed"}, headers=manager
        )
        assert response.status_code == 422
        assert response.json()["errors"] == [
            {"field": "amount_off", "message": "is required for a fixed coupon"}
        ]
        async with database.read() as session:
            unchanged = await session.get(Coupon, coupon.id)
            assert unchanged is not None
            assert (unchanged.kind, unchanged.value) == ("percentage", 10)

    async def test_usage_limit_below_times_used(
        self, client: httpx.AsyncClient, database: Database, manager: dict[str, str]
    ) -> None:
        async with database.transaction() as session:
            coupon = await create_coupon(session, usage_limit=10, times_used=4)
        response = await client.patch(
            f"{COUPONS}/{coupon.id}", json={"usage_limit": 3}, headers=manager
        )
        assert response.status_code == 422
        assert response.json()["errors"] == [
            {"field": "usage_limit", "message": "must be at least 4, the times it was used so far"}
        ]

    async def test_null_for_a_required_member(
        self, client: httpx.AsyncClient, database: Database, manager: dict[str, str]
    ) -> None:
        async with database.transaction() as session:
            coupon = await create_coupon(session)
        response = await client.patch(
            f"{COUPONS}/{coupon.id}", json={"is_active": None}, headers=manager
        )
        assert response.status_code == 422
        assert response.json()["code"] == "validation_error"

    async def test_code_taken(
        self, client: httpx.AsyncClient, database: Database, manager: dict[str, str]
    ) -> None:
        async with database.transaction() as session:
            await create_coupon(session, code="TAKEN")
            coupon = await create_coupon(session, code="MINE")
        response = await client.patch(
            f"{COUPONS}/{coupon.id}", json={"code": "Taken"}, headers=manager
        )
        assert response.status_code == 409
        assert response.json()["code"] == "coupon_code_taken"
        async with database.read() as session:
            assert await session.scalar(select(Coupon.code).where(Coupon.id == coupon.id)) == (
                "MINE"
            )


class TestDeleteCoupon:
    async def test_unused_is_deleted(
        self, client: httpx.AsyncClient, database: Database, manager: dict[str, str]
    ) -> None:
        async with database.transaction() as session:
            coupon = await create_coupon(session)
        response = await client.delete(f"{COUPONS}/{coupon.id}", headers=manager)
        assert response.status_code == 204
        assert (await client.get(f"{COUPONS}/{coupon.id}", headers=manager)).status_code == 404

    async def test_used_is_deactivated(
        self, client: httpx.AsyncClient, database: Database, manager: dict[str, str]
    ) -> None:
        async with database.transaction() as session:
            coupon = await create_coupon(session, times_used=1)
        response = await client.delete(f"{COUPONS}/{coupon.id}", headers=manager)
        assert response.status_code == 200
        assert (response.json()["is_active"], response.json()["times_used"]) == (False, 1)
        assert await count(database, Coupon) == 1


# --- shipping methods -----------------------------------------------------------------------


class TestShippingMethodsAdmin:
    async def test_list_for_any_staff(
        self, client: httpx.AsyncClient, database: Database, headers_for: HeadersFor
    ) -> None:
        async with database.transaction() as session:
            await create_shipping_method(session, code="hidden", is_active=False, position=9)
        response = await client.get(METHODS, headers=await headers_for(Role.SUPPORT))
        assert response.status_code == 200
        assert [stable(m) for m in response.json()] == [
            {"code": "standard", "name": "Standard (3-5 days)", "price": usd(999),
             "free_over": usd(5000), "is_active": True, "position": 1},
            {"code": "express", "name": "Express (1-2 days)", "price": usd(1999),
             "free_over": None, "is_active": True, "position": 2},
            {"code": "overnight", "name": "Overnight", "price": usd(3999), "free_over": None,
             "is_active": True, "position": 3},
            {"code": "hidden", "name": "Test shipping", "price": usd(500), "free_over": None,
             "is_active": False, "position": 9},
        ]  # fmt: skip

    async def test_create(self, client: httpx.AsyncClient, admin: dict[str, str]) -> None:
        body = {"code": "Pickup", "name": "Pick up in store", "price": usd(0), "position": 0}
        response = await client.post(METHODS, json=body, headers=admin)
        assert response.status_code == 201
        assert stable(response.json()) == {
            "code": "pickup",
            "name": "Pick up in store",
            "price": usd(0),
            "free_over": None,
            "is_active": True,
            "position": 0,
        }
        read = await client.get(f"{METHODS}/{response.json()['id']}", headers=admin)
        assert read.json() == response.json()

    async def test_manager_cannot_write(
        self, client: httpx.AsyncClient, database: Database, manager: dict[str, str]
    ) -> None:
        body = {"code": "drone", "name": "Drone", "price": usd(100)}
        response = await client.post(METHODS, json=body, headers=manager)
        assert response.status_code == 403
        assert await count(database, ShippingMethod) == 3

    async def test_code_taken(
        self, client: httpx.AsyncClient, database: Database, admin: dict[str, str]
    ) -> None:
        body = {"code": "EXPRESS", "name": "Express again", "price": usd(100)}
        response = await client.post(METHODS, json=body, headers=admin)
        assert response.status_code == 409
        assert response.json()["code"] == "shipping_method_code_taken"
        assert await count(database, ShippingMethod) == 3

    async def test_invalid_input(
        self, client: httpx.AsyncClient, database: Database, admin: dict[str, str]
    ) -> None:
        cases: list[tuple[dict[str, Any], list[str]]] = [
            ({"code": "x", "name": "", "price": usd(1)}, ["name"]),
            ({"code": "x", "name": "Bad\x00name", "price": usd(1)}, ["name"]),
            ({"code": "x y", "name": "X", "price": usd(1)}, ["code"]),
            ({"code": "x", "name": "X", "price": usd(-1)}, ["price.amount"]),
            ({"code": "x", "name": "X", "price": usd(2**31)}, ["price.amount"]),
            ({"code": "x", "name": "X", "price": {"amount": 1, "currency": "EUR"}},
             ["price.currency"]),
        ]  # fmt: skip
        statuses = []
        for body, _ in cases:
            response = await client.post(METHODS, json=body, headers=admin)
            named = sorted({error["field"] for error in response.json().get("errors", [])})
            statuses.append((response.status_code, named))
        assert statuses == [(422, fields) for _, fields in cases]
        assert await count(database, ShippingMethod) == 3

    async def test_update(
        self, client: httpx.AsyncClient, database: Database, admin: dict[str, str]
    ) -> None:
        async with database.transaction() as session:
            method = await create_shipping_method(session, code="slow", free_over_amount=100)
        body = {"price": usd(250), "free_over": None, "is_active": False}
        response = await client.patch(f"{METHODS}/{method.id}", json=body, headers=admin)
        assert response.status_code == 200
        assert (response.json()["price"], response.json()["free_over"]) == (usd(250), None)
        assert response.json()["is_active"] is False

    async def test_code_is_fixed(
        self, client: httpx.AsyncClient, database: Database, admin: dict[str, str]
    ) -> None:
        async with database.transaction() as session:
            method = await create_shipping_method(session, code="fixed-code")
        response = await client.patch(f"{METHODS}/{method.id}", json={"code": "x"}, headers=admin)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "code"

    async def test_delete_unused(
        self, client: httpx.AsyncClient, database: Database, admin: dict[str, str]
    ) -> None:
        async with database.transaction() as session:
            method = await create_shipping_method(session, code="gone")
        response = await client.delete(f"{METHODS}/{method.id}", headers=admin)
        assert response.status_code == 204
        assert await count(database, ShippingMethod) == 3

    async def test_delete_used_deactivates(
        self, client: httpx.AsyncClient, database: Database, admin: dict[str, str]
    ) -> None:
        async with database.transaction() as session:
            method = await create_shipping_method(session, code="used")
            await create_order_row(session, shipping_method="used")
        response = await client.delete(f"{METHODS}/{method.id}", headers=admin)
        assert response.status_code == 200
        assert (response.json()["code"], response.json()["is_active"]) == ("used", False)
        assert await count(database, ShippingMethod) == 4

    async def test_not_found(self, client: httpx.AsyncClient, admin: dict[str, str]) -> None:
        response = await client.delete(f"{METHODS}/999", headers=admin)
        assert response.status_code == 404
        assert response.json()["detail"] == "there is no shipping method with id 999"


# --- tax rates ------------------------------------------------------------------------------


class TestTaxRatesAdmin:
    async def test_list_for_any_staff(
        self, client: httpx.AsyncClient, headers_for: HeadersFor
    ) -> None:
        response = await client.get(RATES, headers=await headers_for(Role.SUPPORT))
        assert response.status_code == 200
        assert [stable(rate) for rate in response.json()] == [
            {
                "country": "*",
                "region": "",
                "name": "Default sales tax",
                "basis_points": 800,
                "applies_to_shipping": False,
            }
        ]

    async def test_create_and_read(self, client: httpx.AsyncClient, admin: dict[str, str]) -> None:
        body = {"country": "us", "region": " ny ", "name": "New York", "basis_points": 887,
                "applies_to_shipping": True}  # fmt: skip
        response = await client.post(RATES, json=body, headers=admin)
        assert response.status_code == 201
        assert stable(response.json()) == {
            "country": "US",
            "region": "NY",
            "name": "New York",
            "basis_points": 887,
            "applies_to_shipping": True,
        }
        read = await client.get(f"{RATES}/{response.json()['id']}", headers=admin)
        assert read.json() == response.json()

    async def test_one_rate_per_place(
        self, client: httpx.AsyncClient, database: Database, admin: dict[str, str]
    ) -> None:
        body = {"country": "*", "basis_points": 500}
        response = await client.post(RATES, json=body, headers=admin)
        assert response.status_code == 409
        assert response.json()["code"] == "tax_rate_exists"
        assert await count(database, TaxRate) == 1

    async def test_invalid_input(
        self, client: httpx.AsyncClient, database: Database, admin: dict[str, str]
    ) -> None:
        cases: list[tuple[dict[str, Any], list[str]]] = [
            ({"country": "*", "region": "CA", "basis_points": 1}, ["region"]),
            ({"country": "USA", "basis_points": 1}, ["country"]),
            ({"country": "US", "basis_points": 10_001}, ["basis_points"]),
            ({"country": "US", "basis_points": -1}, ["basis_points"]),
            ({"country": "US", "region": "x" * 51, "basis_points": 1}, ["region"]),
            ({"country": "DE", "region": "\u00df" * 50, "basis_points": 1}, ["region"]),  # SS
            ({"country": "US"}, ["basis_points"]),
        ]
        statuses = []
        for body, _ in cases:
            response = await client.post(RATES, json=body, headers=admin)
            named = sorted({error["field"] for error in response.json().get("errors", [])})
            statuses.append((response.status_code, named))
        assert statuses == [(422, fields) for _, fields in cases]
        assert await count(database, TaxRate) == 1

    async def test_update(
        self, client: httpx.AsyncClient, database: Database, admin: dict[str, str]
    ) -> None:
        rates = (await client.get(RATES, headers=admin)).json()
        body = {"basis_points": 0, "applies_to_shipping": True}
        response = await client.patch(f"{RATES}/{rates[0]['id']}", json=body, headers=admin)
        assert response.status_code == 200
        assert (response.json()["basis_points"], response.json()["applies_to_shipping"]) == (
            0,
            True,
        )
        moved = await client.patch(f"{RATES}/{rates[0]['id']}", json={"country": "US"},
                                   headers=admin)  # fmt: skip
        assert moved.status_code == 422

    async def test_delete(
        self, client: httpx.AsyncClient, database: Database, admin: dict[str, str]
    ) -> None:
        created = await client.post(RATES, json={"country": "DE", "basis_points": 1900},
                                    headers=admin)  # fmt: skip
        response = await client.delete(f"{RATES}/{created.json()['id']}", headers=admin)
        assert response.status_code == 204
        assert await count(database, TaxRate) == 1

    async def test_default_cannot_be_deleted(
        self, client: httpx.AsyncClient, database: Database, admin: dict[str, str]
    ) -> None:
        rates = (await client.get(RATES, headers=admin)).json()
        response = await client.delete(f"{RATES}/{rates[0]['id']}", headers=admin)
        assert response.status_code == 409
        assert response.json()["code"] == "default_tax_rate_required"
        assert await count(database, TaxRate) == 1

    async def test_manager_cannot_write(
        self, client: httpx.AsyncClient, database: Database, manager: dict[str, str]
    ) -> None:
        response = await client.post(
            RATES, json={"country": "FR", "basis_points": 2000}, headers=manager
        )
        assert response.status_code == 403
        assert await count(database, TaxRate) == 1
