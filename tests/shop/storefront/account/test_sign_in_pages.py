from __future__ import annotations

import httpx
from sqlalchemy import func, select

from shop.db.session import Database
from shop.models.accounts import Role, User
from shop.models.jobs import OutboxJob
from tests.builders.accounts import DEFAULT_PASSWORD, create_user
from tests.shop.storefront.account.pages import csrf, csrf_of, post_form, sign_in

NEW_PASSWORD = "violet tram 42 plinth"


async def make_user(database: Database, **values: object) -> User:
    async with database.transaction() as session:
        return await create_user(session, **values)  # type: ignore[arg-type]


class TestLogin:
    async def test_form_follows_the_page_contract(self, client: httpx.AsyncClient) -> None:
        page = await client.get("/login")

        assert page.status_code == 200
        for marker in (
            'data-testid="login-form"',
            'name="email"',
            'name="password"',
            'data-testid="login-submit"',
            'action="/login"',
            'href="/password/forgot"',
        ):
            assert marker in page.text

    async def test_wrong_password_shows_an_error_and_signs_nobody_in(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        user = await make_user(database, email="ada@example.com")

        response = await post_form(
            client, "/login", {"email": user.email, "password": "nope"}, form_page="/login"
        )

        assert response.status_code == 401
        assert "the email or password is incorrect" in response.text
        assert 'value="ada@example.com"' in response.text
        assert "sw_session" not in client.cookies
        assert (await client.get("/account")).status_code == 303

    async def test_customer_lands_on_next_or_account(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        user = await make_user(database, first_name="Ada")

        response = await post_form(
            client,
            "/login",
            {"email": user.email, "password": DEFAULT_PASSWORD, "next": "/account/orders"},
            form_page="/login?next=/account/orders",
        )
        set_cookie = response.headers.get_list("set-cookie")

        assert response.status_code == 303
        assert response.headers["location"] == "/account/orders"
        session_cookie = next(c for c in set_cookie if c.startswith("sw_session="))
        assert "HttpOnly" in session_cookie
        assert "samesite=lax" in session_cookie.lower()
        overview = await client.get("/account")
        assert overview.status_code == 200
        assert 'data-testid="account-link"' in overview.text
        assert "Welcome back, Ada." in overview.text

    async def test_offsite_next_is_ignored(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        user = await make_user(database)

        response = await post_form(
            client,
            "/login",
            {"email": user.email, "password": DEFAULT_PASSWORD, "next": "//evil.example/x"},
            form_page="/login",
        )

        assert response.headers["location"] == "/account"

    async def test_staff_go_to_the_back_office(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        staff = await make_user(database, role=Role.MANAGER)

        response = await sign_in(client, staff.email)

        assert response.headers["location"] == "/admin"

    async def test_a_form_without_csrf_token_is_refused(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        user = await make_user(database)
        await client.get("/login")

        response = await client.post(
            "/login", data={"email": user.email, "password": DEFAULT_PASSWORD}
        )

        assert response.status_code == 403
        assert "sw_session" not in client.cookies

    async def test_empty_fields(self, client: httpx.AsyncClient) -> None:
        response = await post_form(client, "/login", {}, form_page="/login")

        assert response.status_code == 422
        assert "Enter your email address." in response.text
        assert 'aria-invalid="true"' in response.text


class TestLogout:
    async def test_signs_out_and_revokes(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        user = await make_user(database)
        await sign_in(client, user.email)
        stolen = client.cookies["sw_session"]

        response = await post_form(client, "/logout", {}, form_page="/account")

        assert response.status_code == 303
        assert "You have signed out." in (await client.get("/")).text
        client.cookies.set("sw_session", stolen)
        assert (await client.get("/account")).headers["location"] == "/login?next=%2Faccount"


class TestRegister:
    async def test_creates_the_account_and_signs_in(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        response = await post_form(
            client,
            "/register",
            {
                "first_name": "Grace",
                "last_name": "Hopper",
                "email": "Grace@Example.com",
                "password": NEW_PASSWORD,
            },
            form_page="/register",
        )

        assert response.status_code == 303
        assert response.headers["location"] == "/account"
        overview = await client.get("/account")
        assert "grace@example.com" in overview.text
        assert "Welcome! Your account is ready." in overview.text

    async def test_bad_input_re_renders_the_form(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await make_user(database, email="taken@example.com")
        form = {"first_name": "G", "last_name": "H"}

        weak = await post_form(
            client,
            "/register",
            {**form, "email": "g@example.com", "password": "password"},
            form_page="/register",
        )
        invalid = await post_form(
            client,
            "/register",
            {**form, "email": "not-an-email", "password": NEW_PASSWORD},
            form_page="/register",
        )
        taken = await post_form(
            client,
            "/register",
            {**form, "email": "taken@example.com", "password": NEW_PASSWORD},
            form_page="/register",
        )

        assert weak.status_code == invalid.status_code == taken.status_code == 422
        assert "is too common" in weak.text
        assert 'data-testid="register-form"' in invalid.text
        assert "must have an @-sign" in invalid.text
        assert "already exists" in taken.text
        async with database.read() as session:
            users = await session.scalar(select(func.count()).select_from(User))
        assert users == 1


class TestPasswordReset:
    async def reset_token(self, database: Database) -> str:
        async with database.read() as session:
            payload = await session.scalar(
                select(OutboxJob.payload).where(OutboxJob.topic == "mail.send")
            )
        assert payload is not None
        url: str = payload["context"]["reset_url"]
        return url.rsplit("/", 1)[1]

    async def test_forgot_then_reset_then_sign_in(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        user = await make_user(database)

        asked = await post_form(
            client, "/password/forgot", {"email": user.email}, form_page="/password/forgot"
        )
        landing = await client.get("/login")
        token = await self.reset_token(database)
        form = await client.get(f"/password/reset/{token}")
        weak = await client.post(
            f"/password/reset/{token}", data={"password": "123", "csrf_token": csrf_of(form.text)}
        )
        done = await client.post(
            f"/password/reset/{token}",
            data={"password": NEW_PASSWORD, "csrf_token": csrf_of(form.text)},
        )
        used = await client.get(f"/password/reset/{token}")

        assert asked.status_code == 303
        assert "If an account exists for that email" in landing.text
        assert form.status_code == 200
        assert 'data-testid="reset-password-form"' in form.text
        assert form.headers["referrer-policy"] == "no-referrer"
        assert weak.status_code == 422
        assert "at least 8 characters" in weak.text
        assert done.status_code == 303
        assert used.status_code == 400
        assert 'data-testid="reset-link-invalid"' in used.text
        await sign_in(client, user.email, NEW_PASSWORD)

    async def test_unknown_email_answers_the_same(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        response = await post_form(
            client, "/password/forgot", {"email": "ghost@example.com"}, form_page="/password/forgot"
        )

        assert response.status_code == 303
        assert response.headers["location"] == "/login"
        async with database.read() as session:
            assert await session.scalar(select(func.count()).select_from(OutboxJob)) == 0

    async def test_unknown_link(self, client: httpx.AsyncClient) -> None:
        page = await client.get("/password/reset/made-up")
        token = await csrf(client, "/password/forgot")
        posted = await client.post(
            "/password/reset/made-up", data={"password": NEW_PASSWORD, "csrf_token": token}
        )

        assert page.status_code == posted.status_code == 400
        assert "Ask for a new link" in posted.text
