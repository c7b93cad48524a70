from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from shop.db.session import Database
from shop.models.accounts import Role, User
from tests.builders.accounts import DEFAULT_PASSWORD, bearer, create_user
from tests.conftest import TEST_SECRET

STAFF = "/api/v1/admin/staff"
GOOD_PASSWORD = "violet tram 42 plinth"
PROBLEM = "application/problem+json"
# Rejected by the request schema before any SQL runs: the database cannot matter.
SCHEMA_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


async def add_user(database: Database, **fields: Any) -> User:
    async with database.transaction() as session:
        return await create_user(session, **fields)


async def as_admin(database: Database) -> tuple[User, dict[str, str]]:
    admin = await add_user(database, email="boss@example.com", role=Role.ADMIN)
    return admin, bearer(admin, secret=TEST_SECRET)


async def load(database: Database, user_id: int) -> User:
    async with database.read() as session:
        user = await session.get(User, user_id)
        assert user is not None
        session.expunge(user)  # keep its loaded state past the read's closing rollback
        return user


async def user_count(database: Database) -> int:
    async with database.read() as session:
        return int(await session.scalar(select(func.count()).select_from(User)) or 0)


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    return body


class TestAccess:
    """Every staff route for every role: only admin (staff:read, staff:write) gets through."""

    @pytest.mark.parametrize(
        ("role", "status", "code"),
        [
            (None, 401, "not_authenticated"),
            (Role.CUSTOMER, 403, "staff_only"),
            (Role.SUPPORT, 403, "missing_permission"),
            (Role.MANAGER, 403, "missing_permission"),
        ],
        ids=["anonymous", "customer", "support", "manager"],
    )
    async def test_denied(
        self,
        client: httpx.AsyncClient,
        database: Database,
        role: Role | None,
        status: int,
        code: str,
    ) -> None:
        support = await add_user(database, role=Role.SUPPORT)
        headers = (
            {} if role is None else bearer(await add_user(database, role=role), secret=TEST_SECRET)
        )
        count = await user_count(database)
        create = {"email": "new@example.com", "role": "admin", "password": GOOD_PASSWORD}
        responses = [
            await client.get(STAFF, headers=headers),
            await client.post(STAFF, headers=headers, json=create),
            await client.patch(f"{STAFF}/{support.id}", headers=headers, json={"role": "admin"}),
        ]
        for response in responses:
            assert_problem(response, status, code)
        assert await user_count(database) == count
        assert (await load(database, support.id)).role == Role.SUPPORT

    async def test_admin_gets_through(self, client: httpx.AsyncClient, database: Database) -> None:
        _, headers = await as_admin(database)
        support = await add_user(database, role=Role.SUPPORT)
        create = {"email": "new@example.com", "role": "support", "password": GOOD_PASSWORD}
        assert (await client.get(STAFF, headers=headers)).status_code == 200
        assert (await client.post(STAFF, headers=headers, json=create)).status_code == 201
        patch = await client.patch(f"{STAFF}/{support.id}", headers=headers, json={})
        assert patch.status_code == 200


class TestListStaff:
    async def test_lists_staff_only(self, client: httpx.AsyncClient, database: Database) -> None:
        admin, headers = await as_admin(database)
        await add_user(database, role=Role.CUSTOMER)
        support = await add_user(
            database, email="sam@example.com", role=Role.SUPPORT, first_name="Sam", is_active=False
        )
        response = await client.get(STAFF, headers=headers)
        assert response.status_code == 200
        body = response.json()
        assert [(row["id"], row["email"], row["role"], row["is_active"]) for row in body] == [
            (admin.id, "boss@example.com", "admin", True),
            (support.id, "sam@example.com", "support", False),
        ]
        assert set(body[0]) == {
            "id",
            "email",
            "first_name",
            "last_name",
            "role",
            "is_active",
            "created_at",
            "last_login_at",
        }


