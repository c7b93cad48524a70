"""What every route of the hub app shares, kept on `app.state.hub`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request

from testhub.config import HubSettings
from testhub.store.database import HubDatabase


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class HubState:
    settings: HubSettings
    database: HubDatabase
    clock: Callable[[], datetime] = utc_now


def hub_state(request: Request) -> HubState:
    state: HubState = request.app.state.hub
    return state


HubDep = Annotated[HubState, Depends(hub_state)]
