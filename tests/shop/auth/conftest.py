from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from shop.auth import service as auth_service
from shop.kit.clock import utcnow
from tests.builders.accounts import FrozenClock

ClientFrom = Callable[[str], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    """Freezes the auth service's time (failures, token lifetimes); `advance` moves it."""
    frozen = FrozenClock(utcnow().replace(microsecond=0))
    monkeypatch.setattr(auth_service, "utcnow", frozen)
    return frozen


@pytest.fixture
def client_from(app: FastAPI) -> ClientFrom:
    """A client of the app whose requests come from another IP address."""

    @asynccontextmanager
    async def open_client(ip: str) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=app, client=(ip, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http

    return open_client