class TestCreateStaff:
    async def test_generates_a_password_shown_once(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        _, headers = await as_admin(database)
        response = await client.post(
            STAFF,
            headers=headers,
            json={"email": "Sam@Example.com", "role": "manager", "first_name": "Sam"},
        )
        assert response.status_code == 201
        body = response.json()
        assert (body["email"], body["role"], body["first_name"], body["last_name"]) == (
            "sam@example.com",
            "manager",
            "Sam",
            "",
        )
        generated = body["initial_password"]
        assert isinstance(generated, str)
        assert len(generated) == 16
        login = await client.post(
            "/api/v1/auth/login", json={"email": "sam@example.com", "password": generated}
        )
        me = await client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
        )
        assert (me.json()["role"], me.json()["id"]) == ("manager", body["id"])
        listed = await client.get(STAFF, headers=headers)
        assert all("initial_password" not in row for row in listed.json())

    async def test_with_a_password(self, client: httpx.AsyncClient, database: Database) -> None:
        _, headers = await as_admin(database)
        response = await client.post(
            STAFF,
            headers=headers,
            json={"email": "sam@example.com", "role": "support", "password": GOOD_PASSWORD},
        )
        assert response.status_code == 201
        assert response.json()["initial_password"] is None
        login = await client.post(
            "/api/v1/auth/login", json={"email": "sam@example.com", "password": GOOD_PASSWORD}
        )
        assert login.status_code == 200

    async def test_duplicate_email(self, client: httpx.AsyncClient, database: Database) -> None:
        _, headers = await as_admin(database)
        await add_user(database, email="sam@example.com")
        response = await client.post(
            STAFF, headers=headers, json={"email": "sam@example.com", "role": "support"}
        )
        assert_problem(response, 409, "email_taken")
        assert await user_count(database) == 2

    @SCHEMA_ONLY
    @pytest.mark.parametrize("role", ["customer", "owner", ""])
    async def test_not_a_staff_role(
        self, client: httpx.AsyncClient, database: Database, role: str
    ) -> None:
        _, headers = await as_admin(database)
        response = await client.post(
            STAFF, headers=headers, json={"email": "sam@example.com", "role": role}
        )
        body = assert_problem(response, 422, "validation_error")
        assert [error["field"] for error in body["errors"]] == ["role"]
        assert await user_count(database) == 1

    async def test_weak_password(self, client: httpx.AsyncClient, database: Database) -> None:
        _, headers = await as_admin(database)
        response = await client.post(
            STAFF,
            headers=headers,
            json={"email": "sam@example.com", "role": "support", "password": "sunshine"},
        )
        body = assert_problem(response, 422, "weak_password")
        assert body["errors"] == [
            {"field": "password", "message": "is too common; choose a less predictable password"}
        ]
        assert await user_count(database) == 1

    @SCHEMA_ONLY
    async def test_extra_fields(self, client: httpx.AsyncClient, database: Database) -> None:
        _, headers = await as_admin(database)
        response = await client.post(
            STAFF,
            headers=headers,
            json={"email": "sam@example.com", "role": "support", "is_active": False},
        )
        assert_problem(response, 422, "validation_error")


class TestUpdateStaff:
    async def test_changes_the_role(self, client: httpx.AsyncClient, database: Database) -> None:
        _, headers = await as_admin(database)
        support = await add_user(database, role=Role.SUPPORT)
        response = await client.patch(
            f"{STAFF}/{support.id}", headers=headers, json={"role": "manager", "last_name": "Lee"}
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["id"], body["role"], body["last_name"], body["is_active"]) == (
            support.id,
            "manager",
            "Lee",
            True,
        )
        assert (await load(database, support.id)).role == Role.MANAGER

    async def test_deactivation_ends_the_members_sign_ins(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        _, headers = await as_admin(database)
        support = await add_user(database, email="sam@example.com", role=Role.SUPPORT)
        credentials = {"email": "sam@example.com", "password": DEFAULT_PASSWORD}
        pair = (await client.post("/api/v1/auth/login", json=credentials)).json()
        response = await client.patch(
            f"{STAFF}/{support.id}", headers=headers, json={"is_active": False}
        )
        assert (response.status_code, response.json()["is_active"]) == (200, False)
        refreshed = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
        )
        assert_problem(refreshed, 401, "invalid_refresh_token")
        login = await client.post("/api/v1/auth/login", json=credentials)
        assert_problem(login, 401, "account_disabled")

    async def test_admin_cannot_demote_themself(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        admin, headers = await as_admin(database)
        response = await client.patch(
            f"{STAFF}/{admin.id}", headers=headers, json={"role": "manager"}
        )
        body = assert_problem(response, 409, "cannot_demote_self")
        assert body["detail"] == "you cannot change your own role; ask another admin to do it"
        assert (await load(database, admin.id)).role == Role.ADMIN

    async def test_admin_cannot_deactivate_themself(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        admin, headers = await as_admin(database)
        response = await client.patch(
            f"{STAFF}/{admin.id}", headers=headers, json={"is_active": False}
        )
        assert_problem(response, 409, "cannot_deactivate_self")
        assert (await load(database, admin.id)).is_active is True

    async def test_customer_id(self, client: httpx.AsyncClient, database: Database) -> None:
        _, headers = await as_admin(database)
        customer = await add_user(database, role=Role.CUSTOMER)
        response = await client.patch(
            f"{STAFF}/{customer.id}", headers=headers, json={"role": "admin"}
        )
        assert_problem(response, 404, "staff_not_found")
        assert (await load(database, customer.id)).role == Role.CUSTOMER

    async def test_unknown_id(self, client: httpx.AsyncClient, database: Database) -> None:
        _, headers = await as_admin(database)
        response = await client.patch(f"{STAFF}/424242", headers=headers, json={})
        assert_problem(response, 404, "staff_not_found")

    @SCHEMA_ONLY
    @pytest.mark.parametrize(
        "staff_id",
        ["99999999999999999999", "0", "-1", "abc"],
        ids=["huge", "zero", "negative", "text"],
    )
    async def test_not_an_id(
        self, client: httpx.AsyncClient, database: Database, staff_id: str
    ) -> None:
        _, headers = await as_admin(database)
        response = await client.patch(f"{STAFF}/{staff_id}", headers=headers, json={})
        body = assert_problem(response, 422, "validation_error")
        assert [error["field"] for error in body["errors"]] == ["staff_id"]

    @SCHEMA_ONLY
    async def test_customer_role_refused(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        _, headers = await as_admin(database)
        support = await add_user(database, role=Role.SUPPORT)
        response = await client.patch(
            f"{STAFF}/{support.id}", headers=headers, json={"role": "customer"}
        )
        assert_problem(response, 422, "validation_error")
        assert (await load(database, support.id)).role == Role.SUPPORT
