from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from shop.config import Settings
from shop.main import AppRole, create_app


class TestHealthz:
    async def test_alive(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}


class TestReadyz:
    async def test_ready_when_database_answers(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/readyz")
        assert response.status_code == 200
        assert response.json()["checks"] == {"database": "ok"}

    @pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
    async def test_names_redis_when_it_does_not_answer(self, app_settings: Settings) -> None:
        settings = app_settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
        application: FastAPI = create_app(AppRole.API, settings=settings)
        async with application.router.lifespan_context(application):
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                response = await http.get("/readyz")
        assert response.status_code == 503
        assert response.json()["failed"] == ["redis"]
        assert response.json()["checks"]["database"] == "ok"

    @pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
    async def test_ready_with_redis(self, app_settings: Settings) -> None:
        settings = app_settings.model_copy(update={"redis_url": "redis://127.0.0.1:6379/15"})
        application: FastAPI = create_app(AppRole.API, settings=settings)
        async with application.router.lifespan_context(application):
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                response = await http.get("/readyz")
        assert response.status_code == 200
        assert response.json()["checks"] == {"database": "ok", "redis": "ok"}
