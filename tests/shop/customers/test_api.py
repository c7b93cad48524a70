from __future__ import annotations

import httpx
from sqlalchemy import select

from shop.db.session import Database
from shop.models.accounts import Role, User
from shop.models.jobs import OutboxJob
from shop.models.orders import OrderStatus
from tests.builders.accounts import DEFAULT_PASSWORD, bearer, create_user
from tests.builders.orders import create_variant, place_order
from tests.conftest import TEST_SECRET

ADDRESS = {
    "label": "Home",
    "name": "Ada Lovelace",
    "line1": "12 St James's Square",
    "city": "London",
    "postal_code": "SW1Y 4JH",
    "country": "GB",
}


async def signed_in(
    database: Database, *, role: Role = Role.CUSTOMER
) -> tuple[User, dict[str, str]]:
    async with database.transaction() as session:
        user = await create_user(session, role=role, first_name="Ada", last_name="King")
    return user, bearer(user, secret=TEST_SECRET)


class TestAccountApi:
    async def test_profile_and_addresses(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        user, headers = await signed_in(database)

        profile = await client.get("/api/v1/account/profile", headers=headers)
        renamed = await client.put(
            "/api/v1/account/profile",
            json={"first_name": "Augusta", "last_name": "King"},
            headers=headers,
        )
        created = await client.post("/api/v1/account/addresses", json=ADDRESS, headers=headers)
        second = await client.post(
            "/api/v1/account/addresses", json={**ADDRESS, "label": "Office"}, headers=headers
        )
        made_default = await client.post(
            f"/api/v1/account/addresses/{second.json()['id']}/default", headers=headers
        )
        listed = await client.get("/api/v1/account/addresses", headers=headers)
        deleted = await client.delete(
            f"/api/v1/account/addresses/{created.json()['id']}", headers=headers
        )

        assert profile.status_code == 200
        assert profile.json()["email"] == user.email
        assert renamed.json()["first_name"] == "Augusta"
        assert created.status_code == 201
        assert created.json()["is_default"] is True
        assert made_default.json()["is_default"] is True
        assert [(a["label"], a["is_default"]) for a in listed.json()] == [
            ("Office", True),
            ("Home", False),
        ]
        assert deleted.status_code == 204

    async def test_bad_input_is_a_problem_not_a_crash(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        _, headers = await signed_in(database)

        bad_country = await client.post(
            "/api/v1/account/addresses", json={**ADDRESS, "country": "XX"}, headers=headers
        )
        missing = await client.put(
            f"/api/v1/account/addresses/{2**62}", json=ADDRESS, headers=headers
        )
        wrong_password = await client.post(
            "/api/v1/account/password",
            json={"current_password": "nope nope nope", "new_password": "violet tram 42"},
            headers=headers,
        )
        anonymous = await client.get("/api/v1/account/profile")

        assert bad_country.status_code == 422
        assert missing.status_code == 404
        assert missing.json()["code"] == "address_not_found"
        assert wrong_password.status_code == 422
        assert wrong_password.json()["code"] == "wrong_password"
        assert anonymous.status_code == 401

    async def test_export_is_a_json_download(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        user, headers = await signed_in(database)

        response = await client.get("/api/v1/account/export", headers=headers)

        assert response.status_code == 200
        assert response.headers["content-disposition"] == (
            'attachment; filename="shopwright-account-export.json"'
        )
        assert response.json()["profile"]["email"] == user.email

    async def test_delete_keeps_orders(self, client: httpx.AsyncClient, database: Database) -> None:
        user, headers = await signed_in(database)
        async with database.transaction() as session:
            variant = await create_variant(session)
            order = await place_order(
                session, lines=[(variant, 1)], user_id=user.id, status=OrderStatus.DELIVERED
            )

        refused = await client.post(
            "/api/v1/account/delete", json={"password": "wrong password"}, headers=headers
        )
        deleted = await client.post(
            "/api/v1/account/delete", json={"password": DEFAULT_PASSWORD}, headers=headers
        )
        after = await client.get("/api/v1/account/profile", headers=headers)

        assert refused.status_code == 422
        assert deleted.status_code == 204
        assert after.status_code == 401
        admin, admin_headers = await signed_in(database, role=Role.ADMIN)
        detail = await client.get(f"/api/v1/admin/orders/{order.number}", headers=admin_headers)
        assert detail.json()["email"] == f"deleted-{user.id}@deleted.invalid"
        assert detail.json()["totals"]["total"]["amount"] == order.total_amount

    async def test_staff_accounts_are_not_deleted_here(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        _, headers = await signed_in(database, role=Role.MANAGER)

        response = await client.post(
            "/api/v1/account/delete", json={"password": DEFAULT_PASSWORD}, headers=headers
        )

        assert response.status_code == 403
        assert response.json()["code"] == "staff_account_deletion"


class TestPasswordResetApi:
    async def test_forgot_then_reset(self, client: httpx.AsyncClient, database: Database) -> None:
        user, _ = await signed_in(database)

        unknown = await client.post(
            "/api/v1/account/password/forgot", json={"email": "nobody@example.com"}
        )
        known = await client.post("/api/v1/account/password/forgot", json={"email": user.email})
        async with database.read() as session:
            payload = await session.scalar(
                select(OutboxJob.payload).where(OutboxJob.topic == "mail.send")
            )
        assert payload is not None
        token = payload["context"]["reset_url"].rsplit("/", 1)[1]
        reset = await client.post(
            "/api/v1/account/password/reset",
            json={"token": token, "password": "violet tram 42 plinth"},
        )
        again = await client.post(
            "/api/v1/account/password/reset",
            json={"token": token, "password": "another tram 43 plinth"},
        )
        login = await client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": "violet tram 42 plinth"}
        )

        assert unknown.status_code == known.status_code == 202
        assert unknown.content == known.content == b""
        assert reset.status_code == 204
        assert again.status_code == 400
        assert again.json()["code"] == "invalid_reset_token"
        assert login.status_code == 200

    async def test_too_many_requests_from_one_address(self, client: httpx.AsyncClient) -> None:
        for number in range(10):
            response = await client.post(
                "/api/v1/account/password/forgot", json={"email": f"n{number}@example.com"}
            )
            assert response.status_code == 202

        refused = await client.post(
            "/api/v1/account/password/forgot", json={"email": "n@example.com"}
        )

        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 3000


class TestStaffCustomersApi:
    async def test_support_lists_and_reads_customers(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        customer, _ = await signed_in(database)
        _, support = await signed_in(database, role=Role.SUPPORT)
        _, other_customer = await signed_in(database)

        listed = await client.get(
            "/api/v1/admin/customers", params={"q": customer.email}, headers=support
        )
        detail = await client.get(f"/api/v1/admin/customers/{customer.id}", headers=support)
        forbidden = await client.get("/api/v1/admin/customers", headers=other_customer)

        assert listed.status_code == 200
        assert [item["id"] for item in listed.json()["items"]] == [customer.id]
        assert listed.json()["items"][0]["total_spent"] == {"amount": 0, "currency": "USD"}
        assert detail.json()["order_count"] == 0
        assert detail.json()["addresses"] == []
        assert forbidden.status_code == 403
