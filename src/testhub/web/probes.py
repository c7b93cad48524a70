"""Probes (always open) and /metrics (behind `authorize`, like the pages)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from testhub.web import exposition
from testhub.web.access import authorize
from testhub.web.state import HubDep

router = APIRouter()


@router.get("/healthz")
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@router.get("/favicon.ico", include_in_schema=False)
async def favicon() -> Response:
    return Response(status_code=204)  # no icon; spares the log a 404 per page view


@router.get("/readyz")
async def readyz(hub: HubDep) -> JSONResponse:
    try:
        async with hub.database.session() as session:
            await session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as error:
        return JSONResponse(
            {"status": "unavailable", "database": type(error).__name__}, status_code=503
        )
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get("/metrics", dependencies=[Depends(authorize)])
async def metrics(hub: HubDep) -> Response:
    return Response(await exposition.render(hub.database), media_type=CONTENT_TYPE_LATEST)
