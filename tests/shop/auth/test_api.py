from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from shop.auth import passwords
from shop.db.session import Database
from shop.models.accounts import LoginFailure, RefreshToken, Role, User
from tests.builders.accounts import DEFAULT_PASSWORD, FrozenClock, bearer, create_user
from tests.conftest import TEST_SECRET
from tests.shop.auth.conftest import ClientFrom

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/auth/me"
GOOD_PASSWORD = "violet tram 42 plinth"
PROBLEM = "application/problem+json"
# Rejected by the request schema before any SQL runs: the database cannot matter.
SCHEMA_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def registration(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "email": "jane@example.com",
        "password": GOOD_PASSWORD,
        "first_name": "Jane",
        "last_name": "Doe",
    }
    body.update(overrides)
    return body


async def count(database: Database, model: type[object]) -> int:
    async with database.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def add_user(database: Database, **fields: Any) -> User:
    async with database.transaction() as session:
        return await create_user(session, **fields)


async def sign_in(
    client: httpx.AsyncClient, email: str = "jane@example.com", password: str = DEFAULT_PASSWORD
) -> dict[str, Any]:
    response = await client.post(LOGIN, json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["status"] == status
    return body


class TestRegister:
    async def test_creates_a_customer(self, client: httpx.AsyncClient, database: Database) -> None:
        response = await client.post(REGISTER, json=registration(email="Jane@Example.COM"))
        assert response.status_code == 201
        body = response.json()
        assert set(body) == {"id", "email", "first_name", "last_name", "role", "created_at"}
        assert {k: body[k] for k in ("email", "first_name", "last_name", "role")} == {
            "email": "jane@example.com",
            "first_name": "Jane",
            "last_name": "Doe",
            "role": "customer",
        }
        async with database.read() as session:
            user = await session.get(User, body["id"])
            assert user is not None
            assert user.email == "jane@example.com"
            assert await passwords.verify_password(user.password_hash, GOOD_PASSWORD)

    async def test_names_are_optional(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            REGISTER, json={"email": "jane@example.com", "password": GOOD_PASSWORD}
        )
        assert response.status_code == 201
        assert (response.json()["first_name"], response.json()["last_name"]) == ("", "")

    async def test_duplicate_email(self, client: httpx.AsyncClient, database: Database) -> None:
        assert (await client.post(REGISTER, json=registration())).status_code == 201
        response = await client.post(REGISTER, json=registration(email="JANE@example.com"))
        body = assert_problem(response, 409, "email_taken")
        assert body["detail"] == (
            "an account with the email jane@example.com already exists; sign in instead"
        )
        assert await count(database, User) == 1

    @pytest.mark.parametrize(
        ("password", "message"),
        [
            ("k7#Qz!m", "must be at least 8 characters"),
            ("x" * 129, "must be at most 128 characters"),
            ("iloveyou", "is too common; choose a less predictable password"),
            ("Jane@example.com", "must not be your email address"),
            ("jane", "must be at least 8 characters"),
        ],
        ids=["short", "long", "common", "email", "local-part-too-short"],
    )
    async def test_weak_password(
        self, client: httpx.AsyncClient, database: Database, password: str, message: str
    ) -> None:
        response = await client.post(REGISTER, json=registration(password=password))
        body = assert_problem(response, 422, "weak_password")
        assert body["errors"][0] == {"field": "password", "message": message}
        assert body["detail"].startswith(f"the password {message}")
        assert await count(database, User) == 0

    async def test_local_part_as_password(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            REGISTER, json=registration(email="alexander.b@example.com", password="alexander.b")
        )
        body = assert_problem(response, 422, "weak_password")
        assert body["errors"] == [
            {"field": "password", "message": "must not be your email address"}
        ]

    @SCHEMA_ONLY
    @pytest.mark.parametrize("email", ["jane", "jane@", "jane@example", "", "a b@example.com"])
    async def test_bad_email(
        self, client: httpx.AsyncClient, database: Database, email: str
    ) -> None:
        response = await client.post(REGISTER, json=registration(email=email))
        body = assert_problem(response, 422, "validation_error")
        assert [error["field"] for error in body["errors"]] == ["email"]
        assert await count(database, User) == 0

    @SCHEMA_ONLY
    async def test_extra_fields(self, client: httpx.AsyncClient, database: Database) -> None:
        response = await client.post(REGISTER, json=registration(role="admin"))
        body = assert_problem(response, 422, "validation_error")
        assert body["errors"] == [{"field": "role", "message": "Extra inputs are not permitted"}]
        assert await count(database, User) == 0

    @SCHEMA_ONLY
    async def test_missing_password(self, client: httpx.AsyncClient) -> None:
        body = registration()
        del body["password"]
        response = await client.post(REGISTER, json=body)
        problem = assert_problem(response, 422, "validation_error")
        assert [error["field"] for error in problem["errors"]] == ["password"]

    @SCHEMA_ONLY
    async def test_control_characters_in_a_name(self, client: httpx.AsyncClient) -> None:
        response = await client.post(REGISTER, json=registration(first_name="Ja\x00ne"))
        problem = assert_problem(response, 422, "validation_error")
        assert [error["field"] for error in problem["errors"]] == ["first_name"]


class TestLogin:
    async def test_returns_a_token_pair(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await add_user(database, email="jane@example.com")
        response = await client.post(
            LOGIN, json={"email": "Jane@Example.com", "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
        assert (body["token_type"], body["expires_in"]) == ("bearer", 900)
        me = await client.get(ME, headers={"Authorization": f"Bearer {body['access_token']}"})
        assert me.json()["email"] == "jane@example.com"

    async def test_wrong_password(self, client: httpx.AsyncClient, database: Database) -> None:
        await add_user(database, email="jane@example.com")
        response = await client.post(
            LOGIN, json={"email": "jane@example.com", "password": "not it at all"}
        )
        body = assert_problem(response, 401, "invalid_credentials")
        assert body["detail"] == "the email or password is incorrect"
        assert await count(database, RefreshToken) == 0

    async def test_unknown_email_looks_the_same(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            LOGIN, json={"email": "ghost@example.com", "password": DEFAULT_PASSWORD}
        )
        body = assert_problem(response, 401, "invalid_credentials")
        assert body["detail"] == "the email or password is incorrect"

    async def test_failure_is_recorded_although_the_request_fails(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await client.post(LOGIN, json={"email": "ghost@example.com", "password": "x"})
        assert await count(database, LoginFailure) == 1

    async def test_disabled_account(self, client: httpx.AsyncClient, database: Database) -> None:
        await add_user(database, email="jane@example.com", is_active=False)
        response = await client.post(
            LOGIN, json={"email": "jane@example.com", "password": DEFAULT_PASSWORD}
        )
        assert_problem(response, 401, "account_disabled")
        assert await count(database, RefreshToken) == 0

    @SCHEMA_ONLY
    async def test_extra_fields(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            LOGIN, json={"email": "jane@example.com", "password": "x", "remember": True}
        )
        assert_problem(response, 422, "validation_error")


class TestLoginThrottling:
    async def fail(self, client: httpx.AsyncClient, email: str = "jane@example.com") -> None:
        response = await client.post(LOGIN, json={"email": email, "password": "not it"})
        assert_problem(response, 401, "invalid_credentials")

    async def refused(
        self, client: httpx.AsyncClient, retry_after: int, password: str = DEFAULT_PASSWORD
    ) -> dict[str, Any]:
        response = await client.post(
            LOGIN, json={"email": "jane@example.com", "password": password}
        )
        body = assert_problem(response, 429, "too_many_login_attempts")
        assert response.headers["retry-after"] == str(retry_after)
        return body

    async def test_delays_grow_then_lock(
        self, client: httpx.AsyncClient, database: Database, clock: FrozenClock
    ) -> None:
        await add_user(database, email="jane@example.com")
        await self.fail(client)
        await self.fail(client)
        await self.refused(client, 1)
        clock.advance(1)
        await self.fail(client)
        await self.refused(client, 2)
        clock.advance(2)
        await self.fail(client)
        await self.refused(client, 4)
        clock.advance(4)
        await self.fail(client)  # the fifth failure, 7 s after the first
        clock.advance(3)
        body = await self.refused(client, 15 * 60 - 10)
        assert "too many failed sign-ins" in body["detail"]
        assert await count(database, LoginFailure) == 5

    async def test_refused_attempt_does_not_verify(
        self,
        client: httpx.AsyncClient,
        database: Database,
        clock: FrozenClock,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        await add_user(database, email="jane@example.com")
        await self.fail(client)
        await self.fail(client)

        async def must_not_verify(password_hash: str, password: str) -> bool:
            raise AssertionError("a refused attempt verified the password")

        monkeypatch.setattr(passwords, "verify_password", must_not_verify)
        await self.refused(client, 1)
        assert await count(database, RefreshToken) == 0

    async def test_lock_lifts_when_the_oldest_failure_leaves_the_window(
        self, client: httpx.AsyncClient, database: Database, clock: FrozenClock
    ) -> None:
        await add_user(database, email="jane@example.com")
        for delay in (0, 0, 1, 2, 4):
            clock.advance(delay)
            await self.fail(client)
        clock.advance(15 * 60 - 7 - 1)
        await self.refused(client, 1)
        clock.advance(1)
        await sign_in(client)

    async def test_other_ip_is_unaffected(
        self,
        client: httpx.AsyncClient,
        client_from: ClientFrom,
        database: Database,
        clock: FrozenClock,
    ) -> None:
        await add_user(database, email="jane@example.com")
        for delay in (0, 0, 1, 2, 4):
            clock.advance(delay)
            await self.fail(client)
        async with client_from("198.51.100.9") as elsewhere:
            await sign_in(elsewhere)
        await self.refused(client, 15 * 60 - 7)

    async def test_other_email_is_unaffected(
        self, client: httpx.AsyncClient, database: Database, clock: FrozenClock
    ) -> None:
        await add_user(database, email="joe@example.com")
        for delay in (0, 0, 1, 2, 4):
            clock.advance(delay)
            await self.fail(client)
        await sign_in(client, "joe@example.com")

    async def test_success_clears_the_failures(
        self, client: httpx.AsyncClient, database: Database, clock: FrozenClock
    ) -> None:
        await add_user(database, email="jane@example.com")
        await self.fail(client)
        await self.fail(client)
        clock.advance(1)
        await sign_in(client)
        assert await count(database, LoginFailure) == 0
        await self.fail(client)
        await self.fail(client)  # a fresh count: the second failure is not refused

    async def test_unknown_emails_are_throttled_too(
        self, client: httpx.AsyncClient, clock: FrozenClock
    ) -> None:
        await self.fail(client, "ghost@example.com")
        await self.fail(client, "ghost@example.com")
        response = await client.post(
            LOGIN, json={"email": "Ghost@example.com", "password": "again"}
        )
        assert_problem(response, 429, "too_many_login_attempts")


class TestRefresh:
    async def test_rotates(self, client: httpx.AsyncClient, database: Database) -> None:
        await add_user(database, email="jane@example.com")
        first = await sign_in(client)
        response = await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
        assert response.status_code == 200
        second = response.json()
        assert set(second) == {"access_token", "refresh_token", "token_type", "expires_in"}
        assert second["refresh_token"] != first["refresh_token"]
        again = await client.post(REFRESH, json={"refresh_token": second["refresh_token"]})
        assert again.status_code == 200

    async def test_reuse_revokes_the_family(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await add_user(database, email="jane@example.com")
        first = await sign_in(client)
        second = (await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})).json()
        reused = await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
        assert_problem(reused, 401, "refresh_token_reused")
        sibling = await client.post(REFRESH, json={"refresh_token": second["refresh_token"]})
        assert_problem(sibling, 401, "invalid_refresh_token")
        async with database.read() as session:
            revoked = await session.scalars(select(RefreshToken.revoked_at))
            assert all(moment is not None for moment in revoked)

    async def test_concurrent_use_of_one_token_counts_as_reuse(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await add_user(database, email="jane@example.com")
        pair = await sign_in(client)
        body = {"refresh_token": pair["refresh_token"]}
        first, second = await asyncio.gather(
            client.post(REFRESH, json=body), client.post(REFRESH, json=body)
        )
        winner, loser = sorted((first, second), key=lambda response: response.status_code)
        assert winner.status_code == 200
        assert_problem(loser, 401, "refresh_token_reused")
        renewed = await client.post(REFRESH, json={"refresh_token": winner.json()["refresh_token"]})
        assert_problem(renewed, 401, "invalid_refresh_token")

    async def test_expired(
        self, client: httpx.AsyncClient, database: Database, clock: FrozenClock
    ) -> None:
        await add_user(database, email="jane@example.com")
        pair = await sign_in(client)
        clock.advance(14 * 24 * 3600 + 1)
        response = await client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})
        assert_problem(response, 401, "invalid_refresh_token")

    async def test_unknown(self, client: httpx.AsyncClient) -> None:
        response = await client.post(REFRESH, json={"refresh_token": "made-up"})
        assert_problem(response, 401, "invalid_refresh_token")

    @SCHEMA_ONLY
    async def test_empty_token(self, client: httpx.AsyncClient) -> None:
        response = await client.post(REFRESH, json={"refresh_token": ""})
        assert_problem(response, 422, "validation_error")

    async def test_role_change_takes_effect(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        user = await add_user(database, email="jane@example.com", role=Role.SUPPORT)
        pair = await sign_in(client)
        async with database.transaction() as session:
            stored = await session.get(User, user.id)
            assert stored is not None
            stored.role = Role.MANAGER
        renewed = (await client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})).json()
        me = await client.get(ME, headers={"Authorization": f"Bearer {renewed['access_token']}"})
        assert me.json()["role"] == "manager"


class TestLogout:
    async def test_revokes_the_sign_in(self, client: httpx.AsyncClient, database: Database) -> None:
        await add_user(database, email="jane@example.com")
        pair = await sign_in(client)
        response = await client.post(LOGOUT, json={"refresh_token": pair["refresh_token"]})
        assert (response.status_code, response.content) == (204, b"")
        refreshed = await client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})
        assert_problem(refreshed, 401, "invalid_refresh_token")

    async def test_unknown_token(self, client: httpx.AsyncClient) -> None:
        response = await client.post(LOGOUT, json={"refresh_token": "made-up"})
        assert response.status_code == 204

    async def test_twice(self, client: httpx.AsyncClient, database: Database) -> None:
        await add_user(database, email="jane@example.com")
        pair = await sign_in(client)
        for _ in range(2):
            response = await client.post(LOGOUT, json={"refresh_token": pair["refresh_token"]})
            assert response.status_code == 204


class TestMe:
    async def test_admin_with_permissions(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        user = await add_user(database, email="boss@example.com", role=Role.ADMIN)
        response = await client.get(ME, headers=bearer(user, secret=TEST_SECRET))
        assert response.status_code == 200
        body = response.json()
        assert body["permissions"] == [
            "catalog:write",
            "coupons:write",
            "customers:read",
            "inventory:write",
            "orders:read",
            "orders:write",
            "reviews:moderate",
            "settings:write",
            "staff:read",
            "staff:write",
        ]
        assert {k: body[k] for k in ("id", "email", "role", "first_name", "last_name")} == {
            "id": user.id,
            "email": "boss@example.com",
            "role": "admin",
            "first_name": "Test",
            "last_name": "User",
        }

    async def test_support_permissions(self, client: httpx.AsyncClient, database: Database) -> None:
        user = await add_user(database, role=Role.SUPPORT)
        response = await client.get(ME, headers=bearer(user, secret=TEST_SECRET))
        assert response.json()["permissions"] == ["customers:read", "orders:read"]

    async def test_customer_has_none(self, client: httpx.AsyncClient, database: Database) -> None:
        user = await add_user(database)
        response = await client.get(ME, headers=bearer(user, secret=TEST_SECRET))
        assert response.json()["permissions"] == []

    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.get(ME), 401, "not_authenticated")

    async def test_garbage_token(self, client: httpx.AsyncClient) -> None:
        response = await client.get(ME, headers={"Authorization": "Bearer not.a.jwt"})
        assert_problem(response, 401, "invalid_token")

    async def test_expired_token(self, client: httpx.AsyncClient, database: Database) -> None:
        user = await add_user(database)
        response = await client.get(ME, headers=bearer(user, secret=TEST_SECRET, minutes=-1))
        assert_problem(response, 401, "token_expired")

    async def test_deactivated_user(self, client: httpx.AsyncClient, database: Database) -> None:
        user = await add_user(database, is_active=False)
        response = await client.get(ME, headers=bearer(user, secret=TEST_SECRET))
        assert_problem(response, 401, "account_disabled")
