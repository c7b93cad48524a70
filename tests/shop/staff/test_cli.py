"""`shop create-admin` and `shop create-staff` against a real test database."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from shop.auth import passwords
from shop.cli import app as cli
from shop.config import get_settings
from shop.db.session import Database
from shop.models.accounts import Role, User
from tests.builders.accounts import create_user

GOOD_PASSWORD = "violet tram 42 plinth"


@pytest.fixture
def settings_from_environment() -> Iterator[None]:
    # The CLI reads get_settings(): forget what other tests cached, and forget ours after.
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def shop(database_url: str, *args: str) -> Result:
    """Run the command in a thread: it starts its own event loop, as on the command line."""
    env = {"SHOP_DATABASE_URL": database_url, "SHOP_ENV": "development"}
    runner = CliRunner()
    return await asyncio.to_thread(lambda: runner.invoke(cli, list(args), env=env))


async def load(database: Database, email: str) -> User:
    async with database.read() as session:
        user = (await session.scalars(select(User).where(User.email == email))).one()
        session.expunge(user)  # keep its loaded state past the read's closing rollback
        return user


@pytest.mark.usefixtures("settings_from_environment")
class TestCreateAdmin:
    async def test_creates_an_admin(self, database_url: str, database: Database) -> None:
        result = await shop(
            database_url, "create-admin", "--email", "Boss@Example.com", "--password", GOOD_PASSWORD
        )
        assert result.exit_code == 0, result.output
        user = await load(database, "boss@example.com")
        assert result.output == f"admin boss@example.com (id {user.id}) is ready\n"
        assert (user.role, user.is_active) == (Role.ADMIN, True)
        assert await passwords.verify_password(user.password_hash, GOOD_PASSWORD)

    async def test_makes_an_existing_user_admin(
        self, database_url: str, database: Database
    ) -> None:
        async with database.transaction() as session:
            existing = await create_user(session, email="boss@example.com", is_active=False)
        result = await shop(
            database_url, "create-admin", "--email", "boss@example.com", "--password", GOOD_PASSWORD
        )
        assert result.exit_code == 0, result.output
        user = await load(database, "boss@example.com")
        assert (user.id, user.role, user.is_active) == (existing.id, Role.ADMIN, True)
        assert await passwords.verify_password(user.password_hash, GOOD_PASSWORD)

    async def test_weak_password(self, database_url: str, database: Database) -> None:
        result = await shop(
            database_url, "create-admin", "--email", "boss@example.com", "--password", "password1"
        )
        assert result.exit_code == 2
        assert "the password is too common" in result.output
        async with database.read() as session:
            assert (await session.scalars(select(User))).all() == []


@pytest.mark.usefixtures("settings_from_environment")
class TestCreateStaff:
    async def test_prints_a_generated_password(self, database_url: str, database: Database) -> None:
        result = await shop(
            database_url, "create-staff", "--email", "sam@example.com", "--role", "support"
        )
        assert result.exit_code == 0, result.output
        user = await load(database, "sam@example.com")
        prefix = f"support sam@example.com (id {user.id}) created; password: "
        assert result.output.startswith(prefix)
        generated = result.output.removeprefix(prefix).strip()
        assert user.role == Role.SUPPORT
        assert await passwords.verify_password(user.password_hash, generated)

    async def test_with_a_password(self, database_url: str, database: Database) -> None:
        result = await shop(
            database_url,
            "create-staff",
            "--email",
            "sam@example.com",
            "--role",
            "manager",
            "--password",
            GOOD_PASSWORD,
        )
        assert result.exit_code == 0, result.output
        user = await load(database, "sam@example.com")
        assert result.output == f"manager sam@example.com (id {user.id}) created\n"
        assert await passwords.verify_password(user.password_hash, GOOD_PASSWORD)

    async def test_existing_email(self, database_url: str, database: Database) -> None:
        async with database.transaction() as session:
            await create_user(session, email="sam@example.com")
        result = await shop(
            database_url, "create-staff", "--email", "sam@example.com", "--role", "admin"
        )
        assert result.exit_code == 2
        assert "already exists" in result.output
        assert (await load(database, "sam@example.com")).role == Role.CUSTOMER

    async def test_customer_is_not_a_staff_role(self, database_url: str) -> None:
        result = await shop(
            database_url, "create-staff", "--email", "sam@example.com", "--role", "customer"
        )
        assert result.exit_code == 2
        assert "staff roles are support, manager and admin" in result.output
